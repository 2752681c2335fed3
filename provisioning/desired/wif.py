"""Workload Identity Federation for CI (IAM v1): a pool, a GitHub OIDC provider whose attribute condition
admits one repository, and roles/iam.workloadIdentityUser on the caller account for that repository's
principal set. The names and the condition come from provisioning/identity.py."""

from __future__ import annotations

from typing import Any

from provisioning.identity import (
    ATTRIBUTE_MAPPING,
    GITHUB_ISSUER,
    POOL_DISPLAY_NAME,
    WIF_ROLE,
    GithubFederation,
)
from provisioning.spec import EnvironmentSpec


def pool(spec: EnvironmentSpec) -> dict[str, Any] | None:
    """The `workloadIdentityPools.create` body (the id travels as `workloadIdentityPoolId`); None without
    federation."""
    return {"displayName": POOL_DISPLAY_NAME} if spec.caller.workload_identity else None


def provider(github: GithubFederation) -> dict[str, Any]:
    """The `providers.create` body: always with the one-repository condition (there is no way to ask for a
    provider without one)."""
    return {
        "attributeMapping": dict(ATTRIBUTE_MAPPING),
        "attributeCondition": github.condition,
        "oidc": {"issuerUri": GITHUB_ISSUER},
    }


def caller_binding(github: GithubFederation, project_number: str) -> dict[str, Any]:
    """The binding added to the caller account's own IAM policy: this repository's workflows may act as it."""
    return {"role": WIF_ROLE, "members": [github.member_for_pool(github.pool_name(project_number))]}
