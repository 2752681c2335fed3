"""Emulator overhead on loopback: 1,000 control-plane reads and 200 concurrent streaming chat requests.

Chat delays are set to 0, so each figure is what the emulator itself adds per request (HTTP on loopback,
routing, auth, store, JSON). Prints p50/p99 per request and the emulator process's peak RSS (VmHWM).
Targets: p50 < 5 ms, p99 < 25 ms, RSS < 200 MB.  Run: .venv/bin/python bench/bench_emulator.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import httpx

from emulator.testing import EmulatorProcess

AUTH = {"Authorization": "Bearer bench-token"}
PROJECT = "bench-proj-1"
READS = 1000
STREAMS = 200
SEED = {
    "projects": [
        {
            "projectId": PROJECT,
            "billingAccountName": "billingAccounts/012345-6789AB-CDEF01",
            "enabledServices": ["aiplatform.googleapis.com"],
        }
    ]
}
READ_PATHS = [
    f"/v3/projects/{PROJECT}",
    f"/v1/projects/{PROJECT}/billingInfo",
    f"/v1/projects/{PROJECT}/services/aiplatform.googleapis.com",
    "/v1/billingAccounts",
]
CHAT_PATH = f"/v1/projects/{PROJECT}/locations/us-central1/endpoints/openapi/chat/completions"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def control_plane_reads(url: str) -> list[float]:
    timings = []
    with httpx.Client(base_url=url, headers=AUTH) as client:
        for index in range(READS):
            started = time.perf_counter()
            reply = client.get(READ_PATHS[index % len(READ_PATHS)])
            timings.append((time.perf_counter() - started) * 1000)
            reply.raise_for_status()
    return timings


async def one_stream(client: httpx.AsyncClient) -> tuple[float, float]:
    body = {
        "model": "openai/gpt-oss-20b-maas",
        "messages": [{"role": "user", "content": "Say hello."}],
        "stream": True,
        "max_tokens": 16,
    }
    started = time.perf_counter()
    first = None
    async with client.stream("POST", CHAT_PATH, json=body) as reply:
        reply.raise_for_status()
        async for _ in reply.aiter_bytes():
            if first is None:
                first = time.perf_counter()
    done = time.perf_counter()
    return ((first or done) - started) * 1000, (done - started) * 1000


async def sequential_streams(url: str) -> list[tuple[float, float]]:
    async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=60) as client:
        return [await one_stream(client) for _ in range(100)]


async def concurrent_streams(url: str) -> list[tuple[float, float]]:
    limits = httpx.Limits(max_connections=STREAMS)
    async with httpx.AsyncClient(base_url=url, headers=AUTH, limits=limits, timeout=60) as client:
        return await asyncio.gather(*(one_stream(client) for _ in range(STREAMS)))


def report(label: str, values: list[float]) -> None:
    print(
        f"{label:<38} n={len(values):<5} p50={percentile(values, 0.5):7.2f} ms  "
        f"p99={percentile(values, 0.99):7.2f} ms  mean={statistics.fmean(values):7.2f} ms"
    )


def main() -> None:
    with EmulatorProcess.start() as emulator:
        emulator.seed(SEED)
        emulator.configure(chat_first_token_delay_ms=0, chat_inter_token_delay_ms=0)
        enable = httpx.post(
            f"{emulator.url}/v1beta1/projects/{PROJECT}/publishers/openai/models/gpt-oss-20b-maas:enableModel",
            json={},
            headers=AUTH,
        )
        enable.raise_for_status()
        control_plane_reads(emulator.url)  # warm-up (imports, first discovery parse, connection)
        report("control-plane reads (sequential)", control_plane_reads(emulator.url))
        sequential = asyncio.run(sequential_streams(emulator.url))
        report("chat streams one at a time: whole", [whole for _, whole in sequential])
        streams = asyncio.run(concurrent_streams(emulator.url))
        report(f"chat streams x{STREAMS} concurrent: first byte", [first for first, _ in streams])
        report(f"chat streams x{STREAMS} concurrent: whole", [whole for _, whole in streams])
        print(f"emulator peak RSS (VmHWM)              {peak_rss_mb(emulator.process.pid):7.1f} MB")


if __name__ == "__main__":
    main()
