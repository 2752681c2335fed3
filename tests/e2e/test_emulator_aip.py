"""The emulator's routes follow Google's resource-oriented design rules as the discovery documents describe
them: AIP-132 / AIP-158 list paging, AIP-134 update masks, AIP-135 deletes and field presence in replies."""

from __future__ import annotations

import time
from typing import Any

import pytest
from google.cloud import service_usage_v1
from google.oauth2.credentials import Credentials

from tests.e2e.vertex_support import (
    OPEN_BILLING,
    PARENT,
    PROJECT,
    TOKEN,
    create_endpoint,
    rest,
    seed_project,
    upload_vllm_model,
)

pytestmark = pytest.mark.e2e


def ok(reply: Any) -> dict[str, Any]:
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def assert_invalid_argument(reply: Any, field: str) -> None:
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["fieldViolations"][0]["field"] == field


def wait_done(emulator: Any, operation: dict[str, Any], version: str = "v1") -> dict[str, Any]:
    for _ in range(400):
        current = ok(rest(emulator, "GET", f"/{version}/{operation['name']}"))
        if current["done"]:
            return current
        time.sleep(0.01)
    raise AssertionError(f"operation {operation['name']} never finished")


def test_list_endpoints_pages_per_aip_158(emulator_env: Any) -> None:
    """pageSize pages, nextPageToken only while more follow, an opaque token tied to the query: a token
    reused with another filter, a token that is not ours, or a negative pageSize is 400."""
    seed_project(emulator_env)
    for name in ("a", "b", "c"):
        create_endpoint(emulator_env, display_name=name, labels={"team": "ml"})
    url = f"/v1/{PARENT}/endpoints"
    first = ok(rest(emulator_env, "GET", url, pageSize="2", filter="labels.team=ml"))
    token = first["nextPageToken"]
    assert len(first["endpoints"]) == 2 and not token.isdigit()
    second = ok(rest(emulator_env, "GET", url, pageSize="2", filter="labels.team=ml", pageToken=token))
    assert len(second["endpoints"]) == 1
    assert "nextPageToken" not in second
    names = {e["name"] for e in first["endpoints"] + second["endpoints"]}
    assert len(names) == 3
    assert_invalid_argument(rest(emulator_env, "GET", url, pageSize="2", pageToken=token), "page_token")
    assert_invalid_argument(rest(emulator_env, "GET", url, pageToken="not-a-token"), "page_token")
    assert_invalid_argument(rest(emulator_env, "GET", url, pageSize="-1"), "page_size")


def test_list_models_pages_per_aip_158(emulator_env: Any) -> None:
    seed_project(emulator_env)
    uploaded = {upload_vllm_model(emulator_env) for _ in range(2)}
    url = f"/v1/{PARENT}/models"
    first = ok(rest(emulator_env, "GET", url, pageSize="1"))
    second = ok(rest(emulator_env, "GET", url, pageSize="1", pageToken=first["nextPageToken"]))
    assert {first["models"][0]["name"], second["models"][0]["name"]} == uploaded
    assert "nextPageToken" not in second


def test_gapic_pager_walks_service_usage_pages_per_aip_158(emulator_env: Any) -> None:
    """The client library's pager follows nextPageToken to the end with the same filter."""
    seed_project(emulator_env)
    client = service_usage_v1.ServiceUsageClient(
        transport="rest", client_options={"api_endpoint": emulator_env.url}, credentials=Credentials(TOKEN)
    )
    request = {"parent": f"projects/{PROJECT}", "page_size": 1}
    everything = [service.config.name for service in client.list_services(request=request)]
    whole = ok(rest(emulator_env, "GET", f"/v1/projects/{PROJECT}/services", pageSize="200"))
    assert everything == [service["config"]["name"] for service in whole["services"]]
    assert len(everything) > 1
    pages = [r for r in emulator_env.requests() if r["path"].endswith(f"/projects/{PROJECT}/services")]
    assert len(pages) >= len(everything)


