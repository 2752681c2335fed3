"""Doctor on the reference spec against the emulator: read calls (target ≤ 15) and wall time (target < 3 s).

Two cases: a fresh emulator (the project does not exist yet, so fewer reads) and a project as a previous apply
left it (every read runs: billing info, APIs, quota limit and usage). The read count is the emulator's request
log, not doctor's own tally. Run: .venv/bin/python bench/bench_doctor.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.figures import Figure  # noqa: E402
from emulator.testing import EmulatorProcess  # noqa: E402
from provisioning.doctor import run_doctor  # noqa: E402
from provisioning.gcp.connection import Connection  # noqa: E402
from provisioning.spec import load_spec  # noqa: E402

RUNS = 5
SEEDED_PROJECT = {
    "projects": [
        {
            "projectId": "acme-genai-dev",
            "parent": "organizations/123456789012",
            "labels": {"managed-by": "provision", "environment": "dev"},
            "billingAccountName": "billingAccounts/012345-6789AB-CDEF01",
            "enabledServices": [
                "aiplatform.googleapis.com",
                "iam.googleapis.com",
                "cloudresourcemanager.googleapis.com",
                "cloudcommerceconsumerprocurement.googleapis.com",
                "billingbudgets.googleapis.com",
                "cloudquotas.googleapis.com",
            ],
        }
    ]
}


def measure(emulator: EmulatorProcess, seed: dict[str, object] | None) -> tuple[int, int, list[float]]:
    spec = load_spec(REPO / "examples" / "dev.yaml")
    times: list[float] = []
    reads = mutating = 0
    for _ in range(RUNS):
        emulator.reset()
        if seed:
            emulator.seed(seed)
        before = len(emulator.requests())
        start = time.perf_counter()
        run_doctor(spec, Connection.from_settings())
        times.append(time.perf_counter() - start)
        reads = len(emulator.requests()) - before
        mutating = len(emulator.requests(mutating_only=True))
    return reads, mutating, times


def main() -> list[Figure]:
    figures: list[Figure] = []
    with EmulatorProcess.start() as emulator:
        os.environ["PROVISION_API_ENDPOINT"] = emulator.url
        os.environ["CLOUDSDK_AUTH_ACCESS_TOKEN"] = "bench-token"
        for label, seed in (("project absent", None), ("existing project", SEEDED_PROJECT)):
            reads, mutating, times = measure(emulator, seed)
            print(
                f"doctor, reference spec, {label}: {reads} read calls (target <= 15), {mutating} mutating; "
                f"wall time median {statistics.median(times):.3f} s, max {max(times):.3f} s over {RUNS} runs "
                "(target < 3 s)"
            )
            figures += [
                Figure("doctor", f"dev.yaml, {label}: read calls", reads, "calls", "<= 15", reads <= 15),
                Figure("doctor", f"dev.yaml, {label}: mutating calls", mutating, "calls", "0", mutating == 0),
                Figure(
                    "doctor",
                    f"dev.yaml, {label}: wall time, max of {RUNS}",
                    max(times),
                    "s",
                    "< 3",
                    max(times) < 3,
                ),
            ]
    return figures


if __name__ == "__main__":
    main()
