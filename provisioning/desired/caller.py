"""The caller: the service account applications call models as (IAM `projects.serviceAccounts.create`) and
its one project role (a Resource Manager IAM binding). No keys, ever."""

from __future__ import annotations

from typing import Any

from provisioning.identity import CALLER_ROLE
from provisioning.spec import EnvironmentSpec

__all__ = ["CALLER_ROLE", "email", "project_binding", "service_account"]


def email(spec: EnvironmentSpec) -> str:
    return f"{spec.caller.service_account_id}@{spec.project.id}.iam.gserviceaccount.com"


def service_account(spec: EnvironmentSpec) -> dict[str, Any]:
    """The `serviceAccounts.create` body."""
    return {
        "accountId": spec.caller.service_account_id,
        "serviceAccount": {
            "displayName": "LLM caller",
            "description": f"Calls Vertex AI models; managed by provision ({spec.environment})",
        },
    }


def project_binding(spec: EnvironmentSpec) -> dict[str, Any]:
    """The binding added to the project's IAM policy (`Binding`: role and members)."""
    return {"role": CALLER_ROLE, "members": [f"serviceAccount:{email(spec)}"]}
