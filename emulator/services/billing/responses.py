"""Cloud Billing v1 routes."""

from __future__ import annotations

from typing import Any

from emulator import errors, paging
from emulator.routing import ApiRequest, RouteTable
from emulator.services.billing import models


def list_accounts(request: ApiRequest) -> dict[str, Any]:
    """AIP-158 paging (page size at most 100, the default)."""
    accounts = models.list_accounts(request.state)
    items, token = paging.page(
        accounts, request.query, query=request.param("filter") or "", default=100, maximum=100
    )
    return paging.reply("billingAccounts", items, token)


def get_account(request: ApiRequest) -> dict[str, Any]:
    return models.get_account(request.state, "billingAccounts/" + request.params["account"])


def get_billing_info(request: ApiRequest) -> dict[str, Any]:
    return models.billing_info(request.state, request.params["project"])


def update_billing_info(request: ApiRequest) -> dict[str, Any]:
    name = request.body.get("billingAccountName", "")
    if not isinstance(name, str):
        raise errors.invalid_argument("billingAccountName must be a string", "billing_account_name")
    return models.update_billing_info(request.state, request.params["project"], name)


def register(routes: RouteTable) -> None:
    routes.add("GET", "/v1/billingAccounts", list_accounts)
    routes.add("GET", "/v1/billingAccounts/{account}", get_account)
    routes.add("GET", "/v1/projects/{project}/billingInfo", get_billing_info)
    routes.add(
        "PUT",
        "/v1/projects/{project}/billingInfo",
        update_billing_info,
        body_schema="cloudbilling.v1#ProjectBillingInfo",
    )
