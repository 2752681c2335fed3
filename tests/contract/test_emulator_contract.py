"""Every reply the emulator sends during the control-plane flows matches the discovery document of its API
(replies recorded by the emulator's request log with `record_bodies`)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from emulator import errors
from emulator.contract import (
    check_error_body,
    check_reply,
    check_streamed_reply,
    defines,
    reply_schema,
    validate,
)
from emulator.routing import build_routes

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": "Bearer contract-token"}
OPEN_ACCOUNT = "billingAccounts/012345-6789AB-CDEF01"


def run_flows(url: str) -> None:
    """Happy and failing calls over every non-Vertex route."""
    with httpx.Client(base_url=url, headers=AUTH) as client:
        operation = client.post(
            "/v3/projects", json={"projectId": "contract-1", "labels": {"env": "dev"}}
        ).json()
        client.get(f"/v3/{operation['name']}")
        client.get("/v3/projects/contract-1")
        client.get("/v3/projects:search", params={"query": "id:contract-1"})
        client.get("/v3/projects", params={"parent": "organizations/123456789012"})
        client.patch("/v3/projects/contract-1", params={"updateMask": "labels"}, json={"labels": {"a": "b"}})
        client.get("/v3/organizations/123456789012")
        policy = client.post("/v3/projects/contract-1:getIamPolicy", json={}).json()
        client.post("/v3/projects/contract-1:setIamPolicy", json={"policy": policy})
        client.get("/v1/billingAccounts")
        client.get(f"/v1/{OPEN_ACCOUNT}")
        client.put("/v1/projects/contract-1/billingInfo", json={"billingAccountName": OPEN_ACCOUNT})
        client.get("/v1/projects/contract-1/billingInfo")
        apis = ["aiplatform.googleapis.com", "cloudquotas.googleapis.com"]
        operation = client.post(
            "/v1/projects/contract-1/services:batchEnable", json={"serviceIds": apis}
        ).json()
        client.get(f"/v1/{operation['name']}")
        operation = client.post(
            "/v1/projects/contract-1/services/compute.googleapis.com:enable", json={}
        ).json()
        client.get(f"/v1/{operation['name']}")
        operation = client.post(
            "/v1/projects/contract-1/services/compute.googleapis.com:disable", json={}
        ).json()
        client.get(f"/v1/{operation['name']}")
        client.get("/v1/projects/contract-1/services", params={"filter": "state:ENABLED"})
        client.get("/v1/projects/contract-1/services/aiplatform.googleapis.com")
        client.post("/v1/projects/contract-1/serviceAccounts", json={"accountId": "llm-caller"})
        client.get("/v1/projects/contract-1/serviceAccounts")
        client.get("/v1/projects/contract-1/serviceAccounts/llm-caller@contract-1.iam.gserviceaccount.com")
        quotas = "/v1/projects/contract-1/locations/global/services/aiplatform.googleapis.com/quotaInfos"
        client.get(quotas)
        client.get(quotas + "/CustomModelServingL4GPUsPerProjectPerRegion")
        client.get(
            "/v3/projects/contract-1/timeSeries",
            params={"filter": 'metric.type="serviceruntime.googleapis.com/quota/allocation/usage"'},
        )
        operation = client.delete("/v3/projects/contract-1").json()
        client.get(f"/v3/{operation['name']}")
        # failures
        client.get("/v3/projects/nope-nope-1")
        client.put("/v1/projects/contract-1/billingInfo", json={"billingAccountName": "bad"})
        client.post("/v3/projects", json={"projectId": "x"})
        client.get("/v1/nothing")
        httpx.get(f"{url}/v1/billingAccounts")


def test_every_reply_matches_its_discovery_schema(emulator_env: Any) -> None:
    emulator_env.configure(record_bodies=True, lro_scale=0)
    run_flows(emulator_env.url)
    log = emulator_env.requests()
    checked = 0
    failures = []
    for entry in log:
        problems = check_reply(entry["method"], entry["path"], entry["status"], entry["response_body"])
        if problems is None:
            continue
        checked += 1
        failures += [f"{entry['method']} {entry['path']}: {p.path}: {p.message}" for p in problems]
    assert not failures, "\n".join(failures)
    assert checked == len(log)  # every route of these APIs has a known schema
    statuses = {entry["status"] for entry in log}
    assert {200, 400, 401, 403, 404} <= statuses


def test_validator_catches_what_clients_would_choke_on() -> None:
    project = {"name": "projects/1", "projectId": "p", "state": "ACTIVE"}
    assert validate(project, "cloudresourcemanager.v3#Project") == []
    assert validate({**project, "state": "ALIVE"}, "cloudresourcemanager.v3#Project")
    assert validate({**project, "colour": "x"}, "cloudresourcemanager.v3#Project")[0].unknown_field
    assert validate({**project, "labels": {"a": 1}}, "cloudresourcemanager.v3#Project")
    point = {"value": {"int64Value": 3}}
    assert validate(point, "monitoring.v3#Point")  # int64 must be a JSON string
    assert validate({"value": {"int64Value": "3"}}, "monitoring.v3#Point") == []
    quota = {"quotaId": "q", "dimensionsInfos": [{"dimensions": {"region": "us-central1"}, "details": {}}]}
    assert validate(quota, "cloudquotas.v1#QuotaInfo") == []
    assert validate({"dimensionsInfos": [{"details": {"value": 8}}]}, "cloudquotas.v1#QuotaInfo")
    bad_any = {
        "name": "operations/x",
        "done": True,
        "response": {"@type": "type.googleapis.com/google.cloud.resourcemanager.v3.Projekt"},
    }
    assert check_reply("GET", "/v3/operations/x", 200, bad_any)


def _sample_path(template: str) -> str:
    """A concrete path the template matches: each `{name}` a plain segment, `{name=**}` two segments."""
    return _PARAMETER.sub(lambda m: "a/b" if m.group(2) else "x" + m.group(1), template)


_PARAMETER = re.compile(r"\{(\w+)(=\*\*)?\}")


def test_every_route_has_a_reply_schema() -> None:
    """A route added without a REPLY_SCHEMAS entry would have its replies skipped by the contract hook."""
    table = build_routes()
    missing, unresolved = [], []
    routes = table.routes()
    for route in routes:
        path = _sample_path(route.template)
        assert table.match(route.method, path)[0] is route  # type: ignore[index]
        ref = reply_schema(route.method, path)
        if ref is None:
            missing.append(f"{route.method} {route.template}")
            continue
        if not defines(ref):
            unresolved.append(f"{route.method} {route.template} → {ref}")
    assert not missing, "routes with no reply schema:\n" + "\n".join(missing)
    assert not unresolved, "reply schemas the discovery documents do not define:\n" + "\n".join(unresolved)
    assert len(routes) >= 70


def test_chat_replies_and_stream_events_are_recorded_and_judged(emulator_env: Any) -> None:
    from tests.e2e.vertex_support import PROJECT, seed_project

    seed_project(emulator_env)
    chat = f"/v1/projects/{PROJECT}/locations/us-central1/endpoints/openapi/chat/completions"
    ask = {"model": "google/gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "n": 2}
    with httpx.Client(base_url=emulator_env.url, headers=AUTH) as client:
        assert client.post(chat, json=ask).status_code == 200
        streamed = {**ask, "stream": True, "stream_options": {"include_usage": True}}
        assert client.post(chat, json=streamed).status_code == 200
    plain, stream = [entry for entry in emulator_env.requests() if entry["path"] == chat]
    assert check_reply("POST", chat, 200, plain["response_body"]) == []
    events = stream["response_stream"]
    assert events[-1] == "[DONE]" and len(events) > 4
    assert check_streamed_reply("POST", chat, events) == []
    # What the openai SDK would refuse is caught: a missing required field, a number sent as a string,
    # a stream cut before [DONE].
    broken = {key: value for key, value in plain["response_body"].items() if key != "created"}
    assert check_reply("POST", chat, 200, broken)
    assert check_streamed_reply("POST", chat, [{**events[0], "created": str(events[0]["created"])}, "[DONE]"])
    assert check_streamed_reply("POST", chat, events[:-1])


def test_error_details_are_checked_against_google_rpc() -> None:
    sent = [
        errors.service_disabled("p", "aiplatform.googleapis.com", "Vertex AI API"),
        errors.billing_disabled("123", "aiplatform.googleapis.com"),
        errors.quota_exceeded("Q", "aiplatform.googleapis.com/m", "us-central1", 1, 1, 1),
        errors.invalid_argument("bad", "model"),
        errors.credentials_missing(),
    ]
    for error in sent:
        assert check_error_body(error.body()) == [], error.body()

    def problems(detail: dict[str, Any]) -> list[Any]:
        return check_error_body({"error": {"code": 400, "message": "m", "status": "X", "details": [detail]}})

    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED", "domain": "d"}
    assert problems(info) == []
    assert problems({**info, "metadata": {"service": 1}})  # metadata values are strings
    assert problems({**info, "metadata": {"Service_Name": "x"}})  # keys lowerCamelCase
    assert problems({**info, "reason": "service disabled"})
    assert problems({**info, "domain": ""})
    assert problems({**info, "colour": "x"})
    bad_request = {"@type": "type.googleapis.com/google.rpc.BadRequest"}
    assert problems({**bad_request, "fieldViolations": [{"field": "f", "description": "d"}]}) == []
    assert problems({**bad_request, "field_violations": [{"field": "f"}]})  # not the canonical JSON name
    assert problems({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": 5})
    assert problems({"@type": "type.googleapis.com/google.rpc.Nothing"})
