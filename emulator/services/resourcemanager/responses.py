"""Cloud Resource Manager v3 routes (paths as the GAPIC REST client and the discovery client send them)."""

from __future__ import annotations

from typing import Any

from emulator import errors, paging
from emulator.routing import ApiRequest, RouteTable
from emulator.services.resourcemanager import models

API = "cloudresourcemanager.v3"


def create_project(request: ApiRequest) -> dict[str, Any]:
    return models.create_project(request.state, request.body)


def get_project(request: ApiRequest) -> dict[str, Any]:
    project = models.find_project(request.state, request.params["project"])
    if project is None:
        raise models.caller_cannot_see()
    return models.wire(project)


def delete_project(request: ApiRequest) -> dict[str, Any]:
    return models.delete_project(request.state, request.params["project"])


def update_project(request: ApiRequest) -> dict[str, Any]:
    mask = request.param("updateMask") or ""
    return models.update_project(request.state, request.params["project"], request.body, mask)


def search_projects(request: ApiRequest) -> dict[str, Any]:
    query = request.param("query") or ""
    items, token = paging.page(models.search_projects(request.state, query), request.query, query=query)
    return paging.reply("projects", items, token)


def list_projects(request: ApiRequest) -> dict[str, Any]:
    parent = request.param("parent")
    if not parent:
        raise errors.invalid_argument("parent is required, e.g. organizations/123", "parent")
    query = f"parent:{parent}" + ("" if request.param("showDeleted") == "true" else " state:ACTIVE")
    items, token = paging.page(models.search_projects(request.state, query), request.query, query=query)
    return paging.reply("projects", items, token)


def get_operation(request: ApiRequest) -> dict[str, Any]:
    operation = request.state.operations.get("operations/" + request.params["operation"])
    if operation is None:
        raise errors.not_found(f"Operation 'operations/{request.params['operation']}' not found.")
    return operation


def get_organization(request: ApiRequest) -> dict[str, Any]:
    organization = request.state.store.get("organizations", "organizations/" + request.params["organization"])
    if organization is None:
        raise errors.permission_denied("The caller does not have permission")
    return {"state": "ACTIVE", **organization}


def get_iam_policy(request: ApiRequest) -> dict[str, Any]:
    return models.get_iam_policy(request.state, request.params["project"])


def set_iam_policy(request: ApiRequest) -> dict[str, Any]:
    return models.set_iam_policy(request.state, request.params["project"], request.body.get("policy"))


def register(routes: RouteTable) -> None:
    routes.add("POST", "/v3/projects", create_project, body_schema=f"{API}#Project")
    routes.add("GET", "/v3/projects:search", search_projects)
    routes.add("GET", "/v3/projects", list_projects)
    routes.add("GET", "/v3/projects/{project}", get_project)
    routes.add("PATCH", "/v3/projects/{project}", update_project, body_schema=f"{API}#Project")
    routes.add("DELETE", "/v3/projects/{project}", delete_project)
    routes.add(
        "POST",
        "/v3/projects/{project}:getIamPolicy",
        get_iam_policy,
        body_schema=f"{API}#GetIamPolicyRequest",
    )
    routes.add(
        "POST",
        "/v3/projects/{project}:setIamPolicy",
        set_iam_policy,
        body_schema=f"{API}#SetIamPolicyRequest",
    )
    routes.add("GET", "/v3/operations/{operation}", get_operation)
    routes.add("GET", "/v3/organizations/{organization}", get_organization)
