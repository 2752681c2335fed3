"""Under seeded transient faults (429, 503, dropped connections) on every Google route, `provision apply`
converges to exactly one project, endpoint and deployed model, and `provision smoke` then passes with a
lower rate of faults (5% 429) on the chat route itself. bench/bench_reliability.py runs 50 seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.testing import CHAT_ROUTE, EmulatorProcess, fault_rules
from tests.reliability.support import (
    DEV,
    PROJECT,
    apply_env,
    assert_one_of_each,
    dev_world,
    run_cli,
    write_dev_spec,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("seed", [11, 23, 37, 41, 59])
def test_apply_converges_under_faults_then_smoke_passes(
    seed: int, emulator_env: EmulatorProcess, tmp_path: Path
) -> None:
    emulator_env.set_faults(fault_rules(seed))
    spec = write_dev_spec(tmp_path)

    applied = run_cli("apply", "--spec", str(spec), "--json", cwd=tmp_path, env=apply_env())

    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
    log = emulator_env.requests()
    assert any(r["status"] in (0, 429, 503) for r in log), "no fault fired: this run proved nothing"
    emulator_env.set_faults([{"route": CHAT_ROUTE, "kind": "429", "fraction": 0.05, "seed": seed}])
    with dev_world(emulator_env.url) as world:
        assert_one_of_each(world, [e["name"] for e in DEV["endpoints"]])
    outputs = tmp_path / ".provision" / f"{PROJECT}.outputs.json"
    smoke = run_cli("smoke", "--outputs", str(outputs), "--max-retries", "4", cwd=tmp_path)
    assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-2000:]
