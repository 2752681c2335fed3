"""Vertex AI routes, v1 and v1beta1, on the regional-host form of the paths (the location is in the path),
plus the `/ui/` operation paths the GAPIC REST clients poll. Parsing and guards here; rules in `models.py`."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from emulator import errors
from emulator.chat import handle_chat_completion
from emulator.routing import ApiRequest, Handler, RouteTable
from emulator.services.vertex import access, model_patch, models
from emulator.services.vertex.catalog import (
    PublisherModel,
    find_by_huggingface_id,
    find_chat_model,
    find_publisher_model,
)
from emulator.services.vertex.publishers import publisher_model_json

VERSIONS = ("v1", "v1beta1")
LOCATION = "/projects/{project}/locations/{location}"


def _place(request: ApiRequest, *, billing: bool = False) -> models.Place:
    """The path's project (ID or number) past the Vertex guards: service enabled, billing for deploys."""
    project_id, number = access.vertex_project(request.state, request.params["project"], billing=billing)
    version = request.path.split("/", 2)[1]
    return models.Place(project_id, number, request.params.get("location", ""), version)


# ---- endpoints ---------------------------------------------------------------------------------------------


def create_endpoint(request: ApiRequest) -> dict[str, Any]:
    return models.create_endpoint(request.state, _place(request), request.body, request.param("endpointId"))


def get_endpoint(request: ApiRequest) -> dict[str, Any]:
    return models.get_endpoint(request.state, _place(request), request.params["endpoint"])


def list_endpoints(request: ApiRequest) -> dict[str, Any]:
    size = request.param("pageSize") or "0"
    if not size.isdigit():
        raise errors.invalid_argument("pageSize must be a non-negative integer.", "page_size")
    return models.list_endpoints(
        request.state,
        _place(request),
        request.param("filter") or "",
        int(size),
        request.param("pageToken") or "",
    )


def update_endpoint(request: ApiRequest) -> dict[str, Any]:
    return models.update_endpoint(
        request.state,
        _place(request),
        request.params["endpoint"],
        request.body,
        request.param("updateMask") or "",
    )


def delete_endpoint(request: ApiRequest) -> dict[str, Any]:
    return models.delete_endpoint(request.state, _place(request), request.params["endpoint"])


def deploy_model(request: ApiRequest) -> dict[str, Any]:
    return models.deploy_model(
        request.state, _place(request, billing=True), request.params["endpoint"], request.body
    )


def undeploy_model(request: ApiRequest) -> dict[str, Any]:
    return models.undeploy_model(request.state, _place(request), request.params["endpoint"], request.body)


def mutate_deployed_model(request: ApiRequest) -> dict[str, Any]:
    place = _place(request, billing=True)
    return models.mutate_deployed_model(request.state, place, request.params["endpoint"], request.body)


# ---- models ------------------------------------------------------------------------------------------------


def upload_model(request: ApiRequest) -> dict[str, Any]:
    return models.upload_model(request.state, _place(request), request.body)


def list_models(request: ApiRequest) -> dict[str, Any]:
    return models.list_models(request.state, _place(request))


def get_model(request: ApiRequest) -> dict[str, Any]:
    return models.get_model(request.state, _place(request), request.params["model"])


def delete_model(request: ApiRequest) -> dict[str, Any]:
    return models.delete_model(request.state, _place(request), request.params["model"])


# ---- operations --------------------------------------------------------------------------------------------


def get_operation(request: ApiRequest) -> dict[str, Any]:
    """Operations are named with the project number; callers may use the ID."""
    place = _place(request)
    params = request.params
    scope = place.parent
    if "endpoint" in params:
        scope += f"/endpoints/{params['endpoint']}"
    elif "model" in params:
        scope += f"/models/{params['model']}"
    name = f"{scope}/operations/{params['operation']}"
    operation = request.state.operations.get(name)
    if operation is None:
        raise errors.not_found(f"Operation {name} not found.")
    return operation


# ---- Model Garden ------------------------------------------------------------------------------------------


def _publisher_model(request: ApiRequest, name: str) -> PublisherModel:
    model = find_publisher_model(request.state.store, name)
    if model is None:
        raise errors.not_found(f"Publisher Model `{name}` not found.")
    return model


