"""`provision apply` against the emulator (subprocess per session, reset per test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import clear_requests

BASE_SPEC: dict[str, Any] = {
    "environment": "dev",
    "owner": "platform-team",
    "region": "us-central1",
    "ttl": "72h",
    "project": {
        "id": "acme-e2e-dev",
        "parent": "organizations/123456789012",
        "billing_account": "012345-6789AB-CDEF01",
    },
}


def _write_spec(tmp_path: Path, **changes: Any) -> Path:
    spec = json.loads(json.dumps(BASE_SPEC))
    for key, value in changes.items():
        spec[key] = value
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def _apply(tmp_path: Path, spec: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provisioning", "apply", "--spec", str(spec), "--json", *extra],
        cwd=tmp_path,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _events(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_closed_billing_account_stops_at_billing_with_the_fix(
    emulator_env: EmulatorProcess, tmp_path: Path
) -> None:
    project = {**BASE_SPEC["project"], "billing_account": "01DEAD-BEEF00-C105ED"}
    result = _apply(tmp_path, _write_spec(tmp_path, project=project))
    assert result.returncode == 1
    failed = [e for e in _events(result) if e["event"] == "step_failed"]
    assert [e["step"] for e in failed] == ["billing"]
    assert "is closed" in failed[0]["what"] and "console.cloud.google.com/billing" in failed[0]["fix"]
    mutating = [r["path"] for r in emulator_env.requests(mutating_only=True)]
    assert not any("billingInfo" in p or "batchEnable" in p for p in mutating)


def test_transient_faults_are_retried_and_the_project_is_created_once(
    emulator_env: EmulatorProcess, tmp_path: Path
) -> None:
    emulator_env.set_faults([{"route": "/v3/projects", "fraction": 0.5, "kind": "503", "seed": 7}])
    _apply(tmp_path, _write_spec(tmp_path))
    creates = [
        r
        for r in emulator_env.requests(mutating_only=True)
        if r["method"] == "POST" and r["path"] == "/v3/projects" and r["status"] == 200
    ]
    assert len(creates) == 1
    faulted = [r for r in emulator_env.requests() if r["path"].startswith("/v3/") and r["status"] == 503]
    assert faulted, "the fault rule never fired, so this test proved nothing"
    state = json.loads((tmp_path / ".provision" / "acme-e2e-dev.state.json").read_text())
    assert state["created_project"] is True


def test_bad_parallel_exits_2_without_any_call(emulator_env: EmulatorProcess, tmp_path: Path) -> None:
    before = len(emulator_env.requests())
    result = _apply(tmp_path, _write_spec(tmp_path), "--parallel", "-1")
    assert result.returncode == 2
    assert len(emulator_env.requests()) == before


def test_tokens_never_reach_output_or_state(emulator_env: EmulatorProcess, tmp_path: Path) -> None:
    result = _apply(tmp_path, _write_spec(tmp_path))
    token = os.environ["CLOUDSDK_AUTH_ACCESS_TOKEN"]
    written = "".join(p.read_text() for p in (tmp_path / ".provision").glob("*"))
    assert token not in result.stdout + result.stderr + written


def test_retry_after_on_injected_faults_is_honoured_and_apply_converges(
    emulator_env: EmulatorProcess, tmp_path: Path
) -> None:
    wait_s = 1
    rules = [
        {"route": "/billingInfo$", "fraction": 0.5, "kind": "429", "seed": 1, "retry_after_s": wait_s},
        {
            "route": "services:batchEnable$",
            "fraction": 0.5,
            "kind": "503",
            "seed": 1,
            "retry_after_s": wait_s,
        },
    ]
    emulator_env.set_faults(rules)
    faulted = httpx.get(f"{emulator_env.url}/v1/projects/p/billingInfo", timeout=10)  # seed 1 fires first
    assert faulted.status_code == 429 and faulted.headers["Retry-After"] == str(wait_s)
    emulator_env.set_faults(rules)  # the rules start again from their seeds
    clear_requests(emulator_env)

    result = _apply(tmp_path, _write_spec(tmp_path))

    assert result.returncode == 0, result.stderr
    log = emulator_env.requests()
    retried = 0
    for index, entry in enumerate(log):
        if entry["status"] not in (429, 503):
            continue
        retry = next(
            r for r in log[index + 1 :] if (r["method"], r["path"]) == (entry["method"], entry["path"])
        )
        assert retry["time"] - entry["time"] >= wait_s, (entry, retry)
        retried += 1
    assert {e["status"] for e in log} >= {429, 503} and retried >= 2
    assert len([r for r in log if r["path"] == "/v3/projects" and r["method"] == "POST"]) == 1
