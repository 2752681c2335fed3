"""ModelGardenService: `GET /{v1|v1beta1}/publishers/{publisher}/models/{model}` (the PublisherModel, with
its deploy options) and `POST /{v1|v1beta1}/projects/P/locations/L:deploy` (one-click deploy of an open model,
by publisher model name or Hugging Face ID: an endpoint, dedicated by default, an uploaded model and a
pending deployment, finished by the long-running operation).

For open models the PublisherModel has one `supportedActions.multiDeployVertex` entry per machine shape the
seed lists (what `OpenModel.list_deploy_options` and `gcloud ai model-garden models list-deployment-config`
read), served by Model Garden's vLLM container."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.errors import ApiError, invalid_argument
from emulator.operations import finisher
from emulator.routing import ApiRequest, RouteTable
from emulator.services.vertex import deployments, records
from emulator.services.vertex.catalog import (
    MachineSpec,
    PublisherModel,
    find_by_huggingface_id,
    model_garden_container,
    require_publisher_model,
)
from emulator.services.vertex.place import LOCATION, Place, add_route, place_of, start_operation
from emulator.services.vertex.publisher_access import eula_acked, record_eula

if TYPE_CHECKING:
    from emulator.state import EmulatorState


# ---- GetPublisherModel -------------------------------------------------------------------------------------


def _deploy_option(model: PublisherModel, index: int) -> dict[str, Any]:
    spec = model.machine_specs[index]
    return {
        "modelDisplayName": f"{model.model_id}-{model.version_id}",
        "containerSpec": model_garden_container(model),
        "dedicatedResources": {"machineSpec": spec.to_json(), "minReplicaCount": 1, "maxReplicaCount": 1},
        "deployTaskName": f"vLLM {spec.accelerator_count}x{spec.accelerator_type}",
        "title": f"Deploy {model.model_id} on {spec.machine_type}",
    }


def publisher_model_json(model: PublisherModel) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "name": model.unversioned,
        "versionId": model.version_id,
        "launchStage": "GA",
        "versionState": "VERSION_STATE_STABLE",
        "openSourceCategory": "PROPRIETARY" if model.kind == "maas" else "THIRD_PARTY_OWNED_OSS",
    }
    if model.kind == "open" and model.machine_specs:
        options = [_deploy_option(model, index) for index in range(len(model.machine_specs))]
        reply["supportedActions"] = {
            "multiDeployVertex": {"multiDeployVertex": options},
            "deploy": options[0],
        }
    return reply


def get_publisher_model(request: ApiRequest) -> dict[str, Any]:
    publisher, model_id = request.params["publisher"], request.params["model"]
    if request.param("isHuggingFaceModel") == "true":
        model = find_by_huggingface_id(request.state.store, f"{publisher}/{model_id}")
    else:
        model = require_publisher_model(request.state.store, f"publishers/{publisher}/models/{model_id}")
    return publisher_model_json(model)


# ---- Deploy ------------------------------------------------------------------------------------------------


def deploy(request: ApiRequest) -> dict[str, Any]:
    """The request's artifact: exactly one of publisherModelName and huggingFaceModelId."""
    place = place_of(request, billing=True)
    body = request.body
    publisher_name, hf_id = body.get("publisherModelName"), body.get("huggingFaceModelId")
    if bool(publisher_name) == bool(hf_id):
        raise invalid_argument(
            "Exactly one of publisher_model_name and hugging_face_model_id must be set.", "artifacts"
        )
    if hf_id:
        if not isinstance(hf_id, str) or hf_id.count("/") != 1:
            raise invalid_argument(
                "hugging_face_model_id must look like <organization>/<model>.", "hugging_face_model_id"
            )
        model = find_by_huggingface_id(request.state.store, hf_id)
    else:
        model = require_publisher_model(request.state.store, str(publisher_name))
    endpoint_id = request.param("endpointId")
    if endpoint_id:
        body = {
            **body,
            "endpointConfig": {**(body.get("endpointConfig") or {}), "endpointUserId": endpoint_id},
        }
    return _deploy(request.state, place, body, model, via_hugging_face=bool(hf_id))


