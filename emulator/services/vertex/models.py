"""Vertex AI state and rules (no HTTP): endpoints and their deployed models, uploaded models, Model Garden
deploys, EULA acceptances and MaaS enablement.

Store collections (keys start with the project number, so one project's documents share a prefix):
    vertex.endpoints   "{number}/{location}/{endpoint_id}" → {"endpoint": <Endpoint>, "deployments": {...}}
    vertex.models      "{number}/{location}/{model_id}"    → {"model": <Model JSON>, "family", "served_model"}
    vertex.eulas       "{number}/{publisher model, unversioned}" → {"acked": true}
    vertex.enabled     "{number}/{publisher}/{model}"      → {"state": "ENABLEMENT_STATE_SUCCEEDED"}

A deployment (an entry of "deployments", keyed by deployed model id) holds the DeployedModel JSON, whether its
deploy operation has finished ("ready"), the chat behaviour ("family", "served_model") and the GPUs it holds
("quota"). Only ready deployments appear in the endpoint's `deployedModels`. GPU serving quota is taken when a
deploy is accepted and given back when the undeploy finishes (or the deploy fails). Regional GPU capacity
(stockouts, `capacity.py`) is checked when the deploy operation finishes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator import guards
from emulator.errors import ApiError, already_exists, failed_precondition, invalid_argument, not_found
from emulator.operations import finisher, timestamp
from emulator.services.vertex import capacity
from emulator.services.vertex.catalog import MachineSpec, PublisherModel, machines, model_garden_container

if TYPE_CHECKING:
    from emulator.state import EmulatorState

ENDPOINTS = "vertex.endpoints"
MODELS = "vertex.models"
EULAS = "vertex.eulas"
ENABLED = "vertex.enabled"

TYPE_PREFIX = "google.cloud.aiplatform"
DNS_SUFFIX = "prediction.vertexai.goog"
_USER_ENDPOINT_ID = re.compile(r"^(?:[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?|[1-9][0-9]{0,8})$")
_FILTER_TERM = re.compile(
    r'^\s*(?:labels\.(?P<label>[\w.-]+)\s*(?P<op>[=:])\s*(?P<lvalue>"[^"]*"|[^\s"]+)'
    r'|(?:display_name|displayName)\s*=\s*(?P<dvalue>"[^"]*"|[^\s"]+))\s*$'
)


@dataclass(frozen=True)
class Place:
    """Where a request acts: the project (ID and number), the location and the API version of the path."""

    project_id: str
    project_number: str
    location: str
    version: str  # "v1" or "v1beta1": names the @type of replies

    @property
    def parent(self) -> str:
        return f"projects/{self.project_number}/locations/{self.location}"

    def type_name(self, message: str) -> str:
        return f"{TYPE_PREFIX}.{self.version}.{message}"

    def key(self, resource_id: str) -> str:
        return f"{self.project_number}/{self.location}/{resource_id}"


def new_id() -> str:
    """A numeric resource ID as Vertex makes them (19 digits)."""
    return str(10**18 + secrets.randbelow(9 * 10**18))


def _now(state: EmulatorState) -> str:
    return timestamp(state.now())


def _generic_metadata(state: EmulatorState) -> dict[str, Any]:
    now = _now(state)
    return {"genericMetadata": {"createTime": now, "updateTime": now}}


def _start(
    state: EmulatorState,
    place: Place,
    scope: str,
    *,
    kind: str,
    finish: str,
    args: dict[str, Any],
    response: str,
    metadata: str,
    extra_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Start an operation named `{scope}/operations/{id}` (scope: an endpoint, a model or the location)."""
    return state.operations.start(
        name=f"{scope}/operations/{new_id()}",
        kind=kind,
        finisher=finish,
        args={**args, "version": place.version},
        response_type=place.type_name(response) if "." not in response else response,
        metadata_type=place.type_name(metadata),
        metadata={**_generic_metadata(state), **(extra_metadata or {})},
    )


# ---- endpoints ---------------------------------------------------------------------------------------------


