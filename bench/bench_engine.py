"""Engine bench on the emulator: apply wall-clock against the critical path of the emulator's LRO latencies,
the second (idempotent) apply, and a fleet of environments applied in parallel.

    .venv/bin/python -m bench engine          (defaults, in the `make bench` table)
    .venv/bin/python -m bench.bench_engine [--spec FILE] [--lro-scale 0.004] [--fleet 50] [--parallel 10]

Critical path: the longest chain through apply's step graph (`step_graph.apply_steps`), each weighted by the
LROs it waits on, each LRO lasting `emulator.operations.BASE_LATENCY_SECONDS[kind] × lro_scale` (the
emulator's completion time; no jitter). The synchronous calls (billing link, EULA, enableModel, IAM, labels)
weigh 0, so every millisecond of client set-up, HTTP and polling delay shows in the ratio. For
examples/dev.yaml: project (project.create 5 s) → billing → apis (service.enable 10 s, one batch) →
endpoint (model_garden.deploy 1500 s) → outputs, i.e. 1515 s × 0.004 = 6.06 s. Applies run in this process
(the CLI adds about a second of Python start-up and imports).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.figures import Figure
from emulator.operations import BASE_LATENCY_SECONDS
from emulator.testing import EmulatorProcess
from provisioning.engine.apply import apply_spec
from provisioning.engine.events import QuietReporter
from provisioning.engine.fleet import apply_fleet
from provisioning.gcp.connection import Connection
from provisioning.spec import EnvironmentSpec, load_spec
from provisioning.step_graph import apply_steps

REPO = Path(__file__).resolve().parents[1]
NAME = "engine"
RATIO_TARGET = 1.15
SECOND_APPLY_TARGET_S = 2.0

# The LRO kinds each apply step waits on (steps are named "<kind>" or "<kind>:<item>").
STEP_LROS = {"project": ["project.create"], "apis": ["service.enable"], "endpoint": ["model_garden.deploy"]}


def critical_path_s(spec: EnvironmentSpec, scale: float) -> float:
    """The longest chain of LRO time through apply's DAG, in seconds at `lro_scale` = scale."""
    finish: dict[str, float] = {}
    for step in apply_steps(spec):  # listed in dependency order
        own = sum(BASE_LATENCY_SECONDS[k] for k in STEP_LROS.get(step.kind, [])) * scale
        finish[step.id] = max((finish[d] for d in step.after), default=0.0) + own
    return max(finish.values())


def fleet_spec(index: int) -> dict[str, Any]:
    return {
        "environment": f"env{index}",
        "owner": "platform-team",
        "region": "us-central1",
        "project": {
            "id": f"acme-fleet-{index:03d}",
            "parent": "organizations/123456789012",
            "billing_account": "012345-6789AB-CDEF01",
        },
        "maas_models": [{"name": "gpt-oss-20b"}],
    }


def bench_apply(emulator: EmulatorProcess, spec: EnvironmentSpec, scale: float, tmp: Path) -> list[Figure]:
    emulator.reset()
    emulator.configure(lro_scale=scale)
    connection = Connection.from_settings(emulator.url)
    state, outputs = tmp / "state.json", tmp / "outputs.json"
    start = time.monotonic()
    first = apply_spec(spec, connection, QuietReporter(), state_path=state, outputs_path=outputs)
    measured = time.monotonic() - start
    critical = critical_path_s(spec, scale)
    before = len(emulator.requests(mutating_only=True))
    start = time.monotonic()
    second = apply_spec(spec, connection, QuietReporter(), state_path=state, outputs_path=outputs)
    again = time.monotonic() - start
    mutations = len(emulator.requests(mutating_only=True)) - before
    ratio = measured / critical
    return [
        Figure(
            NAME,
            "apply ok (first, second)",
            float(first.ok and second.ok),
            "bool",
            "1",
            first.ok and second.ok,
        ),
        Figure(NAME, f"apply {spec.project.id} wall-clock", measured, "s", "-", None),
        Figure(NAME, "critical path of LRO latencies", critical, "s", "-", None),
        Figure(
            NAME, "apply ÷ critical path", ratio, "x", f"≤ {RATIO_TARGET}", first.ok and ratio <= RATIO_TARGET
        ),
        Figure(NAME, "second apply mutating calls", mutations, "calls", "0", second.ok and mutations == 0),
        Figure(
            NAME,
            "second apply (in-process; the CLI adds Python start-up)",
            again,
            "s",
            f"< {SECOND_APPLY_TARGET_S:g}",
            again < SECOND_APPLY_TARGET_S,
        ),
    ]


def bench_fleet(
    emulator: EmulatorProcess, count: int, parallel: int, scale: float, tmp: Path
) -> list[Figure]:
    emulator.reset()
    emulator.configure(lro_scale=scale)
    folder = tmp / "fleet"
    folder.mkdir()
    for index in range(count):
        (folder / f"env{index:03d}.yaml").write_text(yaml.safe_dump(fleet_spec(index)), encoding="utf-8")
    one_env = critical_path_s(load_spec(folder / "env000.yaml"), scale)
    waves = -(-count // parallel)
    cwd = Path.cwd()
    os.chdir(tmp)  # state files go to ./.provision/
    try:
        start = time.monotonic()
        rows = apply_fleet(folder, Connection.from_settings(emulator.url), parallel=parallel, outputs_dir=tmp)
        took = time.monotonic() - start
    finally:
        os.chdir(cwd)
    ok = sum(r.ok for r in rows)
    return [
        Figure(
            NAME, f"fleet {count} envs, --parallel {parallel}: envs ok", ok, "envs", f"{count}", ok == count
        ),
        Figure(NAME, f"fleet {count} envs, --parallel {parallel}", took, "s", "-", None),
        Figure(NAME, "fleet: LRO floor (waves × one env's critical path)", waves * one_env, "s", "-", None),
    ]


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", default=str(REPO / "examples" / "dev.yaml"))
    parser.add_argument("--lro-scale", type=float, default=0.004)
    parser.add_argument("--fleet", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=10)
    args = parser.parse_args(argv if argv is not None else [])
    os.environ.setdefault("HF_TOKEN", "hf_bench_token")
    os.environ["CLOUDSDK_AUTH_ACCESS_TOKEN"] = "bench-token"
    spec = load_spec(args.spec)
    with EmulatorProcess.start() as emulator, tempfile.TemporaryDirectory() as tmp:
        figures = bench_apply(emulator, spec, args.lro_scale, Path(tmp))
        if args.fleet:
            figures += bench_fleet(emulator, args.fleet, args.parallel, args.lro_scale, Path(tmp))
    return figures


if __name__ == "__main__":
    import sys

    for figure in main(sys.argv[1:]):
        print(" | ".join(figure.row()))
