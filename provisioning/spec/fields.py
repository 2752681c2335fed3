"""The field types and the strict base every spec model shares: label values, resource names, regions."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from provisioning.catalog import load_catalog

# (Character classes are spelled out: `\d` would also match non-ASCII digits.)
_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
_RESOURCE_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


def matches(pattern: re.Pattern[str], rule: str) -> AfterValidator:
    def validate(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(rule)
        return value

    return AfterValidator(validate)


def _valid_region(value: str) -> str:
    regions = load_catalog().regions
    if value not in regions:
        raise ValueError(f"unknown Vertex AI region; known regions: {', '.join(sorted(regions))}")
    return value


def _valid_labels(value: dict[str, str]) -> dict[str, str]:
    if len(value) > 64:
        raise ValueError("at most 64 labels")
    for key, val in value.items():
        if not _LABEL_KEY.fullmatch(key):
            raise ValueError(
                f"label key {key!r}: lowercase letters, digits, '_' or '-', starting with a letter"
            )
        if not _LABEL_VALUE.fullmatch(val):
            raise ValueError(
                f"label value {val!r} (key {key!r}): up to 63 lowercase letters, digits, '_' or '-'"
            )
    return value


RegionName = Annotated[str, AfterValidator(_valid_region)]
LabelValue = Annotated[str, matches(_LABEL_VALUE, "up to 63 lowercase letters, digits, '_' or '-'")]
ResourceName = Annotated[
    str, matches(_RESOURCE_NAME, "1-63 lowercase letters, digits or hyphens, starting with a letter")
]
Labels = Annotated[dict[str, str], AfterValidator(_valid_labels)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
