"""The emulator (with `--state FILE`) is stopped with SIGTERM while a deploy operation is in flight and
restarted on the same port with the same state file: apply, with its retries, or else one re-run, converges
to one project, one endpoint and one deployed model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from emulator.testing import EmulatorProcess
from tests.reliability.support import (
    DEV,
    apply_env,
    assert_one_of_each,
    dev_world,
    run_cli,
    start_apply,
    write_dev_spec,
)

pytestmark = pytest.mark.e2e

ENDPOINT_STEP = f"endpoint:{DEV['endpoints'][0]['name']}"


def test_emulator_restart_during_deploy_converges(tmp_path: Path) -> None:
    state = tmp_path / "emulator.sqlite"
    first = EmulatorProcess.start("--state", str(state))
    second: EmulatorProcess | None = None
    try:
        first.configure(lro_scale=0.002)  # a deploy takes about 3 s
        port = str(urlsplit(first.url).port)
        env = apply_env(PROVISION_API_ENDPOINT=first.url, CLOUDSDK_AUTH_ACCESS_TOKEN="restart-test-token")
        spec = write_dev_spec(tmp_path)
        apply = start_apply(spec, tmp_path, env)
        assert apply.stdout is not None
        restarted = False
        for line in apply.stdout:
            event = json.loads(line) if line.startswith('{"event"') else {}
            waiting = event.get("event") == "note" and "waiting on" in event.get("message", "")
            if not restarted and waiting and event.get("step") == ENDPOINT_STEP:
                first.stop()
                second = EmulatorProcess.start("--state", str(state), "--port", port)
                assert second.url == first.url
                restarted = True
        code = apply.wait(120)
        apply.stdout.close()
        assert restarted, "the deploy never started, so the restart was not exercised"
        if code != 0:  # the outage outlasted the retries: a re-run must pick the saved operation up
            rerun = run_cli("apply", "--spec", str(spec), "--json", cwd=tmp_path, env=env)
            assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-2000:]
        with dev_world(second.url if second else first.url) as world:
            assert_one_of_each(world, [e["name"] for e in DEV["endpoints"]])
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert os.path.exists(state)
