"""PredictionService's OpenAI-compatible chat completions (v1 and v1beta1):
`endpoints/openapi/chat/completions` for MaaS and Gemini (the model must exist, be served in the location and
be enabled for the project) and `endpoints/{endpoint}/chat/completions` for a self-deployed endpoint (served
by its ready deployment with the most traffic). The chat itself is `emulator.chat`."""

from __future__ import annotations

from starlette.responses import Response

from emulator.chat import handle_chat_completion
from emulator.errors import failed_precondition, invalid_argument, not_found
from emulator.routing import ApiRequest, RouteTable
from emulator.services.vertex.catalog import find_chat_model
from emulator.services.vertex.deployments import serving_deployment
from emulator.services.vertex.place import LOCATION, add_route, place_of
from emulator.services.vertex.publisher_access import model_enabled


async def maas_chat(request: ApiRequest) -> Response:
    """MaaS and Gemini through endpoints/openapi: the model must exist, be served here and be enabled."""
    place = place_of(request)
    requested = request.body.get("model")
    if not isinstance(requested, str) or "/" not in requested:
        raise invalid_argument(
            "model must be given as <publisher>/<model>, e.g. openai/gpt-oss-20b-maas or "
            "google/gemini-2.5-flash.",
            "model",
        )
    publisher, _, model_id = requested.partition("/")
    path = f"projects/{request.params['project']}/locations/{place.location}"
    path += f"/publishers/{publisher}/models/{model_id}"
    model = find_chat_model(request.state.store, requested)
    if model is None:
        raise not_found(
            f"Publisher Model `{path}` was not found or your project does not have access to it. Please "
            "ensure you are using a valid model version."
        )
    if place.location not in model.locations:
        raise failed_precondition(f"Publisher Model `{path}` is not servable in region {place.location}.")
    if not model_enabled(request.state, place.project_number, model):
        raise failed_precondition(
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
    place = place_of(request)
    deployment = serving_deployment(request.state, place, request.params["endpoint"])
    requested = request.body.get("model")
    if deployment["family"] == "vllm" and requested and requested != deployment["served_model"]:
        # vLLM serves one name; "" (what Vertex's samples send) means that one, anything else is refused.
        raise not_found(f"The model `{requested}` does not exist.")
    return await handle_chat_completion(
        request.raw,
        served_model=deployment["served_model"],
        family=deployment["family"],
        body=request.body,
        settings=request.state.settings,
    )


def register(routes: RouteTable) -> None:
    """Register before EndpointService: "openapi" would otherwise match its {endpoint} segment."""
    add_route(routes, "POST", f"{LOCATION}/endpoints/openapi/chat/completions", maas_chat)
    add_route(routes, "POST", f"{LOCATION}/endpoints/{{endpoint}}/chat/completions", endpoint_chat)