def _endpoint_record(state: EmulatorState, place: Place, endpoint_id: str) -> dict[str, Any]:
    record = state.store.get(ENDPOINTS, place.key(endpoint_id))
    if record is None:
        raise not_found(f'Endpoint "{place.parent}/endpoints/{endpoint_id}" not found.')
    return record


def _save_endpoint(state: EmulatorState, place: Place, endpoint_id: str, record: dict[str, Any]) -> None:
    record["endpoint"]["updateTime"] = _now(state)
    record["endpoint"]["etag"] = secrets.token_hex(8)
    state.store.put(ENDPOINTS, place.key(endpoint_id), record)


def _insert_endpoint(
    state: EmulatorState,
    place: Place,
    *,
    endpoint_id: str | None,
    display_name: str,
    description: str = "",
    labels: dict[str, str] | None = None,
    dedicated: bool = False,
) -> tuple[str, dict[str, Any]]:
    """Store a new, empty endpoint; 409 when a caller-chosen ID is taken, 400 when it is malformed."""
    if endpoint_id:
        if not _USER_ENDPOINT_ID.match(endpoint_id):
            raise invalid_argument(
                f"Endpoint ID {endpoint_id!r} is invalid: use up to 63 lowercase letters, digits and hyphens "
                "starting with a letter, or up to 9 digits without a leading zero.",
                "endpoint_id",
            )
        if state.store.get(ENDPOINTS, place.key(endpoint_id)) is not None:
            raise already_exists(f'Endpoint "{place.parent}/endpoints/{endpoint_id}" already exists.')
    else:
        endpoint_id = new_id()
    now = _now(state)
    endpoint: dict[str, Any] = {
        "name": f"{place.parent}/endpoints/{endpoint_id}",
        "displayName": display_name,
        "createTime": now,
        "updateTime": now,
        "etag": secrets.token_hex(8),
    }
    if description:
        endpoint["description"] = description
    if labels:
        endpoint["labels"] = dict(labels)
    if dedicated:
        endpoint["dedicatedEndpointEnabled"] = True
        endpoint["dedicatedEndpointDns"] = (
            f"{endpoint_id}.{place.location}-{place.project_number}.{DNS_SUFFIX}"
        )
    state.store.put(ENDPOINTS, place.key(endpoint_id), {"endpoint": endpoint, "deployments": {}})
    return endpoint_id, endpoint


def create_endpoint(
    state: EmulatorState, place: Place, body: dict[str, Any], endpoint_id: str | None
) -> dict[str, Any]:
    if not body.get("displayName"):
        raise invalid_argument("Endpoint display_name must be set.", "endpoint.display_name")
    with state.store.transaction():
        new_endpoint_id, _ = _insert_endpoint(
            state,
            place,
            endpoint_id=endpoint_id,
            display_name=body["displayName"],
            description=body.get("description", ""),
            labels=body.get("labels"),
            dedicated=bool(body.get("dedicatedEndpointEnabled")),
        )
    return _start(
        state,
        place,
        f"{place.parent}/endpoints/{new_endpoint_id}",
        kind="endpoint.create",
        finish="vertex.create_endpoint",
        args={"place": _place_args(place), "endpoint_id": new_endpoint_id},
        response="Endpoint",
        metadata="CreateEndpointOperationMetadata",
    )