def _check_access(
    state: EmulatorState, place: Place, model: PublisherModel, model_config: dict[str, Any], via_hf: bool
) -> None:
    """MaaS models are not deployable; a gated Hugging Face model needs a token, an EULA its acceptance."""
    if model.kind != "open":
        raise invalid_argument(
            f"Model {model.name} is served as a managed API (MaaS) and cannot be deployed; call it through "
            "endpoints/openapi/chat/completions after enabling it.",
            "publisher_model_name",
        )
    if via_hf:
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


def _deploy(
    state: EmulatorState, place: Place, body: dict[str, Any], model: PublisherModel, via_hugging_face: bool
) -> dict[str, Any]:
    model_config = body.get("modelConfig") or {}
    endpoint_config = body.get("endpointConfig") or {}
    deploy_config = body.get("deployConfig") or {}
    _check_access(state, place, model, model_config, via_hugging_face)
    spec, minimum, maximum = _deploy_resources(deploy_config, model, place)
    container = model_config.get("containerSpec") or model_garden_container(model)
    display = model_config.get("modelDisplayName") or f"{model.model_id}-{model.version_id}"
    with state.store.transaction():
        if model.eula and model_config.get("acceptEula"):
            record_eula(state, place.project_number, model)
        quota = deployments.take_quota(state, place, spec, minimum)
        endpoint_id = records.insert_endpoint(
            state,
            place,
            endpoint_id=endpoint_config.get("endpointUserId") or None,
            display_name=endpoint_config.get("endpointDisplayName") or f"{display}-mg-one-click-deploy",
            labels=endpoint_config.get("labels"),
            dedicated=not endpoint_config.get("dedicatedEndpointDisabled", False),
        )
        model_id = records.insert_model(
            state,
            place,
            {"displayName": display, "containerSpec": container},
            model_config.get("modelUserId"),
        )
        model_record = records.model_record(state, place, model_id)
        deployed_model = {
            "model": f"{place.parent}/models/{model_id}",
            "modelVersionId": "1",
            "displayName": display,
            "dedicatedResources": deployments.dedicated_json(
                spec, minimum, maximum, bool((deploy_config.get("dedicatedResources") or {}).get("spot"))
            ),
            # UNCONFIRMED: that Vertex keeps the caller's deployConfig.systemLabels on the DeployedModel
            # (both fields exist in the discovery document; the docs call them Google-managed).
            **({"systemLabels": dict(labels)} if (labels := deploy_config.get("systemLabels")) else {}),
        }
        record = records.endpoint_record(state, place, endpoint_id)
        deployed_id = deployments.add_deployment(
            state, place, endpoint_id, record, deployed_model, model_record, quota, None
        )
    publisher_model = model.huggingface_id.lower() if via_hugging_face else model.name
    return start_operation(
        state,
        place,
        place.parent,
        kind="model_garden.deploy",
        finish="vertex.model_garden_deploy",
        args={
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
        return deployments.resources({"dedicatedResources": dedicated}, place)
    if not model.machine_specs:
        raise invalid_argument(
            f"Model {model.name} has no default deploy configuration; set deploy_config.dedicated_resources.",
            "deploy_config.dedicated_resources",
        )
    default = model.machine_specs[0]
    return deployments.resources(
        {"dedicatedResources": {**dedicated, "machineSpec": default.to_json()}}, place
    )


@finisher("vertex.model_garden_deploy")
def _finish_deploy(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    place = Place.from_args(args)
    deployments.complete_deployment(state, place, args["endpoint_id"], args["deployed_model_id"])
    return {
        "publisherModel": args["publisher_model"],
        "endpoint": f"{place.parent}/endpoints/{args['endpoint_id']}",
        "model": args["model"],
    }


def register(routes: RouteTable) -> None:
    add_route(routes, "POST", f"{LOCATION}:deploy", deploy, "DeployRequest")
    add_route(routes, "GET", "/publishers/{publisher}/models/{model}", get_publisher_model)
