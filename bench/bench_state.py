"""Team-scale bench: what the per-environment lock costs a run, and a fleet of environments split with
`--shard K/N` over several processes against one process, all on shared gs:// state.

    .venv/bin/python -m bench state          (defaults, in the `make bench` table)
    .venv/bin/python -m bench.bench_state [--runs 30] [--fleet 50] [--shards 5] [--lro-scale 0.05]

Lock overhead: taking and releasing the lock (hold_lock's enter and exit: the create-if-absent write, the
heartbeat thread, the release), plus the read-only check of the state location before it, median of `runs`,
for the local flock lock and for the gs:// lock on fake-gcs-server over loopback (real Cloud Storage adds
tens of milliseconds per request). The fleet runs `python -m provisioning apply --spec FOLDER` as child
processes (each pays Python start-up and imports), on specs with no GPU endpoint (bench_engine.fleet_spec),
at lro_scale 0.05: each environment then waits about 0.75 s on its project and API operations, so the run is
bound by waits as real ones are (at 0.004 it is bound by CPU, and on 2 cores 5 processes lose to one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from bench.bench_engine import fleet_spec
from bench.figures import Figure
from emulator.gcs_fake import FakeGcs
from emulator.testing import EmulatorProcess
from provisioning.engine.locking import LockOptions, hold_lock
from provisioning.engine.state import open_backend

NAME = "state"


def lock_overhead_ms(location: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        backend = open_backend(location, "acme-bench-env")
        backend.check()
        with hold_lock(backend, LockOptions(timeout_s=0, command="bench")):
            pass
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run_fleet(folder: Path, state: str, shards: int, cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall-clock of `shards` concurrent processes (1 = one process, no --shard) and how many failed."""
    base = [sys.executable, "-m", "provisioning", "apply", "--spec", str(folder), "--state", state]
    commands = [base] if shards == 1 else [[*base, "--shard", f"{k}/{shards}"] for k in range(1, shards + 1)]
    start = time.monotonic()
    processes = [
        subprocess.Popen(c, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for c in commands
    ]
    failed = sum(p.wait(timeout=1800) != 0 for p in processes)
    return time.monotonic() - start, failed


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--fleet", type=int, default=50)
    parser.add_argument("--shards", type=int, default=5)
    parser.add_argument("--lro-scale", type=float, default=0.05)
    args = parser.parse_args(argv if argv is not None else [])
    figures = []
    fake = FakeGcs.start()
    saved = os.environ.get("STORAGE_EMULATOR_HOST")
    os.environ["STORAGE_EMULATOR_HOST"] = fake.url
    try:
        with EmulatorProcess.start() as emulator, tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            local = lock_overhead_ms(str(work / "lock-bench.state.json"), args.runs)
            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            fake.create_bucket(bucket)
            shared = lock_overhead_ms(f"gs://{bucket}/lock-bench", args.runs)
            figures += [
                Figure(NAME, "lock take + release per run, local (flock)", local, "ms", "-", None),
                Figure(
                    NAME, "lock take + release per run, gs:// (fake-gcs, loopback)", shared, "ms", "-", None
                ),
            ]
            folder = work / "fleet"
            folder.mkdir()
            for index in range(args.fleet):
                (folder / f"env{index:03d}.yaml").write_text(
                    yaml.safe_dump(fleet_spec(index)), encoding="utf-8"
                )
            env = {
                **os.environ,
                "PROVISION_API_ENDPOINT": emulator.url,
                "CLOUDSDK_AUTH_ACCESS_TOKEN": "bench-token",
            }
            for shards in (1, args.shards):
                emulator.reset()
                emulator.configure(lro_scale=args.lro_scale)
                prefix = f"gs://{bucket}/fleet-{shards}"
                cwd = work / f"run-{shards}"
                cwd.mkdir()
                took, failed = run_fleet(folder, prefix, shards, cwd, env)
                label = "1 process" if shards == 1 else f"--shard K/{shards} in {shards} processes"
                figures += [
                    Figure(NAME, f"fleet {args.fleet} envs, {label}", took, "s", "-", None),
                    Figure(
                        NAME,
                        f"fleet {args.fleet} envs, {label}: failed",
                        failed,
                        "processes",
                        "0",
                        failed == 0,
                    ),
                ]
    finally:
        fake.stop()
        if saved is None:
            os.environ.pop("STORAGE_EMULATOR_HOST", None)
        else:
            os.environ["STORAGE_EMULATOR_HOST"] = saved
    return figures


if __name__ == "__main__":
    for figure in main(sys.argv[1:]):
        print(" | ".join(figure.row()))
