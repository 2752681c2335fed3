"""Long-running operations finish on time whether or not anyone polls them, as on Google Cloud: a client
that lost an operation's name (a crash before it was saved) still sees the result on the resource."""

from __future__ import annotations

import time

import httpx
import pytest

from emulator.testing import EmulatorProcess
from tests.e2e.vertex_support import l4_deploy_body

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": "Bearer ops-token"}
PROJECT = "unpolled-proj"
SEED = {
    "projects": [
        {
            "projectId": PROJECT,
            "parent": "organizations/123456789012",
            "billingAccountName": "billingAccounts/012345-6789AB-CDEF01",
            "enabledServices": ["aiplatform.googleapis.com"],
        }
    ]
}
DEPLOY = l4_deploy_body(endpoint_config={"endpointDisplayName": "unpolled", "endpointUserId": "unpolled-ep"})


def test_deployment_shows_on_the_endpoint_without_polling_its_operation(
    emulator_env: EmulatorProcess,
) -> None:
    emulator_env.seed(SEED)
    emulator_env.configure(lro_scale=0.0002)  # Model Garden deploy: 1500 s x 0.0002 = 0.3 s
    location = f"/v1beta1/projects/{PROJECT}/locations/us-central1"
    with httpx.Client(base_url=emulator_env.url, headers=AUTH, timeout=10) as client:
        started = client.post(f"{location}:deploy", json=DEPLOY)
        assert started.status_code == 200, started.text
        assert started.json()["done"] is False
        time.sleep(0.6)
        endpoint = client.get(f"/v1/projects/{PROJECT}/locations/us-central1/endpoints/unpolled-ep")
        assert endpoint.status_code == 200, endpoint.text
        assert endpoint.json().get("deployedModels"), endpoint.json()
