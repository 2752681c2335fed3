"""An apply killed (SIGKILL) while the Model Garden deploy runs resumes waiting on the same operation."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import (
    EXAMPLES,
    endpoints,
    google,
    provision,
    provision_process,
    wait_for_saved_operation,
)

DEPLOY_KEY = "endpoint:llama-8b-vllm"
SLOW_DEPLOY = 0.002  # the 25-minute deploy takes 3 s; project and APIs take a few hundredths


def test_killed_during_deploy_resumes_the_same_operation(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    engine_env.configure(lro_scale=SLOW_DEPLOY)
    spec = str(EXAMPLES / "dev.yaml")
    state_file = tmp_path / ".provision" / "acme-genai-dev.state.json"
    child = provision_process(tmp_path, "apply", "--spec", spec, "--json")
    try:
        operation = wait_for_saved_operation(state_file, DEPLOY_KEY)
        child.kill()  # SIGKILL: no cleanup runs
        child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=30)
    status = google(engine_env, "GET", f"/v1beta1/{operation}")
    assert status.get("done") is not True, "the deploy finished before the kill; the test proved nothing"

    resumed = provision("apply", "--spec", spec, "--outputs", "out.json", "--json")

    assert resumed.exit_code == 0, resumed.output
    assert f"waiting on {operation}" in resumed.output
    log = engine_env.requests()
    deploys = [r for r in log if r["method"] == "POST" and r["path"].endswith(":deploy")]
    assert len(deploys) == 1
    creates = [r for r in log if r["method"] == "POST" and r["path"] == "/v3/projects" and r["status"] == 200]
    assert len(creates) == 1
    found = endpoints(engine_env, "acme-genai-dev")
    assert len(found) == 1 and len(found[0]["deployedModels"]) == 1
    model = found[0]["deployedModels"][0]["model"]
    assert google(engine_env, "GET", f"/v1/{model}")["name"] == model  # one :deploy made this one model
    assert json.loads(state_file.read_text())["operations"] == {}


def test_a_wait_past_its_deadline_fails_naming_step_and_operation_and_resumes(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    engine_env.configure(lro_scale=0.6)  # the project's creation (5 s in production) takes 3 s
    spec = str(EXAMPLES / "dev.yaml")
    state_file = tmp_path / ".provision" / "acme-genai-dev.state.json"

    timed_out = provision("apply", "--spec", spec, "--deadline", "0.5")

    assert timed_out.exit_code == 1, timed_out.output
    operation = json.loads(state_file.read_text())["operations"]["project"]["name"]
    message = " ".join(timed_out.output.split())
    assert (
        f"error in step project: create project acme-genai-dev: operation {operation} not done after 0.5s"
        in (message)
    )
    assert "re-run the same command" in message
    engine_env.configure(lro_scale=0.0005)  # later operations are fast; the project's keeps its due time

    resumed = provision("apply", "--spec", spec, "--json")

    assert resumed.exit_code == 0, resumed.output
    assert f"waiting on {operation}" in resumed.output
    creates = [r for r in engine_env.requests() if r["method"] == "POST" and r["path"] == "/v3/projects"]
    assert len(creates) == 1


def test_a_deadline_that_is_not_positive_is_bad_input(engine_env: EmulatorProcess) -> None:
    for value in ("0", "-5", "nan"):
        result = provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--deadline", value)
        assert result.exit_code == 2, result.output
        assert "--deadline" in result.output and "positive number of seconds" in result.output
    assert engine_env.requests() == []
