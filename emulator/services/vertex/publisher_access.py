"""The MaaS / publisher side of Model Garden (v1beta1): a project's access to publisher models.
`projects.publishers.models:enableModel` (synchronous, gcp-wire.md §2) lets a project call a MaaS model
through endpoints/openapi; `modelGardenEula:check` / `:accept` record the acceptance of an open model's EULA,
which Model Garden deploys require.

Store collections:
    vertex.eulas       "{number}/{publisher model, unversioned}" → {"acked": true}
    vertex.enabled     "{number}/{publisher}/{model}"            → {"state": "ENABLEMENT_STATE_SUCCEEDED"}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.errors import invalid_argument
from emulator.routing import ApiRequest, RouteTable
from emulator.services.vertex.catalog import PublisherModel, require_publisher_model
from emulator.services.vertex.place import place_of

if TYPE_CHECKING:
    from emulator.state import EmulatorState

EULAS = "vertex.eulas"
ENABLED = "vertex.enabled"
BETA = "aiplatform.v1beta1#GoogleCloudAiplatformV1beta1"


def eula_acked(state: EmulatorState, project_number: str, model: PublisherModel) -> bool:
    return state.store.get(EULAS, f"{project_number}/{model.unversioned}") is not None


def record_eula(state: EmulatorState, project_number: str, model: PublisherModel) -> None:
    state.store.put(EULAS, f"{project_number}/{model.unversioned}", {"acked": True})


def model_enabled(state: EmulatorState, project_number: str, model: PublisherModel) -> bool:
    """Whether the project may call the model (models without enablement, such as Gemini, always)."""
    if not model.enablement:
        return True
    return state.store.get(ENABLED, f"{project_number}/{model.unversioned}") is not None


def _eula_reply(project_number: str, model: PublisherModel, acked: bool) -> dict[str, Any]:
    return {
        "projectNumber": project_number,
        "publisherModel": model.unversioned,
        "publisherModelEulaAcked": acked,
    }


def _eula_model(request: ApiRequest) -> PublisherModel:
    name = request.body.get("publisherModel")
    if not isinstance(name, str) or not name:
        raise invalid_argument("publisher_model must be set.", "publisher_model")
    return require_publisher_model(request.state.store, name)


def check_eula(request: ApiRequest) -> dict[str, Any]:
    place = place_of(request)
    model = _eula_model(request)
    acked = eula_acked(request.state, place.project_number, model)
    return _eula_reply(place.project_number, model, acked)


def accept_eula(request: ApiRequest) -> dict[str, Any]:
    place = place_of(request)
    model = _eula_model(request)
    record_eula(request.state, place.project_number, model)
    return _eula_reply(place.project_number, model, True)


def enable_model(request: ApiRequest) -> dict[str, Any]:
    """Synchronous (gcp-wire.md §2); `publisherEndpoint` names the location this API host serves."""
    place = place_of(request)
    name = f"publishers/{request.params['publisher']}/models/{request.params['model']}"
    model = require_publisher_model(request.state.store, name)
    request.state.store.put(
        ENABLED, f"{place.project_number}/{model.unversioned}", {"state": "ENABLEMENT_STATE_SUCCEEDED"}
    )
    location = model.locations[0] if model.locations else "us-central1"
    return {
        "publisherEndpoint": f"projects/{place.project_id}/locations/{location}/{model.unversioned}",
        "enablementState": "ENABLEMENT_STATE_SUCCEEDED",
    }


def register(routes: RouteTable) -> None:
    routes.add(
        "POST",
        "/v1beta1/projects/{project}/publishers/{publisher}/models/{model}:enableModel",
        enable_model,
        body_schema=f"{BETA}EnableModelRequest",
    )
    routes.add(
        "POST",
        "/v1beta1/projects/{project}/modelGardenEula:check",
        check_eula,
        body_schema=f"{BETA}CheckPublisherModelEulaAcceptanceRequest",
    )
    routes.add(
        "POST",
        "/v1beta1/projects/{project}/modelGardenEula:accept",
        accept_eula,
        body_schema=f"{BETA}AcceptPublisherModelEulaRequest",
    )