def get_publisher_model(request: ApiRequest) -> dict[str, Any]:
    publisher, model_id = request.params["publisher"], request.params["model"]
    if request.param("isHuggingFaceModel") == "true":
        model = find_by_huggingface_id(request.state.store, f"{publisher}/{model_id}")
    else:
        model = _publisher_model(request, f"publishers/{publisher}/models/{model_id}")
    return publisher_model_json(model)


def model_garden_deploy(request: ApiRequest) -> dict[str, Any]:
    place = _place(request, billing=True)
    body = request.body
    publisher_name, hf_id = body.get("publisherModelName"), body.get("huggingFaceModelId")
    if bool(publisher_name) == bool(hf_id):
        raise errors.invalid_argument(
            "Exactly one of publisher_model_name and hugging_face_model_id must be set.", "artifacts"
        )
    if hf_id:
        if not isinstance(hf_id, str) or hf_id.count("/") != 1:
            raise errors.invalid_argument(
                "hugging_face_model_id must look like <organization>/<model>.", "hugging_face_model_id"
            )
        model = find_by_huggingface_id(request.state.store, hf_id)
    else:
        model = _publisher_model(request, str(publisher_name))
    endpoint_id = request.param("endpointId")
    if endpoint_id:
        body = {
            **body,
            "endpointConfig": {**(body.get("endpointConfig") or {}), "endpointUserId": endpoint_id},
        }
    return models.model_garden_deploy(request.state, place, body, model, via_hugging_face=bool(hf_id))


def _eula_model(request: ApiRequest) -> PublisherModel:
    name = request.body.get("publisherModel")
    if not isinstance(name, str) or not name:
        raise errors.invalid_argument("publisher_model must be set.", "publisher_model")
    return _publisher_model(request, name)


def check_eula(request: ApiRequest) -> dict[str, Any]:
    place = _place(request)
    model = _eula_model(request)
    return models.eula_reply(
        place.project_number, model, models.eula_acked(request.state, place.project_number, model)
    )


def accept_eula(request: ApiRequest) -> dict[str, Any]:
    place = _place(request)
    model = _eula_model(request)
    models.accept_eula(request.state, place.project_number, model)
    return models.eula_reply(place.project_number, model, True)


def enable_model(request: ApiRequest) -> dict[str, Any]:
    """Synchronous (gcp-wire.md §2); `publisherEndpoint` names the location this API host serves."""
    place = _place(request)
    model = _publisher_model(
        request, f"publishers/{request.params['publisher']}/models/{request.params['model']}"
    )
    models.enable_model(request.state, place.project_number, model)
    location = model.locations[0] if model.locations else "us-central1"
    return {
        "publisherEndpoint": f"projects/{place.project_id}/locations/{location}/{model.unversioned}",
        "enablementState": "ENABLEMENT_STATE_SUCCEEDED",
    }


# ---- chat completions --------------------------------------------------------------------------------------


async def maas_chat(request: ApiRequest) -> Response:
    """MaaS and Gemini through endpoints/openapi: the model must exist, be served here and be enabled."""
    place = _place(request)
    requested = request.body.get("model")
    if not isinstance(requested, str) or "/" not in requested:
        raise errors.invalid_argument(
            "model must be given as <publisher>/<model>, e.g. openai/gpt-oss-20b-maas or "
            "google/gemini-2.5-flash.",
            "model",
        )
    publisher, _, model_id = requested.partition("/")
    path = f"projects/{request.params['project']}/locations/{place.location}"
    path += f"/publishers/{publisher}/models/{model_id}"
    model = find_chat_model(request.state.store, requested)
    if model is None:
        raise errors.not_found(
            f"Publisher Model `{path}` was not found or your project does not have access to it. Please "
            "ensure you are using a valid model version."
        )
    if place.location not in model.locations:
        raise errors.failed_precondition(
            f"Publisher Model `{path}` is not servable in region {place.location}."
        )
    if not models.model_enabled(request.state, place.project_number, model):
        raise errors.failed_precondition(
            f"Project `{place.project_number}` is not allowed to use Publisher Model `{path}`"
        )
    return await handle_chat_completion(
        request.raw,
        served_model=model.chat_model,
        family=model.family,
        body=request.body,
        settings=request.state.settings,
    )


