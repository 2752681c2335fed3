"""SIGKILL `provision apply` at every step boundary and in the middle of each long-running operation (project
create, API enablement, model deploy), at the budget step and while outputs are written; the next apply
converges with no duplicate resources (one project, endpoint, deployment, budget) and valid outputs.

Kill points are read from the `--json` event stream (one event per line), so they are deterministic: a step's
start or end, or the "waiting on <operation>" note written right after the operation name was saved in state.
lro_scale 0.002 keeps a deploy in flight for about 3 s, project creation and API enablement for 10-20 ms.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import EmulatorProcess
from provisioning.outputs import read_outputs
from tests.reliability.support import (
    DEV,
    PROJECT,
    apply_env,
    apply_until,
    assert_one_of_each,
    dev_world,
    json_events,
    run_cli,
    write_dev_spec,
)

pytestmark = pytest.mark.e2e

Event = dict[str, Any]
ENDPOINT_STEP = f"endpoint:{DEV['endpoints'][0]['name']}"
MAAS_STEP = f"maas:{DEV['maas_models'][0]['name']}"


def started(step: str) -> Callable[[Event], bool]:
    return lambda e: e["event"] == "step_started" and e["step"] == step


def done(step: str) -> Callable[[Event], bool]:
    return lambda e: e["event"] == "step_done" and e["step"] == step


def waiting(step_prefix: str) -> Callable[[Event], bool]:
    return lambda e: (
        e["event"] == "note" and e["step"].startswith(step_prefix) and "waiting on" in e["message"]
    )


def deploying(e: Event) -> bool:
    return e["event"] == "note" and e["step"] == ENDPOINT_STEP and e["message"].startswith("deploying")


KILL_POINTS: dict[str, Callable[[Event], bool]] = {
    "project-started": started("project"),
    "project-create-in-flight": waiting("project"),
    "project-done": done("project"),
    "billing-done": done("billing"),
    "apis-enable-in-flight": waiting("apis"),
    "apis-done": done("apis"),
    "maas-done": done(MAAS_STEP),
    "caller-done": done("caller"),
    "before-deploy-call": deploying,
    "deploy-in-flight": waiting(ENDPOINT_STEP),
    "endpoint-done": done(ENDPOINT_STEP),
    "budget-started": started("budget"),
    "budget-done": done("budget"),
    "outputs-started": started("outputs"),
}


@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
def test_apply_killed_then_resumed_converges_without_duplicates(
    kill_point: str, emulator_env: EmulatorProcess, tmp_path: Path
) -> None:
    emulator_env.configure(lro_scale=0.002)
    spec, env = write_dev_spec(tmp_path), apply_env()

    events, code = apply_until(spec, tmp_path, KILL_POINTS[kill_point], env)
    assert code is None, f"apply ended (exit {code}) before reaching {kill_point}: {events[-3:]}"

    resumed = run_cli("apply", "--spec", str(spec), "--json", cwd=tmp_path, env=env)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-2000:]
    assert any(e["event"] == "step_done" and e["step"] == "outputs" for e in json_events(resumed.stdout))
    with dev_world(emulator_env.url) as world:
        assert_one_of_each(world, [e["name"] for e in DEV["endpoints"]])
        budgets = [b for b in world.budgets() if PROJECT in b["displayName"]]
        assert len(budgets) == 1, budgets
    assert read_outputs(tmp_path / ".provision" / f"{PROJECT}.outputs.json").project == PROJECT
    deploys = [r for r in emulator_env.requests(mutating_only=True) if r["path"].endswith(":deploy")]
    assert len([r for r in deploys if r["status"] == 200]) <= 1, deploys