def test_an_empty_list_omits_its_repeated_field_per_aip_132(emulator_env: Any) -> None:
    """Google's JSON leaves out empty repeated fields and an empty nextPageToken: an empty list is {}."""
    seed_project(emulator_env)
    assert ok(rest(emulator_env, "GET", f"/v1/{PARENT}/endpoints")) == {}
    assert ok(rest(emulator_env, "GET", "/v3/projects", parent="organizations/999999999999")) == {}
    assert ok(rest(emulator_env, "GET", f"/v1/{OPEN_BILLING}/budgets")) == {}


def test_patch_endpoint_changes_only_the_masked_fields_per_aip_134(emulator_env: Any) -> None:
    seed_project(emulator_env)
    endpoint = create_endpoint(emulator_env, display_name="keep-me", labels={"a": "1"})
    url = f"/v1/{endpoint.name}"
    body = {"displayName": "changed", "labels": {"b": "2"}, "description": "changed"}
    patched = ok(rest(emulator_env, "PATCH", url, body, updateMask="labels"))
    assert (patched["displayName"], patched["labels"]) == ("keep-me", {"b": "2"})
    assert "description" not in patched
    assert_invalid_argument(rest(emulator_env, "PATCH", url, body), "update_mask")
    assert_invalid_argument(rest(emulator_env, "PATCH", url, body, updateMask="createTime"), "update_mask")


def test_repeated_delete_is_not_found_per_aip_135(emulator_env: Any) -> None:
    """A long-running delete finishes with google.protobuf.Empty; deleting again is 404 NOT_FOUND, for
    endpoints, models and (synchronous) budgets alike."""
    seed_project(emulator_env)
    endpoint = create_endpoint(emulator_env, display_name="gone")
    model = upload_vllm_model(emulator_env)
    for name in (endpoint.name, model):
        done = wait_done(emulator_env, ok(rest(emulator_env, "DELETE", f"/v1/{name}")))
        assert done["response"] == {"@type": "type.googleapis.com/google.protobuf.Empty"}
        again = rest(emulator_env, "DELETE", f"/v1/{name}")
        assert again.status_code == 404, again.text
        assert again.json()["error"]["status"] == "NOT_FOUND"
    budget = {
        "displayName": "cap",
        "amount": {"specifiedAmount": {"currencyCode": "USD", "units": "10"}},
    }
    created = ok(rest(emulator_env, "POST", f"/v1/{OPEN_BILLING}/budgets", budget))
    assert ok(rest(emulator_env, "DELETE", f"/v1/{created['name']}")) == {}
    assert rest(emulator_env, "DELETE", f"/v1/{created['name']}").status_code == 404


def test_a_maas_publisher_model_omits_empty_supported_actions(emulator_env: Any) -> None:
    """Field presence: a message field with nothing set is left out of Google's JSON, not sent as {}."""
    seed_project(emulator_env)
    maas = ok(rest(emulator_env, "GET", "/v1beta1/publishers/openai/models/gpt-oss-20b-maas"))
    assert "supportedActions" not in maas
    assert maas["name"] == "publishers/openai/models/gpt-oss-20b-maas"


def test_patch_project_changes_only_the_masked_fields_per_aip_134(emulator_env: Any) -> None:
    """Resource Manager: the mask names what changes; without one, what the body sets (the implied mask)."""
    seed_project(emulator_env)
    url = f"/v3/projects/{PROJECT}"
    body = {"displayName": "renamed", "labels": {"team": "ml"}}
    wait_done(emulator_env, ok(rest(emulator_env, "PATCH", url, body, updateMask="labels")), "v3")
    project = ok(rest(emulator_env, "GET", url))
    assert project["labels"] == {"team": "ml"} and project.get("displayName") != "renamed"
    wait_done(emulator_env, ok(rest(emulator_env, "PATCH", url, {"displayName": "renamed"})), "v3")
    project = ok(rest(emulator_env, "GET", url))
    assert (project["displayName"], project["labels"]) == ("renamed", {"team": "ml"})
    assert_invalid_argument(rest(emulator_env, "PATCH", url, body, updateMask="projectId"), "update_mask")
