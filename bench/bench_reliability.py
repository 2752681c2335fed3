"""Reliability bench: `provision apply` of examples/dev.yaml under seeded transient faults, 50 seeds.

    .venv/bin/python -m bench.bench_reliability [--runs 50] [--lro-scale 0.001]
    .venv/bin/python -m bench bench_reliability

Each run resets the emulator and injects, on every Google route (not the chat route), about 5% dropped
connections, 10% 429 and 10% 503 (emulator/testing.py `fault_rules`, a distinct seed per run), then
applies in-process and counts what exists: converged = apply succeeded with exactly one project, one endpoint
and one deployed model per spec endpoint and no orphan model; duplicates = resources beyond those. Then
`provision smoke` runs in-process on the outputs that apply wrote, with 5% of chat calls answering 429 (as
tests/reliability/test_faults.py does for its 5 seeds); smoke passed = every required check passed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench.figures import Figure
from emulator.testing import CHAT_ROUTE, EmulatorProcess, World, fault_rules
from provisioning.engine.apply import apply_spec
from provisioning.engine.events import QuietReporter
from provisioning.errors import ProvisionError
from provisioning.gcp.connection import Connection
from provisioning.smoke import SmokeRun, run_smoke, targets_from_outputs
from provisioning.spec import EnvironmentSpec, load_spec

DEV_YAML = Path(__file__).resolve().parents[1] / "examples" / "dev.yaml"


def spec_world(url: str, spec: EnvironmentSpec) -> World:
    """The emulator's world as the spec's project sees it."""
    project = spec.project
    return World(
        url,
        project=project.id,
        region=spec.region,
        parent=project.parent or "",
        billing_account=project.billing_account or "",
    )


def extra_resources(world: World, endpoint_names: list[str]) -> int:
    """How many projects, endpoints, deployed models and models exist beyond one per spec item."""
    endpoints = world.endpoints()
    deployed = sum(len(e.get("deployedModels", [])) for e in endpoints)
    wanted = len(endpoint_names)
    return (
        max(0, len(world.projects()) - 1)
        + max(0, len(endpoints) - wanted)
        + max(0, deployed - wanted)
        + max(0, len(world.models()) - wanted)
    )


def smoke_passes(emulator: EmulatorProcess, seed: int, outputs: Path) -> bool:
    """Smoke on apply's outputs with 5% of chat calls answering 429 (the SDK retries them)."""
    if not outputs.exists():
        return False
    emulator.set_faults([{"route": CHAT_ROUTE, "kind": "429", "fraction": 0.05, "seed": seed}])
    try:
        report = run_smoke(SmokeRun(targets=targets_from_outputs(outputs), max_retries=4))
    finally:
        emulator.set_faults([])
    return report.exit_code == 0


def one_run(
    emulator: EmulatorProcess, seed: int, lro_scale: float, work: Path
) -> tuple[bool, int, int, bool]:
    """(converged, duplicates, faults injected, smoke passed) for one seeded run."""
    emulator.reset()
    emulator.configure(lro_scale=lro_scale)
    emulator.set_faults(fault_rules(seed))
    spec = load_spec(DEV_YAML)
    outputs = work / f"{seed}.outputs.json"
    try:
        result = apply_spec(
            spec,
            Connection.from_settings(emulator.url),
            QuietReporter(),
            state_path=work / f"{seed}.state.json",
            outputs_path=outputs,
        )
        ok = result.ok
    except ProvisionError:
        ok = False
    faults = sum(1 for r in emulator.requests() if r["status"] in (0, 429, 503))
    emulator.set_faults([])
    names = [e.name for e in spec.endpoints]
    with spec_world(emulator.url, spec) as world:
        duplicates = extra_resources(world, names)
        endpoints = world.endpoints()
        exact = (
            [p["projectId"] for p in world.projects()] == [spec.project.id]
            and sorted(e["displayName"] for e in endpoints) == sorted(names)
            and duplicates == 0
        )
    return ok and exact, duplicates, faults, ok and smoke_passes(emulator, seed, outputs)


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--lro-scale", type=float, default=0.001)
    args = parser.parse_args(argv if argv is not None else [])
    for endpoint in load_spec(DEV_YAML).endpoints:
        if endpoint.hf_token_env:
            os.environ.setdefault(endpoint.hf_token_env, "hf_bench_fake_token")
    os.environ["CLOUDSDK_AUTH_ACCESS_TOKEN"] = "bench-reliability-token"
    converged = duplicates = faults = smoked = 0
    with EmulatorProcess.start() as emulator, tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.runs + 1):
            ok, extra, fired, smoke_ok = one_run(emulator, 1000 + seed * 7, args.lro_scale, Path(tmp))
            converged += ok
            smoked += smoke_ok
            duplicates += extra
            faults += fired
            print(
                f"seed {1000 + seed * 7}: {'converged' if ok else 'FAILED'}, {extra} duplicates, "
                f"{fired} faults, smoke {'passed' if smoke_ok else 'FAILED'}",
                file=sys.stderr,
            )
    name = "reliability"
    return [
        Figure(
            name,
            f"apply under faults: converged / {args.runs}",
            converged,
            "runs",
            f"= {args.runs}",
            converged == args.runs,
        ),
        Figure(
            name,
            f"smoke after apply: passed / {args.runs}",
            smoked,
            "runs",
            f"= {args.runs}",
            smoked == args.runs,
        ),
        Figure(name, "duplicate resources found", duplicates, "resources", "= 0", duplicates == 0),
        Figure(name, "faults injected (all runs)", faults, "responses", "> 0", faults > 0),
    ]


if __name__ == "__main__":
    for figure in main(sys.argv[1:]):
        print(" | ".join(figure.row()))
