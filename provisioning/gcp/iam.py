"""IAM v1 over raw REST: service accounts (no key files, ever) and their IAM policy, workload identity pools
and providers."""

from __future__ import annotations

from typing import Any

from provisioning.gcp.clients import Clients
from provisioning.gcp.operations import OperationRef
from provisioning.gcp.retry import rerun_on_concurrent_change


def service_account_email(account_id: str, project: str) -> str:
    return f"{account_id}@{project}.iam.gserviceaccount.com"


def get_service_account(clients: Clients, project: str, account_id: str) -> dict[str, object] | None:
    email = service_account_email(account_id, project)
    found: dict[str, object] | None = clients.get_or_none(
        "iam",
        f"/v1/projects/{project}/serviceAccounts/{email}",
        f"read service account {email}",
        project=project,
    )
    return found


def create_service_account(
    clients: Clients, project: str, account_id: str, display_name: str, description: str
) -> dict[str, object]:
    created: dict[str, object] = clients.rest(
        "POST",
        "iam",
        f"/v1/projects/{project}/serviceAccounts",
        f"create service account {account_id} in {project}",
        json={
            "accountId": account_id,
            "serviceAccount": {"displayName": display_name, "description": description},
        },
        project=project,
    )
    return created


# -- Workload Identity Federation: pools and providers (create is a long-running operation) ----------------
def _get_or_none(clients: Clients, name: str, what: str, project: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = clients.get_or_none("iam", f"/v1/{name}", what, project=project)
    return found


def get_pool(clients: Clients, project: str, pool_id: str) -> dict[str, Any] | None:
    name = f"projects/{project}/locations/global/workloadIdentityPools/{pool_id}"
    return _get_or_none(clients, name, f"read workload identity pool {pool_id}", project)


def create_pool(clients: Clients, project: str, pool_id: str, pool: dict[str, Any]) -> OperationRef:
    op = clients.rest(
        "POST",
        "iam",
        f"/v1/projects/{project}/locations/global/workloadIdentityPools",
        f"create workload identity pool {pool_id} in {project}",
        json=pool,
        params={"workloadIdentityPoolId": pool_id},
        project=project,
    )
    return OperationRef("iam", str(op["name"]), "v1")


def get_provider(clients: Clients, project: str, pool_id: str, provider_id: str) -> dict[str, Any] | None:
    name = f"projects/{project}/locations/global/workloadIdentityPools/{pool_id}/providers/{provider_id}"
    return _get_or_none(clients, name, f"read workload identity provider {pool_id}/{provider_id}", project)


def create_provider(
    clients: Clients, project: str, pool_id: str, provider_id: str, provider: dict[str, Any]
) -> OperationRef:
    op = clients.rest(
        "POST",
        "iam",
        f"/v1/projects/{project}/locations/global/workloadIdentityPools/{pool_id}/providers",
        f"create workload identity provider {pool_id}/{provider_id} in {project}",
        json=provider,
        params={"workloadIdentityPoolProviderId": provider_id},
        project=project,
    )
    return OperationRef("iam", str(op["name"]), "v1")


def patch_provider(clients: Clients, name: str, provider: dict[str, Any], fields: list[str]) -> OperationRef:
    op = clients.rest(
        "PATCH",
        "iam",
        f"/v1/{name}",
        f"update workload identity provider {name}",
        json=provider,
        params={"updateMask": ",".join(fields)},
    )
    return OperationRef("iam", str(op["name"]), "v1")


# -- a service account's own IAM policy (who may act as it) --------------------------------------------------
def add_service_account_binding(clients: Clients, project: str, email: str, role: str, member: str) -> bool:
    """Grant `role` on the service account to `member` (read-modify-write with the etag, again from a fresh
    read when a concurrent change made the etag stale); False when held."""
    return rerun_on_concurrent_change(
        lambda: _add_account_binding_once(clients, project, email, role, member)
    )


def _add_account_binding_once(clients: Clients, project: str, email: str, role: str, member: str) -> bool:
    path = f"/v1/projects/{project}/serviceAccounts/{email}"
    policy: dict[str, Any] = clients.rest(
        "POST", "iam", f"{path}:getIamPolicy", f"read the IAM policy of {email}", json={}, project=project
    )
    bindings: list[dict[str, Any]] = policy.setdefault("bindings", [])
    for binding in bindings:
        if binding.get("role") == role and "condition" not in binding:
            if member in binding.get("members", []):
                return False
            binding.setdefault("members", []).append(member)
            break
    else:
        bindings.append({"role": role, "members": [member]})
    clients.rest(
        "POST",
        "iam",
        f"{path}:setIamPolicy",
        f"grant {role} on {email} to {member}",
        json={"policy": policy},
        project=project,
    )
    return True
