"""google.longrunning.Operations for Vertex: GET of an operation under a location, an endpoint or a model,
on /v1, /v1beta1 and the /ui/ paths the GAPIC REST clients poll. Operations are named with the project
number; callers may use the ID."""

from __future__ import annotations

from typing import Any

from emulator.errors import not_found
from emulator.routing import ApiRequest, RouteTable
from emulator.services.vertex.place import LOCATION, place_of


def get_operation(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    scope = place_of(request).parent
    if "endpoint" in params:
        scope += f"/endpoints/{params['endpoint']}"
    elif "model" in params:
        scope += f"/models/{params['model']}"
    name = f"{scope}/operations/{params['operation']}"
    operation = request.state.operations.get(name)
    if operation is None:
        raise not_found(f"Operation {name} not found.")
    return operation


def register(routes: RouteTable) -> None:
    for prefix in ("/v1", "/v1beta1", "/ui"):
        for scope in ("", "/endpoints/{endpoint}", "/models/{model}"):
            routes.add("GET", f"{prefix}{LOCATION}{scope}/operations/{{operation}}", get_operation)
