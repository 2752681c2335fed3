"""`project:`: which Google Cloud project, created or adopted, and its billing account."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from provisioning.spec.fields import Strict, matches

# Google's rules: 6-30 characters, lowercase ASCII letters, digits and hyphens, starting with a letter,
# not ending with a hyphen. (Character classes are spelled out: `\d` would also match non-ASCII digits.)
_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_BILLING_ACCOUNT = re.compile(r"^(billingAccounts/)?([0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6})$")
_PARENT = re.compile(r"^(organizations|folders)/[0-9]{1,20}$")
_FORBIDDEN_IN_PROJECT_ID = ("google", "null", "undefined", "ssl")


def _valid_project_id(value: str) -> str:
    if not _PROJECT_ID.fullmatch(value):
        raise ValueError(
            "a project id has 6-30 characters: lowercase ASCII letters, digits and hyphens, "
            "starts with a letter and does not end with a hyphen"
        )
    for word in _FORBIDDEN_IN_PROJECT_ID:
        if word in value:
            raise ValueError(f"a project id may not contain {word!r}")
    return value


ProjectId = Annotated[str, AfterValidator(_valid_project_id)]


class ProjectSpec(Strict):
    id: ProjectId
    display_name: Annotated[str, Field(min_length=4, max_length=30)] | None = None
    adopt: bool = False
    parent: Annotated[str, matches(_PARENT, "organizations/NUMBER or folders/NUMBER")] | None = None
    billing_account: str | None = None

    @field_validator("billing_account")
    @classmethod
    def _normalise_billing_account(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _BILLING_ACCOUNT.fullmatch(value)
        if not match:
            raise ValueError("a billing account id looks like 012345-6789AB-CDEF01 (uppercase hex)")
        return f"billingAccounts/{match.group(2)}"

    @model_validator(mode="after")
    def _billing_needed_to_create(self) -> ProjectSpec:
        if not self.adopt and self.billing_account is None:
            raise ValueError(
                "billing_account: required when the project is created (adopt: false); "
                "set project.billing_account, or adopt: true for a project that already has billing"
            )
        return self
