"""Engine bench on the emulator: apply wall-clock vs the critical path of the configured LRO latencies, the
second (idempotent) apply, and a fleet of environments.

    .venv/bin/python bench/bench_engine.py [--spec FILE] [--lro-scale 0.002] [--fleet 50] [--parallel 10]

Critical path = project.create + service.enable (+ model_garden.deploy when the spec has endpoints), each
× lro_scale, from emulator.operations.BASE_LATENCY_SECONDS.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml

from emulator.operations import BASE_LATENCY_SECONDS
from emulator.testing import EmulatorProcess
from provisioning.engine.apply import apply_spec
from provisioning.engine.events import QuietReporter
from provisioning.engine.fleet import apply_fleet
from provisioning.gcp.connection import Connection
from provisioning.spec import load_spec

REPO = Path(__file__).resolve().parents[1]


def critical_path_s(has_endpoints: bool, scale: float) -> float:
    tail = BASE_LATENCY_SECONDS["model_garden.deploy"] if has_endpoints else 0.0
    return (BASE_LATENCY_SECONDS["project.create"] + BASE_LATENCY_SECONDS["service.enable"] + tail) * scale


def fleet_specs(folder: Path, count: int) -> None:
    for index in range(count):
        spec = {
            "environment": f"env{index}",
            "owner": "platform-team",
            "region": "us-central1",
            "project": {
                "id": f"acme-fleet-{index:03d}",
                "parent": "organizations/123456789012",
                "billing_account": "012345-6789AB-CDEF01",
            },
        }
        (folder / f"env{index:03d}.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", default=str(REPO / "examples" / "dev.yaml"))
    parser.add_argument("--lro-scale", type=float, default=0.002)
    parser.add_argument("--fleet", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("HF_TOKEN", "hf_bench_token")
    os.environ["CLOUDSDK_AUTH_ACCESS_TOKEN"] = "bench-token"
    spec = load_spec(args.spec)
    with EmulatorProcess.start() as emulator, tempfile.TemporaryDirectory() as tmp:
        emulator.configure(lro_scale=args.lro_scale)
        connection = Connection.from_settings(emulator.url)
        state, outputs = Path(tmp) / "state.json", Path(tmp) / "outputs.json"
        start = time.monotonic()
        first = apply_spec(spec, connection, QuietReporter(), state_path=state, outputs_path=outputs)
        measured = time.monotonic() - start
        critical = critical_path_s(bool(spec.endpoints), args.lro_scale)
        print(
            f"apply {spec.project.id}: ok={first.ok} measured={measured:.2f}s "
            f"critical_path={critical:.2f}s measured/critical={measured / critical:.2f}"
        )
        for step, error in first.dag.errors.items():
            print(f"  failed step {step}: {error.what}")
        before = len(emulator.requests(mutating_only=True))
        start = time.monotonic()
        second = apply_spec(spec, connection, QuietReporter(), state_path=state, outputs_path=outputs)
        again = time.monotonic() - start
        mutations = len(emulator.requests(mutating_only=True)) - before
        print(f"second apply: ok={second.ok} {again:.2f}s mutating_calls={mutations}")
        if args.fleet:
            folder = Path(tmp) / "envs"
            folder.mkdir()
            fleet_specs(folder, args.fleet)
            os.chdir(tmp)
            start = time.monotonic()
            rows = apply_fleet(folder, connection, parallel=args.parallel)
            took = time.monotonic() - start
            print(
                f"fleet: {sum(r.ok for r in rows)}/{len(rows)} environments ok, parallel={args.parallel}, "
                f"{took:.2f}s (one environment's critical path {critical_path_s(False, args.lro_scale):.2f}s)"
            )
            failed = next((r for r in rows if not r.ok), None)
            if failed:
                print(f"  first failure: {failed.project}: {failed.detail}")


if __name__ == "__main__":
    main()
