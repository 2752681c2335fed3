"""What a self-deployed endpoint runs: the model artifact and, when needed, the serving container.

Pure, and shared by both engines (`provisioning/engine/serving.py` and `infra/serving.py`), so
`provision apply` and `pulumi up` deploy the same thing from the same spec. With no framework-specific
settings, Model Garden deploys a publisher model with its own verified container and we send none. A spec
that picks TGI, passes container_args or a tensor_parallel_size gets an explicit container. The images are
the ones the Vertex Model Garden notebooks use; their tags move (UNCONFIRMED): check them before relying on
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.catalog import load_catalog
from provisioning.spec import EndpointSpec

PORT = 8080
IMAGES = {
    "vllm": "us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/"
    "pytorch-vllm-serve:20250601_0916_RC00",
    "tgi": "us-docker.pkg.dev/deeplearning-platform-release/gcr.io/"
    "huggingface-text-generation-inference-cu124.2-4.ubuntu2204.py311",
}


@dataclass(frozen=True)
class Container:
    image_uri: str
    command: tuple[str, ...]
    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    port: int
    predict_route: str
    health_route: str


@dataclass(frozen=True)
class ServingPlan:
    """Deploy `publisher_model` when set, else `huggingface_id`; no container means Model Garden's default."""

    publisher_model: str | None
    huggingface_id: str
    container: Container | None


def needs_container(endpoint: EndpointSpec) -> bool:
    return (
        endpoint.framework == "tgi"
        or bool(endpoint.container_args)
        or endpoint.tensor_parallel_size is not None
    )


def container_for(endpoint: EndpointSpec, huggingface_id: str, gpus: int) -> Container:
    shards = str(endpoint.tensor_parallel_size or gpus)
    extra = tuple(endpoint.container_args or ())
    if endpoint.framework == "tgi":
        return Container(
            image_uri=IMAGES["tgi"],
            command=(),
            args=extra,
            env=(("MODEL_ID", huggingface_id), ("NUM_SHARD", shards), ("PORT", str(PORT))),
            port=PORT,
            predict_route="/generate",
            health_route="/health",
        )
    return Container(
        image_uri=IMAGES["vllm"],
        command=("python", "-m", "vllm.entrypoints.api_server"),
        args=(
            "--host=0.0.0.0",
            f"--port={PORT}",
            f"--model={huggingface_id}",
            f"--tensor-parallel-size={shards}",
            *extra,
        ),
        env=(),
        port=PORT,
        predict_route="/generate",
        health_route="/ping",
    )


def serving_plan(endpoint: EndpointSpec, gpus: int) -> ServingPlan:
    """The publisher model with Model Garden's container when that serves the spec; else the Hugging Face id
    with an explicit container."""
    weights = load_catalog().models[endpoint.model].open
    assert weights is not None  # the spec validator only admits open models for endpoints
    if weights.publisher_model and not needs_container(endpoint):
        return ServingPlan(weights.publisher_model, weights.huggingface_id, container=None)
    container = container_for(endpoint, weights.huggingface_id, gpus) if needs_container(endpoint) else None
    return ServingPlan(None, weights.huggingface_id, container)
