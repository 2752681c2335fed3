"""IAM v1 service accounts over raw REST (no key files, ever)."""

from __future__ import annotations

from provisioning.errors import GoogleApiError
from provisioning.gcp.clients import Clients


def service_account_email(account_id: str, project: str) -> str:
    return f"{account_id}@{project}.iam.gserviceaccount.com"


def get_service_account(clients: Clients, project: str, account_id: str) -> dict[str, object] | None:
    email = service_account_email(account_id, project)
    try:
        found: dict[str, object] = clients.rest(
            "GET",
            "iam",
            f"/v1/projects/{project}/serviceAccounts/{email}",
            f"read service account {email}",
            project=project,
        )
    except GoogleApiError as error:
        if error.status_code == 404:
            return None
        raise
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
