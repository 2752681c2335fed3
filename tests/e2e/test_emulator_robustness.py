"""Bad input gets Google-shaped 400s, faults and the request log behave as configured, state survives a
restart, and no request body makes the server answer 5xx."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.testing import EmulatorProcess

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
FIELDS = [
    "projectId",
    "parent",
    "displayName",
    "labels",
    "policy",
    "serviceIds",
    "billingAccountName",
    "accountId",
]
BODIES = st.one_of(
    JSON_VALUES,
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=4),
    st.binary(max_size=64),
)
TARGETS = [
    ("POST", "/v3/projects"),
    ("PATCH", "/v3/projects/robust-proj"),
    ("POST", "/v3/projects/robust-proj:setIamPolicy"),
    ("PUT", "/v1/projects/robust-proj/billingInfo"),
    ("POST", "/v1/projects/robust-proj/services:batchEnable"),
    ("POST", "/v1/projects/robust-proj/services/iam.googleapis.com:enable"),
    ("POST", "/v1/projects/robust-proj/serviceAccounts"),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(TARGETS), body=BODIES)
def test_fuzzed_bodies_never_get_5xx(emulator: EmulatorProcess, target: tuple[str, str], body: Any) -> None:
    emulator.seed(SEEDED)
    method, path = target
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = httpx.request(method, f"{emulator.url}{path}", content=content, headers=AUTH)
    assert reply.status_code < 500, reply.text
    assert reply.status_code == 200 or "error" in reply.json()
