"""`python -m emulator [--host H] [--port N] [--state FILE] [--seed FILE] [--lro-scale X]`.

Prints `emulator listening on http://HOST:PORT` as the first stdout line once the socket accepts connections
(`--port 0` picks a free port), then serves until SIGINT/SIGTERM and exits 0. Bad options exit 2.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn

from emulator.app import EmulatorApp
from emulator.seed import DEFAULT_SEED, load_seed, reset
from emulator.state import EmulatorState
from emulator.store import Store


def build_state(state_file: str | None, seed_file: str | None, settings: dict[str, Any]) -> EmulatorState:
    """Open the store; a fresh store gets the seed, a state file that already holds a world keeps it."""
    seed = load_seed(seed_file or DEFAULT_SEED)
    store = Store(state_file)
    state = EmulatorState(store, [seed], settings)
    if store.is_empty():
        reset(state)
    return state


class _Server(uvicorn.Server):
    """Announces the address only once the listening socket is live."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        print(f"emulator listening on {self.url}", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="Local emulator of Google Cloud APIs."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8790, help="port (0 = a free port; default 8790)")
    parser.add_argument(
        "--state", help="SQLite file holding the state (survives restarts); default in memory"
    )
    parser.add_argument("--seed", help="seed file (YAML) instead of the default world")
    parser.add_argument(
        "--lro-scale", type=float, help="multiply operation latencies by this (default 0.001)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"error: --port must be 0..65535, got {args.port}", file=sys.stderr)
        return 2
    settings: dict[str, Any] = {}
    if args.lro_scale is not None:
        if args.lro_scale < 0:
            print("error: --lro-scale must be >= 0", file=sys.stderr)
            return 2
        settings["lro_scale"] = args.lro_scale
    try:
        state = build_state(args.state, args.seed, settings)
    except ValueError as error:
        print(f"error: {error}\n  fix: pass a YAML seed in the format of {DEFAULT_SEED}", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections: without it a keep-alive reply written in two parts (headers, body)
    # waits ~40 ms for the client's delayed ACK (Nagle).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    # http/loop "auto": httptools and uvloop (project dependencies) when importable, else h11 and asyncio.
    config = uvicorn.Config(
        EmulatorApp(state),
        lifespan="off",
        log_level="critical",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = _Server(config, url)
    # uvicorn handles SIGINT/SIGTERM while serving, then re-raises the signal once it has shut down; these
    # handlers swallow that re-raise so a requested stop exits 0.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: None)
    try:
        server.run(sockets=[sock])
    finally:
        state.store.close()
    return 0
