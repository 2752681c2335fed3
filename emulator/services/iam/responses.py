"""IAM v1 routes: service accounts here; federation and account policies in federation.py."""

from __future__ import annotations

from typing import Any

from emulator import paging
from emulator.routing import ApiRequest, RouteTable
from emulator.services.iam import federation, models


def create(request: ApiRequest) -> dict[str, Any]:
    return models.create(request.state, request.params["project"], request.body)


def get(request: ApiRequest) -> dict[str, Any]:
    return models.get(request.state, request.params["project"], request.params["account"])


def list_accounts(request: ApiRequest) -> dict[str, Any]:
    """AIP-158 paging (default 20, at most 100, as IAM documents)."""
    project = request.params["project"]
    accounts = models.list_accounts(request.state, project)
    items, token = paging.page(accounts, request.query, query=project, default=20, maximum=100)
    return paging.reply("accounts", items, token)


def register(routes: RouteTable) -> None:
    base = "/v1/projects/{project}/serviceAccounts"
    routes.add("POST", base, create, body_schema="iam.v1#CreateServiceAccountRequest")
    routes.add("GET", base, list_accounts)
    routes.add("GET", base + "/{account}", get)
    federation.register(routes)
