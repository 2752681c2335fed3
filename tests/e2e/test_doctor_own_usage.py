"""doctor and plan on a finished environment: the GPUs its own endpoints hold are in the quota usage already;
counting them again against the limit would call a no-op apply blocked."""

from __future__ import annotations

import json

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, clear_requests, mutating, provision

DEV = str(EXAMPLES / "dev.yaml")
L4_QUOTA = "CustomModelServingL4GPUsPerProjectPerRegion"
L4_METRIC = "aiplatform.googleapis.com/custom_model_serving_nvidia_l4_gpus"


def test_a_finished_environment_at_its_l4_limit_passes_doctor_and_plan(engine_env: EmulatorProcess) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0  # holds 1 L4 (1 replica × 1 GPU)
    engine_env.seed(
        {
            "quotas": [
                {
                    "name": L4_QUOTA,
                    "service": "aiplatform.googleapis.com",
                    "metric": L4_METRIC,
                    "limits": {"us-central1": 1},
                    "default": 0,
                }
            ]
        }
    )

    doctor = provision("doctor", "--spec", DEV, "--json")
    plan = provision("plan", "--spec", DEV, "--json")
    clear_requests(engine_env)
    again = provision("apply", "--spec", DEV, "--json")

    assert again.exit_code == 0 and mutating(engine_env) == [], "apply is not a no-op here"
    assert doctor.exit_code == 0, doctor.output
    (quota,) = [f for f in json.loads(doctor.stdout)["findings"] if f["id"] == "quota:us-central1:NVIDIA_L4"]
    assert quota["status"] == "warn" and "cannot scale to max replicas" in quota["evidence"]
    assert "1 held by this environment's own endpoints" in quota["evidence"]
    assert plan.exit_code == 0, plan.output
    steps = {s["id"]: s for s in json.loads(plan.stdout)["steps"]}
    assert steps["endpoint:llama-8b-vllm"]["action"] == "no-op"
