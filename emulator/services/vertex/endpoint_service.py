"""EndpointService (google.cloud.aiplatform.v1 / v1beta1): endpoints create / get / list / patch / delete,
and deployModel / undeployModel / mutateDeployedModel, over the shared store (`records.py`) with the
deployment rules of `deployments.py`. Create, delete and the three deployment methods are long-running;
patch is synchronous."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from emulator import paging
from emulator.errors import ApiError, failed_precondition, invalid_argument, not_found
from emulator.operations import finisher
from emulator.routing import ApiRequest, RouteTable
from emulator.services.vertex import deployments, records
from emulator.services.vertex.filters import matches, parse_filter
from emulator.services.vertex.place import (
    LOCATION,
    Place,
    add_route,
    operation_under_way,
    place_of,
    start_operation,
)
from emulator.update_mask import apply_masked, mask_paths

if TYPE_CHECKING:
    from emulator.state import EmulatorState

# endpoints.patch: the top-level fields an update mask may name (or reach into: `labels.team`).
UPDATABLE = ("displayName", "description", "labels", "trafficSplit")
SCHEMA = "aiplatform.v1#GoogleCloudAiplatformV1Endpoint"


# Each long-running method: (latency kind, finisher, response message, metadata message).
_OPERATIONS = {
    "create": ("endpoint.create", "vertex.create_endpoint", "Endpoint", "CreateEndpointOperationMetadata"),
    "delete": (
        "endpoint.delete",
        "vertex.delete_endpoint",
        "google.protobuf.Empty",
        "DeleteOperationMetadata",
    ),
    "deploy": (
        "endpoint.deploy_model",
        "vertex.deploy_model",
        "DeployModelResponse",
        "DeployModelOperationMetadata",
    ),
    "undeploy": (
        "endpoint.undeploy_model",
        "vertex.undeploy_model",
        "UndeployModelResponse",
        "UndeployModelOperationMetadata",
    ),
    "mutate": (
        "endpoint.mutate_deployed_model",
        "vertex.mutate_deployed_model",
        "MutateDeployedModelResponse",
        "MutateDeployedModelOperationMetadata",
    ),
}


def _start(state: EmulatorState, place: Place, endpoint_id: str, method: str, **args: Any) -> dict[str, Any]:
    """The operation of one of this endpoint's long-running methods (a key of _OPERATIONS)."""
    kind, finish, response, metadata = _OPERATIONS[method]
    return start_operation(
        state,
        place,
        f"{place.parent}/endpoints/{endpoint_id}",
        kind=kind,
        finish=finish,
        args={"endpoint_id": endpoint_id, **args},
        response=response,
        metadata=metadata,
    )


# ---- endpoints ---------------------------------------------------------------------------------------------


def create_endpoint(request: ApiRequest) -> dict[str, Any]:
    place, body, state = place_of(request), request.body, request.state
    if not body.get("displayName"):
        raise invalid_argument("Endpoint display_name must be set.", "endpoint.display_name")
    with state.store.transaction():
        endpoint_id = records.insert_endpoint(
            state,
            place,
            endpoint_id=request.param("endpointId"),
            display_name=body["displayName"],
            description=body.get("description", ""),
            labels=body.get("labels"),
            dedicated=bool(body.get("dedicatedEndpointEnabled")),
        )
    return _start(state, place, endpoint_id, "create")