@finisher("vertex.create_endpoint")
def _finish_create_endpoint(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = _place_from(args)
    return endpoint_json(_endpoint_record(state, place, args["endpoint_id"]))


def endpoint_json(record: dict[str, Any]) -> dict[str, Any]:
    """The Endpoint as the API shows it: only deployments whose deploy finished are listed."""
    endpoint = dict(record["endpoint"])
    deployed = [item["deployedModel"] for item in record["deployments"].values() if item["ready"]]
    if deployed:
        endpoint["deployedModels"] = deployed
    return endpoint


def get_endpoint(state: EmulatorState, place: Place, endpoint_id: str) -> dict[str, Any]:
    return endpoint_json(_endpoint_record(state, place, endpoint_id))


def list_endpoints(
    state: EmulatorState, place: Place, filter_text: str, page_size: int, page_token: str
) -> dict[str, Any]:
    terms = _parse_filter(filter_text)
    endpoints = [
        endpoint_json(record)
        for record in state.store.list(ENDPOINTS, f"{place.project_number}/{place.location}/")
        if _matches(record["endpoint"], terms)
    ]
    start = int(page_token) if page_token.isdigit() else 0
    size = page_size if page_size > 0 else 100
    reply: dict[str, Any] = {}
    if endpoints[start : start + size]:
        reply["endpoints"] = endpoints[start : start + size]
    if start + size < len(endpoints):
        reply["nextPageToken"] = str(start + size)
    return reply


def list_models(state: EmulatorState, place: Place) -> dict[str, Any]:
    """Every model in the location (one page; tests count them to find orphans)."""
    prefix = f"{place.project_number}/{place.location}/"
    found = [record["model"] for record in state.store.list(MODELS, prefix)]
    return {"models": found} if found else {}


def _parse_filter(text: str) -> list[tuple[str, str, str]]:
    """AIP-160 subset Vertex users rely on: terms joined by AND, each `labels.K=V`, `labels.K:*`,
    `labels.K:V` or `display_name=V`; returns (field, operator, value) triples."""
    terms = []
    for term in re.split(r"\s+AND\s+", text.strip()) if text.strip() else []:
        found = _FILTER_TERM.match(term)
        if not found:
            raise invalid_argument(f"Unsupported filter: {term!r}.", "filter")
        if found["label"]:
            terms.append((f"labels.{found['label']}", found["op"], found["lvalue"].strip('"')))
        else:
            terms.append(("displayName", "=", found["dvalue"].strip('"')))
    return terms


def _matches(endpoint: dict[str, Any], terms: list[tuple[str, str, str]]) -> bool:
    for field, op, value in terms:
        if field == "displayName":
            actual = endpoint.get("displayName")
        else:
            labels = endpoint.get("labels", {})
            key = field.removeprefix("labels.")
            if op == ":" and value == "*":
                if key not in labels:
                    return False
                continue
            actual = labels.get(key)
        if actual != value:
            return False
    return True


# endpoints.patch: the fields an update mask may name (snake_case or camelCase) → the JSON key.
_UPDATABLE = {
    "display_name": "displayName",
    "description": "description",
    "labels": "labels",
    "traffic_split": "trafficSplit",
}


def update_endpoint(
    state: EmulatorState, place: Place, endpoint_id: str, body: dict[str, Any], mask: str
) -> dict[str, Any]:
    """endpoints.patch: synchronous, replaces the fields named in `updateMask` and returns the Endpoint.
    The mask is required; a field outside it is left alone; an empty displayName is refused."""
    paths = [p.strip() for p in mask.split(",") if p.strip()]
    if not paths:
        raise invalid_argument("update_mask is required.", "update_mask")
    keys = []
    for path in paths:
        snake = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), path)
        if snake not in _UPDATABLE:
            raise invalid_argument(f"Field '{path}' cannot be updated.", "update_mask")
        keys.append(_UPDATABLE[snake])
    with state.store.transaction():
        record = _endpoint_record(state, place, endpoint_id)
        endpoint = record["endpoint"]
        for key in keys:
            value = body.get(key)
            if key == "displayName" and not value:
                raise invalid_argument("Endpoint display_name must be set.", "endpoint.display_name")
            if key == "trafficSplit" and value:
                unknown = sorted(set(value) - set(record["deployments"]))
                if unknown or sum(int(v) for v in value.values()) != 100:
                    raise invalid_argument(
                        "traffic_split must name deployed models of this endpoint and sum to 100.",
                        "endpoint.traffic_split",
                    )
            if value in (None, "", {}):
                endpoint.pop(key, None)
            else:
                endpoint[key] = value
        _save_endpoint(state, place, endpoint_id, record)
    return endpoint_json(record)


