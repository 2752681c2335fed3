"""The official Google clients against the emulator over loopback HTTP: GAPIC REST clients and a discovery
client, happy path and the failures users hit (closed billing, disabled service, 401, 404, quota)."""

from __future__ import annotations

from typing import Any

import google.api_core.exceptions as gexc
import httpx
import pytest
from google.auth.exceptions import RefreshError
from google.cloud import billing_v1, resourcemanager_v3, service_usage_v1
from google.oauth2.credentials import Credentials
from googleapiclient import discovery
from googleapiclient.errors import HttpError

pytestmark = pytest.mark.e2e

ORG = "organizations/123456789012"
OPEN_ACCOUNT = "billingAccounts/012345-6789AB-CDEF01"
CLOSED_ACCOUNT = "billingAccounts/01DEAD-BEEF00-C105ED"
TOKEN = "test-token"


def gapic(client_class: Any, url: str, token: str = TOKEN) -> Any:
    return client_class(
        transport="rest", client_options={"api_endpoint": url}, credentials=Credentials(token)
    )


def create_project(url: str, project_id: str) -> resourcemanager_v3.Project:
    projects = gapic(resourcemanager_v3.ProjectsClient, url)
    operation = projects.create_project(
        project=resourcemanager_v3.Project(project_id=project_id, parent=ORG, labels={"managed-by": "test"})
    )
    return operation.result(timeout=30)


def test_gapic_create_link_enable_list(emulator_env: Any) -> None:
    url = emulator_env.url
    project = create_project(url, "acme-genai-dev")
    assert project.project_id == "acme-genai-dev"
    assert project.name.split("/")[1].isdigit()
    assert project.state == resourcemanager_v3.Project.State.ACTIVE
    assert project.labels["managed-by"] == "test"

    billing = gapic(billing_v1.CloudBillingClient, url)
    accounts = {account.name: account.open_ for account in billing.list_billing_accounts()}
    assert accounts == {OPEN_ACCOUNT: True, CLOSED_ACCOUNT: False}
    info = billing.update_project_billing_info(
        name="projects/acme-genai-dev", project_billing_info={"billing_account_name": OPEN_ACCOUNT}
    )
    assert info.billing_enabled

    usage = gapic(service_usage_v1.ServiceUsageClient, url)
    apis = ["aiplatform.googleapis.com", "iam.googleapis.com", "cloudbilling.googleapis.com"]
    done = usage.batch_enable_services(
        request={"parent": "projects/acme-genai-dev", "service_ids": apis}
    ).result(timeout=30)
    assert sorted(service.config.name for service in done.services) == sorted(apis)
    enabled = usage.list_services(request={"parent": "projects/acme-genai-dev", "filter": "state:ENABLED"})
    names = {service.config.name for service in enabled}
    assert set(apis) <= names
    single = usage.enable_service(
        request={"name": "projects/acme-genai-dev/services/compute.googleapis.com"}
    ).result(timeout=30)
    assert single.service.state == service_usage_v1.State.ENABLED

    found = gapic(resourcemanager_v3.ProjectsClient, url).search_projects(query="id:acme-genai-dev")
    assert [p.project_id for p in found] == ["acme-genai-dev"]
    mutating = [(entry["method"], entry["path"]) for entry in emulator_env.requests(mutating_only=True)]
    assert ("POST", "/v3/projects") in mutating
    assert all(method != "GET" for method, _ in mutating)


def test_discovery_client_flow(emulator_env: Any) -> None:
    url = emulator_env.url + "/"
    credentials = Credentials(TOKEN)

    def build(api: str, version: str) -> Any:
        return discovery.build(
            api, version, static_discovery=True, credentials=credentials, client_options={"api_endpoint": url}
        )

    crm = build("cloudresourcemanager", "v3")
    operation = crm.projects().create(body={"projectId": "disco-proj-1", "parent": ORG}).execute()
    assert operation["name"].startswith("operations/cp.")
    while not operation.get("done"):
        operation = crm.operations().get(name=operation["name"]).execute()
    assert operation["response"]["@type"] == "type.googleapis.com/google.cloud.resourcemanager.v3.Project"
    billing = build("cloudbilling", "v1")
    billing.projects().updateBillingInfo(
        name="projects/disco-proj-1", body={"billingAccountName": OPEN_ACCOUNT}
    ).execute()
    usage = build("serviceusage", "v1")
    operation = (
        usage.services()
        .batchEnable(parent="projects/disco-proj-1", body={"serviceIds": ["aiplatform.googleapis.com"]})
        .execute()
    )
    assert operation["name"].startswith("operations/acf.p2-")
    while not operation.get("done"):
        operation = usage.operations().get(name=operation["name"]).execute()
    listed = usage.services().list(parent="projects/disco-proj-1", filter="state:ENABLED").execute()
    assert "aiplatform.googleapis.com" in {service["config"]["name"] for service in listed["services"]}
    iam = build("iam", "v1")
    account = (
        iam.projects()
        .serviceAccounts()
        .create(name="projects/disco-proj-1", body={"accountId": "llm-caller"})
        .execute()
    )
    assert account["email"] == "llm-caller@disco-proj-1.iam.gserviceaccount.com"
    policy = crm.projects().getIamPolicy(resource="projects/disco-proj-1", body={}).execute()
    policy["bindings"].append(
        {"role": "roles/aiplatform.user", "members": [f"serviceAccount:{account['email']}"]}
    )
    updated = crm.projects().setIamPolicy(resource="projects/disco-proj-1", body={"policy": policy}).execute()
    assert updated["etag"] != policy["etag"]
    with pytest.raises(HttpError) as stale:
        crm.projects().setIamPolicy(resource="projects/disco-proj-1", body={"policy": policy}).execute()
    assert stale.value.resp.status == 409


