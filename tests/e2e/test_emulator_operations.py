"""Long-running operations finish on time whether or not anyone polls them, as on Google Cloud: a client
that lost an operation's name (a crash before it was saved) still sees the result on the resource."""

from __future__ import annotations

import time

import httpx
import pytest

from emulator.testing import EmulatorProcess

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": "Bearer ops-token"}


def test_project_appears_without_polling_its_operation(emulator_env: EmulatorProcess) -> None:
    emulator_env.configure(lro_scale=0.02)  # project creation: 5 s x 0.02 = 0.1 s
    with httpx.Client(base_url=emulator_env.url, headers=AUTH, timeout=10) as client:
        created = client.post("/v3/projects", json={"projectId": "unpolled-proj", "displayName": "unpolled"})
        assert created.status_code == 200, created.text
        assert created.json()["done"] is False
        assert client.get("/v3/projects/unpolled-proj").status_code == 403  # not visible before it is due
        time.sleep(0.3)
        project = client.get("/v3/projects/unpolled-proj")
        assert project.status_code == 200, project.text
        assert project.json()["state"] == "ACTIVE"
        operation = client.get(f"/v3/{created.json()['name']}").json()
        assert operation["done"] is True and operation["response"]["projectId"] == "unpolled-proj"
