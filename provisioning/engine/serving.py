"""Self-hosted endpoints: one Model Garden `:deploy` per spec endpoint, found again (never duplicated) by the
operation saved in state, by its user-chosen endpoint id (the spec name), or by its display name and labels.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from google.cloud import aiplatform_v1beta1 as v1beta1

from provisioning.catalog import MachineShape, load_catalog
from provisioning.engine.labels import resource_labels, same_ignoring_expiry
from provisioning.errors import GoogleApiError, ProvisionError
from provisioning.gcp import operations, vertex
from provisioning.recommend import shape_for_spec_endpoint
from provisioning.spec import EndpointSpec

if TYPE_CHECKING:
    from provisioning.engine.apply import Apply
    from provisioning.engine.state import StateFile
    from provisioning.gcp.clients import Clients

# Model Garden serving images, as used by the vertex-ai-samples notebooks (tags UNCONFIRMED; override with
# container_args only changes the arguments).
SERVING_IMAGES = {
    "vllm": "us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/pytorch-vllm-serve:latest",
    "tgi": (
        "us-docker.pkg.dev/deeplearning-platform-release/gcr.io/"
        "huggingface-text-generation-inference-cu124.2-4.ubuntu2204.py311"
    ),
}
SERVING_PORT = 8080


def container_spec(
    endpoint: EndpointSpec, model_id: str, shape: MachineShape
) -> v1beta1.ModelContainerSpec | None:
    """A container spec when the spec asks for TGI or gives container_args; None lets Model Garden pick."""
    if endpoint.framework == "vllm" and not endpoint.container_args:
        return None
    shards = str(endpoint.tensor_parallel_size or shape.count)
    if endpoint.framework == "vllm":
        args = [
            "--host=0.0.0.0",
            f"--port={SERVING_PORT}",
            f"--model={model_id}",
            f"--tensor-parallel-size={shards}",
        ]
        env = [v1beta1.EnvVar(name="MODEL_ID", value=model_id)]
    else:
        args = []
        env = [
            v1beta1.EnvVar(name="MODEL_ID", value=model_id),
            v1beta1.EnvVar(name="NUM_SHARD", value=shards),
        ]
    return v1beta1.ModelContainerSpec(
        image_uri=SERVING_IMAGES[endpoint.framework],
        args=[*args, *(endpoint.container_args or [])],
        env=env,
        ports=[v1beta1.Port(container_port=SERVING_PORT)],
        predict_route="/generate" if endpoint.framework == "tgi" else "/v1/chat/completions",
        health_route="/health",
    )


def deploy_request(
    project: str, region: str, endpoint: EndpointSpec, hf_token: str | None
) -> v1beta1.DeployRequest:
    """The Model Garden deploy of one spec endpoint, on the shape `provision plan` recommends for it."""
    shape = shape_for_spec_endpoint(endpoint, region).shape
    weights = load_catalog().models[endpoint.model].open
    assert weights is not None
    model_config = v1beta1.DeployRequest.ModelConfig(
        accept_eula=endpoint.accept_eula,
        hugging_face_access_token=hf_token or "",
        model_display_name=endpoint.name,
        container_spec=container_spec(endpoint, weights.huggingface_id, shape),
    )
    request = v1beta1.DeployRequest(
        destination=f"projects/{project}/locations/{region}",
        model_config=model_config,
        endpoint_config=v1beta1.DeployRequest.EndpointConfig(
            endpoint_display_name=endpoint.name,
            dedicated_endpoint_enabled=endpoint.dedicated_endpoint,
            endpoint_user_id=endpoint.name,
        ),
        deploy_config=v1beta1.DeployRequest.DeployConfig(
            dedicated_resources=v1beta1.DedicatedResources(
                machine_spec=v1beta1.MachineSpec(
                    machine_type=shape.machine_type,
                    accelerator_type=shape.accelerator,
                    accelerator_count=shape.count,
                ),
                min_replica_count=endpoint.min_replicas,
                max_replica_count=endpoint.max_replicas,
                spot=endpoint.spot,
            )
        ),
    )
    if weights.publisher_model and not endpoint.hf_token_env:
        request.publisher_model_name = weights.publisher_model
    else:
        request.hugging_face_model_id = weights.huggingface_id
    return request


def find_endpoint(
    clients: Clients, state: StateFile, project: str, region: str, name: str
) -> vertex.EndpointInfo | None:
    """The spec endpoint `name`: by the name recorded in state, by its user id (the spec name), else by
    display name. None when it does not exist."""
    recorded = state.get("endpoints", {}).get(name)
    names = [recorded["name"]] if recorded else []
    names.append(vertex.endpoint_name(project, region, name))
    for resource in names:
        found = vertex.get_endpoint(clients, resource)
        if found is not None:
            return found
    same_name = [e for e in vertex.list_endpoints(clients, project, region) if e.display_name == name]
    return same_name[0] if same_name else None


def ensure_endpoint(run: Apply, endpoint: EndpointSpec) -> str:
    region = run.spec.endpoint_region(endpoint)
    key = f"endpoint:{endpoint.name}"
    pending = run.state.operation(key)
    found = None if pending else find_endpoint(run.clients, run.state, run.project, region, endpoint.name)
    outcome = "deployed (exists)"
    if found is None:
        if pending is None:
            request = deploy_request(run.project, region, endpoint, run.hf_tokens.get(endpoint.name))
            machine = request.deploy_config.dedicated_resources.machine_spec
            run.reporter.note(
                key, f"deploying {endpoint.model} on {machine.machine_type} ({machine.accelerator_type.name})"
            )
            try:
                pending = vertex.deploy(run.clients, region, request, f"deploy {endpoint.name} in {region}")
            except GoogleApiError as error:
                if error.status != "ALREADY_EXISTS":
                    raise
                pending = None
            if pending is not None:
                run.state.save_operation(key, pending)
        if pending is not None:
            op = run.finish(key, pending, f"deploy endpoint {endpoint.name}")
            name = str(op.response.get("endpoint", "")) or vertex.endpoint_name(
                run.project, region, endpoint.name
            )
            found = vertex.get_endpoint(run.clients, name)
        else:
            found = find_endpoint(run.clients, run.state, run.project, region, endpoint.name)
        if found is None:
            raise ProvisionError(
                f"endpoint {endpoint.name}: the deployment finished but the endpoint cannot be read",
                "Vertex AI returned no endpoint for it",
                f"list endpoints: `gcloud ai endpoints list --region {region} --project {run.project}`",
            )
        outcome = "deployed"
    if not found.deployed_models:
        found = wait_for_model(run, found)
    wanted = resource_labels(run.spec, run.now)
    if not same_ignoring_expiry(found.labels, wanted):
        vertex.set_endpoint_labels(run.clients, found, {**found.labels, **_keep_expiry(found.labels, wanted)})
    record = {
        "name": found.name,
        "endpoint_id": found.endpoint_id,
        "dedicated_dns": found.dedicated_dns,
        "models": [d.model for d in found.deployed_models],
    }
    run.state.put("endpoints", endpoint.name, record)
    return f"{outcome}: {found.endpoint_id}"


def _keep_expiry(current: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    """Our labels, keeping an existing expires-at: re-applying must not postpone the reaping."""
    merged = dict(wanted)
    if "expires-at" in current:
        merged["expires-at"] = current["expires-at"]
    return merged


def wait_for_model(run: Apply, endpoint: vertex.EndpointInfo) -> vertex.EndpointInfo:
    """An endpoint without a deployed model whose deploy operation we lost (crash before it was saved):
    the deployment may still be in flight, so poll the endpoint itself, within the deadline."""
    start = time.monotonic()
    while time.monotonic() - start < run.deadline_s:
        current = vertex.get_endpoint(run.clients, endpoint.name)
        if current is not None and current.deployed_models:
            return current
        time.sleep(operations.poll_delay(time.monotonic() - start))
    raise ProvisionError(
        f"endpoint {endpoint.name} has no deployed model after {run.deadline_s:.0f}s",
        "its deployment was started by an earlier run whose operation was not recorded, and has not finished",
        "run `provision destroy --spec FILE` for this environment, then apply again",
    )
