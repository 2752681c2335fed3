"""`provision apply --spec DIR --parallel N`: one state and outputs file per environment and a summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from emulator.testing import EmulatorProcess
from provisioning.outputs import read_outputs
from tests.e2e.engine_support import (
    EXAMPLES,
    provision,
)

FLEET = EXAMPLES / "fleet"


def _summary(output: str) -> list[dict[str, object]]:
    (summary,) = [line for line in output.splitlines() if line.startswith('{"event": "fleet_summary"')]
    return list(json.loads(summary)["environments"])


def test_fleet_applies_every_environment(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    result = provision("apply", "--spec", str(FLEET), "--parallel", "3", "--outputs", "outs", "--json")

    assert result.exit_code == 0, result.output
    projects = sorted(yaml.safe_load(f.read_text())["project"]["id"] for f in FLEET.glob("*.yaml"))
    rows = _summary(result.output)
    assert sorted(str(r["project"]) for r in rows) == projects and all(r["ok"] for r in rows)
    for project in projects:
        assert read_outputs(tmp_path / "outs" / f"{project}.outputs.json").project == project
        assert (tmp_path / ".provision" / f"{project}.state.json").is_file()
    step_events = [e for e in map(json.loads, result.stdout.splitlines()) if e["event"] != "fleet_summary"]
    assert {e["environment"] for e in step_events} == set(projects)


def test_one_failing_environment_does_not_stop_the_others(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    folder = tmp_path / "fleet"
    shutil.copytree(FLEET, folder)
    broken = yaml.safe_load((folder / "team-beta.yaml").read_text())
    broken["project"]["billing_account"] = "01DEAD-BEEF00-C105ED"  # closed
    (folder / "team-beta.yaml").write_text(yaml.safe_dump(broken))

    result = provision("apply", "--spec", str(folder), "--parallel", "3", "--outputs", "outs", "--json")

    assert result.exit_code == 1
    outcome = {r["project"]: (r["ok"], r["detail"]) for r in _summary(result.output)}
    assert outcome["alpha-genai-dev"][0] and outcome["gamma-genai-dev"][0]
    ok, detail = outcome["beta-genai-dev"]
    assert not ok and "billing" in str(detail)
    assert not (tmp_path / "outs" / "beta-genai-dev.outputs.json").exists()