def delete_endpoint(state: EmulatorState, place: Place, endpoint_id: str) -> dict[str, Any]:
    record = _endpoint_record(state, place, endpoint_id)
    if record["deployments"]:
        raise failed_precondition(
            f"Endpoint {place.parent}/endpoints/{endpoint_id} has deployed models "
            f"({', '.join(record['deployments'])}); undeploy them before deleting the endpoint."
        )
    return _start(
        state,
        place,
        f"{place.parent}/endpoints/{endpoint_id}",
        kind="endpoint.delete",
        finish="vertex.delete_endpoint",
        args={"place": _place_args(place), "endpoint_id": endpoint_id},
        response="google.protobuf.Empty",
        metadata="DeleteOperationMetadata",
    )


@finisher("vertex.delete_endpoint")
def _finish_delete_endpoint(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = _place_from(args)
    state.store.delete(ENDPOINTS, place.key(args["endpoint_id"]))
    return {}


# ---- deploy / undeploy / mutate ----------------------------------------------------------------------------


def _resources(body: dict[str, Any], place: Place) -> tuple[MachineSpec, int, int]:
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


def _dedicated_json(spec: MachineSpec, minimum: int, maximum: int, spot: bool = False) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "machineSpec": spec.to_json(),
        "minReplicaCount": minimum,
        "maxReplicaCount": maximum,
    }
    if spot:
        resources["spot"] = True
    return resources


def _take_quota(
    state: EmulatorState, place: Place, spec: MachineSpec, replicas: int
) -> dict[str, Any] | None:
    """Hold serving GPUs for `replicas` replicas (429 past the limit); returns what to give back later."""
    if not spec.accelerator_type:
        return None
    metric = machines().quota_metrics[spec.accelerator_type]
    count = spec.accelerator_count * replicas
    guards.allocate(state, place.project_number, place.location, metric, count)
    return {"metric": metric, "count": count}


def _give_back(state: EmulatorState, place: Place, quota: dict[str, Any] | None) -> None:
    if quota:
        guards.release(state, place.project_number, place.location, quota["metric"], quota["count"])


def _model_record(state: EmulatorState, place: Place, model_id: str) -> dict[str, Any]:
    record = state.store.get(MODELS, place.key(model_id))
    if record is None:
        raise not_found(f'Model "{place.parent}/models/{model_id}" not found.')
    return record


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


def _add_deployment(
    state: EmulatorState,
    place: Place,
    endpoint_id: str,
    record: dict[str, Any],
    deployed_model: dict[str, Any],
    model_record: dict[str, Any],
    quota: dict[str, Any] | None,
    traffic_split: dict[str, Any] | None,
) -> str:
    deployed_id = new_id()
    deployed_model = {**deployed_model, "id": deployed_id, "createTime": _now(state)}
    record["deployments"][deployed_id] = {
        "deployedModel": deployed_model,
        "ready": False,
        "family": model_record["family"],
        "served_model": model_record["served_model"],
        "quota": quota,
        "traffic_split": traffic_split,
    }
    _save_endpoint(state, place, endpoint_id, record)
    return deployed_id


