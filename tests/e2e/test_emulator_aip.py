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


POOLS = f"/v1/projects/{PROJECT}/locations/global/workloadIdentityPools"
PROVIDER = f"{POOLS}/ci-pool/providers/github"


def make_provider(emulator: Any) -> None:
    """A pool and an OIDC provider with two audiences and two mapped attributes."""
    wait_done(emulator, ok(rest(emulator, "POST", POOLS, {}, workloadIdentityPoolId="ci-pool")))
    provider = {
        "attributeMapping": {
            "google.subject": "assertion.sub",
            "attribute.repository": "assertion.repository",
        },
        "oidc": {"issuerUri": "https://issuer.example.com", "allowedAudiences": ["aud-1", "aud-2"]},
    }
    created = rest(
        emulator, "POST", f"{POOLS}/ci-pool/providers", provider, workloadIdentityPoolProviderId="github"
    )
    wait_done(emulator, ok(created))


def patch_provider(emulator: Any, body: dict[str, Any], mask: str) -> dict[str, Any]:
    wait_done(emulator, ok(rest(emulator, "PATCH", PROVIDER, body, updateMask=mask)))
    return ok(rest(emulator, "GET", PROVIDER))


def test_patch_provider_changes_only_the_masked_sub_field_per_aip_161(emulator_env: Any) -> None:
    """`oidc.allowedAudiences` changes that one field of `oidc` (issuerUri stays), a backticked map key
    changes one entry of attributeMapping; an index into a repeated field or an unknown sub-field is 400."""
    seed_project(emulator_env)
    make_provider(emulator_env)

    after = patch_provider(emulator_env, {"oidc": {"allowedAudiences": ["aud-3"]}}, "oidc.allowedAudiences")
    assert after["oidc"] == {"issuerUri": "https://issuer.example.com", "allowedAudiences": ["aud-3"]}

    after = patch_provider(
        emulator_env, {"oidc": {"issuerUri": "https://other.example.com"}}, "oidc.issuer_uri"
    )
    assert after["oidc"] == {"issuerUri": "https://other.example.com", "allowedAudiences": ["aud-3"]}

    mapping = {"attributeMapping": {"attribute.repository": "assertion.repository_owner"}}
    after = patch_provider(emulator_env, mapping, "attributeMapping.`attribute.repository`")
    assert after["attributeMapping"] == {
        "google.subject": "assertion.sub",
        "attribute.repository": "assertion.repository_owner",
    }

    for mask in ("oidc.allowedAudiences.0", "oidc.notAField", "state"):
        assert_invalid_argument(rest(emulator_env, "PATCH", PROVIDER, {}, updateMask=mask), "update_mask")
    assert ok(rest(emulator_env, "GET", PROVIDER))["oidc"]["issuerUri"] == "https://other.example.com"


def test_masks_reach_into_maps_and_messages_on_every_patch_route_per_aip_161(emulator_env: Any) -> None:
    """`labels.KEY` sets or clears one label on endpoints, models and projects; a budget's
    `amount.specifiedAmount.units` changes the units and keeps the currency."""
    seed_project(emulator_env)
    endpoint = create_endpoint(emulator_env, display_name="e", labels={"a": "1", "b": "2"})
    model = upload_vllm_model(emulator_env)
    ok(rest(emulator_env, "PATCH", f"/v1/{model}", {"labels": {"a": "1", "b": "2"}}, updateMask="labels"))
    for url in (f"/v1/{endpoint.name}", f"/v1/{model}"):
        assert ok(rest(emulator_env, "PATCH", url, {"labels": {"b": "3"}}, updateMask="labels.b"))[
            "labels"
        ] == {
            "a": "1",
            "b": "3",
        }
        assert ok(rest(emulator_env, "PATCH", url, {}, updateMask="labels.a"))["labels"] == {"b": "3"}

    project = f"/v3/projects/{PROJECT}"
    wait_done(emulator_env, ok(rest(emulator_env, "PATCH", project, {"labels": {"a": "1", "b": "2"}})), "v3")
    wait_done(emulator_env, ok(rest(emulator_env, "PATCH", project, {}, updateMask="labels.a")), "v3")
    assert ok(rest(emulator_env, "GET", project))["labels"] == {"b": "2"}

    budget = {"displayName": "cap", "amount": {"specifiedAmount": {"currencyCode": "USD", "units": "10"}}}
    created = ok(rest(emulator_env, "POST", f"/v1/{OPEN_BILLING}/budgets", budget))
    change = {"amount": {"specifiedAmount": {"units": "20"}}}
    patched = ok(
        rest(
            emulator_env, "PATCH", f"/v1/{created['name']}", change, updateMask="amount.specifiedAmount.units"
        )
    )
    assert patched["amount"] == {"specifiedAmount": {"currencyCode": "USD", "units": "20"}}


def test_patch_project_clears_what_the_mask_names_and_the_body_leaves_empty_per_aip_134(
    emulator_env: Any,
) -> None:
    """Resource Manager v3: displayName is optional, 4 to 30 of letters, digits, - ' " space !; a masked
    field the body leaves empty is cleared and then omitted from replies (AIP-132), while without a mask
    an empty field is not part of the implied mask ("Deleting all labels requires an update mask")."""
    seed_project(emulator_env)
    url = f"/v3/projects/{PROJECT}"
    named = {"displayName": "Team 'ML' project!", "labels": {"team": "ml"}}
    wait_done(emulator_env, ok(rest(emulator_env, "PATCH", url, named)), "v3")

    wait_done(emulator_env, ok(rest(emulator_env, "PATCH", url, {"displayName": "", "labels": {}})), "v3")
    assert {k: ok(rest(emulator_env, "GET", url)).get(k) for k in named} == named

    wait_done(emulator_env, ok(rest(emulator_env, "PATCH", url, {}, updateMask="displayName,labels")), "v3")
    project = ok(rest(emulator_env, "GET", url))
    assert "displayName" not in project and "labels" not in project
    found = ok(rest(emulator_env, "GET", "/v3/projects:search", query=f"name:{PROJECT}"))
    assert [p["projectId"] for p in found["projects"]] == [PROJECT]

    for bad in ("abc", "a" * 31, "slash/name"):
        reply = rest(emulator_env, "PATCH", url, {"displayName": bad}, updateMask="displayName")
        assert_invalid_argument(reply, "project.display_name")


def test_a_second_delete_while_the_first_runs_returns_the_same_operation(emulator_env: Any) -> None:
    """A DELETE repeated while the first one's operation still runs (a retry after a lost reply, or a
    second operator) gets that same operation back, not a second one; once it is done, DELETE is 404."""
    seed_project(emulator_env)
    endpoint = create_endpoint(emulator_env, display_name="twice")
    model = upload_vllm_model(emulator_env)
    emulator_env.configure(lro_scale=0.2)  # a delete takes 2 s
    for name in (model, endpoint.name):
        first = ok(rest(emulator_env, "DELETE", f"/v1/{name}"))
        second = ok(rest(emulator_env, "DELETE", f"/v1/{name}"))
        assert not second["done"] and second["name"] == first["name"]
        assert wait_done(emulator_env, second)["response"] == {
            "@type": "type.googleapis.com/google.protobuf.Empty"
        }
        assert rest(emulator_env, "DELETE", f"/v1/{name}").status_code == 404
