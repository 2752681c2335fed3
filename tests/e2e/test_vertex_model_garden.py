"""Model Garden against the emulator: the v1beta1 GAPIC client, the official `vertexai.model_garden` SDK
deploy path, EULA and Hugging Face token rules, publisher models and MaaS enablement."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import aiplatform_v1beta1
from google.oauth2.credentials import Credentials

from tests.e2e.vertex_support import (
    PARENT,
    PROJECT,
    TOKEN,
    endpoint_client,
    model_garden_client,
    rest,
    seed_project,
)

LLAMA = "publishers/meta/models/llama3-1@llama-3.1-8b-instruct"
MAAS_20B = "publishers/openai/models/gpt-oss-20b-maas"


@pytest.fixture
def vertex(emulator_env):
    seed_project(emulator_env)
    return emulator_env


def _deploy_request(**fields) -> aiplatform_v1beta1.DeployRequest:
    return aiplatform_v1beta1.DeployRequest(destination=PARENT, **fields)


def _l4() -> aiplatform_v1beta1.DeployRequest.DeployConfig:
    return aiplatform_v1beta1.DeployRequest.DeployConfig(
        dedicated_resources=aiplatform_v1beta1.DedicatedResources(
            machine_spec=aiplatform_v1beta1.MachineSpec(
                machine_type="g2-standard-12", accelerator_type="NVIDIA_L4", accelerator_count=1
            ),
            min_replica_count=1,
            max_replica_count=1,
        )
    )


def test_deploy_returns_deploy_response_and_a_dedicated_endpoint(vertex):
    request = _deploy_request(
        publisher_model_name=LLAMA,
        model_config=aiplatform_v1beta1.DeployRequest.ModelConfig(accept_eula=True),
        deploy_config=_l4(),
    )
    operation = model_garden_client(vertex).deploy(request=request)
    assert operation.metadata.publisher_model == LLAMA
    response = operation.result(timeout=30)

    assert isinstance(response, aiplatform_v1beta1.DeployResponse)
    assert response.publisher_model == LLAMA
    endpoint = endpoint_client(vertex).get_endpoint(name=response.endpoint)
    assert endpoint.dedicated_endpoint_enabled
    assert endpoint.dedicated_endpoint_dns.endswith(".prediction.vertexai.goog")
    (deployed,) = endpoint.deployed_models
    assert deployed.model == response.model
    assert deployed.dedicated_resources.machine_spec.machine_type == "g2-standard-12"
    assert endpoint.traffic_split == {deployed.id: 100}


def test_deploy_defaults_to_the_first_deploy_option_and_honours_endpoint_user_id(vertex):
    body = {
        "publisherModelName": "publishers/openai/models/gpt-oss@gpt-oss-20b",
        "endpointConfig": {"endpointUserId": "gpt-oss-20b", "dedicatedEndpointDisabled": True},
    }
    first = rest(vertex, "POST", f"/v1/{PARENT}:deploy", body)
    assert first.status_code == 200
    assert (
        first.json()["metadata"]["@type"]
        == "type.googleapis.com/google.cloud.aiplatform.v1.DeployOperationMetadata"
    )

    again = rest(vertex, "POST", f"/v1/{PARENT}:deploy", body)
    assert again.status_code == 409
    endpoint = rest(vertex, "GET", f"/v1/{PARENT}/endpoints/gpt-oss-20b").json()
    assert "dedicatedEndpointDns" not in endpoint


def test_gated_model_without_eula_is_403_naming_the_eula(vertex):
    with pytest.raises(exceptions.Forbidden, match="EULA"):
        model_garden_client(vertex).deploy(
            request=_deploy_request(publisher_model_name=LLAMA, deploy_config=_l4())
        )


def test_accepted_eula_is_remembered(vertex):
    client = model_garden_client(vertex)
    check = aiplatform_v1beta1.CheckPublisherModelEulaAcceptanceRequest(
        parent=f"projects/{PROJECT}", publisher_model=LLAMA
    )
    assert not client.check_publisher_model_eula_acceptance(request=check).publisher_model_eula_acked
    accept = aiplatform_v1beta1.AcceptPublisherModelEulaRequest(
        parent=f"projects/{PROJECT}", publisher_model=LLAMA
    )
    acceptance = client.accept_publisher_model_eula(request=accept)
    assert acceptance.publisher_model_eula_acked
    assert acceptance.project_number > 0
    assert client.check_publisher_model_eula_acceptance(request=check).publisher_model_eula_acked

    client.deploy(request=_deploy_request(publisher_model_name=LLAMA, deploy_config=_l4())).result(timeout=30)


def test_gated_hugging_face_model_needs_a_token(vertex):
    client = model_garden_client(vertex)
    gated = _deploy_request(hugging_face_model_id="meta-llama/llama-3.1-8b-instruct", deploy_config=_l4())
    with pytest.raises(exceptions.BadRequest, match="provide a valid Hugging Face access token"):
        client.deploy(request=gated)

    gated.model_config.hugging_face_access_token = "hf_test_token"
    response = client.deploy(request=gated).result(timeout=30)
    assert response.publisher_model == "meta-llama/llama-3.1-8b-instruct"


def test_maas_model_cannot_be_deployed(vertex):
    request = _deploy_request(
        publisher_model_name="publishers/openai/models/gpt-oss-120b-maas", deploy_config=_l4()
    )
    with pytest.raises(exceptions.BadRequest, match="MaaS"):
        model_garden_client(vertex).deploy(request=request)


def test_unknown_publisher_model_is_404(vertex):
    request = _deploy_request(publisher_model_name="publishers/acme/models/nope@1", deploy_config=_l4())
    with pytest.raises(exceptions.NotFound):
        model_garden_client(vertex).deploy(request=request)


def test_deploy_checks_the_machine_against_the_region(vertex):
    request = _deploy_request(
        publisher_model_name="publishers/openai/models/gpt-oss@gpt-oss-120b",
        deploy_config=aiplatform_v1beta1.DeployRequest.DeployConfig(
            dedicated_resources=aiplatform_v1beta1.DedicatedResources(
                machine_spec=aiplatform_v1beta1.MachineSpec(
                    machine_type="a3-highgpu-1g", accelerator_type="NVIDIA_L4", accelerator_count=1
                ),
                min_replica_count=1,
            )
        ),
    )
    with pytest.raises(
        exceptions.BadRequest, match="NVIDIA_L4 is not supported with machine type a3-highgpu-1g"
    ):
        model_garden_client(vertex).deploy(request=request)


def test_get_publisher_model_lists_deploy_options(vertex):
    model = model_garden_client(vertex).get_publisher_model(name=LLAMA)
    assert model.version_id == "llama-3.1-8b-instruct"
    options = model.supported_actions.multi_deploy_vertex.multi_deploy_vertex
    shapes = [option.dedicated_resources.machine_spec.machine_type for option in options]
    assert shapes == ["g2-standard-12", "a2-highgpu-1g"]
    assert "vllm" in options[0].container_spec.image_uri


def test_enable_model_is_synchronous(vertex):
    reply = rest(
        vertex,
        "POST",
        f"/v1beta1/projects/{PROJECT}/publishers/openai/models/gpt-oss-20b-maas:enableModel",
        {},
    )
    assert reply.status_code == 200
    assert reply.json() == {
        "publisherEndpoint": f"projects/{PROJECT}/locations/us-central1/{MAAS_20B}",
        "enablementState": "ENABLEMENT_STATE_SUCCEEDED",
    }
    unknown = rest(
        vertex, "POST", f"/v1beta1/projects/{PROJECT}/publishers/openai/models/nope:enableModel", {}
    )
    assert unknown.status_code == 404


def test_model_garden_calls_need_vertex_enabled(emulator_env):
    seed_project(emulator_env, services=())
    body = {"publisherModelName": LLAMA, "modelConfig": {"acceptEula": True}}
    reply = rest(emulator_env, "POST", f"/v1beta1/{PARENT}:deploy", body)
    assert reply.status_code == 403
    assert reply.json()["error"]["details"][0]["reason"] == "SERVICE_DISABLED"


def test_deploy_without_billing_is_refused(emulator_env):
    seed_project(emulator_env, billing=False)
    body = {"publisherModelName": LLAMA, "modelConfig": {"acceptEula": True}}
    reply = rest(emulator_env, "POST", f"/v1beta1/{PARENT}:deploy", body)
    assert reply.status_code == 403
    reasons = [detail.get("reason") for detail in reply.json()["error"]["details"]]
    assert "BILLING_DISABLED" in reasons


def test_sdk_open_model_deploy(vertex):
    """The official path: vertexai.init(...) then OpenModel(...).deploy(...), over plain http."""
    import vertexai
    from vertexai import model_garden

    vertexai.init(
        project=PROJECT,
        location="us-central1",
        api_endpoint=vertex.url,
        api_transport="rest",
        credentials=Credentials(TOKEN),
    )
    model = model_garden.OpenModel("meta/llama3-1@llama-3.1-8b-instruct")
    endpoint = model.deploy(
        accept_eula=True,
        machine_type="g2-standard-12",
        accelerator_type="NVIDIA_L4",
        accelerator_count=1,
        use_dedicated_endpoint=True,
    )
    number = endpoint.resource_name.split("/")[1]
    assert endpoint.resource_name.startswith(f"projects/{number}/locations/us-central1/endpoints/")
    assert endpoint.gca_resource.dedicated_endpoint_dns.endswith(
        f"us-central1-{number}.prediction.vertexai.goog"
    )
    assert len(endpoint.gca_resource.deployed_models) == 1


def test_unseeded_hugging_face_model_deploys_with_explicit_resources(vertex):
    client = model_garden_client(vertex)
    request = _deploy_request(hugging_face_model_id="qwen/qwen2.5-7b-instruct")
    with pytest.raises(exceptions.BadRequest, match="no default deploy configuration"):
        client.deploy(request=request)

    request.deploy_config = _l4()
    response = client.deploy(request=request).result(timeout=30)
    assert response.publisher_model == "qwen/qwen2.5-7b-instruct"
    with pytest.raises(exceptions.BadRequest, match="<organization>/<model>"):
        client.deploy(request=_deploy_request(hugging_face_model_id="qwen", deploy_config=_l4()))