def deploy_model(
    state: EmulatorState, place: Place, endpoint_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    requested = body.get("deployedModel")
    if not isinstance(requested, dict) or not requested.get("model"):
        raise invalid_argument("deployed_model.model must be set.", "deployed_model.model")
    spec, minimum, maximum = _resources(requested, place)
    with state.store.transaction():
        record = _endpoint_record(state, place, endpoint_id)
        model_id = _model_id_from(requested["model"], place)
        model_record = _model_record(state, place, model_id)
        quota = _take_quota(state, place, spec, minimum)
        deployed_model: dict[str, Any] = {
            "model": f"{place.parent}/models/{model_id}",
            "modelVersionId": "1",
            "displayName": requested.get("displayName") or model_record["model"]["displayName"],
            "dedicatedResources": _dedicated_json(
                spec, minimum, maximum, bool(requested["dedicatedResources"].get("spot"))
            ),
        }
        deployed_id = _add_deployment(
            state, place, endpoint_id, record, deployed_model, model_record, quota, body.get("trafficSplit")
        )
    return _start(
        state,
        place,
        f"{place.parent}/endpoints/{endpoint_id}",
        kind="endpoint.deploy_model",
        finish="vertex.deploy_model",
        args={"place": _place_args(place), "endpoint_id": endpoint_id, "deployed_model_id": deployed_id},
        response="DeployModelResponse",
        metadata="DeployModelOperationMetadata",
    )


def _complete_deployment(
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
        _give_back(state, place, deployment["quota"])
        _save_endpoint(state, place, endpoint_id, record)
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
    _save_endpoint(state, place, endpoint_id, record)
    model_id = deployment["deployedModel"]["model"].rsplit("/", 1)[1]
    model_record = state.store.get(MODELS, place.key(model_id))
    if model_record is not None:
        refs = model_record["model"].setdefault("deployedModels", [])
        refs.append({"endpoint": endpoint["name"], "deployedModelId": deployed_id})
        state.store.put(MODELS, place.key(model_id), model_record)
    return dict(deployment["deployedModel"])


@finisher("vertex.deploy_model")
def _finish_deploy_model(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = _place_from(args)
    return {
        "deployedModel": _complete_deployment(state, place, args["endpoint_id"], args["deployed_model_id"])
    }


def undeploy_model(
    state: EmulatorState, place: Place, endpoint_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    deployed_id = str(body.get("deployedModelId") or "")
    record = _endpoint_record(state, place, endpoint_id)
    deployment = record["deployments"].get(deployed_id)
    if deployment is None:
        raise not_found(f"Deployed model {deployed_id!r} not found on endpoint {record['endpoint']['name']}.")
    if not deployment["ready"]:
        raise failed_precondition(
            f"Deployed model {deployed_id} is still being deployed; wait for its deploy operation to finish."
        )
    return _start(
        state,
        place,
        f"{place.parent}/endpoints/{endpoint_id}",
        kind="endpoint.undeploy_model",
        finish="vertex.undeploy_model",
        args={"place": _place_args(place), "endpoint_id": endpoint_id, "deployed_model_id": deployed_id},
        response="UndeployModelResponse",
        metadata="UndeployModelOperationMetadata",
    )


@finisher("vertex.undeploy_model")
def _finish_undeploy_model(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = _place_from(args)
    endpoint_id, deployed_id = args["endpoint_id"], args["deployed_model_id"]
    record = state.store.get(ENDPOINTS, place.key(endpoint_id))
    if record is None or deployed_id not in record["deployments"]:
        return {}
    deployment = record["deployments"].pop(deployed_id)
    _give_back(state, place, deployment["quota"])
    split = record["endpoint"].get("trafficSplit", {})
    split.pop(deployed_id, None)
    if split:
        record["endpoint"]["trafficSplit"] = split
    else:
        record["endpoint"].pop("trafficSplit", None)
    _save_endpoint(state, place, endpoint_id, record)
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
    return {}


def mutate_deployed_model(
    state: EmulatorState, place: Place, endpoint_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Change replica counts (and spot) of a ready deployment; quota follows the new minimum."""
    requested = body.get("deployedModel") or {}
    deployed_id = str(requested.get("id") or "")
    with state.store.transaction():
        record = _endpoint_record(state, place, endpoint_id)
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
        spec, minimum, maximum = _resources({"dedicatedResources": merged}, place)
        _give_back(state, place, deployment["quota"])
        deployment["quota"] = _take_quota(state, place, spec, minimum)
        deployment["pending_resources"] = _dedicated_json(spec, minimum, maximum, bool(current.get("spot")))
        _save_endpoint(state, place, endpoint_id, record)
    return _start(
        state,
        place,
        f"{place.parent}/endpoints/{endpoint_id}",
        kind="endpoint.mutate_deployed_model",
        finish="vertex.mutate_deployed_model",
        args={"place": _place_args(place), "endpoint_id": endpoint_id, "deployed_model_id": deployed_id},
        response="MutateDeployedModelResponse",
        metadata="MutateDeployedModelOperationMetadata",
    )


@finisher("vertex.mutate_deployed_model")
def _finish_mutate(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = _place_from(args)
    record = state.store.get(ENDPOINTS, place.key(args["endpoint_id"]))
    deployment = (record or {}).get("deployments", {}).get(args["deployed_model_id"])
    if record is None or deployment is None:
        raise ApiError("ABORTED", "The deployed model was undeployed while it was being changed.")
    deployment["deployedModel"]["dedicatedResources"] = deployment.pop("pending_resources")
    _save_endpoint(state, place, args["endpoint_id"], record)
    return {"deployedModel": deployment["deployedModel"]}


# ---- models ------------------------------------------------------------------------------------------------


def chat_behaviour(container: dict[str, Any], display_name: str) -> tuple[str, str]:
    """(family, served model name) of a serving container: TGI images behave as "tgi", anything else as vLLM;
    the served name is the `--model`/`--model-id` argument (or MODEL_ID env), else the display name."""
    image = str(container.get("imageUri", ""))
    family = "tgi" if "text-generation-inference" in image or "tgi" in image.split("/")[-1] else "vllm"
    served = display_name
    args = [str(arg) for arg in container.get("args", [])]
    for index, arg in enumerate(args):
        flag, _, value = arg.partition("=")
        if flag in ("--model", "--model-id", "--served-model-name"):
            served = value or (args[index + 1] if index + 1 < len(args) else served)
    env = {item.get("name"): item.get("value") for item in container.get("env", []) if isinstance(item, dict)}
    return family, str(env.get("MODEL_ID") or served)


def _insert_model(
    state: EmulatorState, place: Place, model: dict[str, Any], model_id: str | None = None
) -> tuple[str, dict[str, Any]]:
    model_id = model_id or new_id()
    if state.store.get(MODELS, place.key(model_id)) is not None:
        raise already_exists(f'Model "{place.parent}/models/{model_id}" already exists.')
    now = _now(state)
    resource = {
        **{k: v for k, v in model.items() if k in ("displayName", "description", "labels", "containerSpec")},
        "name": f"{place.parent}/models/{model_id}",
        "versionId": "1",
        "versionAliases": ["default"],
        "createTime": now,
        "updateTime": now,
        "versionCreateTime": now,
        "versionUpdateTime": now,
        "etag": secrets.token_hex(8),
        "supportedDeploymentResourcesTypes": ["DEDICATED_RESOURCES", "SHARED_RESOURCES"],
    }
    if model.get("artifactUri"):
        resource["artifactUri"] = model["artifactUri"]
    family, served = chat_behaviour(model.get("containerSpec") or {}, model["displayName"])
    state.store.put(
        MODELS, place.key(model_id), {"model": resource, "family": family, "served_model": served}
    )
    return model_id, resource


def upload_model(state: EmulatorState, place: Place, body: dict[str, Any]) -> dict[str, Any]:
    model = body.get("model")
    if not isinstance(model, dict) or not model.get("displayName"):
        raise invalid_argument("Model display_name must be set.", "model.display_name")
    if not (model.get("containerSpec") or {}).get("imageUri"):
        raise invalid_argument(
            "Model container_spec.image_uri must be set.", "model.container_spec.image_uri"
        )
    with state.store.transaction():
        model_id, _ = _insert_model(state, place, model, body.get("modelId") or None)
    return _start(
        state,
        place,
        f"{place.parent}/models/{model_id}",
        kind="model.upload",
        finish="vertex.upload_model",
        args={"model": f"{place.parent}/models/{model_id}"},
        response="UploadModelResponse",
        metadata="UploadModelOperationMetadata",
    )


@finisher("vertex.upload_model")
def _finish_upload(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    return {"model": args["model"], "modelVersionId": "1"}


def get_model(state: EmulatorState, place: Place, model_id: str) -> dict[str, Any]:
    model: dict[str, Any] = _model_record(state, place, model_id.split("@", 1)[0])["model"]
    return model


def delete_model(state: EmulatorState, place: Place, model_id: str) -> dict[str, Any]:
    model = get_model(state, place, model_id)
    if model.get("deployedModels"):
        endpoints = ", ".join(ref["endpoint"] for ref in model["deployedModels"])
        raise failed_precondition(
            f"Model {model['name']} is deployed to {endpoints}; undeploy it before deleting the model."
        )
    return _start(
        state,
        place,
        model["name"],
        kind="model.delete",
        finish="vertex.delete_model",
        args={"key": place.key(model_id)},
        response="google.protobuf.Empty",
        metadata="DeleteOperationMetadata",
    )


@finisher("vertex.delete_model")
def _finish_delete_model(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    state.store.delete(MODELS, args["key"])
    return {}


# ---- Model Garden ------------------------------------------------------------------------------------------


def eula_acked(state: EmulatorState, project_number: str, model: PublisherModel) -> bool:
    return state.store.get(EULAS, f"{project_number}/{model.unversioned}") is not None


def accept_eula(state: EmulatorState, project_number: str, model: PublisherModel) -> None:
    state.store.put(EULAS, f"{project_number}/{model.unversioned}", {"acked": True})


def eula_reply(project_number: str, model: PublisherModel, acked: bool) -> dict[str, Any]:
    return {
        "projectNumber": project_number,
        "publisherModel": model.unversioned,
        "publisherModelEulaAcked": acked,
    }


def enable_model(state: EmulatorState, project_number: str, model: PublisherModel) -> None:
    state.store.put(ENABLED, f"{project_number}/{model.unversioned}", {"state": "ENABLEMENT_STATE_SUCCEEDED"})


def model_enabled(state: EmulatorState, project_number: str, model: PublisherModel) -> bool:
    if not model.enablement:
        return True
    return state.store.get(ENABLED, f"{project_number}/{model.unversioned}") is not None


def model_garden_deploy(
    state: EmulatorState, place: Place, body: dict[str, Any], model: PublisherModel, via_hugging_face: bool
) -> dict[str, Any]:
    """ModelGardenService.Deploy: EULA / token checks, machine and quota checks, then an endpoint (dedicated
    by default), an uploaded model and a pending deployment, finished by the operation."""
    model_config = body.get("modelConfig") or {}
    endpoint_config = body.get("endpointConfig") or {}
    deploy_config = body.get("deployConfig") or {}
    if model.kind != "open":
        raise invalid_argument(
            f"Model {model.name} is served as a managed API (MaaS) and cannot be deployed; call it through "
            "endpoints/openapi/chat/completions after enabling it.",
            "publisher_model_name",
        )
    if via_hugging_face:
        if model.hf_gated and not model_config.get("huggingFaceAccessToken"):
            raise invalid_argument(
                f"Model {model.huggingface_id} is gated on Hugging Face: provide a valid Hugging Face access "
                "token in model_config.hugging_face_access_token.",
                "model_config.hugging_face_access_token",
            )
    elif model.eula and not (
        model_config.get("acceptEula") or eula_acked(state, place.project_number, model)
    ):
        raise ApiError(
            "PERMISSION_DENIED",
            f"The EULA of model {model.name} has not been accepted for project {place.project_number}. Set "
            "model_config.accept_eula to true to accept it.",
        )
    spec, minimum, maximum = _deploy_resources(deploy_config, model, place)
    container = model_config.get("containerSpec") or model_garden_container(model)
    display = model_config.get("modelDisplayName") or f"{model.model_id}-{model.version_id}"
    with state.store.transaction():
        if model.eula and model_config.get("acceptEula"):
            accept_eula(state, place.project_number, model)
        quota = _take_quota(state, place, spec, minimum)
        endpoint_id, _ = _insert_endpoint(
            state,
            place,
            endpoint_id=endpoint_config.get("endpointUserId") or None,
            display_name=endpoint_config.get("endpointDisplayName") or f"{display}-mg-one-click-deploy",
            labels=endpoint_config.get("labels"),
            dedicated=not endpoint_config.get("dedicatedEndpointDisabled", False),
        )
        model_id, _ = _insert_model(
            state,
            place,
            {"displayName": display, "containerSpec": container},
            model_config.get("modelUserId"),
        )
        model_record = _model_record(state, place, model_id)
        deployed_model = {
            "model": f"{place.parent}/models/{model_id}",
            "modelVersionId": "1",
            "displayName": display,
            "dedicatedResources": _dedicated_json(
                spec, minimum, maximum, bool((deploy_config.get("dedicatedResources") or {}).get("spot"))
            ),
            # UNCONFIRMED: that Vertex keeps the caller's deployConfig.systemLabels on the DeployedModel
            # (both fields exist in the discovery document; the docs call them Google-managed).
            **({"systemLabels": dict(labels)} if (labels := deploy_config.get("systemLabels")) else {}),
        }
        record = _endpoint_record(state, place, endpoint_id)
        deployed_id = _add_deployment(
            state, place, endpoint_id, record, deployed_model, model_record, quota, None
        )
    publisher_model = model.huggingface_id.lower() if via_hugging_face else model.name
    return _start(
        state,
        place,
        place.parent,
        kind="model_garden.deploy",
        finish="vertex.model_garden_deploy",
        args={
            "place": _place_args(place),
            "endpoint_id": endpoint_id,
            "deployed_model_id": deployed_id,
            "publisher_model": publisher_model,
            "model": f"{place.parent}/models/{model_id}",
        },
        response="DeployResponse",
        metadata="DeployOperationMetadata",
        extra_metadata={
            "publisherModel": publisher_model,
            "destination": f"projects/{place.project_id}/locations/{place.location}",
            "projectNumber": place.project_number,
            "modelId": model_id,
        },
    )


def _deploy_resources(
    deploy_config: dict[str, Any], model: PublisherModel, place: Place
) -> tuple[MachineSpec, int, int]:
    dedicated = deploy_config.get("dedicatedResources") or {}
    if dedicated.get("machineSpec"):
        return _resources({"dedicatedResources": dedicated}, place)
    if not model.machine_specs:
        raise invalid_argument(
            f"Model {model.name} has no default deploy configuration; set deploy_config.dedicated_resources.",
            "deploy_config.dedicated_resources",
        )
    default = model.machine_specs[0]
    return _resources({"dedicatedResources": {**dedicated, "machineSpec": default.to_json()}}, place)


@finisher("vertex.model_garden_deploy")
def _finish_model_garden_deploy(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = _place_from(args)
    _complete_deployment(state, place, args["endpoint_id"], args["deployed_model_id"])
    return {
        "publisherModel": args["publisher_model"],
        "endpoint": f"{place.parent}/endpoints/{args['endpoint_id']}",
        "model": args["model"],
    }


# ---- chat targets ------------------------------------------------------------------------------------------


def serving_deployment(state: EmulatorState, place: Place, endpoint_id: str) -> dict[str, Any]:
    """The deployment a self-deployed chat call goes to: the ready one with the most traffic."""
    record = _endpoint_record(state, place, endpoint_id)
    ready = {key: item for key, item in record["deployments"].items() if item["ready"]}
    if not ready:
        raise failed_precondition(
            f"Endpoint {record['endpoint']['name']} has no deployed model ready to serve requests."
        )
    split = record["endpoint"].get("trafficSplit", {})
    best = max(ready, key=lambda key: int(split.get(key, 0)))
    return ready[best]


# ---- operation args ----------------------------------------------------------------------------------------


def _place_args(place: Place) -> dict[str, str]:
    return {"id": place.project_id, "number": place.project_number, "location": place.location}


def _place_from(args: dict[str, Any]) -> Place:
    place = args["place"]
    return Place(place["id"], place["number"], place["location"], args["version"])
