"""What an interrupted apply or a reap leaves behind is finished, not stranded: destroy after an apply killed
mid-deploy waits on the saved deploy and removes what it made (nothing keeps billing); apply after reap
emptied an endpoint deploys again instead of polling the empty endpoint until its deadline."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import (
    EXAMPLES,
    endpoints,
    events,
    google,
    provision,
    provision_process,
    wait_for_saved_operation,
)

PROJECT = "acme-genai-dev"
DEV = str(EXAMPLES / "dev.yaml")
SLOW_DEPLOY = 0.003  # the 25-minute Model Garden deploy takes 4.5 s; project and APIs a few hundredths


def _models(emulator: EmulatorProcess) -> list[str]:
    listed = google(emulator, "GET", f"/v1/projects/{PROJECT}/locations/us-central1/models")
    return [m["name"] for m in listed.get("models", [])]


def test_destroy_after_apply_killed_mid_deploy_leaves_nothing_deployed(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    engine_env.configure(lro_scale=SLOW_DEPLOY)
    state_file = tmp_path / ".provision" / f"{PROJECT}.state.json"
    child = provision_process(tmp_path, "apply", "--spec", DEV, "--json")
    try:
        operation = wait_for_saved_operation(state_file, "endpoint:llama-8b-vllm")
        child.kill()  # SIGKILL during the deploy
        child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=30)
    assert google(engine_env, "GET", f"/v1beta1/{operation}").get("done") is not True, "deploy already done"

    destroyed = provision("destroy", "--spec", DEV, "--json", "--yes")

    assert destroyed.exit_code == 0, destroyed.output
    assert f"waiting on {operation}" in destroyed.output
    assert google(engine_env, "GET", f"/v1beta1/{operation}").get("done") is True
    assert endpoints(engine_env, PROJECT) == []
    assert _models(engine_env) == []
    assert json.loads(state_file.read_text())["operations"] == {}


def test_apply_after_reap_deploys_again_instead_of_waiting_out_its_deadline(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0
    (endpoint,) = endpoints(engine_env, PROJECT)
    labels = {**endpoint["labels"], "expires-at": "20200101t000000z"}
    google(engine_env, "PATCH", f"/v1/{endpoint['name']}", {"labels": labels}, updateMask="labels")
    assert provision("reap", "--spec", DEV, "--json", "--yes").exit_code == 0
    assert "deployedModels" not in endpoints(engine_env, PROJECT)[0]

    again = provision("apply", "--spec", DEV, "--deadline", "30", "--json")

    assert again.exit_code == 0, again.output
    (after,) = endpoints(engine_env, PROJECT)
    assert len(after["deployedModels"]) == 1
    assert after["labels"]["expires-at"] > "20200101t000000z"  # a new lifetime, or reap takes it at once
    assert len(_models(engine_env)) == 1  # the reaped deployment's model did not stay behind
    (done,) = [e for e in events(again.stdout) if e["event"] == "step_done" and e["step"].startswith("endp")]
    assert "redeployed" in done["summary"]
