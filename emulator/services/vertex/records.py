"""The Vertex store the providers share: endpoints (with their deployments) and uploaded models.

Store collections (keys start with the project number, so one project's documents share a prefix):
    vertex.endpoints   "{number}/{location}/{endpoint_id}" → {"endpoint": <Endpoint>, "deployments": {...}}
    vertex.models      "{number}/{location}/{model_id}"    → {"model": <Model JSON>, "family", "served_model"}

A deployment (an entry of "deployments", keyed by deployed model id) holds the DeployedModel JSON, whether its
deploy operation has finished ("ready"), the chat behaviour ("family", "served_model") and the GPUs it holds
("quota"); see `deployments.py`. Only ready deployments appear in the endpoint's `deployedModels`.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from emulator.errors import already_exists, invalid_argument, not_found
from emulator.services.vertex.place import Place, new_id, now

if TYPE_CHECKING:
    from emulator.state import EmulatorState

ENDPOINTS = "vertex.endpoints"
MODELS = "vertex.models"
DNS_SUFFIX = "prediction.vertexai.goog"
_USER_ENDPOINT_ID = re.compile(r"^(?:[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?|[1-9][0-9]{0,8})$")


def endpoint_record(state: EmulatorState, place: Place, endpoint_id: str) -> dict[str, Any]:
    record = state.store.get(ENDPOINTS, place.key(endpoint_id))
    if record is None:
        raise not_found(f'Endpoint "{place.parent}/endpoints/{endpoint_id}" not found.')
    return record


def save_endpoint(state: EmulatorState, place: Place, endpoint_id: str, record: dict[str, Any]) -> None:
    record["endpoint"]["updateTime"] = now(state)
    record["endpoint"]["etag"] = secrets.token_hex(8)
    state.store.put(ENDPOINTS, place.key(endpoint_id), record)


def insert_endpoint(
    state: EmulatorState,
    place: Place,
    *,
    endpoint_id: str | None,
    display_name: str,
    description: str = "",
    labels: dict[str, str] | None = None,
    dedicated: bool = False,
) -> str:
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
    stamp = now(state)
    endpoint: dict[str, Any] = {
        "name": f"{place.parent}/endpoints/{endpoint_id}",
        "displayName": display_name,
        "createTime": stamp,
        "updateTime": stamp,
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
    return endpoint_id


def endpoint_json(record: dict[str, Any]) -> dict[str, Any]:
    """The Endpoint as the API shows it: only deployments whose deploy finished are listed."""
    endpoint = dict(record["endpoint"])
    deployed = [item["deployedModel"] for item in record["deployments"].values() if item["ready"]]
    if deployed:
        endpoint["deployedModels"] = deployed
    return endpoint


def model_record(state: EmulatorState, place: Place, model_id: str) -> dict[str, Any]:
    record = state.store.get(MODELS, place.key(model_id))
    if record is None:
        raise not_found(f'Model "{place.parent}/models/{model_id}" not found.')
    return record


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


def insert_model(
    state: EmulatorState, place: Place, model: dict[str, Any], model_id: str | None = None
) -> str:
    """Store a new model (version 1) with the chat behaviour of its container; 409 when the ID is taken."""
    model_id = model_id or new_id()
    if state.store.get(MODELS, place.key(model_id)) is not None:
        raise already_exists(f'Model "{place.parent}/models/{model_id}" already exists.')
    stamp = now(state)
    resource = {
        **{k: v for k, v in model.items() if k in ("displayName", "description", "labels", "containerSpec")},
        "name": f"{place.parent}/models/{model_id}",
        "versionId": "1",
        "versionAliases": ["default"],
        "createTime": stamp,
        "updateTime": stamp,
        "versionCreateTime": stamp,
        "versionUpdateTime": stamp,
        "etag": secrets.token_hex(8),
        "supportedDeploymentResourcesTypes": ["DEDICATED_RESOURCES", "SHARED_RESOURCES"],
    }
    if model.get("artifactUri"):
        resource["artifactUri"] = model["artifactUri"]
    family, served = chat_behaviour(model.get("containerSpec") or {}, model["displayName"])
    state.store.put(
        MODELS, place.key(model_id), {"model": resource, "family": family, "served_model": served}
    )
    return model_id
