"""`provision plan` against the emulator: apply's steps in order, predicted failures on the step they break,
cost per hour, and no mutating call."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from emulator.testing import EmulatorProcess
from provisioning.cli import app
from provisioning.gcp.connection import Connection
from provisioning.plan import run_plan
from tests.e2e.test_doctor import endpoint, seed_project, spec_with

REPO = Path(__file__).resolve().parents[2]


def test_reference_plan_on_a_fresh_emulator(emulator_env: EmulatorProcess) -> None:
    plan = run_plan(spec_with(), Connection.from_settings(), explain=True)
    assert emulator_env.requests(mutating_only=True) == []
    assert [s.id for s in plan.steps] == [
        "project",
        "billing",
        "apis",
        "maas:gpt-oss-20b",
        "endpoint:llama-8b-vllm",
        "caller",
        "budget",
        "outputs",
    ]
    actions = {s.id: s.action for s in plan.steps}
    assert actions["project"] == "create"
    assert actions["billing"] == "link"
    assert actions["apis"] == "enable"
    assert actions["endpoint:llama-8b-vllm"] == "create"
    assert actions["caller"] == "create"
    assert actions["budget"] == "ensure"  # apply creates or updates it; plan does not read budgets
    assert plan.exit_code == 0
    assert any("14.90 GiB" in line for line in plan.explain)
    assert plan.steps[4].cost == "$1.15..$2.30/h"


def test_existing_project_plans_no_ops_and_attaches_failures(emulator_env: EmulatorProcess) -> None:
    seed_project(emulator_env)
    spec = spec_with(endpoints=[endpoint(model="gemma-3-27b-it", machine_type="g2-standard-12")])
    plan = run_plan(spec, Connection.from_settings())
    assert emulator_env.requests(mutating_only=True) == []
    by_id = {s.id: s for s in plan.steps}
    assert by_id["project"].action == "no-op"
    assert by_id["billing"].action == "no-op"
    assert by_id["apis"].action == "no-op"
    deploy = by_id["endpoint:llama-8b-vllm"]
    assert deploy.blocked
    assert [f.id for f in deploy.predicted if f.status.value == "fail"] == ["model-fit:llama-8b-vllm"]
    assert plan.exit_code == 1


def test_cli_plan_json_and_explain(emulator_env: EmulatorProcess) -> None:
    result = CliRunner().invoke(app, ["plan", "--spec", str(REPO / "examples" / "dev.yaml"), "--explain"])
    assert result.exit_code == 0, result.output
    assert "0 mutating calls" in result.output
    assert "chosen g2-standard-12" in result.output
    assert emulator_env.requests(mutating_only=True) == []
