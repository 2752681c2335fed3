"""Region failover of `provision apply` on the emulator: a GPU stockout or no serving quota in the main
region moves the endpoint to the spec's next fallback region, leaving nothing behind; re-apply and destroy
find it there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.testing import EmulatorProcess
from provisioning.outputs import read_outputs
from tests.e2e.engine_support import clear_requests, endpoints, events, google, mutating, provision

PROJECT = "acme-failover-dev"
L4_QUOTA = {
    "name": "CustomModelServingL4GPUsPerProjectPerRegion",
    "service": "aiplatform.googleapis.com",
    "metric": "aiplatform.googleapis.com/custom_model_serving_nvidia_l4_gpus",
    "displayName": "Custom model serving Nvidia L4 GPUs per region",
    "default": 0,
}
REGIONS = ("us-central1", "us-east4", "europe-west4")


def _spec(tmp_path: Path) -> Path:
    spec = {
        "environment": "dev",
        "owner": "platform-team",
        "region": "us-central1",
        "fallback_regions": ["us-east4", "europe-west4"],
        "ttl": "72h",
        "project": {
            "id": PROJECT,
            "parent": "organizations/123456789012",
            "billing_account": "012345-6789AB-CDEF01",
        },
        "endpoints": [
            {
                "name": "llama-8b-vllm",
                "model": "llama-3.1-8b-instruct",
                "framework": "vllm",
                "accept_eula": True,
            }
        ],
        "caller": {"service_account_id": "llm-caller"},
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def _world(emulator: EmulatorProcess, *, quota: dict[str, int], stocked_out: tuple[str, ...] = ()) -> None:
    """L4 serving quota per region, and regions whose L4 capacity is used up (the spec's shape is 1 × L4)."""
    emulator.seed(
        {
            "quotas": [{**L4_QUOTA, "limits": quota}],
            "gpu_capacity": [{"name": f"{region}/NVIDIA_L4", "gpus": 0} for region in stocked_out],
        }
    )


def _apply(spec: Path) -> Any:
    return provision("apply", "--spec", str(spec), "--outputs", "out.json", "--json")


def _served(emulator: EmulatorProcess) -> dict[str, list[dict[str, Any]]]:
    return {region: endpoints(emulator, PROJECT, region) for region in REGIONS}


def _models(emulator: EmulatorProcess, region: str) -> list[dict[str, Any]]:
    return list(
        google(emulator, "GET", f"/v1/projects/{PROJECT}/locations/{region}/models").get("models", [])
    )


@pytest.mark.parametrize(
    ("quota", "stocked_out", "reason"),
    [
        ({"us-central1": 16, "us-east4": 4}, ("us-central1",), "no GPU capacity (stockout)"),
        ({"us-central1": 0, "us-east4": 4}, (), "serving GPU quota exhausted"),
    ],
    ids=["stockout", "no-quota"],
)
def test_apply_fails_over_to_the_next_region_and_leaves_nothing_behind(
    engine_env: EmulatorProcess,
    tmp_path: Path,
    quota: dict[str, int],
    stocked_out: tuple[str, ...],
    reason: str,
) -> None:
    _world(engine_env, quota=quota, stocked_out=stocked_out)
    result = _apply(_spec(tmp_path))
    assert result.exit_code == 0, result.output

    served = _served(engine_env)
    assert served["us-central1"] == [] and served["europe-west4"] == []
    (endpoint,) = served["us-east4"]
    assert len(endpoint["deployedModels"]) == 1
    assert _models(engine_env, "us-central1") == []

    (target,) = read_outputs(tmp_path / "out.json").targets
    endpoint_id = endpoint["name"].rsplit("/", 1)[-1]
    assert target.region == "us-east4"
    assert target.base_url.endswith(f"/locations/us-east4/endpoints/{endpoint_id}")
    done = [
        e
        for e in events(result.output)
        if e.get("step") == "endpoint:llama-8b-vllm" and e["event"] == "step_done"
    ]
    assert f"us-central1: {reason}" in json.dumps(done)

    state = json.loads((tmp_path / ".provision" / f"{PROJECT}.state.json").read_text())
    assert state["endpoints"]["llama-8b-vllm"]["region"] == "us-east4"


def test_reapply_after_failover_changes_nothing_and_destroy_finds_it(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    _world(engine_env, quota={"us-central1": 16, "us-east4": 4}, stocked_out=("us-central1",))
    spec = _spec(tmp_path)
    assert _apply(spec).exit_code == 0
    clear_requests(engine_env)

    again = _apply(spec)
    assert again.exit_code == 0, again.output
    assert mutating(engine_env) == []
    assert read_outputs(tmp_path / "out.json").targets[0].region == "us-east4"

    destroyed = provision("destroy", "--spec", str(spec), "--json", "--yes")
    assert destroyed.exit_code == 0, destroyed.output
    assert _served(engine_env) == {region: [] for region in REGIONS}
    assert _models(engine_env, "us-east4") == []


def test_every_region_out_fails_with_each_region_and_why_and_no_orphans(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    _world(engine_env, quota={"us-central1": 16, "us-east4": 0}, stocked_out=("us-central1",))
    spec = _spec(tmp_path)
    result = _apply(spec)

    assert result.exit_code == 1
    (failed,) = [e for e in events(result.output) if e["event"] == "step_failed"]
    assert failed["step"] == "endpoint:llama-8b-vllm"
    assert "tried us-central1, us-east4, europe-west4" in failed["what"]
    assert "us-central1: no GPU capacity (stockout)" in failed["why"]
    assert "Resources are insufficient in region: us-central1" in failed["why"]
    assert "us-east4: serving GPU quota exhausted" in failed["why"]
    assert "europe-west4: serving GPU quota exhausted" in failed["why"]
    assert _served(engine_env) == {region: [] for region in REGIONS}
    assert all(_models(engine_env, region) == [] for region in REGIONS)

    # capacity comes back: the next apply starts again from the main region
    engine_env.seed({"gpu_capacity": [{"name": "us-central1/NVIDIA_L4", "gpus": 8}]})
    assert _apply(spec).exit_code == 0
    assert len(_served(engine_env)["us-central1"]) == 1


def test_main_region_without_the_gpu_is_skipped_by_the_catalog(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    spec_path = _spec(tmp_path)
    spec = yaml.safe_load(spec_path.read_text())
    spec["endpoints"][0].update(
        machine_type="a3-highgpu-1g", accelerator_type="NVIDIA_H100_80GB", accelerator_count=1
    )
    spec["region"], spec["fallback_regions"] = "europe-west1", ["us-central1"]
    spec_path.write_text(yaml.safe_dump(spec))

    result = _apply(spec_path)

    assert result.exit_code == 0, result.output
    assert "europe-west1: NVIDIA_H100_80GB is not offered" in result.output
    assert len(endpoints(engine_env, PROJECT, "us-central1")) == 1


def test_a_run_killed_while_its_deploy_was_failing_resumes_cleans_up_and_fails_over(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    """The state a SIGKILL leaves after the deploy started in us-central1 (operation saved) and before its
    stockout was handled: the next apply waits on that operation, removes its endpoint, moves on."""
    _world(engine_env, quota={"us-central1": 16, "us-east4": 4}, stocked_out=("us-central1",))
    spec = _spec(tmp_path)
    first = _apply(spec)  # creates the project and everything, ending in us-east4
    assert first.exit_code == 0, first.output
    assert provision("destroy", "--spec", str(spec), "--json", "--yes").exit_code == 0
    started = google(
        engine_env,
        "POST",
        f"/v1beta1/projects/{PROJECT}/locations/us-central1:deploy",
        {
            "publisherModelName": "publishers/meta/models/llama3-1@llama-3.1-8b-instruct",
            "modelConfig": {"acceptEula": True},
            "endpointConfig": {"endpointUserId": "llama-8b-vllm", "endpointDisplayName": "llama-8b-vllm"},
        },
    )
    state_path = tmp_path / ".provision" / f"{PROJECT}.state.json"
    state = json.loads(state_path.read_text())
    state["operations"]["endpoint:llama-8b-vllm"] = {
        "service": "aiplatform",
        "name": started["name"],
        "api_version": "v1beta1",
    }
    state_path.write_text(json.dumps(state))

    resumed = _apply(spec)

    assert resumed.exit_code == 0, resumed.output
    served = _served(engine_env)
    assert served["us-central1"] == [] and len(served["us-east4"]) == 1
    assert _models(engine_env, "us-central1") == []
    deploys = [r for r in engine_env.requests(mutating_only=True) if r["path"].endswith(":deploy")]
    assert [r["path"].split("/")[5] for r in deploys][-1].startswith("us-east4")


def test_doctor_and_plan_after_a_failover_count_the_gpus_where_the_endpoint_is(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    """After a stockout moved the endpoint to us-east4 (L4 limit 1, all of it held by that endpoint), doctor
    judges the L4 quota in us-east4 with those GPUs counted once as the environment's own, not in
    us-central1; with us-central1's limit then cut to 0 nothing is blocked (apply changes nothing), and plan
    finds the endpoint where it is."""
    _world(engine_env, quota={"us-central1": 16, "us-east4": 1}, stocked_out=("us-central1",))
    spec = _spec(tmp_path)
    assert _apply(spec).exit_code == 0
    assert len(_served(engine_env)["us-east4"]) == 1

    def quota_findings() -> tuple[int, dict[str, dict[str, Any]]]:
        doctor = provision("doctor", "--spec", str(spec), "--json")
        found = {f["id"]: f for f in json.loads(doctor.stdout)["findings"] if f["id"].startswith("quota:")}
        return doctor.exit_code, found

    code, found = quota_findings()
    assert code == 0 and list(found) == ["quota:us-east4:NVIDIA_L4"], found
    assert found["quota:us-east4:NVIDIA_L4"]["status"] == "ok"
    assert (
        "limit 1 − usage 1 (1 held by this environment's own endpoints"
        in found["quota:us-east4:NVIDIA_L4"]["evidence"]
    )

    _world(engine_env, quota={"us-central1": 0, "us-east4": 1})
    code, found = quota_findings()
    assert code == 0 and [f["status"] for f in found.values()] == ["ok"], found
    plan = provision("plan", "--spec", str(spec), "--json")
    assert plan.exit_code == 0, plan.output
    step = {s["id"]: s for s in json.loads(plan.stdout)["steps"]}["endpoint:llama-8b-vllm"]
    assert step["action"] == "no-op" and "/locations/us-east4/" in step["detail"], step
    clear_requests(engine_env)
    assert _apply(spec).exit_code == 0 and mutating(engine_env) == []
