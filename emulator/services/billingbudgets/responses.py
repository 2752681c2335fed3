"""Cloud Billing Budget API v1 routes."""

from __future__ import annotations

from typing import Any

from emulator import paging
from emulator.routing import ApiRequest, RouteTable
from emulator.services.billingbudgets import models


def _account(request: ApiRequest) -> str:
    return "billingAccounts/" + request.params["account"]


def _name(request: ApiRequest) -> str:
    return f"{_account(request)}/budgets/{request.params['budget']}"


def create(request: ApiRequest) -> dict[str, Any]:
    return models.create(request.state, _account(request), request.body)


def list_budgets(request: ApiRequest) -> dict[str, Any]:
    account = _account(request)
    items, token = paging.page(models.list_budgets(request.state, account), request.query, query=account)
    return paging.reply("budgets", items, token)


def get(request: ApiRequest) -> dict[str, Any]:
    return models.get(request.state, _name(request))


def patch(request: ApiRequest) -> dict[str, Any]:
    return models.patch(request.state, _name(request), request.body, request.param("updateMask") or "")


def delete(request: ApiRequest) -> dict[str, Any]:
    models.delete(request.state, _name(request))
    return {}


def register(routes: RouteTable) -> None:
    base = "/v1/billingAccounts/{account}/budgets"
    schema = "billingbudgets.v1#GoogleCloudBillingBudgetsV1Budget"
    routes.add("POST", base, create, body_schema=schema)
    routes.add("GET", base, list_budgets)
    routes.add("GET", base + "/{budget}", get)
    routes.add("PATCH", base + "/{budget}", patch, body_schema=schema)
    routes.add("DELETE", base + "/{budget}", delete)