async def endpoint_chat(request: ApiRequest) -> Response:
    """A self-deployed endpoint: it must exist and have a deployed model whose deploy finished; vLLM refuses
    a model name it does not serve, TGI ignores the name."""
    place = _place(request)
    deployment = models.serving_deployment(request.state, place, request.params["endpoint"])
    requested = request.body.get("model")
    if deployment["family"] == "vllm" and requested and requested != deployment["served_model"]:
        # vLLM serves one name; "" (what Vertex's samples send) means that one, anything else is refused.
        raise errors.not_found(f"The model `{requested}` does not exist.")
    return await handle_chat_completion(
        request.raw,
        served_model=deployment["served_model"],
        family=deployment["family"],
        body=request.body,
        settings=request.state.settings,
    )


# ---- registry ----------------------------------------------------------------------------------------------


def register(routes: RouteTable) -> None:
    def add(method: str, path: str, handler: Handler, schema: str | None = None) -> None:
        for version in VERSIONS:
            api = "aiplatform." + version
            prefix = "GoogleCloudAiplatform" + version.capitalize()
            body_schema = f"{api}#{prefix}{schema}" if schema else None
            routes.add(method, f"/{version}{path}", handler, body_schema=body_schema)

    # Chat first: "openapi" would otherwise match the {endpoint} segment.
    add("POST", f"{LOCATION}/endpoints/openapi/chat/completions", maas_chat)
    add("POST", f"{LOCATION}/endpoints/{{endpoint}}/chat/completions", endpoint_chat)

    add("POST", f"{LOCATION}/endpoints", create_endpoint, "Endpoint")
    add("GET", f"{LOCATION}/endpoints", list_endpoints)
    add("GET", f"{LOCATION}/endpoints/{{endpoint}}", get_endpoint)
    add("PATCH", f"{LOCATION}/endpoints/{{endpoint}}", update_endpoint, "Endpoint")
    add("DELETE", f"{LOCATION}/endpoints/{{endpoint}}", delete_endpoint)
    add("POST", f"{LOCATION}/endpoints/{{endpoint}}:deployModel", deploy_model, "DeployModelRequest")
    add("POST", f"{LOCATION}/endpoints/{{endpoint}}:undeployModel", undeploy_model, "UndeployModelRequest")
    add(
        "POST",
        f"{LOCATION}/endpoints/{{endpoint}}:mutateDeployedModel",
        mutate_deployed_model,
        "MutateDeployedModelRequest",
    )
    add("POST", f"{LOCATION}/models:upload", upload_model, "UploadModelRequest")
    add("GET", f"{LOCATION}/models", list_models)
    add("GET", f"{LOCATION}/models/{{model}}", get_model)
    add("DELETE", f"{LOCATION}/models/{{model}}", delete_model)
    model_patch.register(routes, _place)
    add("POST", f"{LOCATION}:deploy", model_garden_deploy, "DeployRequest")
    add("GET", "/publishers/{publisher}/models/{model}", get_publisher_model)

    for prefix in ("/v1", "/v1beta1", "/ui"):
        for scope in ("", "/endpoints/{endpoint}", "/models/{model}"):
            routes.add("GET", f"{prefix}{LOCATION}{scope}/operations/{{operation}}", get_operation)

    beta = "aiplatform.v1beta1#GoogleCloudAiplatformV1beta1"
    routes.add(
        "POST",
        "/v1beta1/projects/{project}/publishers/{publisher}/models/{model}:enableModel",
        enable_model,
        body_schema=f"{beta}EnableModelRequest",
    )
    routes.add(
        "POST",
        "/v1beta1/projects/{project}/modelGardenEula:check",
        check_eula,
        body_schema=f"{beta}CheckPublisherModelEulaAcceptanceRequest",
    )
    routes.add(
        "POST",
        "/v1beta1/projects/{project}/modelGardenEula:accept",
        accept_eula,
        body_schema=f"{beta}AcceptPublisherModelEulaRequest",
    )
