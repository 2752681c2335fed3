"""GPU stockouts in the emulator: a seeded regional capacity, the deploy operation's RESOURCE_EXHAUSTED
error when it is used up, the empty endpoint left behind, and capacity given back by an undeploy."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import aiplatform_v1beta1

from tests.e2e.vertex_support import (
    PARENT,
    deploy_and_wait,
    endpoint_client,
    l4_deploy_body,
    model_garden_client,
    seed_project,
)

BODY = l4_deploy_body()


@pytest.fixture
def vertex(emulator_env):
    seed_project(emulator_env)
    return emulator_env


def _deploy(vertex, user_id: str) -> dict:
    return deploy_and_wait(vertex, {**BODY, "endpointConfig": {"endpointUserId": user_id}})


def test_capacity_is_unlimited_unless_seeded(vertex):
    assert "error" not in _deploy(vertex, "first")
    assert "error" not in _deploy(vertex, "second")


def test_deploy_past_capacity_fails_in_its_operation_and_leaves_an_empty_endpoint(vertex):
    vertex.seed({"gpu_capacity": [{"name": "us-central1/NVIDIA_L4", "gpus": 1}]})
    assert "error" not in _deploy(vertex, "fits")

    failed = _deploy(vertex, "stocked-out")

    assert failed["error"]["code"] == 8
    assert "Resources are insufficient in region: us-central1" in failed["error"]["message"]
    left = endpoint_client(vertex).get_endpoint(name=f"{PARENT}/endpoints/stocked-out")
    assert not left.deployed_models


def test_a_stockout_gives_the_quota_back(vertex):
    # us-central1 allows 16 L4: were the failed attempts to keep their quota, the 17th would get a 429
    vertex.seed({"gpu_capacity": [{"name": "us-central1/NVIDIA_L4", "gpus": 0}]})
    for index in range(17):
        assert _deploy(vertex, f"try-{index}")["error"]["code"] == 8


def test_undeploy_gives_capacity_back(vertex):
    vertex.seed({"gpu_capacity": [{"name": "us-central1/NVIDIA_L4", "gpus": 1}]})
    assert "error" not in _deploy(vertex, "holder")
    holder = endpoint_client(vertex).get_endpoint(name=f"{PARENT}/endpoints/holder")
    endpoint_client(vertex).undeploy_model(
        endpoint=holder.name, deployed_model_id=holder.deployed_models[0].id
    ).result(timeout=30)

    assert "error" not in _deploy(vertex, "next")


def test_other_regions_and_gpus_are_not_affected(vertex):
    vertex.seed({"gpu_capacity": [{"name": "us-central1/NVIDIA_H100_80GB", "gpus": 0}]})
    assert "error" not in _deploy(vertex, "l4-still-fine")


def test_capacity_is_read_by_the_official_client_as_resource_exhausted(vertex):
    vertex.seed({"gpu_capacity": [{"name": "us-central1/NVIDIA_L4", "gpus": 0}]})
    request = aiplatform_v1beta1.DeployRequest(
        destination=PARENT,
        publisher_model_name=BODY["publisherModelName"],
        model_config=aiplatform_v1beta1.DeployRequest.ModelConfig(accept_eula=True),
    )
    operation = model_garden_client(vertex).deploy(request=request)
    with pytest.raises(exceptions.GoogleAPICallError) as raised:
        operation.result(timeout=30)
    assert "insufficient in region" in str(raised.value)