def test_linking_closed_billing_account_fails(emulator_env: Any) -> None:
    create_project(emulator_env.url, "closed-bill-1")
    billing = gapic(billing_v1.CloudBillingClient, emulator_env.url)
    with pytest.raises(gexc.BadRequest, match="Precondition check failed"):
        billing.update_project_billing_info(
            name="projects/closed-bill-1", project_billing_info={"billing_account_name": CLOSED_ACCOUNT}
        )
    assert not billing.get_project_billing_info(name="projects/closed-bill-1").billing_enabled


def test_enable_billable_api_without_billing_fails(emulator_env: Any) -> None:
    create_project(emulator_env.url, "no-billing-1")
    usage = gapic(service_usage_v1.ServiceUsageClient, emulator_env.url)
    with pytest.raises(gexc.BadRequest) as failure:
        usage.enable_service(request={"name": "projects/no-billing-1/services/aiplatform.googleapis.com"})
    assert "Billing account for project" in failure.value.message
    assert failure.value.reason == "UREQ_PROJECT_BILLING_NOT_FOUND"


def test_batch_enable_caps_at_twenty(emulator_env: Any) -> None:
    create_project(emulator_env.url, "batch-cap-1")
    usage = gapic(service_usage_v1.ServiceUsageClient, emulator_env.url)
    with pytest.raises(gexc.BadRequest, match="at most 20"):
        usage.batch_enable_services(
            request={
                "parent": "projects/batch-cap-1",
                "service_ids": [f"s{i}.googleapis.com" for i in range(21)],
            }
        )


def test_service_disabled_guard_on_quota_api(emulator_env: Any) -> None:
    create_project(emulator_env.url, "quota-off-1")
    reply = httpx.get(
        f"{emulator_env.url}/v1/projects/quota-off-1/locations/global/services/aiplatform.googleapis.com/"
        "quotaInfos/CustomModelServingL4GPUsPerProjectPerRegion",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert reply.status_code == 403
    error = reply.json()["error"]
    assert error["status"] == "PERMISSION_DENIED"
    info = next(d for d in error["details"] if d["@type"].endswith("google.rpc.ErrorInfo"))
    assert info["reason"] == "SERVICE_DISABLED"
    assert info["metadata"]["service"] == "cloudquotas.googleapis.com"


def test_quota_infos_and_usage(emulator_env: Any) -> None:
    emulator_env.seed(
        {
            "projects": [
                {
                    "projectId": "quota-on-1",
                    "billingAccountName": OPEN_ACCOUNT,
                    "enabledServices": ["cloudquotas.googleapis.com", "aiplatform.googleapis.com"],
                }
            ]
        }
    )
    headers = {"Authorization": f"Bearer {TOKEN}"}
    service = "aiplatform.googleapis.com"
    base = f"{emulator_env.url}/v1/projects/quota-on-1/locations/global/services/{service}/quotaInfos"
    info = httpx.get(f"{base}/CustomModelServingL4GPUsPerProjectPerRegion", headers=headers).json()
    limits = {tuple(d["applicableLocations"]): d["details"]["value"] for d in info["dimensionsInfos"]}
    assert limits[("us-central1",)] == "16"
    assert limits[("us-east4",)] == "0"
    listed = httpx.get(base, headers=headers).json()["quotaInfos"]
    assert "CustomModelServingH100GPUsPerProjectPerRegion" in {q["quotaId"] for q in listed}
    series = httpx.get(
        f"{emulator_env.url}/v3/projects/quota-on-1/timeSeries",
        params={
            "filter": 'metric.type="serviceruntime.googleapis.com/quota/allocation/usage" AND '
            'resource.type="consumer_quota" AND '
            'metric.label.quota_metric="aiplatform.googleapis.com/custom_model_serving_nvidia_l4_gpus" AND '
            'resource.label.location="us-central1"'
        },
        headers=headers,
    ).json()
    assert series["timeSeries"] == []  # nothing allocated yet: no data point means usage 0


def test_missing_and_expired_token_are_401(emulator_env: Any) -> None:
    reply = httpx.get(f"{emulator_env.url}/v1/billingAccounts")
    assert reply.status_code == 401
    assert reply.json()["error"]["status"] == "UNAUTHENTICATED"
    billing = gapic(billing_v1.CloudBillingClient, emulator_env.url, token="old-token")
    assert len(list(billing.list_billing_accounts())) == 2
    emulator_env.expire_token("old-token")
    expired = httpx.get(
        f"{emulator_env.url}/v1/billingAccounts", headers={"Authorization": "Bearer old-token"}
    )
    assert expired.status_code == 401
    assert expired.json()["error"]["message"].startswith("Request had invalid authentication credentials.")
    # google-auth answers a 401 by refreshing; a bare token cannot refresh, so the client fails loudly.
    with pytest.raises(RefreshError):
        list(billing.list_billing_accounts())


def test_unknown_route_and_unknown_project(emulator_env: Any) -> None:
    reply = httpx.get(f"{emulator_env.url}/v9/nothing/here", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 404
    assert reply.json()["error"]["status"] == "NOT_FOUND"
    projects = gapic(resourcemanager_v3.ProjectsClient, emulator_env.url)
    with pytest.raises(gexc.Forbidden, match="does not have permission"):
        projects.get_project(name="projects/does-not-exist")
    with pytest.raises(gexc.Conflict, match="already exists"):
        create_project(emulator_env.url, "twice-made-1")
        create_project(emulator_env.url, "twice-made-1")
