"""apply refuses, before its first call, every spec doctor calls blocking without reading anything: the same
finding (id, evidence, fix) in both, exit 2 from apply with nothing in the emulator's request log."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, clear_requests, provision

DEV = yaml.safe_load((EXAMPLES / "dev.yaml").read_text(encoding="utf-8"))


def _dev_with(endpoint: dict[str, Any], **top: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEV)
    data["endpoints"][0].update(endpoint)
    for key, value in top.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


CASES = {
    # (spec, the doctor finding that blocks it)
    "70b-on-one-l4": (
        _dev_with({"model": "llama-3.3-70b-instruct", "machine_type": "g2-standard-12"}),
        "model-fit:llama-8b-vllm",
    ),
    "tensor-parallel-4-on-1-gpu": (
        _dev_with({"machine_type": "g2-standard-12", "tensor_parallel_size": 4}),
        "model-fit:llama-8b-vllm",
    ),
    "region-lacks-the-gpu": (
        _dev_with({"region": "europe-west1", "machine_type": "a2-ultragpu-1g"}, fallback_regions=[]),
        "gpu-region:llama-8b-vllm",
    ),
    "eula-not-accepted": (_dev_with({"accept_eula": False}), "model:llama-8b-vllm"),
    "gpu-endpoint-without-ttl": (_dev_with({}, ttl=None), "gpu-expires-at:llama-8b-vllm"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_apply_refuses_what_doctor_blocks_before_any_call(
    case: str, engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    data, blocking = CASES[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    clear_requests(engine_env)

    applied = provision("apply", "--spec", str(spec))

    assert applied.exit_code == 2, applied.output
    assert engine_env.requests() == [], "apply sent a request before refusing"
    assert blocking in applied.output and "fix:" in applied.output

    doctor = provision("doctor", "--spec", str(spec), "--json")
    assert doctor.exit_code == 1, doctor.output
    (found,) = [f for f in json.loads(doctor.stdout)["findings"] if f["id"] == blocking]
    assert found["status"] == "fail"
    assert found["evidence"].split(";")[0] in " ".join(applied.output.split())
    assert engine_env.requests(mutating_only=True) == []
