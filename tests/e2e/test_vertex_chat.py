"""The Vertex chat-completions routes with the openai SDK: MaaS and Gemini through endpoints/openapi (model
lookup, region, enablement), and self-deployed endpoints (exists, has a finished deployment)."""

from __future__ import annotations

import openai
import pytest

from tests.e2e.vertex_support import (
    PROJECT,
    TOKEN,
    create_endpoint,
    endpoint_client,
    machine,
    rest,
    seed_project,
    upload_vllm_model,
)

HELLO = [{"role": "user", "content": "Say hello"}]


@pytest.fixture
def vertex(emulator_env):
    seed_project(emulator_env)
    return emulator_env


def _openai(
    vertex, location: str = "us-central1", endpoint: str = "openapi", version: str = "v1"
) -> openai.OpenAI:
    base_url = f"{vertex.url}/{version}/projects/{PROJECT}/locations/{location}/endpoints/{endpoint}"
    return openai.OpenAI(base_url=base_url, api_key=TOKEN, max_retries=0)


def _enable(vertex, model: str) -> None:
    path = f"/v1beta1/projects/{PROJECT}/publishers/openai/models/{model}:enableModel"
    assert rest(vertex, "POST", path, {}).status_code == 200


def test_maas_model_needs_enablement(vertex):
    client = _openai(vertex)
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="openai/gpt-oss-20b-maas", messages=HELLO)
    error = raised.value.body
    assert error["status"] == "FAILED_PRECONDITION"
    assert error["message"].startswith("Project `1")
    path = f"projects/{PROJECT}/locations/us-central1/publishers/openai/models/gpt-oss-20b-maas"
    assert error["message"].endswith(f"is not allowed to use Publisher Model `{path}`")

    _enable(vertex, "gpt-oss-20b-maas")
    reply = client.chat.completions.create(model="openai/gpt-oss-20b-maas", messages=HELLO)
    assert reply.model == "openai/gpt-oss-20b-maas"
    assert reply.choices[0].message.content


@pytest.mark.parametrize("version", ["v1", "v1beta1"])
def test_gemini_needs_no_enablement(vertex, version):
    stream = _openai(vertex, version=version).chat.completions.create(
        model="google/gemini-2.5-flash", messages=HELLO, stream=True
    )
    chunks = [chunk for chunk in stream if chunk.choices]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_unknown_model_is_404(vertex):
    with pytest.raises(openai.NotFoundError, match="was not found or your project does not have access"):
        _openai(vertex).chat.completions.create(model="openai/gpt-5-maas", messages=HELLO)


def test_model_without_publisher_is_400(vertex):
    with pytest.raises(openai.BadRequestError, match="<publisher>/<model>"):
        _openai(vertex).chat.completions.create(model="gpt-oss-20b-maas", messages=HELLO)


def test_model_served_elsewhere_is_not_servable_in_region(vertex):
    _enable(vertex, "gpt-oss-20b-maas")
    with pytest.raises(openai.BadRequestError, match="not servable in region global"):
        _openai(vertex, location="global").chat.completions.create(
            model="openai/gpt-oss-20b-maas", messages=HELLO
        )


def test_120b_is_served_from_global(vertex):
    _enable(vertex, "gpt-oss-120b-maas")
    reply = _openai(vertex, location="global").chat.completions.create(
        model="openai/gpt-oss-120b-maas", messages=HELLO
    )
    assert reply.model == "openai/gpt-oss-120b-maas"


def test_chat_needs_vertex_enabled(emulator_env):
    seed_project(emulator_env, services=())
    with pytest.raises(openai.PermissionDeniedError, match="Vertex AI API has not been used"):
        _openai(emulator_env).chat.completions.create(model="google/gemini-2.5-flash", messages=HELLO)


def test_self_deployed_endpoint_serves_once_deployed(vertex):
    endpoint = create_endpoint(vertex, dedicated_endpoint_enabled=True)
    endpoint_id = endpoint.name.rsplit("/", 1)[1]
    client = _openai(vertex, endpoint=endpoint_id)
    with pytest.raises(openai.BadRequestError, match="no deployed model ready"):
        client.chat.completions.create(model="", messages=HELLO)

    vertex.configure(lro_scale=0.001)  # the 20-minute deploy takes 1.2 s: still running during the next call
    operation = endpoint_client(vertex).deploy_model(
        endpoint=endpoint.name,
        deployed_model={"model": upload_vllm_model(vertex), "dedicated_resources": machine()},
    )
    with pytest.raises(openai.BadRequestError, match="no deployed model ready"):
        client.chat.completions.create(model="", messages=HELLO)

    operation.result(timeout=30)
    reply = client.chat.completions.create(model="Qwen/Qwen2.5-7B-Instruct", messages=HELLO)
    assert reply.model == "Qwen/Qwen2.5-7B-Instruct"


def test_unknown_endpoint_is_404(vertex):
    with pytest.raises(openai.NotFoundError):
        _openai(vertex, endpoint="1234567890").chat.completions.create(model="", messages=HELLO)
