"""Helpers shared by the reliability tests: run the real CLI as a subprocess, read the emulator's world."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from emulator.testing import World

REPO = Path(__file__).resolve().parents[2]
DEV_YAML = REPO / "examples" / "dev.yaml"
DEV: dict[str, Any] = yaml.safe_load(DEV_YAML.read_text(encoding="utf-8"))
PROJECT = DEV["project"]["id"]
REGION = DEV["region"]
HF_TOKEN_ENV = DEV["endpoints"][0]["hf_token_env"]


def dev_spec() -> dict[str, Any]:
    return copy.deepcopy(DEV)


def cli_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "provisioning", *args]


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180.0
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_argv(*args),
        cwd=cwd,
        env=env if env is not None else os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def json_events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith('{"event"')]


def dev_world(url: str) -> World:
    """The emulator's world as examples/dev.yaml's project sees it."""
    project = DEV["project"]
    return World(
        url,
        project=PROJECT,
        region=REGION,
        parent=project["parent"],
        billing_account=project["billing_account"],
    )


def assert_one_of_each(world: World, endpoint_names: list[str]) -> None:
    """Exactly one project, one endpoint and one deployed model per spec endpoint; no orphan model."""
    assert [p["projectId"] for p in world.projects()] == [PROJECT]
    endpoints = world.endpoints()
    assert sorted(e["displayName"] for e in endpoints) == sorted(endpoint_names), endpoints
    deployed = [d["model"].rsplit("/", 1)[-1] for e in endpoints for d in e.get("deployedModels", [])]
    assert len(deployed) == len(endpoint_names), endpoints
    models = [m["name"].rsplit("/", 1)[-1] for m in world.models()]
    assert sorted(models) == sorted(deployed), f"orphan or missing models: {models} vs deployed {deployed}"


def apply_env(**extra: str) -> dict[str, str]:
    """The process environment plus a fake Hugging Face token (examples/dev.yaml names HF_TOKEN)."""
    return {**os.environ, HF_TOKEN_ENV: "hf_reliability_fake_token", **extra}


def write_dev_spec(directory: Path) -> Path:
    path = directory / "dev.yaml"
    path.write_text(yaml.safe_dump(dev_spec()), encoding="utf-8")
    return path


def start_apply(spec: Path, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`provision apply --json` as a subprocess whose stdout yields one JSON event per line."""
    return subprocess.Popen(
        cli_argv("apply", "--spec", str(spec), "--json"),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def apply_until(
    spec: Path, cwd: Path, stop: Callable[[dict[str, Any]], bool], env: dict[str, str], timeout: float = 120
) -> tuple[list[dict[str, Any]], int | None]:
    """Run `provision apply --json` and SIGKILL it as soon as an event satisfies `stop`.

    Returns the events read and the exit code (None when it was killed, i.e. `stop` matched)."""
    process = start_apply(spec, cwd, env)
    assert process.stdout is not None
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        for line in process.stdout:
            if not line.startswith('{"event"'):
                continue
            event = json.loads(line)
            seen.append(event)
            if stop(event):
                process.send_signal(signal.SIGKILL)
                process.wait(30)
                return seen, None
            if time.monotonic() > deadline:
                break
        return seen, process.wait(timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        process.stdout.close()
