"""Control-plane reads on loopback: 1,000 GETs on an idle emulator, then 1,000 while 200 chat streams are in
flight (issue 3's load; the streams' own figures are bench/bench_chat.py's).

The client is light: one keep-alive connection over raw asyncio sockets, every request prepared before the
clock starts. A read's added latency is its whole round trip (no delay is configured for reads). Each scenario
runs ROUNDS times; the figure is the median of the rounds, and every round is printed.
Targets (issue 3): p50 < 5 ms, p99 < 25 ms.  Run: .venv/bin/python -m bench emulator
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.bench_chat import PROJECT, RAMP_S, STREAMS, TOKEN, percentile, run, run_load, start_emulator
from bench.figures import Figure

NAME = "control_plane"
READS = 1000
ROUNDS = 3
TARGET_P50_MS = 5.0
TARGET_P99_MS = 25.0
READ_PATHS = [
    f"/v3/projects/{PROJECT}",
    f"/v1/projects/{PROJECT}/billingInfo",
    f"/v1/projects/{PROJECT}/services/aiplatform.googleapis.com",
    "/v1/billingAccounts",
]


async def reads(port: int) -> list[float]:
    """Milliseconds per GET, READS of them one after another on one keep-alive connection."""
    prepared = [
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode()
        for path in READ_PATHS
    ]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    timings = []
    for index in range(READS):
        started = time.perf_counter()
        writer.write(prepared[index % len(prepared)])
        status = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        timings.append((time.perf_counter() - started) * 1000)
        if b" 200 " not in status:
            raise RuntimeError(f"read failed: {status!r}")
    writer.close()
    return timings


async def reads_under_streams(port: int) -> list[float]:
    streams = asyncio.ensure_future(run_load(port, RAMP_S))
    timings = await reads(port)
    await streams
    return timings


def figures_for(scenario: str, rounds: list[list[float]]) -> list[Figure]:
    figures = []
    for label, q, limit in (("p50", 0.5, TARGET_P50_MS), ("p99", 0.99, TARGET_P99_MS)):
        value = statistics.median(percentile(timings, q) for timings in rounds)
        name = f"{READS} reads {scenario}, {label} (median of {len(rounds)})"
        figures.append(Figure(NAME, name, value, "ms", f"< {limit:g}", value < limit))
    return figures


def main() -> list[Figure]:
    emulator = start_emulator()
    try:
        port = int(urlsplit(emulator.url).port or 80)
        run(reads(port))  # warm-up (first discovery parse, caches)
        scenarios = {"idle": reads, f"during {STREAMS} chat streams": reads_under_streams}
        results: dict[str, list[list[float]]] = {}
        for scenario, scenario_load in scenarios.items():
            results[scenario] = []
            for _ in range(ROUNDS):
                load = Path("/proc/loadavg").read_text().split()[0]
                timings = run(scenario_load(port))
                results[scenario].append(timings)
                print(
                    f"reads {scenario} (loadavg {load}): p50 {percentile(timings, 0.5):.2f} ms  "
                    f"p99 {percentile(timings, 0.99):.2f} ms",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        emulator.stop()
    figures = [figure for scenario, rounds in results.items() for figure in figures_for(scenario, rounds)]
    for figure in figures:
        print(" | ".join(figure.row()))
    return figures


if __name__ == "__main__":
    main()
