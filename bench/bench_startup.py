"""Start-up of the `provision` CLI as whole processes against the emulator, beside `gcloud --version`.

Targets (issue 13): `--version` and `validate` finish in under 0.3 s; `doctor` and `plan` send their first
API call within 1 s of the process starting; `apply` prints its first line within 1 s. Time to the first API
call is the emulator's request-log timestamp of the first request minus the wall-clock time just before the
process was started; time to the first line is read on the process's stdout. Each figure is the median of RUNS
runs after a warm-up (a cold first run mostly measures the disk cache). Whole-process wall time on a shared
machine: other work inflates these figures. Run: .venv/bin/python bench/bench_startup.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.figures import Figure  # noqa: E402
from emulator.testing import EmulatorProcess  # noqa: E402

RUNS = 5
SPEC = str(REPO / "examples" / "dev.yaml")
PROVISION = [sys.executable, "-m", "provisioning"]


def _median(run: Callable[[], float]) -> float:
    run()  # warm-up
    return statistics.median(run() for _ in range(RUNS))


def whole_process(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=REPO, capture_output=True, check=False)
    return time.perf_counter() - start


def to_first_api_call(emulator: EmulatorProcess, command: list[str], env: dict[str, str]) -> float:
    emulator.reset()
    start = time.time()
    subprocess.run(command, env=env, cwd=REPO, capture_output=True, check=False)
    times = [entry["time"] for entry in emulator.requests()]
    if not times:
        raise RuntimeError(f"{' '.join(command[2:])} sent no API call")
    return min(times) - start


def to_first_line(emulator: EmulatorProcess, command: list[str], env: dict[str, str]) -> float:
    emulator.reset()
    with tempfile.TemporaryDirectory() as folder:  # apply's state and outputs: not in the repository
        start = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        return _first_line_time(process, start, command)


def _first_line_time(process: subprocess.Popen[str], start: float, command: list[str]) -> float:
    assert process.stdout is not None
    first = process.stdout.readline()
    elapsed = time.perf_counter() - start
    rest, _ = process.communicate()
    if process.returncode != 0:  # a first line that is an error message is not the figure we are after
        raise RuntimeError(f"{' '.join(command[2:])} exited {process.returncode}: {first}{rest}")
    return elapsed


def main() -> list[Figure]:
    figures: list[Figure] = []
    with EmulatorProcess.start() as emulator:
        env = dict(
            os.environ,
            PROVISION_API_ENDPOINT=emulator.url,
            CLOUDSDK_AUTH_ACCESS_TOKEN="bench-token",
            HF_TOKEN="hf_bench_token_for_the_emulator",  # dev.yaml's gated weights: apply refuses without it
        )
        cases: list[tuple[str, Callable[[], float], float | None]] = [
            ("--version: whole process", lambda: whole_process([*PROVISION, "--version"], env), 0.3),
            (
                "validate dev.yaml: whole process",
                lambda: whole_process([*PROVISION, "validate", "--spec", SPEC], env),
                0.3,
            ),
            (
                "doctor dev.yaml: to first API call",
                lambda: to_first_api_call(emulator, [*PROVISION, "doctor", "--spec", SPEC], env),
                1.0,
            ),
            (
                "plan dev.yaml: to first API call",
                lambda: to_first_api_call(emulator, [*PROVISION, "plan", "--spec", SPEC], env),
                1.0,
            ),
            (
                "apply dev.yaml: to first stdout line",
                lambda: to_first_line(emulator, [*PROVISION, "apply", "--spec", SPEC], env),
                1.0,
            ),
            (
                "doctor dev.yaml: whole process",
                lambda: whole_process([*PROVISION, "doctor", "--spec", SPEC], env),
                None,
            ),
        ]
        for name, run, target in cases:
            value = _median(run)
            judged = None if target is None else value < target
            wanted = "-" if target is None else f"< {target}"
            print(f"{name}: median {value:.3f} s over {RUNS} runs (target {wanted} s)")
            figures.append(Figure("startup", f"{name}, median of {RUNS}", value, "s", wanted, judged))
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        print("gcloud --version: not measured, gcloud is not installed on this machine")
    else:
        value = _median(lambda: whole_process([gcloud, "--version"], dict(os.environ)))
        print(f"gcloud --version (for comparison): median {value:.3f} s over {RUNS} runs")
        name = f"gcloud --version (for comparison), median of {RUNS}"
        figures.append(Figure("startup", name, value, "s", "-", None))
    return figures


if __name__ == "__main__":
    main()
