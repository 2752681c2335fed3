"""A self-deployed endpoint: the Model Garden `:deploy` request (aiplatform v1beta1 `DeployRequest`) that
creates the endpoint, uploads the model and deploys it in one call, on the shape `provision plan` recommends.

Uses the two pure choosers beside the catalog: provisioning/recommend.py (the machine) and
provisioning/serving.py (the model artifact and container).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provisioning.desired.labels import resource_labels
from provisioning.recommend import shape_for_spec_endpoint
from provisioning.serving import Container, serving_plan
from provisioning.spec import EndpointSpec, EnvironmentSpec


def container_spec(container: Container) -> dict[str, Any]:
    """A `ModelContainerSpec`."""
    return {
        "imageUri": container.image_uri,
        "command": list(container.command),
        "args": list(container.args),
        "env": [{"name": name, "value": value} for name, value in container.env],
        "ports": [{"containerPort": container.port}],
        "predictRoute": container.predict_route,
        "healthRoute": container.health_route,
    }


def deploy_request(
    spec: EnvironmentSpec, endpoint: EndpointSpec, region: str, now: datetime, hf_token: str | None = None
) -> dict[str, Any]:
    """The `:deploy` body for `endpoint` in `region` (its own, or a fallback region).

    `hf_token` goes in `modelConfig.huggingFaceAccessToken` when given; the Pulumi program passes None and
    sets its own secret Output there. Dedicated is Model Garden's default and the deprecated
    `dedicatedEndpointEnabled=false` does not turn it off: a shared endpoint is `dedicatedEndpointDisabled`.
    """
    shape = shape_for_spec_endpoint(endpoint, region).shape
    plan = serving_plan(endpoint, shape.count)
    model_config: dict[str, Any] = {"acceptEula": endpoint.accept_eula, "modelDisplayName": endpoint.name}
    if hf_token:
        model_config["huggingFaceAccessToken"] = hf_token
    if plan.container is not None:
        model_config["containerSpec"] = container_spec(plan.container)
    request: dict[str, Any] = {
        "destination": f"projects/{spec.project.id}/locations/{region}",
        "modelConfig": model_config,
        "endpointConfig": {
            "endpointDisplayName": endpoint.name,
            "endpointUserId": endpoint.name,
            "dedicatedEndpointDisabled": not endpoint.dedicated_endpoint,
        },
        "deployConfig": {
            "dedicatedResources": {
                "machineSpec": {
                    "machineType": shape.machine_type,
                    "acceleratorType": shape.accelerator,
                    "acceleratorCount": shape.count,
                },
                "minReplicaCount": endpoint.min_replicas,
                "maxReplicaCount": endpoint.max_replicas,
                "spot": endpoint.spot,
            },
            # Vertex keeps these on the deployed model, where `provision reap` finds the TTL.
            "systemLabels": resource_labels(spec, now),
        },
    }
    if plan.publisher_model:
        request["publisherModelName"] = plan.publisher_model
    else:
        request["huggingFaceModelId"] = plan.huggingface_id
    return request
