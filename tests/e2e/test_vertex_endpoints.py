"""Vertex endpoints and models through the official GAPIC clients (REST transport) against the emulator."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import aiplatform_v1

from tests.e2e.vertex_support import (
    PARENT,
    PROJECT,
    create_endpoint,
    endpoint_client,
    machine,
    model_client,
    rest,
    seed_project,
    upload_vllm_model,
)

L4_QUOTA = "CustomModelServingL4GPUsPerProjectPerRegion"


@pytest.fixture
def vertex(emulator_env):
    seed_project(emulator_env)
    return emulator_env


def _deploy(vertex, endpoint_name: str, model_name: str, resources=None) -> aiplatform_v1.DeployModelResponse:
    deployed = aiplatform_v1.DeployedModel(model=model_name, dedicated_resources=resources or machine())
    operation = endpoint_client(vertex).deploy_model(
        endpoint=endpoint_name, deployed_model=deployed, traffic_split={"0": 100}
    )
    return operation.result(timeout=30)


def test_create_endpoint_returns_the_endpoint_with_dedicated_dns(vertex):
    endpoint = create_endpoint(vertex, labels={"managed-by": "provision"}, dedicated_endpoint_enabled=True)

    number = endpoint.name.split("/")[1]
    endpoint_id = endpoint.name.rsplit("/", 1)[1]
    assert number.isdigit() and number != PROJECT
    assert endpoint.dedicated_endpoint_enabled
    assert endpoint.dedicated_endpoint_dns == f"{endpoint_id}.us-central1-{number}.prediction.vertexai.goog"
    assert endpoint_client(vertex).get_endpoint(name=endpoint.name).labels["managed-by"] == "provision"


def test_shared_endpoint_has_no_dedicated_dns(vertex):
    endpoint = create_endpoint(vertex)
    assert not endpoint.dedicated_endpoint_enabled
    assert endpoint.dedicated_endpoint_dns == ""


def test_list_filters_on_labels(vertex):
    create_endpoint(vertex, display_name="mine", labels={"managed-by": "provision", "environment": "dev"})
    create_endpoint(vertex, display_name="other", labels={"managed-by": "someone-else"})
    create_endpoint(vertex, display_name="bare")
    client = endpoint_client(vertex)

    def names(filter_text: str) -> list[str]:
        request = {"parent": PARENT, "filter": filter_text}
        return sorted(endpoint.display_name for endpoint in client.list_endpoints(request=request))

    assert names("labels.managed-by=provision") == ["mine"]
    assert names('labels.managed-by="provision" AND labels.environment=dev') == ["mine"]
    assert names("labels.managed-by:*") == ["mine", "other"]
    assert names("") == ["bare", "mine", "other"]
    with pytest.raises(exceptions.BadRequest, match="Unsupported filter"):
        names("labels.managed-by>provision")


def test_list_pages(vertex):
    for index in range(3):
        create_endpoint(vertex, display_name=f"e{index}")
    first = rest(vertex, "GET", f"/v1/{PARENT}/endpoints", pageSize="2").json()
    second = rest(
        vertex, "GET", f"/v1/{PARENT}/endpoints", pageSize="2", pageToken=first["nextPageToken"]
    ).json()
    assert len(first["endpoints"]) == 2
    assert len(second["endpoints"]) == 1 and "nextPageToken" not in second


def test_caller_chosen_endpoint_id_is_honoured_once(vertex):
    client = endpoint_client(vertex)
    endpoint = aiplatform_v1.Endpoint(display_name="llm")
    created = client.create_endpoint(parent=PARENT, endpoint=endpoint, endpoint_id="llama-8b").result(
        timeout=30
    )
    assert created.name.endswith("/endpoints/llama-8b")

    with pytest.raises(exceptions.Conflict, match="already exists"):
        client.create_endpoint(parent=PARENT, endpoint=endpoint, endpoint_id="llama-8b")
    with pytest.raises(exceptions.BadRequest, match="Endpoint ID"):
        client.create_endpoint(parent=PARENT, endpoint=endpoint, endpoint_id="Bad_ID")


def test_create_endpoint_requires_display_name(vertex):
    reply = rest(vertex, "POST", f"/v1/{PARENT}/endpoints", {})
    assert reply.status_code == 400
    assert reply.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_deploy_undeploy_and_quota(vertex):
    endpoint = create_endpoint(vertex)
    model_name = upload_vllm_model(vertex)
    all_l4 = machine("g2-standard-96", "NVIDIA_L4", 8)  # the seeded us-central1 L4 limit is 16

    first = _deploy(vertex, endpoint.name, model_name, all_l4).deployed_model
    second = _deploy(vertex, endpoint.name, model_name, all_l4).deployed_model
    with pytest.raises(exceptions.TooManyRequests, match=L4_QUOTA):
        _deploy(vertex, endpoint.name, model_name)

    shown = endpoint_client(vertex).get_endpoint(name=endpoint.name)
    assert {model.id for model in shown.deployed_models} == {first.id, second.id}
    assert first.dedicated_resources.machine_spec.accelerator_type == aiplatform_v1.AcceleratorType.NVIDIA_L4
    assert shown.traffic_split == {second.id: 100}
    assert model_client(vertex).get_model(name=model_name).deployed_models[0].endpoint == endpoint.name

    endpoint_client(vertex).undeploy_model(endpoint=endpoint.name, deployed_model_id=first.id).result(
        timeout=30
    )
    _deploy(vertex, endpoint.name, model_name)  # the undeploy gave its 8 GPUs back
    remaining = endpoint_client(vertex).get_endpoint(name=endpoint.name).deployed_models
    assert first.id not in {model.id for model in remaining}


def test_mutate_deployed_model_changes_replicas_within_quota(vertex):
    endpoint = create_endpoint(vertex)
    deployed = _deploy(
        vertex, endpoint.name, upload_vllm_model(vertex), machine("g2-standard-48", "NVIDIA_L4", 4)
    )
    client = endpoint_client(vertex)
    change = aiplatform_v1.DeployedModel(
        id=deployed.deployed_model.id,
        dedicated_resources=aiplatform_v1.DedicatedResources(min_replica_count=2, max_replica_count=3),
    )
    mask = {"paths": ["dedicated_resources"]}
    result = client.mutate_deployed_model(endpoint=endpoint.name, deployed_model=change, update_mask=mask)
    assert result.result(timeout=30).deployed_model.dedicated_resources.min_replica_count == 2

    change.dedicated_resources.min_replica_count = 5  # 5 x 4 L4 > 16
    change.dedicated_resources.max_replica_count = 5
    with pytest.raises(exceptions.TooManyRequests, match=L4_QUOTA):
        client.mutate_deployed_model(endpoint=endpoint.name, deployed_model=change, update_mask=mask)


@pytest.mark.parametrize(
    ("resources", "named"),
    [
        (machine("g2-standard-12", "NVIDIA_TESLA_A100", 1), "NVIDIA_TESLA_A100"),
        (machine("g2-standard-12", "NVIDIA_L4", 2), "g2-standard-12"),
        (machine("n2-standard-8", "NVIDIA_L4", 1), "n2-standard-8"),
    ],
)
def test_deploy_rejects_pairs_vertex_does_not_offer(vertex, resources, named):
    endpoint = create_endpoint(vertex)
    with pytest.raises(exceptions.BadRequest, match=named):
        _deploy(vertex, endpoint.name, upload_vllm_model(vertex), resources)


def test_deploy_rejects_a_gpu_the_region_lacks(vertex):
    parent = f"projects/{PROJECT}/locations/us-east4"  # no A100 40GB there
    endpoint = create_endpoint(vertex, parent=parent)
    model_name = upload_vllm_model(vertex, parent=parent)
    with pytest.raises(exceptions.BadRequest, match="not available in region us-east4"):
        _deploy(vertex, endpoint.name, model_name, machine("a2-highgpu-1g", "NVIDIA_TESLA_A100", 1))


def test_deploy_past_zero_quota_region_is_429(vertex):
    parent = f"projects/{PROJECT}/locations/us-east4"  # L4 offered, quota 0
    endpoint = create_endpoint(vertex, parent=parent)
    with pytest.raises(exceptions.TooManyRequests, match=L4_QUOTA):
        _deploy(vertex, endpoint.name, upload_vllm_model(vertex, parent=parent))


def test_undeploy_unknown_deployed_model_is_404(vertex):
    endpoint = create_endpoint(vertex)
    with pytest.raises(exceptions.NotFound):
        endpoint_client(vertex).undeploy_model(endpoint=endpoint.name, deployed_model_id="123")


def test_delete_endpoint_refuses_while_models_are_deployed(vertex):
    endpoint = create_endpoint(vertex)
    deployed = _deploy(vertex, endpoint.name, upload_vllm_model(vertex)).deployed_model
    client = endpoint_client(vertex)
    with pytest.raises(exceptions.BadRequest, match="undeploy"):
        client.delete_endpoint(name=endpoint.name)

    client.undeploy_model(endpoint=endpoint.name, deployed_model_id=deployed.id).result(timeout=30)
    client.delete_endpoint(name=endpoint.name).result(timeout=30)
    with pytest.raises(exceptions.NotFound):
        client.get_endpoint(name=endpoint.name)


def test_upload_get_and_delete_model(vertex):
    model_name = upload_vllm_model(vertex)
    client = model_client(vertex)
    model = client.get_model(name=model_name)
    assert model.display_name == "qwen-vllm"
    assert model.container_spec.image_uri.endswith("pytorch-vllm-serve:latest")

    client.delete_model(name=model_name).result(timeout=30)
    with pytest.raises(exceptions.NotFound):
        client.get_model(name=model_name)


def test_delete_model_refuses_while_deployed(vertex):
    endpoint = create_endpoint(vertex)
    model_name = upload_vllm_model(vertex)
    _deploy(vertex, endpoint.name, model_name)
    with pytest.raises(exceptions.BadRequest, match=endpoint.name):
        model_client(vertex).delete_model(name=model_name)


def test_deploy_of_unknown_model_is_404(vertex):
    endpoint = create_endpoint(vertex)
    with pytest.raises(exceptions.NotFound):
        _deploy(vertex, endpoint.name, f"{PARENT}/models/42")


def test_operations_poll_on_v1_and_ui_paths(vertex):
    vertex.configure(lro_scale=1.0)  # a create takes 3 s: still running when first read
    reply = rest(vertex, "POST", f"/v1/{PARENT}/endpoints", {"displayName": "slow"})
    operation = reply.json()
    assert operation["done"] is False
    assert "/endpoints/" in operation["name"] and "/operations/" in operation["name"]
    for prefix in ("v1", "v1beta1", "ui"):
        polled = rest(vertex, "GET", f"/{prefix}/{operation['name']}").json()
        assert polled["name"] == operation["name"]
    assert rest(vertex, "GET", f"/v1/{PARENT}/operations/999").status_code == 404


def test_vertex_disabled_project_is_403_service_disabled(emulator_env):
    seed_project(emulator_env, services=())
    with pytest.raises(exceptions.Forbidden) as raised:
        create_endpoint(emulator_env)
    assert raised.value.reason == "SERVICE_DISABLED"
    reply = rest(emulator_env, "GET", f"/v1/{PARENT}/endpoints")
    assert reply.status_code == 403
    assert "Vertex AI API has not been used in project" in reply.json()["error"]["message"]


def test_deploy_without_billing_is_403_billing_disabled(emulator_env):
    seed_project(emulator_env, billing=False)
    endpoint = create_endpoint(emulator_env)
    with pytest.raises(exceptions.Forbidden) as raised:
        _deploy(emulator_env, endpoint.name, f"{PARENT}/models/1")
    assert raised.value.reason == "BILLING_DISABLED"
