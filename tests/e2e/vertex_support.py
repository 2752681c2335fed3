"""Shared set-up for the Vertex e2e tests: a seeded project and the official clients aimed at the emulator."""

from __future__ import annotations

import time
from typing import Any

import httpx
from google.cloud import aiplatform_v1, aiplatform_v1beta1
from google.oauth2.credentials import Credentials

from emulator.testing import EmulatorProcess

PROJECT = "acme-genai-dev"
REGION = "us-central1"
PARENT = f"projects/{PROJECT}/locations/{REGION}"
OPEN_BILLING = "billingAccounts/012345-6789AB-CDEF01"
TOKEN = "emulator-test-token"
FAST_LRO = 0.0001  # a 20-minute deploy takes 0.12 s
LLAMA = "publishers/meta/models/llama3-1@llama-3.1-8b-instruct"
ONE_L4 = {
    "machineSpec": {"machineType": "g2-standard-12", "acceleratorType": "NVIDIA_L4", "acceleratorCount": 1},
    "minReplicaCount": 1,
    "maxReplicaCount": 1,
}


def l4_deploy_body(
    publisher_model: str = LLAMA, endpoint_config: dict[str, Any] | None = None, **deploy_config: Any
) -> dict[str, Any]:
    """A Model Garden `:deploy` body on one L4 (EULA accepted), with extra deployConfig fields."""
    return {
        "publisherModelName": publisher_model,
        "modelConfig": {"acceptEula": True},
        "endpointConfig": endpoint_config or {},
        "deployConfig": {"dedicatedResources": ONE_L4, **deploy_config},
    }


def deploy_and_wait(emulator: EmulatorProcess, body: dict[str, Any], parent: str = PARENT) -> dict[str, Any]:
    """Start a Model Garden deploy over REST and poll its operation until done; returns the operation."""
    started = rest(emulator, "POST", f"/v1beta1/{parent}:deploy", body)
    assert started.status_code == 200, started.text
    for _ in range(400):
        op = rest(emulator, "GET", f"/v1beta1/{started.json()['name']}").json()
        if op["done"]:
            return dict(op)
        time.sleep(0.01)
    raise AssertionError("deploy operation never finished")


def seed_project(
    emulator: EmulatorProcess,
    project: str = PROJECT,
    *,
    billing: bool = True,
    services: tuple[str, ...] = ("aiplatform.googleapis.com",),
) -> None:
    """A project under the default organization, with billing linked and Vertex enabled unless told not."""
    item: dict[str, Any] = {"projectId": project, "parent": "organizations/123456789012"}
    if billing:
        item["billingAccountName"] = OPEN_BILLING
    if services:
        item["enabledServices"] = list(services)
    emulator.seed({"projects": [item]})
    emulator.configure(lro_scale=FAST_LRO)


def _options(emulator: EmulatorProcess) -> dict[str, Any]:
    return {
        "transport": "rest",
        "client_options": {"api_endpoint": emulator.url},
        "credentials": Credentials(TOKEN),
    }


def endpoint_client(emulator: EmulatorProcess) -> aiplatform_v1.EndpointServiceClient:
    return aiplatform_v1.EndpointServiceClient(**_options(emulator))


def model_client(emulator: EmulatorProcess) -> aiplatform_v1.ModelServiceClient:
    return aiplatform_v1.ModelServiceClient(**_options(emulator))


def model_garden_client(emulator: EmulatorProcess) -> aiplatform_v1beta1.ModelGardenServiceClient:
    return aiplatform_v1beta1.ModelGardenServiceClient(**_options(emulator))


def machine(machine_type: str = "g2-standard-12", accelerator: str = "NVIDIA_L4", count: int = 1) -> Any:
    return aiplatform_v1.DedicatedResources(
        machine_spec=aiplatform_v1.MachineSpec(
            machine_type=machine_type, accelerator_type=accelerator, accelerator_count=count
        ),
        min_replica_count=1,
        max_replica_count=1,
    )


def upload_vllm_model(emulator: EmulatorProcess, parent: str = PARENT) -> str:
    """Upload a vLLM-served Qwen model; returns its resource name."""
    model = aiplatform_v1.Model(
        display_name="qwen-vllm",
        container_spec=aiplatform_v1.ModelContainerSpec(
            image_uri="us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/pytorch-vllm-serve:latest",
            args=["--model=Qwen/Qwen2.5-7B-Instruct", "--port=8080"],
        ),
    )
    return str(model_client(emulator).upload_model(parent=parent, model=model).result(timeout=30).model)


def create_endpoint(emulator: EmulatorProcess, parent: str = PARENT, **fields: Any) -> aiplatform_v1.Endpoint:
    endpoint = aiplatform_v1.Endpoint(display_name=fields.pop("display_name", "llm"), **fields)
    return endpoint_client(emulator).create_endpoint(parent=parent, endpoint=endpoint).result(timeout=30)


def rest(
    emulator: EmulatorProcess, method: str, path: str, body: Any = None, **params: str
) -> httpx.Response:
    """A raw call with the bearer token, for routes without a GAPIC method or to see the exact reply."""
    return httpx.request(
        method,
        f"{emulator.url}{path}",
        json=body,
        params=params or None,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
