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

import httpx
import yaml

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


class World:
    """What exists in the emulator, read over its public REST API (as a user with a token would)."""

    def __init__(self, url: str, token: str = "reliability-observer") -> None:
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def _get(self, path: str, **params: str) -> dict[str, Any]:
        response = self.client.get(path, params=params)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def projects(self, parent: str = DEV["project"]["parent"]) -> list[dict[str, Any]]:
        return list(self._get("/v3/projects", parent=parent).get("projects", []))

    def endpoints(self, project: str = PROJECT, region: str = REGION) -> list[dict[str, Any]]:
        return list(self._get(f"/v1/projects/{project}/locations/{region}/endpoints").get("endpoints", []))

    def models(self, project: str = PROJECT, region: str = REGION) -> list[dict[str, Any]]:
        return list(self._get(f"/v1/projects/{project}/locations/{region}/models").get("models", []))

    def budgets(self, account: str = DEV["project"]["billing_account"]) -> list[dict[str, Any]]:
        return list(self._get(f"/v1/billingAccounts/{account}/budgets").get("budgets", []))

    def iam_policy(self, project: str = PROJECT) -> dict[str, Any]:
        response = self.client.post(f"/v3/projects/{project}:getIamPolicy", json={})
        response.raise_for_status()
        policy: dict[str, Any] = response.json()
        return policy


def assert_one_of_each(world: World, endpoint_names: list[str]) -> None:
    """Exactly one project, one endpoint and one deployed model per spec endpoint; no orphan model."""
    assert [p["projectId"] for p in world.projects()] == [PROJECT]
    endpoints = world.endpoints()
    assert sorted(e["displayName"] for e in endpoints) == sorted(endpoint_names), endpoints
    deployed = [d["model"].rsplit("/", 1)[-1] for e in endpoints for d in e.get("deployedModels", [])]
    assert len(deployed) == len(endpoint_names), endpoints
    models = [m["name"].rsplit("/", 1)[-1] for m in world.models()]
    assert sorted(models) == sorted(deployed), f"orphan or missing models: {models} vs deployed {deployed}"


# Google routes (every API version the clients use), but not the admin API and not the chat route.
GOOGLE_ROUTES = r"^/(v1|v1beta1|v3|ui)/(?!.*/chat/completions$)"
CHAT_ROUTE = r"/chat/completions$"


def fault_rules(seed: int) -> list[dict[str, Any]]:
    """About 5% of Google calls dropped mid-reply, then about 10% answered 429 and 10% 503 (each rule has
    its own seeded generator; the first matching rule that fires wins)."""
    return [
        {"route": GOOGLE_ROUTES, "kind": "drop", "fraction": 0.05, "seed": seed},
        {"route": GOOGLE_ROUTES, "kind": "429", "fraction": 0.105, "seed": seed + 1},
        {"route": GOOGLE_ROUTES, "kind": "503", "fraction": 0.118, "seed": seed + 2},
    ]


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