@finisher("vertex.create_endpoint")
def _finish_create(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    return records.endpoint_json(records.endpoint_record(state, Place.from_args(args), args["endpoint_id"]))


def get_endpoint(request: ApiRequest) -> dict[str, Any]:
    place = place_of(request)
    return records.endpoint_json(records.endpoint_record(request.state, place, request.params["endpoint"]))


def list_endpoints(request: ApiRequest) -> dict[str, Any]:
    """AIP-132 / AIP-158: the location's endpoints in name order, `filter` on labels and display name."""
    place = place_of(request)
    filter_text = request.param("filter") or ""
    terms = parse_filter(filter_text)
    found = [
        records.endpoint_json(record)
        for record in request.state.store.list(records.ENDPOINTS, f"{place.project_number}/{place.location}/")
        if matches(record["endpoint"], terms)
    ]
    items, token = paging.page(found, request.query, query=f"{place.parent}|{filter_text}")
    return paging.reply("endpoints", items, token)


def update_endpoint(request: ApiRequest) -> dict[str, Any]:
    """endpoints.patch (AIP-134): synchronous, replaces the fields named in `updateMask` and returns the
    Endpoint. The mask is required; a field outside it is left alone; an empty displayName is refused."""
    place, body, state = place_of(request), request.body, request.state
    endpoint_id = request.params["endpoint"]
    masked = mask_paths(request.param("updateMask") or "", SCHEMA, UPDATABLE)
    touched = {path[0] for path in masked}
    with state.store.transaction():
        record = records.endpoint_record(state, place, endpoint_id)
        endpoint = copy.deepcopy(record["endpoint"])
        apply_masked(endpoint, body, masked)
        if "displayName" in touched and not endpoint.get("displayName"):
            raise invalid_argument("Endpoint display_name must be set.", "endpoint.display_name")
        split = endpoint.get("trafficSplit") or {}
        if "trafficSplit" in touched and split:
            unknown = sorted(set(split) - set(record["deployments"]))
            if unknown or sum(int(v) for v in split.values()) != 100:
                raise invalid_argument(
                    "traffic_split must name deployed models of this endpoint and sum to 100.",
                    "endpoint.traffic_split",
                )
        record["endpoint"] = endpoint
        records.save_endpoint(state, place, endpoint_id, record)
    return records.endpoint_json(record)


def delete_endpoint(request: ApiRequest) -> dict[str, Any]:
    """Long-running; refused while models are deployed; repeated while it runs, the same operation."""
    place, endpoint_id, state = place_of(request), request.params["endpoint"], request.state
    with state.store.transaction():
        record = records.endpoint_record(state, place, endpoint_id)
        under_way = operation_under_way(state, record.get("deleting"))
        if under_way is not None:
            return under_way
        if record["deployments"]:
            raise failed_precondition(
                f"Endpoint {place.parent}/endpoints/{endpoint_id} has deployed models "
                f"({', '.join(record['deployments'])}); undeploy them before deleting the endpoint."
            )
        operation = _start(state, place, endpoint_id, "delete")
        state.store.put(records.ENDPOINTS, place.key(endpoint_id), {**record, "deleting": operation["name"]})
    return operation


@finisher("vertex.delete_endpoint")
def _finish_delete(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    state.store.delete(records.ENDPOINTS, Place.from_args(args).key(args["endpoint_id"]))
    return {}


# ---- deploy / undeploy / mutate ----------------------------------------------------------------------------


def _model_id_from(name: str, place: Place) -> str:
    """`projects/P/locations/L/models/M[@V]` (P as ID or number) → M, when it is in this place."""
    parts = name.split("@", 1)[0].split("/")
    if len(parts) != 6 or parts[0] != "projects" or parts[2] != "locations" or parts[4] != "models":
        raise invalid_argument(f"Invalid model resource name {name!r}.", "deployed_model.model")
    if parts[1] not in (place.project_id, place.project_number) or parts[3] != place.location:
        raise invalid_argument(
            f"Model {name} must be in the same project and location as the endpoint.", "deployed_model.model"
        )
    return parts[5]


def deploy_model(request: ApiRequest) -> dict[str, Any]:
    place, body, state = place_of(request, billing=True), request.body, request.state
    endpoint_id = request.params["endpoint"]
    requested = body.get("deployedModel")
    if not isinstance(requested, dict) or not requested.get("model"):
        raise invalid_argument("deployed_model.model must be set.", "deployed_model.model")
    spec, minimum, maximum = deployments.resources(requested, place)
    with state.store.transaction():
        record = records.endpoint_record(state, place, endpoint_id)
        model_id = _model_id_from(requested["model"], place)
        model_record = records.model_record(state, place, model_id)
        quota = deployments.take_quota(state, place, spec, minimum)
        deployed_model: dict[str, Any] = {
            "model": f"{place.parent}/models/{model_id}",
            "modelVersionId": "1",
            "displayName": requested.get("displayName") or model_record["model"]["displayName"],
            "dedicatedResources": deployments.dedicated_json(
                spec, minimum, maximum, bool(requested["dedicatedResources"].get("spot"))
            ),
        }
        deployed_id = deployments.add_deployment(
            state, place, endpoint_id, record, deployed_model, model_record, quota, body.get("trafficSplit")
        )
    return _start(state, place, endpoint_id, "deploy", deployed_model_id=deployed_id)


@finisher("vertex.deploy_model")
def _finish_deploy(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = Place.from_args(args)
    deployed = deployments.complete_deployment(state, place, args["endpoint_id"], args["deployed_model_id"])
    return {"deployedModel": deployed}


def undeploy_model(request: ApiRequest) -> dict[str, Any]:
    place, endpoint_id = place_of(request), request.params["endpoint"]
    deployed_id = str(request.body.get("deployedModelId") or "")
    record = records.endpoint_record(request.state, place, endpoint_id)
    deployment = record["deployments"].get(deployed_id)
    if deployment is None:
        raise not_found(f"Deployed model {deployed_id!r} not found on endpoint {record['endpoint']['name']}.")
    if not deployment["ready"]:
        raise failed_precondition(
            f"Deployed model {deployed_id} is still being deployed; wait for its deploy operation to finish."
        )
    return _start(request.state, place, endpoint_id, "undeploy", deployed_model_id=deployed_id)


@finisher("vertex.undeploy_model")
def _finish_undeploy(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    deployments.remove_deployment(
        state, Place.from_args(args), args["endpoint_id"], args["deployed_model_id"]
    )
    return {}


def mutate_deployed_model(request: ApiRequest) -> dict[str, Any]:
    """Change replica counts of a ready deployment; quota follows the new minimum."""
    place, state = place_of(request, billing=True), request.state
    endpoint_id = request.params["endpoint"]
    requested = request.body.get("deployedModel") or {}
    deployed_id = str(requested.get("id") or "")
    with state.store.transaction():
        record = records.endpoint_record(state, place, endpoint_id)
        deployment = record["deployments"].get(deployed_id)
        if deployment is None or not deployment["ready"]:
            raise not_found(
                f"Deployed model {deployed_id!r} not found on endpoint {record['endpoint']['name']}."
            )
        current = deployment["deployedModel"]["dedicatedResources"]
        changes = requested.get("dedicatedResources") or {}
        merged = {
            **current,
            **{k: v for k, v in changes.items() if k in ("minReplicaCount", "maxReplicaCount")},
        }
        merged["machineSpec"] = current["machineSpec"]
        spec, minimum, maximum = deployments.resources({"dedicatedResources": merged}, place)
        deployments.give_back(state, place, deployment["quota"])
        deployment["quota"] = deployments.take_quota(state, place, spec, minimum)
        deployment["pending_resources"] = deployments.dedicated_json(
            spec, minimum, maximum, bool(current.get("spot"))
        )
        records.save_endpoint(state, place, endpoint_id, record)
    return _start(state, place, endpoint_id, "mutate", deployed_model_id=deployed_id)


@finisher("vertex.mutate_deployed_model")
def _finish_mutate(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = Place.from_args(args)
    record = state.store.get(records.ENDPOINTS, place.key(args["endpoint_id"]))
    deployment = (record or {}).get("deployments", {}).get(args["deployed_model_id"])
    if record is None or deployment is None:
        raise ApiError("ABORTED", "The deployed model was undeployed while it was being changed.")
    deployment["deployedModel"]["dedicatedResources"] = deployment.pop("pending_resources")
    records.save_endpoint(state, place, args["endpoint_id"], record)
    return {"deployedModel": deployment["deployedModel"]}


def register(routes: RouteTable) -> None:
    endpoint = f"{LOCATION}/endpoints/{{endpoint}}"
    add_route(routes, "POST", f"{LOCATION}/endpoints", create_endpoint, "Endpoint")
    add_route(routes, "GET", f"{LOCATION}/endpoints", list_endpoints)
    add_route(routes, "GET", endpoint, get_endpoint)
    add_route(routes, "PATCH", endpoint, update_endpoint, "Endpoint")
    add_route(routes, "DELETE", endpoint, delete_endpoint)
    add_route(routes, "POST", f"{endpoint}:deployModel", deploy_model, "DeployModelRequest")
    add_route(routes, "POST", f"{endpoint}:undeployModel", undeploy_model, "UndeployModelRequest")
    add_route(
        routes, "POST", f"{endpoint}:mutateDeployedModel", mutate_deployed_model, "MutateDeployedModelRequest"
    )
