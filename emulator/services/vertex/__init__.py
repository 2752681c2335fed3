"""Vertex AI, one provider per Google service over a shared store (`records.py`, `deployments.py`):
EndpointService, ModelService, ModelGardenService, the MaaS / publisher-model access side, PredictionService's
chat completions and the operations they start. `place.py` holds what they share (guards, ids, routes)."""

from emulator.routing import RouteTable
from emulator.services.vertex import (
    endpoint_service,
    longrunning,
    model_garden_service,
    model_service,
    prediction_service,
    publisher_access,
)

PROVIDERS = (
    prediction_service,  # first: its "endpoints/openapi" routes precede EndpointService's {endpoint}
    endpoint_service,
    model_service,
    model_garden_service,
    publisher_access,
    longrunning,
)


def register(routes: RouteTable) -> None:
    for provider in PROVIDERS:
        provider.register(routes)
