"""Undeploying and deleting endpoints: shared by destroy (this spec's endpoints) and reap (expired ones)."""

from __future__ import annotations

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
    deleted = 0
    for model in models:
        if not model:
            continue
        model_ref = vertex.delete_model(clients, model)
        if model_ref is not None:
            operations.wait(clients, model_ref, f"delete model {model}", deadline_s=deadline_s)
            deleted += 1
    return deleted
