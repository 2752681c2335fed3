"""`provision reap`: endpoints whose expires-at passed are listed (--dry-run) or undeployed; the others are
left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import (
    clear_requests,
    endpoints,
    google,
    mutating,
    provision,
)
from tests.e2e.vertex_support import deploy_and_wait, l4_deploy_body

PROJECT = "acme-reap-test"
PAST = "20200101t000000z"


def _two_endpoint_spec(folder: Path) -> Path:
    endpoint = {"model": "qwen2.5-7b-instruct", "machine_type": "g2-standard-12", "max_replicas": 1}
    spec = {
        "environment": "ci",
        "owner": "ci-bot",
        "region": "us-central1",
        "ttl": "2h",
        "project": {
            "id": PROJECT,
            "parent": "organizations/123456789012",
            "billing_account": "012345-6789AB-CDEF01",
        },
        "endpoints": [{"name": "stale", **endpoint}, {"name": "fresh", **endpoint}],
    }
    path = folder / "reap.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def _expire(emulator: EmulatorProcess, endpoint_id: str) -> None:
    """Seed time forward for one endpoint: its expires-at label set in the past, as a user could."""
    name = f"projects/{PROJECT}/locations/us-central1/endpoints/{endpoint_id}"
    labels = {**google(emulator, "GET", f"/v1/{name}")["labels"], "expires-at": PAST}
    google(emulator, "PATCH", f"/v1/{name}", {"labels": labels}, updateMask="labels")


def _deployed(emulator: EmulatorProcess) -> dict[str, int]:
    return {
        e["name"].rsplit("/", 1)[-1]: len(e.get("deployedModels", [])) for e in endpoints(emulator, PROJECT)
    }


def _applied(emulator: EmulatorProcess, folder: Path) -> Path:
    spec = _two_endpoint_spec(folder)
    result = provision("apply", "--spec", str(spec), "--json")
    assert result.exit_code == 0, result.output
    _expire(emulator, "stale")
    clear_requests(emulator)
    return spec


def _rows(output: str) -> list[dict[str, Any]]:
    return list(json.loads(output)["expired"])


def test_dry_run_lists_only_expired_endpoints_and_changes_nothing(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    spec = _applied(engine_env, tmp_path)

    result = provision("reap", "--spec", str(spec), "--dry-run", "--json")

    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    assert [(r["endpoint"].rsplit("/", 1)[-1], r["expires_at"], r["action"]) for r in rows] == [
        ("stale", PAST, "would undeploy")
    ]
    assert mutating(engine_env) == []
    assert _deployed(engine_env) == {"stale": 1, "fresh": 1}


def test_reap_undeploys_expired_endpoints_only(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    _applied(engine_env, tmp_path)

    result = provision("reap", "--projects", PROJECT, "--json", "--yes")

    assert result.exit_code == 0, result.output
    assert [r["action"] for r in _rows(result.output)] == ["undeployed"]
    assert _deployed(engine_env) == {"stale": 0, "fresh": 1}
    assert all("/endpoints/stale:" in m for m in mutating(engine_env))
    again = provision("reap", "--projects", PROJECT, "--json", "--yes")
    assert [r["action"] for r in _rows(again.output)] == ["nothing deployed"]


def _deploy_as_pulumi_does(
    emulator: EmulatorProcess, endpoint_id: str, system_labels: dict[str, str]
) -> None:
    """The Model Garden deploy pulumi-gcp sends: no endpoint labels, ours in deployConfig.systemLabels."""
    body = l4_deploy_body(endpoint_config={"endpointUserId": endpoint_id}, systemLabels=system_labels)
    operation = deploy_and_wait(emulator, body, parent=f"projects/{PROJECT}/locations/us-central1")
    assert "error" not in operation, operation


def test_reap_finds_pulumi_made_endpoints_by_their_deployed_model_labels(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    _applied(engine_env, tmp_path)
    _deploy_as_pulumi_does(engine_env, "pulumi-stale", {"managed-by": "provision", "expires-at": PAST})
    _deploy_as_pulumi_does(
        engine_env, "pulumi-fresh", {"managed-by": "provision", "expires-at": "20991231t000000z"}
    )
    _deploy_as_pulumi_does(engine_env, "someone-elses", {"expires-at": PAST})  # not ours: never touched

    result = provision("reap", "--projects", PROJECT, "--json", "--yes")

    assert result.exit_code == 0, result.output
    reaped = {r["endpoint"].rsplit("/", 1)[-1]: r["action"] for r in _rows(result.output)}
    assert reaped == {"stale": "undeployed", "pulumi-stale": "undeployed"}
    deployed = _deployed(engine_env)
    assert deployed["pulumi-stale"] == 0
    assert deployed["pulumi-fresh"] == 1 and deployed["someone-elses"] == 1 and deployed["fresh"] == 1
