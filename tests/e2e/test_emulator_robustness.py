"""Bad input gets Google-shaped 400s, faults and the request log behave as configured, state survives a
restart, and no request body makes the server answer 5xx."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from emulator.contract import check_reply
from emulator.testing import EmulatorProcess
from tests.e2e.vertex_support import ONE_L4

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": "Bearer robust-token"}
SEEDED = {
    "projects": [
        {
            "projectId": "robust-proj",
            "parent": "organizations/123456789012",
            "billingAccountName": "billingAccounts/012345-6789AB-CDEF01",
        }
    ]
}


def assert_google_400(reply: httpx.Response, fragment: str) -> None:
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == 400
    assert error["status"] == "INVALID_ARGUMENT"
    assert fragment in error["message"]


def test_malformed_json(emulator_env: Any) -> None:
    reply = httpx.post(f"{emulator_env.url}/v3/projects", content=b'{"projectId": ', headers=AUTH)
    assert_google_400(reply, "Invalid JSON payload received")


def test_body_that_is_not_an_object(emulator_env: Any) -> None:
    reply = httpx.post(f"{emulator_env.url}/v3/projects", json=["a"], headers=AUTH)
    assert_google_400(reply, "Expected an object")


def test_wrong_type(emulator_env: Any) -> None:
    reply = httpx.post(f"{emulator_env.url}/v3/projects", json={"projectId": 12345}, headers=AUTH)
    assert_google_400(reply, "Invalid value at 'projectId' (TYPE_STRING)")


def test_unknown_field(emulator_env: Any) -> None:
    body = {"projectId": "unknown-field-1", "colour": "blue"}
    reply = httpx.post(f"{emulator_env.url}/v3/projects", json=body, headers=AUTH)
    assert_google_400(reply, 'Unknown name "colour"')
    nested = {"policy": {"bindings": [{"role": "roles/viewer", "members": [], "extra": 1}]}}
    emulator_env.seed(SEEDED)
    reply = httpx.post(f"{emulator_env.url}/v3/projects/robust-proj:setIamPolicy", json=nested, headers=AUTH)
    assert_google_400(reply, "at 'policy.bindings[0]'")


def test_body_over_ten_megabytes(emulator_env: Any) -> None:
    big = b'{"projectId": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    reply = httpx.post(f"{emulator_env.url}/v3/projects", content=big, headers=AUTH, timeout=60)
    assert_google_400(reply, "Request payload size exceeds the limit")


def test_chunked_body_over_ten_megabytes_is_refused(emulator_env: Any) -> None:
    """No Content-Length to refuse early: the server counts while reading and answers as Google does, 400
    INVALID_ARGUMENT "Request payload size exceeds the limit: 10485760 bytes." (the text Google's API
    front end sends, e.g. googleapis/google-cloud-go#9479), not a 413."""

    def chunks() -> Iterator[bytes]:
        yield b'{"projectId": "'
        for _ in range(40):  # 40 MiB offered
            yield b"a" * (1024 * 1024)
        yield b'"}'

    try:
        reply = httpx.post(f"{emulator_env.url}/v3/projects", content=chunks(), headers=AUTH, timeout=60)
    except httpx.TransportError:  # the client may still be writing when the reply and close arrive
        pytest.fail("the server closed the connection instead of answering 400")
    assert "content-length" not in reply.request.headers
    assert reply.request.headers["transfer-encoding"] == "chunked"
    assert_google_400(reply, "Request payload size exceeds the limit: 10485760 bytes.")
    (logged,) = emulator_env.requests()
    assert logged["status"] == 400 and logged["request_body"] is None  # refused before any parsing
    assert httpx.get(f"{emulator_env.url}/v1/billingAccounts", headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/v3/projects/../billingAccounts", "/v3/projects/%2E%2E/x", "/v1/projects/a%2Fb/billingInfo"],
)
def test_path_traversal(emulator_env: Any, path: str) -> None:
    parts = urlsplit(emulator_env.url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    connection.request("GET", path, headers=AUTH)
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT"


def test_gapic_alt_query_accepted_and_other_alt_rejected(emulator_env: Any) -> None:
    ok = httpx.get(
        f"{emulator_env.url}/v1/billingAccounts", params={"$alt": "json;enum-encoding=int"}, headers=AUTH
    )
    assert ok.status_code == 200
    bad = httpx.get(f"{emulator_env.url}/v1/billingAccounts", params={"alt": "proto"}, headers=AUTH)
    assert_google_400(bad, "Unsupported alt=proto")


def test_faults_are_seeded_and_fractional(emulator_env: Any) -> None:
    rules = [{"route": r"^/v1/billingAccounts$", "fraction": 0.5, "kind": "503", "seed": 7}]

    def statuses() -> list[int]:
        emulator_env.set_faults(rules)
        return [
            httpx.get(f"{emulator_env.url}/v1/billingAccounts", headers=AUTH).status_code for _ in range(20)
        ]

    first, second = statuses(), statuses()
    assert first == second  # the same seed gives the same sequence
    assert set(first) == {200, 503}
    emulator_env.set_faults([{"route": "billingAccounts", "kind": "429"}])
    limited = httpx.get(f"{emulator_env.url}/v1/billingAccounts", headers=AUTH)
    assert limited.status_code == 429
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    emulator_env.set_faults([{"route": "billingAccounts", "kind": "drop"}])
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{emulator_env.url}/v1/billingAccounts", headers=AUTH)
    emulator_env.set_faults([{"route": "billingAccounts", "kind": "slow", "delay_ms": 300}])
    slow = httpx.get(f"{emulator_env.url}/v1/billingAccounts", headers=AUTH)
    assert slow.status_code == 200
    assert slow.elapsed.total_seconds() >= 0.3


def test_bad_admin_input_is_rejected(emulator_env: Any) -> None:
    assert httpx.post(f"{emulator_env.url}/_emulator/config", json={"lro_scle": 1}).status_code == 400
    assert httpx.post(f"{emulator_env.url}/_emulator/config", json={"lro_scale": "fast"}).status_code == 400
    bad_rule = {"rules": [{"route": "(", "kind": "503"}]}
    assert httpx.post(f"{emulator_env.url}/_emulator/faults", json=bad_rule).status_code == 400
    assert httpx.post(f"{emulator_env.url}/_emulator/seed", json={"projects": "x"}).status_code == 400


def test_request_log_marks_mutations_and_read_only_posts(emulator_env: Any) -> None:
    emulator_env.seed(SEEDED)
    httpx.get(f"{emulator_env.url}/v3/projects/robust-proj", headers=AUTH)
    httpx.post(f"{emulator_env.url}/v3/projects/robust-proj:getIamPolicy", json={}, headers=AUTH)
    httpx.put(
        f"{emulator_env.url}/v1/projects/robust-proj/billingInfo",
        json={"billingAccountName": ""},
        headers=AUTH,
    )
    log = emulator_env.requests()
    assert [(entry["method"], entry["mutating"]) for entry in log] == [
        ("GET", False),
        ("POST", False),
        ("PUT", True),
    ]
    assert [entry["status"] for entry in log] == [200, 200, 200]
    assert [entry["method"] for entry in emulator_env.requests(mutating_only=True)] == ["PUT"]


def test_operation_waits_for_scaled_latency(emulator_env: Any) -> None:
    emulator_env.configure(lro_scale=1000)  # project create: 5 s x 1000, never done during the test
    created = httpx.post(
        f"{emulator_env.url}/v3/projects", json={"projectId": "slow-op-1"}, headers=AUTH
    ).json()
    polled = httpx.get(f"{emulator_env.url}/v3/{created['name']}", headers=AUTH).json()
    assert polled["done"] is False
    emulator_env.configure(lro_scale=0)
    later = httpx.post(
        f"{emulator_env.url}/v3/projects", json={"projectId": "fast-op-1"}, headers=AUTH
    ).json()
    assert httpx.get(f"{emulator_env.url}/v3/{later['name']}", headers=AUTH).json()["done"] is True


def test_state_survives_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "state.sqlite"
    with EmulatorProcess.start("--state", str(state_file)) as first:
        operation = httpx.post(
            f"{first.url}/v3/projects", json={"projectId": "durable-1"}, headers=AUTH
        ).json()
    with EmulatorProcess.start("--state", str(state_file)) as second:
        polled = httpx.get(f"{second.url}/v3/{operation['name']}", headers=AUTH).json()
        assert polled["done"] is True
        project = httpx.get(f"{second.url}/v3/projects/durable-1", headers=AUTH).json()
        assert project["projectId"] == "durable-1"
        assert project["state"] == "ACTIVE"
    assert second.process.returncode == 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
CORE_FIELDS = [
    "projectId",
    "parent",
    "displayName",
    "labels",
    "policy",
    "serviceIds",
    "billingAccountName",
    "accountId",
]
VERTEX_FIELDS = [
    "displayName",
    "labels",
    "deployedModel",
    "deployedModelId",
    "trafficSplit",
    "model",
    "publisherModelName",
    "huggingFaceModelId",
    "modelConfig",
    "deployConfig",
    "endpointConfig",
    "dedicatedEndpointEnabled",
]
CHAT_FIELDS = [
    "messages",
    "stream",
    "stream_options",
    "max_tokens",
    "max_completion_tokens",
    "n",
    "stop",
    "tools",
    "tool_choice",
    "response_format",
    "reasoning_effort",
    "extra_body",
    "temperature",
]


def bodies(fields: list[str], fixed: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Any JSON, raw bytes, or an object of the route's own fields with fuzzed values (plus `fixed` ones, so
    a chat body gets past the model check into the request parser)."""
    known = st.dictionaries(st.sampled_from(fields), JSON_VALUES, max_size=4)
    if fixed:
        known = known.map(lambda body: {**body, **fixed})
    return st.one_of(JSON_VALUES, known, st.binary(max_size=64))


MESSAGES = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "system", "assistant", "tool", "developer", "x"])},
        optional={
            "content": st.text(max_size=20) | JSON_VALUES,
            "tool_call_id": JSON_VALUES,
            "tool_calls": JSON_VALUES,
        },
    ),
    min_size=1,
    max_size=3,
)


TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
PLAUSIBLE_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "stream": st.booleans(),
        "stream_options": st.just({"include_usage": True}),
        "max_tokens": st.integers(-1, 40),
        "n": st.integers(0, 3),
        "stop": st.text(max_size=3) | st.lists(st.text(max_size=3), max_size=5),
        "tools": st.just([TOOL]),
        "tool_choice": st.sampled_from(["auto", "none", "required", "validated"]) | JSON_VALUES,
        "response_format": st.sampled_from([{"type": "json_object"}, {"type": "text"}]) | JSON_VALUES,
        "reasoning_effort": st.sampled_from(["low", "medium", "high", "max"]),
    },
)


def chat_bodies(model: str) -> st.SearchStrategy[Any]:
    """Fuzzed chat fields; fuzzed messages with fuzzed options; and a valid question with options of the
    right kind but odd values (which mostly succeed, streamed or not). `model` is one the route serves."""
    options = st.dictionaries(st.sampled_from(CHAT_FIELDS[1:]), JSON_VALUES, max_size=3)
    with_messages = st.builds(lambda messages, rest: {**rest, "messages": messages}, MESSAGES, options)
    question = [{"role": "user", "content": "What is a GPU?"}]
    plausible = PLAUSIBLE_OPTIONS.map(lambda rest: {**rest, "messages": question})
    return st.one_of(bodies(CHAT_FIELDS), with_messages, plausible).map(
        lambda body: {**body, "model": model} if isinstance(body, dict) else body
    )


PROJECT = "robust-proj"
VERTEX = f"/v1/projects/{PROJECT}/locations/us-central1"
ENDPOINT = f"{VERTEX}/endpoints/fuzzendpoint"
TARGETS = [
    *[
        (method, path, bodies(CORE_FIELDS))
        for method, path in [
            ("POST", "/v3/projects"),
            ("PATCH", f"/v3/projects/{PROJECT}"),
            ("POST", f"/v3/projects/{PROJECT}:setIamPolicy"),
            ("PUT", f"/v1/projects/{PROJECT}/billingInfo"),
            ("POST", f"/v1/projects/{PROJECT}/services:batchEnable"),
            ("POST", f"/v1/projects/{PROJECT}/services/iam.googleapis.com:enable"),
            ("POST", f"/v1/projects/{PROJECT}/serviceAccounts"),
        ]
    ],
    *[
        (method, path, bodies(VERTEX_FIELDS))
        for method, path in [
            ("POST", f"{VERTEX}/endpoints"),
            ("PATCH", ENDPOINT),
            ("POST", f"{ENDPOINT}:deployModel"),
            ("POST", f"{ENDPOINT}:undeployModel"),
            ("POST", f"{ENDPOINT}:mutateDeployedModel"),
            ("POST", f"{VERTEX}/models:upload"),
            ("POST", f"{VERTEX}:deploy"),
            ("POST", f"/v1beta1/projects/{PROJECT}/publishers/openai/models/gpt-oss-20b-maas:enableModel"),
        ]
    ],
    ("POST", f"{VERTEX}/endpoints/openapi/chat/completions", chat_bodies("openai/gpt-oss-20b-maas")),
    ("POST", f"{ENDPOINT}/chat/completions", chat_bodies("")),
]
FUZZ_WORLD = {
    "projects": [
        {
            "projectId": PROJECT,
            "parent": "organizations/123456789012",
            "billingAccountName": "billingAccounts/012345-6789AB-CDEF01",
            "enabledServices": ["aiplatform.googleapis.com", "iam.googleapis.com"],
        }
    ]
}


@pytest.fixture(scope="module")
def fuzz_world(emulator: EmulatorProcess) -> EmulatorProcess:
    """A fresh world with Vertex enabled, the MaaS model enabled and an endpoint `fuzzendpoint` with a model
    deployed, so fuzzed bodies reach the handlers' own checks, not only "not found"."""
    emulator.reset()
    emulator.seed(FUZZ_WORLD)
    emulator.configure(lro_scale=0, record_bodies=False)
    with httpx.Client(base_url=emulator.url, headers=AUTH) as client:
        enable = f"/v1beta1/projects/{PROJECT}/publishers/openai/models/gpt-oss-20b-maas:enableModel"
        assert client.post(enable, json={}).status_code == 200
        created = client.post(
            f"{VERTEX}/endpoints", params={"endpointId": "fuzzendpoint"}, json={"displayName": "f"}
        )
        assert created.status_code == 200, created.text
        upload = {"model": {"displayName": "m", "containerSpec": {"imageUri": "us-docker.pkg.dev/x/vllm:1"}}}
        uploaded = client.post(f"{VERTEX}/models:upload", json=upload).json()
        model = client.get(f"/v1/{uploaded['name']}").json()["response"]["model"]
        deploy = {"deployedModel": {"model": model, "dedicatedResources": ONE_L4}}
        assert client.post(f"{ENDPOINT}:deployModel", json=deploy).status_code == 200
    return emulator


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), target=st.sampled_from(TARGETS))
def test_fuzzed_bodies_never_get_5xx(fuzz_world: EmulatorProcess, data: st.DataObject, target: Any) -> None:
    """No body crashes a handler, and every error the server sends is Google-shaped (the contract)."""
    method, path, strategy = target
    body = data.draw(strategy)
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = httpx.request(method, f"{fuzz_world.url}{path}", content=content, headers=AUTH, timeout=30)
    assert reply.status_code < 500, reply.text
    event(f"{method} {path.removeprefix(VERTEX)} → {reply.status_code}")  # --hypothesis-show-statistics
    if reply.headers["content-type"].startswith("text/event-stream"):
        assert reply.status_code == 200 and reply.text.endswith("data: [DONE]\n\n")
        return
    problems = check_reply(method, path, reply.status_code, reply.json())
    assert problems == [], (body, reply.json(), problems)
