"""Shared by the engine e2e tests: run `provision` in-process (fast) or as a subprocess (to kill it), read the
JSON events, and look at what the emulator holds afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner, Result

from emulator.testing import EmulatorProcess
from provisioning.cli import app
from tests.conftest import EMULATOR_TOKEN

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
FAST_LRO = 0.0005  # a 25-minute Model Garden deploy takes 0.75 s


def provision(*args: str) -> Result:
    """`provision ARGS` in this process (the emulator environment comes from the fixtures)."""
    return CliRunner().invoke(app, list(args))


def provision_process(cwd: Path, *args: str) -> subprocess.Popen[str]:
    """`python -m provisioning ARGS` as a child process (for tests that kill it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "provisioning", *args],
        cwd=cwd,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def events(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"event"')]


def clear_requests(emulator: EmulatorProcess) -> None:
    httpx.delete(f"{emulator.url}/_emulator/requests", timeout=10).raise_for_status()


def google(emulator: EmulatorProcess, method: str, path: str, body: Any = None, **params: str) -> Any:
    """A Google API call as a user would make it (bearer token), returning the JSON reply."""
    reply = httpx.request(
        method,
        f"{emulator.url}{path}",
        json=body,
        params=params or None,
        headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()


def endpoints(emulator: EmulatorProcess, project: str, region: str = "us-central1") -> list[dict[str, Any]]:
    listed = google(emulator, "GET", f"/v1/projects/{project}/locations/{region}/endpoints")
    return list(listed.get("endpoints", []))


def mutating(emulator: EmulatorProcess) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests(mutating_only=True)]


def wait_for_saved_operation(state_file: Path, key: str, timeout_s: float = 60.0) -> str:
    """The name of the operation apply saved under `key` in its state file, as soon as it is there."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            saved = json.loads(state_file.read_text()).get("operations", {}).get(key)
        except (FileNotFoundError, ValueError):
            saved = None
        if saved:
            return str(saved["name"])
        time.sleep(0.02)
    raise AssertionError(f"the state file never showed operation {key}: {state_file}")
