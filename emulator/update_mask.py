"""`updateMask` of a PATCH (AIP-134, google.protobuf.FieldMask in its JSON form: comma-separated paths, each
lowerCamelCase or snake_case). Only the fields a mask names change; a named field the body leaves out is
cleared. Without a mask, a method that allows it updates what the body sets (AIP-134's implied mask)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from emulator.errors import invalid_argument


def paths(mask: str) -> list[str]:
    """The mask's paths as sent ("displayName,labels" → ["displayName", "labels"])."""
    return [path.strip() for path in mask.split(",") if path.strip()]


def snake(path: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), path)


def mask_keys(mask: str, updatable: Mapping[str, str], body: dict[str, Any] | None = None) -> list[str]:
    """The JSON keys the mask names; `updatable` maps snake_case paths to JSON keys. 400 for a path outside
    it. An empty mask is 400 (required) unless `body` is given: then the updatable keys the body sets."""
    named = paths(mask)
    if not named:
        if body is None:
            raise invalid_argument("update_mask is required.", "update_mask")
        return [key for key in updatable.values() if key in body]
    keys = []
    for path in named:
        key = updatable.get(snake(path))
        if key is None:
            raise invalid_argument(f"Field '{path}' cannot be updated.", "update_mask")
        keys.append(key)
    return keys


def apply_masked(resource: dict[str, Any], body: Mapping[str, Any], keys: list[str]) -> None:
    """Copy the fields `keys` names from `body` onto `resource`; one the body leaves empty is cleared."""
    for key in keys:
        value = body.get(key)
        if value in (None, "", {}):
            resource.pop(key, None)
        else:
            resource[key] = value
