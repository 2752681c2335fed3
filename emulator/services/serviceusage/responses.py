"""Service Usage v1 routes."""

from __future__ import annotations

from typing import Any

from emulator import errors, paging
from emulator.routing import ApiRequest, RouteTable
from emulator.services.serviceusage import models

API = "serviceusage.v1"


def get_service(request: ApiRequest) -> dict[str, Any]:
    return models.get_service(request.state, request.params["project"], request.params["service"])


def list_services(request: ApiRequest) -> dict[str, Any]:
    """AIP-158 paging (default 50, at most 200, as Service Usage documents); filter state:ENABLED|DISABLED."""
    project, filter_text = request.params["project"], request.param("filter") or ""
    services = models.list_services(request.state, project, filter_text)
    items, token = paging.page(
        services, request.query, query=f"{project}|{filter_text}", default=50, maximum=200
    )
    return paging.reply("services", items, token)


def enable_service(request: ApiRequest) -> dict[str, Any]:
    return models.enable(request.state, request.params["project"], [request.params["service"]], batch=False)


def batch_enable(request: ApiRequest) -> dict[str, Any]:
    services = request.body.get("serviceIds", [])
    return models.enable(request.state, request.params["project"], services, batch=True)


def disable_service(request: ApiRequest) -> dict[str, Any]:
    return models.disable(request.state, request.params["project"], request.params["service"])


def get_operation(request: ApiRequest) -> dict[str, Any]:
    name = "operations/" + request.params["operation"]
    operation = request.state.operations.get(name)
    if operation is None:
        raise errors.not_found(f"Operation '{name}' not found.")
    return operation


def register(routes: RouteTable) -> None:
    routes.add("GET", "/v1/projects/{project}/services", list_services)
    routes.add("GET", "/v1/projects/{project}/services/{service}", get_service)
    routes.add(
        "POST",
        "/v1/projects/{project}/services/{service}:enable",
        enable_service,
        body_schema=f"{API}#EnableServiceRequest",
    )
    routes.add(
        "POST",
        "/v1/projects/{project}/services/{service}:disable",
        disable_service,
        body_schema=f"{API}#DisableServiceRequest",
    )
    routes.add(
        "POST",
        "/v1/projects/{project}/services:batchEnable",
        batch_enable,
        body_schema=f"{API}#BatchEnableServicesRequest",
    )
    routes.add("GET", "/v1/operations/{operation}", get_operation)
