"""Chat streaming under load: how late the emulated model's tokens arrive against its configured pacing.

A server subprocess serves `emulator.chat.handle_chat_completion` as a bare ASGI app under uvicorn (one
process, as the emulator runs), with a first-token delay and an inter-token delay. This process keeps STREAMS
gpt-oss streams in flight at once over raw asyncio sockets (a light client, so the figures are mostly the
server's) and records, for every token step k of every stream, how much later than send time + first + k *
inter it arrived.

Two arrival patterns: "ramped" starts the streams evenly over RAMP_S (shorter than any stream, so all of them
are in flight together) and is judged against the target (p99 added latency < 25 ms); "burst" sends every
request in the same instant and is reported as is: there the last request waits for the server to parse the
199 before it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import subprocess
import sys
from typing import Any

from bench.figures import Figure

STREAMS = 200
FIRST_TOKEN_MS = 200.0
INTER_TOKEN_MS = 20.0
RAMP_S = 0.5  # gpt-oss replies are >= 28 tokens: every stream lasts longer than 0.2 + 27 * 0.02 = 0.74 s
TARGET_P99_MS = 25.0
NAME = "chat_stream"


def serve() -> None:
    """Run the chat handler on a free loopback port; print the port, then serve until terminated."""
    import uvicorn
    from starlette.requests import Request

    from emulator.chat import handle_chat_completion

    settings = {"chat_first_token_delay_ms": FIRST_TOKEN_MS, "chat_inter_token_delay_ms": INTER_TOKEN_MS}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        response = await handle_chat_completion(
            request, served_model="openai/gpt-oss-20b-maas", family="gpt-oss", settings=settings
        )
        await response(scope, receive, send)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)  # connections queue from now on, before uvicorn starts accepting
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", backlog=1024)
    uvicorn.Server(config).run(sockets=[sock])


async def one_stream(port: int, index: int, wait: float = 0.0) -> list[float]:
    """Seconds of lateness of each token step of one stream (step 0 is the first token)."""
    await asyncio.sleep(wait)
    loop = asyncio.get_running_loop()
    body = json.dumps(
        {
            "model": "openai/gpt-oss-20b-maas",
            "messages": [{"role": "user", "content": f"request {index}: tell me about quotas"}],
            "stream": True,
        }
    ).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = loop.time()
    writer.write(head + body)
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"chat request failed: {status!r}")
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    lateness: list[float] = []
    while True:  # chunked transfer encoding; a chunk holds one or more token steps
        size = int((await reader.readline()).strip() or b"0", 16)
        if size == 0:
            break
        data = await reader.readexactly(size + 2)
        arrived = loop.time()
        for _ in range(data.count(b'"delta":{"content"') + data.count(b'"delta":{"reasoning_content"')):
            due = sent + (FIRST_TOKEN_MS + len(lateness) * INTER_TOKEN_MS) / 1000
            lateness.append(arrived - due)
    writer.close()
    return lateness


async def run_load(port: int, ramp_s: float) -> list[list[float]]:
    return await asyncio.gather(*(one_stream(port, i, ramp_s * i / STREAMS) for i in range(STREAMS)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures_for(pattern: str, streams: list[list[float]], judged: bool) -> list[Figure]:
    name = f"{NAME}_{pattern}"
    first = [s[0] * 1000 for s in streams]
    every = [late * 1000 for s in streams for late in s]
    target = f"< {TARGET_P99_MS:g}" if judged else ""
    p99 = max(percentile(first, 0.99), percentile(every, 0.99))
    return [
        Figure(name, f"{STREAMS} streams: token steps measured", len(every), "steps", "", None),
        Figure(name, "TTFT added latency p50", statistics.median(first), "ms", "", None),
        Figure(name, "TTFT added latency p99", percentile(first, 0.99), "ms", "", None),
        Figure(name, "token added latency p50", statistics.median(every), "ms", "", None),
        Figure(name, "token added latency p99", percentile(every, 0.99), "ms", "", None),
        Figure(name, "worst p99 added latency", p99, "ms", target, p99 < TARGET_P99_MS if judged else None),
    ]


def main() -> list[Figure]:
    server = subprocess.Popen(
        [sys.executable, "-c", "from bench.bench_chat import serve; serve()"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        asyncio.run(one_stream(port, -1))  # warm-up
        ramped = asyncio.run(run_load(port, RAMP_S))
        burst = asyncio.run(run_load(port, 0.0))
    finally:
        server.terminate()
        server.wait(timeout=10)
    figures = figures_for("ramped", ramped, judged=True) + figures_for("burst", burst, judged=False)
    for figure in figures:
        print(" | ".join(figure.row()))
    return figures


if __name__ == "__main__":
    main()
