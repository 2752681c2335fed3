"""Deployments: the rules EndpointService.DeployModel / UndeployModel / MutateDeployedModel and
ModelGardenService.Deploy share. GPU serving quota is taken when a deploy is accepted and given back when the
undeploy finishes (or the deploy fails); regional GPU capacity (stockouts, `capacity.py`) is checked when the
deploy operation finishes, which also sets the traffic split and the model's `deployedModels` back-reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator import guards
from emulator.errors import ApiError, failed_precondition, invalid_argument
from emulator.services.vertex import capacity
from emulator.services.vertex.catalog import MachineSpec, machines
from emulator.services.vertex.place import Place, new_id, now
from emulator.services.vertex.records import ENDPOINTS, MODELS, endpoint_record, save_endpoint

if TYPE_CHECKING:
    from emulator.state import EmulatorState


def resources(body: dict[str, Any], place: Place) -> tuple[MachineSpec, int, int]:
    """Machine spec and replica counts of a `dedicatedResources`, checked against what Vertex offers."""
    dedicated = body.get("dedicatedResources")
    if not isinstance(dedicated, dict) or not dedicated.get("machineSpec"):
        raise invalid_argument(
            "Deployed model must set dedicated_resources.machine_spec.", "deployed_model.dedicated_resources"
        )
    spec = MachineSpec.from_json(dedicated["machineSpec"])
    machines().check(spec, place.location)
    minimum = int(dedicated.get("minReplicaCount") or 1)
    maximum = int(dedicated.get("maxReplicaCount") or minimum)
    if maximum < minimum:
        raise invalid_argument(
            f"max_replica_count ({maximum}) must be at least min_replica_count ({minimum}).",
            "dedicated_resources.max_replica_count",
        )
    return spec, minimum, maximum


def dedicated_json(spec: MachineSpec, minimum: int, maximum: int, spot: bool = False) -> dict[str, Any]:
    dedicated: dict[str, Any] = {
        "machineSpec": spec.to_json(),
        "minReplicaCount": minimum,
        "maxReplicaCount": maximum,
    }
    if spot:
        dedicated["spot"] = True
    return dedicated


def take_quota(state: EmulatorState, place: Place, spec: MachineSpec, replicas: int) -> dict[str, Any] | None:
    """Hold serving GPUs for `replicas` replicas (429 past the limit); returns what to give back later."""
    if not spec.accelerator_type:
        return None
    metric = machines().quota_metrics[spec.accelerator_type]
    count = spec.accelerator_count * replicas
    guards.allocate(state, place.project_number, place.location, metric, count)
    return {"metric": metric, "count": count}


def give_back(state: EmulatorState, place: Place, quota: dict[str, Any] | None) -> None:
    if quota:
        guards.release(state, place.project_number, place.location, quota["metric"], quota["count"])


def add_deployment(
    state: EmulatorState,
    place: Place,
    endpoint_id: str,
    record: dict[str, Any],
    deployed_model: dict[str, Any],
    model_record: dict[str, Any],
    quota: dict[str, Any] | None,
    traffic_split: dict[str, Any] | None,
) -> str:
    """Add a pending (not ready) deployment to an endpoint record and save it; returns its deployed id."""
    deployed_id = new_id()
    deployed_model = {**deployed_model, "id": deployed_id, "createTime": now(state)}
    record["deployments"][deployed_id] = {
        "deployedModel": deployed_model,
        "ready": False,
        "family": model_record["family"],
        "served_model": model_record["served_model"],
        "quota": quota,
        "traffic_split": traffic_split,
    }
    save_endpoint(state, place, endpoint_id, record)
    return deployed_id


def complete_deployment(
    state: EmulatorState, place: Place, endpoint_id: str, deployed_id: str
) -> dict[str, Any]:
    """Mark a deployment ready, set the traffic split and the model's back-reference; returns it."""
    record = state.store.get(ENDPOINTS, place.key(endpoint_id))
    if record is None or deployed_id not in record["deployments"]:
        raise ApiError(
            "ABORTED", f"Endpoint {place.parent}/endpoints/{endpoint_id} changed during the deploy."
        )
    deployment = record["deployments"][deployed_id]
    try:
        capacity.check_capacity(state, place.location, deployment)
    except ApiError:
        # a stockout: the replicas were never placed; the endpoint stays, empty, as on Google
        del record["deployments"][deployed_id]
        give_back(state, place, deployment["quota"])
        save_endpoint(state, place, endpoint_id, record)
        raise
    deployment["ready"] = True
    split = deployment.pop("traffic_split", None)
    endpoint = record["endpoint"]
    if split:
        endpoint["trafficSplit"] = {
            (deployed_id if key == "0" else key): int(value) for key, value in split.items() if int(value) > 0
        }
    elif not endpoint.get("trafficSplit"):
        endpoint["trafficSplit"] = {deployed_id: 100}
    save_endpoint(state, place, endpoint_id, record)
    model_id = deployment["deployedModel"]["model"].rsplit("/", 1)[1]
    model_record = state.store.get(MODELS, place.key(model_id))
    if model_record is not None:
        refs = model_record["model"].setdefault("deployedModels", [])
        refs.append({"endpoint": endpoint["name"], "deployedModelId": deployed_id})
        state.store.put(MODELS, place.key(model_id), model_record)
    return dict(deployment["deployedModel"])


def remove_deployment(state: EmulatorState, place: Place, endpoint_id: str, deployed_id: str) -> None:
    """Take a deployment off its endpoint (quota back, traffic split and the model's back-reference
    updated); nothing when it is already gone."""
    record = state.store.get(ENDPOINTS, place.key(endpoint_id))
    if record is None or deployed_id not in record["deployments"]:
        return
    deployment = record["deployments"].pop(deployed_id)
    give_back(state, place, deployment["quota"])
    split = record["endpoint"].get("trafficSplit", {})
    split.pop(deployed_id, None)
    if split:
        record["endpoint"]["trafficSplit"] = split
    else:
        record["endpoint"].pop("trafficSplit", None)
    save_endpoint(state, place, endpoint_id, record)
    model_id = deployment["deployedModel"]["model"].rsplit("/", 1)[1]
    model_record = state.store.get(MODELS, place.key(model_id))
    if model_record is not None:
        refs = [
            ref
            for ref in model_record["model"].get("deployedModels", [])
            if ref["deployedModelId"] != deployed_id
        ]
        model_record["model"]["deployedModels"] = refs
        if not refs:
            model_record["model"].pop("deployedModels")
        state.store.put(MODELS, place.key(model_id), model_record)


def serving_deployment(state: EmulatorState, place: Place, endpoint_id: str) -> dict[str, Any]:
    """The deployment a self-deployed chat call goes to: the ready one with the most traffic."""
    record = endpoint_record(state, place, endpoint_id)
    ready = {key: item for key, item in record["deployments"].items() if item["ready"]}
    if not ready:
        raise failed_precondition(
            f"Endpoint {record['endpoint']['name']} has no deployed model ready to serve requests."
        )
    split = record["endpoint"].get("trafficSplit", {})
    best = max(ready, key=lambda key: int(split.get(key, 0)))
    return ready[best]
