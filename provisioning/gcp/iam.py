"""IAM v1 over raw REST: service accounts (no key files, ever) and their IAM policy, workload identity pools
and providers."""

from __future__ import annotations

from collections.abc import Callable
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
) -> dict[str, object] | None:
    """The created account, or None when it exists already (ALREADY_EXISTS, or found after an attempt whose
    reply was lost)."""
    created: dict[str, object] | None = clients.create(
        lambda: clients.send_once(
            "POST",
            "iam",
            f"/v1/projects/{project}/serviceAccounts",
            json={
                "accountId": account_id,
                "serviceAccount": {"displayName": display_name, "description": description},
            },
        ),
        lambda: get_service_account(clients, project, account_id) is not None,
        f"create service account {account_id} in {project}",
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


def _start_create(
    clients: Clients,
    project: str,
    collection: str,
    id_param: str,
    resource_id: str,
    body: dict[str, Any],
    exists: Callable[[], bool],
    what: str,
) -> OperationRef | None:
    """POST `body` to `collection` (a pool or provider list) under the id we choose; its operation, or None
    when it exists already."""
    op: dict[str, Any] | None = clients.create(
        lambda: clients.send_once(
            "POST", "iam", f"/v1/{collection}", json=body, params={id_param: resource_id}
        ),
        exists,
        what,
        project=project,
    )
    return OperationRef("iam", str(op["name"]), "v1") if op is not None else None


def create_pool(clients: Clients, project: str, pool_id: str, pool: dict[str, Any]) -> OperationRef | None:
    """Start creating the pool; None when it exists already."""
    return _start_create(
        clients,
        project,
        f"projects/{project}/locations/global/workloadIdentityPools",
        "workloadIdentityPoolId",
        pool_id,
        pool,
        lambda: get_pool(clients, project, pool_id) is not None,
        f"create workload identity pool {pool_id} in {project}",
    )


def get_provider(clients: Clients, project: str, pool_id: str, provider_id: str) -> dict[str, Any] | None:
    name = f"projects/{project}/locations/global/workloadIdentityPools/{pool_id}/providers/{provider_id}"
    return _get_or_none(clients, name, f"read workload identity provider {pool_id}/{provider_id}", project)


def create_provider(
    clients: Clients, project: str, pool_id: str, provider_id: str, provider: dict[str, Any]
) -> OperationRef | None:
    """Start creating the provider; None when it exists already."""
    return _start_create(
        clients,
        project,
        f"projects/{project}/locations/global/workloadIdentityPools/{pool_id}/providers",
        "workloadIdentityPoolProviderId",
        provider_id,
        provider,
        lambda: get_provider(clients, project, pool_id, provider_id) is not None,
        f"create workload identity provider {pool_id}/{provider_id} in {project}",
    )


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
    read when a concurrent change made the etag stale); False when held. A set whose reply was lost is read
    back, not sent again (`Clients.create`)."""
    return rerun_on_concurrent_change(
        lambda: _add_account_binding_once(clients, project, email, role, member)
    )


def _add_account_binding_once(clients: Clients, project: str, email: str, role: str, member: str) -> bool:
    path = f"/v1/projects/{project}/serviceAccounts/{email}"

    def read() -> dict[str, Any]:
        policy: dict[str, Any] = clients.rest(
            "POST", "iam", f"{path}:getIamPolicy", f"read the IAM policy of {email}", json={}, project=project
        )
        return policy

    def grant() -> bool:
        policy = read()
        if _holds(policy, role, member):
            return False
        bindings: list[dict[str, Any]] = policy.setdefault("bindings", [])
        for binding in bindings:
            if binding.get("role") == role and "condition" not in binding:
                binding.setdefault("members", []).append(member)
                break
        else:
            bindings.append({"role": role, "members": [member]})
        clients.send_once("POST", "iam", f"{path}:setIamPolicy", json={"policy": policy})
        return True

    granted = clients.create(
        grant, lambda: _holds(read(), role, member), f"grant {role} on {email} to {member}", project=project
    )
    return granted is not False


def _holds(policy: dict[str, Any], role: str, member: str) -> bool:
    """Whether an unconditional binding of `role` lists `member`."""
    return any(
        b.get("role") == role and "condition" not in b and member in b.get("members", [])
        for b in policy.get("bindings", [])
    )
