"""Undeploying and deleting endpoints: shared by destroy (this spec's endpoints), reap (expired ones) and
apply (what a failed or reaped deployment left)."""

from __future__ import annotations

from collections.abc import Callable

from provisioning.errors import GoogleApiError
from provisioning.gcp import operations, vertex
from provisioning.gcp.clients import Clients


def undeploy_all(clients: Clients, endpoint: vertex.EndpointInfo, deadline_s: float) -> list[str]:
    """Undeploy every model from `endpoint`; returns the models that were deployed there."""
    models = []
    for deployed in endpoint.deployed_models:
        ref = vertex.undeploy_model(clients, endpoint, deployed.id)
        operations.wait(clients, ref, f"undeploy {deployed.id} from {endpoint.name}", deadline_s=deadline_s)
        models.append(deployed.model)
    return models


def delete_endpoint_and_models(clients: Clients, endpoint: vertex.EndpointInfo, deadline_s: float) -> int:
    """Undeploy, delete the endpoint, then the models it served; returns how many models were deleted."""
    models = undeploy_all(clients, endpoint, deadline_s)
    ref = vertex.delete_endpoint(clients, endpoint.name)
    if ref is not None:
        operations.wait(clients, ref, f"delete endpoint {endpoint.name}", deadline_s=deadline_s)
    return delete_models(clients, [m for m in models if m], deadline_s)


def delete_models(clients: Clients, models: list[str], deadline_s: float) -> int:
    """Delete models (already gone counts as deleted); returns how many delete calls started."""
    started = 0
    for model in models:
        ref = vertex.delete_model(clients, model)
        if ref is not None:
            operations.wait(clients, ref, f"delete model {model}", deadline_s=deadline_s)
            started += 1
    return started


def deploy_model_of(clients: Clients, project: str, ref: operations.OperationRef) -> str | None:
    """The model a Model Garden deploy uploaded (its operation's metadata names it), or None."""
    model_id = operations.get_operation(clients, ref, f"read {ref.name}").metadata.get("modelId")
    return f"projects/{project}/locations/{ref.location}/models/{model_id}" if model_id else None


def settle(
    clients: Clients, ref: operations.OperationRef, what: str, deadline_s: float, note: Callable[[str], None]
) -> bool:
    """Wait on an operation an interrupted run started, whatever its outcome; True when it succeeded.

    A deploy cannot be taken back while it runs (its replicas cannot be undeployed before they exist), so
    destroy waits for it to end, then removes what it made. A wait past the deadline still raises."""
    note(f"waiting on {ref.name} (started by an interrupted apply)")
    try:
        operations.wait(clients, ref, what, deadline_s=deadline_s)
    except GoogleApiError:
        if not operations.get_operation(clients, ref, f"read {ref.name}").done:
            raise
        return False
    return True
