"""Long-running operations finish on time whether or not anyone polls them, as on Google Cloud: a client
that lost an operation's name (a crash before it was saved) still sees the result on the resource."""

from __future__ import annotations

import time

import httpx
import pytest

from emulator.testing import EmulatorProcess

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
DEPLOY = {
    "publisherModelName": "publishers/meta/models/llama3-1@llama-3.1-8b-instruct",
    "modelConfig": {"acceptEula": True},
    "endpointConfig": {"endpointDisplayName": "unpolled", "endpointUserId": "unpolled-ep"},
    "deployConfig": {
        "dedicatedResources": {
            "machineSpec": {
                "machineType": "g2-standard-12",
                "acceleratorType": "NVIDIA_L4",
                "acceleratorCount": 1,
            },
            "minReplicaCount": 1,
            "maxReplicaCount": 1,
        }
    },
}


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
