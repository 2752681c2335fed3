"""A spec that moved on from what is deployed: replica bounds are reconciled in place (mutateDeployedModel,
resumable, then nothing), a new machine / model / framework is planned as `replace` and stops apply."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, endpoints, google, mutating, provision, provision_process

PROJECT = "acme-genai-dev"
STEP = "endpoint:llama-8b-vllm"


def _spec(tmp_path: Path, **endpoint_changes: Any) -> str:
    """examples/dev.yaml with its one endpoint changed."""
    data = yaml.safe_load((EXAMPLES / "dev.yaml").read_text())
    data["endpoints"][0].update(endpoint_changes)
    path = tmp_path / f"dev-{len(list(tmp_path.glob('dev-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _plan_step(spec: str) -> dict[str, Any]:
    result = provision("plan", "--spec", spec, "--json")
    assert result.exit_code == 0, result.output
    return next(s for s in json.loads(result.output)["steps"] if s["id"] == STEP)


def _resources(emulator: EmulatorProcess) -> dict[str, Any]:
    (endpoint,) = endpoints(emulator, PROJECT)
    (deployed,) = endpoint["deployedModels"]
    return dict(deployed["dedicatedResources"])


def test_changed_replicas_plan_update_and_apply_reconciles_once(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    assert provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--json").exit_code == 0
    assert _plan_step(str(EXAMPLES / "dev.yaml"))["action"] == "no-op"
    spec = _spec(tmp_path, min_replicas=2, max_replicas=3)

    step = _plan_step(spec)
    assert step["action"] == "update"
    assert "min_replicas 1 → 2" in step["detail"] and "max_replicas 2 → 3" in step["detail"]

    before = len(mutating(engine_env))
    result = provision("apply", "--spec", spec, "--json")
    assert result.exit_code == 0, result.output
    calls = mutating(engine_env)[before:]
    assert len([c for c in calls if ":mutateDeployedModel" in c]) == 1
    assert not [c for c in calls if ":deploy" in c or ":undeploy" in c]
    resources = _resources(engine_env)
    assert (resources["minReplicaCount"], resources["maxReplicaCount"]) == (2, 3)
    assert _plan_step(spec)["action"] == "no-op"

    settled = len(mutating(engine_env))
    again = provision("apply", "--spec", spec, "--json")
    assert again.exit_code == 0, again.output
    assert mutating(engine_env)[settled:] == []


def test_replica_change_killed_mid_operation_resumes_it(engine_env: EmulatorProcess, tmp_path: Path) -> None:
    assert provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--json").exit_code == 0
    spec = _spec(tmp_path, min_replicas=2, max_replicas=3)
    engine_env.configure(lro_scale=2.0)  # the 5 s mutation takes 10 s
    state_file = tmp_path / ".provision" / f"{PROJECT}.state.json"
    child = provision_process(tmp_path, "apply", "--spec", spec, "--json")
    try:
        deadline = time.monotonic() + 60
        saved = None
        while saved is None and time.monotonic() < deadline:
            saved = json.loads(state_file.read_text())["operations"].get("replicas:llama-8b-vllm")
            time.sleep(0.05)
        assert saved is not None, "the replica change was never saved"
    finally:
        child.kill()
        child.communicate(timeout=30)
    assert google(engine_env, "GET", f"/v1/{saved['name']}").get("done") is not True
    engine_env.configure(lro_scale=0.0005)

    resumed = provision("apply", "--spec", spec, "--json")

    assert resumed.exit_code == 0, resumed.output
    assert f"waiting on {saved['name']}" in resumed.output
    assert len([c for c in mutating(engine_env) if ":mutateDeployedModel" in c]) == 1
    resources = _resources(engine_env)
    assert (resources["minReplicaCount"], resources["maxReplicaCount"]) == (2, 3)


def test_new_machine_or_framework_plans_replace_and_apply_stops(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    assert provision("apply", "--spec", str(EXAMPLES / "dev.yaml"), "--json").exit_code == 0
    deployed_before = endpoints(engine_env, PROJECT)
    bigger = _spec(tmp_path, machine_type="g2-standard-24", accelerator_type="NVIDIA_L4", accelerator_count=2)
    tgi = _spec(tmp_path, framework="tgi")

    step = _plan_step(bigger)
    assert step["action"] == "replace"
    assert "machine_type g2-standard-12 → g2-standard-24" in step["detail"]
    assert "accelerator_count 1 → 2" in step["detail"]
    assert "framework vllm → tgi" in _plan_step(tgi)["detail"]

    for spec, reason in [
        (bigger, "machine_type g2-standard-12 → g2-standard-24"),
        (tgi, "framework vllm → tgi"),
    ]:
        before = len(mutating(engine_env))
        result = provision("apply", "--spec", spec, "--json")
        assert result.exit_code == 1, result.output
        (failed,) = [json.loads(line) for line in result.stdout.splitlines() if '"step_failed"' in line]
        assert failed["step"] == STEP and reason in failed["what"]
        assert "provision destroy" in failed["fix"]
        assert not [c for c in mutating(engine_env)[before:] if "endpoints" in c or "models" in c]
    assert endpoints(engine_env, PROJECT) == deployed_before  # the serving endpoint was left as it was


def test_an_emptied_endpoint_is_planned_as_what_apply_then_does(engine_env: EmulatorProcess) -> None:
    """The model of an applied endpoint was undeployed (by hand; reap does the same): the endpoint serves
    nothing, and apply deletes it and its model, then deploys afresh. plan, run first on the same emulator
    state, says exactly that, not "deploy into the existing endpoint"."""
    spec = str(EXAMPLES / "dev.yaml")
    assert provision("apply", "--spec", spec, "--json").exit_code == 0
    (endpoint,) = endpoints(engine_env, PROJECT)
    (deployed,) = endpoint["deployedModels"]
    undeploy = {"deployedModelId": deployed["id"]}
    operation = google(engine_env, "POST", f"/v1/{endpoint['name']}:undeployModel", undeploy)
    while not google(engine_env, "GET", f"/v1/{operation['name']}")["done"]:
        time.sleep(0.05)

    step = _plan_step(spec)
    before = len(mutating(engine_env))
    result = provision("apply", "--spec", spec, "--json")
    calls = mutating(engine_env)[before:]

    assert result.exit_code == 0, result.output
    assert f"DELETE /v1/{endpoint['name']}" in calls and f"DELETE /v1/{deployed['model']}" in calls
    assert [c for c in calls if c.endswith(":deploy")] and not [c for c in calls if ":deployModel" in c]
    assert step["action"] == "recreate", step
    assert f"delete {endpoint['name']} and its model" in step["detail"]
    assert "then create a dedicated endpoint and deploy" in step["detail"]
    assert len(endpoints(engine_env, PROJECT)[0]["deployedModels"]) == 1
    assert _plan_step(spec)["action"] == "no-op"
