"""ModelService (google.cloud.aiplatform.v1 / v1beta1): models upload / get / list / patch / delete over the
shared store (`records.py`). Upload and delete are long-running; patch is synchronous and replaces the fields
named in `updateMask` (displayName, description, labels)."""

from __future__ import annotations

import copy
import secrets
from typing import TYPE_CHECKING, Any

from emulator import paging
from emulator.errors import failed_precondition, invalid_argument
from emulator.operations import finisher
from emulator.routing import ApiRequest, RouteTable
from emulator.services.resourcemanager.models import LABEL_KEY, LABEL_VALUE
from emulator.services.vertex import records
from emulator.services.vertex.place import (
    LOCATION,
    add_route,
    now,
    operation_under_way,
    place_of,
    start_operation,
)
from emulator.update_mask import apply_masked, mask_paths

if TYPE_CHECKING:
    from emulator.state import EmulatorState

UPDATABLE = ("displayName", "description", "labels")
SCHEMA = "aiplatform.v1#GoogleCloudAiplatformV1Model"


def _model_id(request: ApiRequest) -> str:
    """The path's model id without its `@version` (only version 1 exists here)."""
    return request.params["model"].split("@", 1)[0]


def upload_model(request: ApiRequest) -> dict[str, Any]:
    place, body, state = place_of(request), request.body, request.state
    model = body.get("model")
    if not isinstance(model, dict) or not model.get("displayName"):
        raise invalid_argument("Model display_name must be set.", "model.display_name")
    if not (model.get("containerSpec") or {}).get("imageUri"):
        raise invalid_argument(
            "Model container_spec.image_uri must be set.", "model.container_spec.image_uri"
        )
    with state.store.transaction():
        model_id = records.insert_model(state, place, model, body.get("modelId") or None)
    name = f"{place.parent}/models/{model_id}"
    return start_operation(
        state,
        place,
        name,
        kind="model.upload",
        finish="vertex.upload_model",
        args={"model": name},
        response="UploadModelResponse",
        metadata="UploadModelOperationMetadata",
    )


@finisher("vertex.upload_model")
def _finish_upload(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    return {"model": args["model"], "modelVersionId": "1"}


def get_model(request: ApiRequest) -> dict[str, Any]:
    model: dict[str, Any] = records.model_record(request.state, place_of(request), _model_id(request))[
        "model"
    ]
    return model


def list_models(request: ApiRequest) -> dict[str, Any]:
    """AIP-132 / AIP-158: the location's models in name order, paged."""
    place = place_of(request)
    prefix = f"{place.project_number}/{place.location}/"
    found = [record["model"] for record in request.state.store.list(records.MODELS, prefix)]
    items, token = paging.page(found, request.query, query=place.parent)
    return paging.reply("models", items, token)


def _check_labels(labels: Any) -> None:
    if not isinstance(labels, dict) or len(labels) > 64:
        raise invalid_argument("labels must be a map of at most 64 entries.", "model.labels")
    for key, value in labels.items():
        if not LABEL_KEY.match(key) or not isinstance(value, str) or not LABEL_VALUE.match(value):
            raise invalid_argument(f"Label '{key}' is invalid.", f"model.labels.{key}")


def patch_model(request: ApiRequest) -> dict[str, Any]:
    """models.patch (AIP-134): the mask is required; fields outside it are left alone."""
    place, body, state = place_of(request), request.body, request.state
    masked = mask_paths(request.param("updateMask") or "", SCHEMA, UPDATABLE)
    touched = {path[0] for path in masked}
    model_id = _model_id(request)
    with state.store.transaction():
        record = records.model_record(state, place, model_id)
        model = copy.deepcopy(record["model"])
        apply_masked(model, body, masked)
        if "displayName" in touched and not model.get("displayName"):
            raise invalid_argument("Model display_name must be set.", "model.display_name")
        if "labels" in touched:
            _check_labels(model.get("labels") or {})
        record["model"] = model
        model["updateTime"] = now(state)
        model["etag"] = secrets.token_hex(8)
        state.store.put(records.MODELS, place.key(model_id), record)
    return dict(model)


def delete_model(request: ApiRequest) -> dict[str, Any]:
    """Long-running; a model still deployed is refused (400 FAILED_PRECONDITION), a deleted one is 404, and
    a delete repeated while the first one runs gets that operation back."""
    place, model_id, state = place_of(request), _model_id(request), request.state
    with state.store.transaction():
        record = records.model_record(state, place, model_id)
        model = record["model"]
        under_way = operation_under_way(state, record.get("deleting"))
        if under_way is not None:
            return under_way
        if model.get("deployedModels"):
            endpoints = ", ".join(ref["endpoint"] for ref in model["deployedModels"])
            raise failed_precondition(
                f"Model {model['name']} is deployed to {endpoints}; undeploy it before deleting the model."
            )
        operation = start_operation(
            state,
            place,
            model["name"],
            kind="model.delete",
            finish="vertex.delete_model",
            args={"key": place.key(model_id)},
            response="google.protobuf.Empty",
            metadata="DeleteOperationMetadata",
        )
        state.store.put(records.MODELS, place.key(model_id), {**record, "deleting": operation["name"]})
    return operation


@finisher("vertex.delete_model")
def _finish_delete(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    state.store.delete(records.MODELS, args["key"])
    return {}


def register(routes: RouteTable) -> None:
    model = f"{LOCATION}/models/{{model}}"
    add_route(routes, "POST", f"{LOCATION}/models:upload", upload_model, "UploadModelRequest")
    add_route(routes, "GET", f"{LOCATION}/models", list_models)
    add_route(routes, "GET", model, get_model)
    add_route(routes, "PATCH", model, patch_model, "Model")
    add_route(routes, "DELETE", model, delete_model)
