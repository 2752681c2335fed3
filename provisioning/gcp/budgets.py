"""Cloud Billing Budget API v1 over raw REST: the budgets on a billing account (list, create, patch)."""

from __future__ import annotations

from typing import Any

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


def create_budget(clients: Clients, account: str, budget: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = clients.rest(
        "POST",
        SERVICE,
        f"/v1/{account}/budgets",
        f"create budget {budget['displayName']!r} on {account}",
        json=budget,
    )
    return created


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


def delete_budget(clients: Clients, name: str) -> None:
    clients.rest("DELETE", SERVICE, f"/v1/{name}", f"delete budget {name}")
