"""`provision destroy`: endpoints undeployed and deleted with their models, APIs left on, the project kept
unless provision created it and --delete-project is given."""

from __future__ import annotations

import httpx

from emulator.testing import EmulatorProcess
from tests.conftest import EMULATOR_TOKEN
from tests.e2e.engine_support import (
    EXAMPLES,
    endpoints,
    events,
    google,
    mutating,
    provision,
)

DEV = str(EXAMPLES / "dev.yaml")
PROJECT = "acme-genai-dev"


def _status(emulator: EmulatorProcess, path: str) -> int:
    headers = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
    return httpx.get(f"{emulator.url}{path}", headers=headers, timeout=10).status_code


def test_destroy_removes_endpoints_and_models_and_keeps_project_and_apis(engine_env: EmulatorProcess) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0
    model = endpoints(engine_env, PROJECT)[0]["deployedModels"][0]["model"]
    enabled_before = google(engine_env, "GET", f"/v1/projects/{PROJECT}/services", filter="state:ENABLED")

    result = provision("destroy", "--spec", DEV, "--json", "--yes")

    assert result.exit_code == 0, result.output
    assert endpoints(engine_env, PROJECT) == []
    assert _status(engine_env, f"/v1/{model}") == 404
    assert google(engine_env, "GET", f"/v3/projects/{PROJECT}")["state"] == "ACTIVE"
    enabled_after = google(engine_env, "GET", f"/v1/projects/{PROJECT}/services", filter="state:ENABLED")
    assert enabled_after == enabled_before
    assert not [m for m in mutating(engine_env) if ":disable" in m]


def test_destroy_twice_is_a_no_op(engine_env: EmulatorProcess) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0
    assert provision("destroy", "--spec", DEV, "--json", "--yes").exit_code == 0
    before = len(engine_env.requests(mutating_only=True))

    again = provision("destroy", "--spec", DEV, "--json", "--yes")

    assert again.exit_code == 0, again.output
    assert len(engine_env.requests(mutating_only=True)) == before


def test_delete_project_deletes_a_project_provision_created(engine_env: EmulatorProcess) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0

    result = provision("destroy", "--spec", DEV, "--delete-project", "--json", "--yes")

    assert result.exit_code == 0, result.output
    assert google(engine_env, "GET", f"/v3/projects/{PROJECT}")["state"] == "DELETE_REQUESTED"


def test_delete_project_refuses_a_project_provision_did_not_create(engine_env: EmulatorProcess) -> None:
    engine_env.seed(
        {
            "projects": [
                {
                    "projectId": PROJECT,
                    "parent": "organizations/123456789012",
                    "billingAccountName": "billingAccounts/012345-6789AB-CDEF01",
                    "enabledServices": ["aiplatform.googleapis.com"],
                }
            ]
        }
    )

    result = provision("destroy", "--spec", DEV, "--delete-project", "--json", "--yes")

    assert result.exit_code == 1
    assert "not created by provision" in result.output
    assert google(engine_env, "GET", f"/v3/projects/{PROJECT}")["state"] == "ACTIVE"
    assert not [m for m in mutating(engine_env) if m.startswith("DELETE /v3/")]


def _foreign_endpoint(emulator: EmulatorProcess, labels: dict[str, str]) -> str:
    """Another team's endpoint in the same project and region, with our spec endpoint's display name."""
    body = {"displayName": "llama-8b-vllm", "labels": labels}
    op = google(emulator, "POST", f"/v1/projects/{PROJECT}/locations/us-central1/endpoints", body)
    for _ in range(200):
        if op.get("done"):
            return str(op["response"]["name"])
        op = google(emulator, "GET", f"/v1/{op['name']}")
    raise AssertionError(f"endpoint creation never finished: {op}")


def test_destroy_leaves_a_same_named_foreign_endpoint_alone_and_says_so(engine_env: EmulatorProcess) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0
    (ours,) = endpoints(engine_env, PROJECT)
    other_team = _foreign_endpoint(engine_env, {"team": "search"})
    other_env = _foreign_endpoint(engine_env, {"managed-by": "provision", "environment": "prod"})

    result = provision("destroy", "--spec", DEV, "--json", "--yes")

    assert result.exit_code == 0, result.output
    assert sorted(e["name"] for e in endpoints(engine_env, PROJECT)) == sorted([other_team, other_env])
    (done,) = [
        e for e in events(result.stdout) if e["event"] == "step_done" and e["step"].startswith("endpoint:")
    ]
    assert f"deleted {ours['name'].rsplit('/', 1)[1]}" in done["summary"]
    for name in (other_team, other_env):
        assert f"{name.rsplit('/', 1)[1]} (us-central1)" in done["summary"].partition("; left ")[2]
    assert "not labelled managed-by=provision, environment=dev" in done["summary"]
    again = provision("destroy", "--spec", DEV, "--json", "--yes")
    assert again.exit_code == 0, again.output
    assert len(endpoints(engine_env, PROJECT)) == 2
