"""Cloud Billing Budget API v1 over raw REST: the budgets on a billing account (list, create, patch)."""

from __future__ import annotations

from typing import Any

from provisioning.errors import GoogleApiError
from provisioning.gcp.clients import Clients

SERVICE = "billingbudgets"


def list_budgets(clients: Clients, account: str) -> list[dict[str, Any]]:
    """Every budget on `account` (billingAccounts/XXXXXX-XXXXXX-XXXXXX), all pages."""
    budgets: list[dict[str, Any]] = []
    params: dict[str, str] = {}
    while True:
        page = clients.rest(
            "GET", SERVICE, f"/v1/{account}/budgets", f"list the budgets of {account}", params=params
        )
        budgets.extend(page.get("budgets", []))
        token = page.get("nextPageToken")
        if not token:
            return budgets
        params = {"pageToken": token}


def same_budget(found: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether `found` is the budget `wanted` describes: the same display name and project filter (budgets
    carry no labels, and the API takes no request id)."""
    return (
        found.get("displayName") == wanted["displayName"]
        and (found.get("budgetFilter") or {}).get("projects") == wanted["budgetFilter"]["projects"]
    )


def create_budget(clients: Clients, account: str, budget: dict[str, Any]) -> dict[str, Any]:
    """Create `budget` once. The server picks a budget's id, so sending it again after a lost reply would
    make a second one: after a failed attempt the budgets are listed first, and one `same_budget` as this
    is the one that attempt made."""
    found: list[dict[str, Any]] = []

    def exists() -> bool:
        found[:] = [b for b in list_budgets(clients, account) if same_budget(b, budget)]
        return bool(found)

    created: dict[str, Any] | None = clients.create(
        lambda: clients.send_once("POST", SERVICE, f"/v1/{account}/budgets", json=budget),
        exists,
        f"create budget {budget['displayName']!r} on {account}",
    )
    return created if created is not None else found[0]


def patch_budget(clients: Clients, name: str, budget: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Replace the `fields` (camelCase budget paths) of budget `name`."""
    updated: dict[str, Any] = clients.rest(
        "PATCH",
        SERVICE,
        f"/v1/{name}",
        f"update budget {name}",
        json=budget,
        params={"updateMask": ",".join(fields)},
    )
    return updated


def delete_budget(clients: Clients, name: str, *, missing_ok: bool = False) -> None:
    try:
        clients.rest("DELETE", SERVICE, f"/v1/{name}", f"delete budget {name}")
    except GoogleApiError as error:
        if not (missing_ok and error.status == "NOT_FOUND"):
            raise
