"""Serving containers, used only when a spec asks for more than Model Garden's verified default.

With no framework-specific settings, Model Garden deploys a publisher model with its own verified container
(vLLM for the catalog's models), and the program sends no container spec at all. A spec that picks TGI,
passes container_args or a tensor_parallel_size gets an explicit container below. The image names are the ones
the Vertex Model Garden notebooks use; tags move, so check them before relying on them.
"""

from __future__ import annotations

from typing import Literal

import pulumi_gcp as gcp

from provisioning.spec import EndpointSpec

PORT = 8080
IMAGES: dict[str, str] = {
    "vllm": "us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/"
    "pytorch-vllm-serve:20250601_0916_RC00",
    "tgi": "us-docker.pkg.dev/deeplearning-platform-release/gcr.io/"
    "huggingface-text-generation-inference-cu124.2-4.ubuntu2204.py311",
}
ContainerSpec = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecArgs
EnvVar = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecEnvArgs
Port = gcp.vertex.AiEndpointWithModelGardenDeploymentModelConfigContainerSpecPortArgs


def needs_container(endpoint: EndpointSpec) -> bool:
    return (
        endpoint.framework == "tgi"
        or bool(endpoint.container_args)
        or endpoint.tensor_parallel_size is not None
    )


def container_spec(endpoint: EndpointSpec, huggingface_id: str, gpus: int) -> ContainerSpec:
    shards = endpoint.tensor_parallel_size or gpus
    extra = list(endpoint.container_args or [])
    framework: Literal["vllm", "tgi"] = endpoint.framework
    if framework == "tgi":
        return ContainerSpec(
            image_uri=IMAGES["tgi"],
            args=extra,
            envs=[
                EnvVar(name="MODEL_ID", value=huggingface_id),
                EnvVar(name="NUM_SHARD", value=str(shards)),
                EnvVar(name="PORT", value=str(PORT)),
            ],
            ports=[Port(container_port=PORT)],
            predict_route="/generate",
            health_route="/health",
        )
    return ContainerSpec(
        image_uri=IMAGES["vllm"],
        commands=["python", "-m", "vllm.entrypoints.api_server"],
        args=[
            "--host=0.0.0.0",
            f"--port={PORT}",
            f"--model={huggingface_id}",
            f"--tensor-parallel-size={shards}",
            *extra,
        ],
        ports=[Port(container_port=PORT)],
        predict_route="/generate",
        health_route="/ping",
    )
