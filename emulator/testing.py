"""Run the emulator as a subprocess, drive its admin API, fault it and read its world: used by tests/ and
bench/ (which must not import tests/).

with EmulatorProcess.start() as emulator:      # python -m emulator --port 0, waits for the address line
    emulator.url                                # "http://127.0.0.1:PORT"
    emulator.reset(); emulator.configure(lro_scale=0); emulator.set_faults([...])
    emulator.requests(mutating_only=True)       # the request log entries
    emulator.seed({...}); emulator.expire_token("tok")
    emulator.set_faults(fault_rules(seed=7))    # the transient-fault mix on every Google route
with World(emulator.url, project="p", region="us-central1", parent="organizations/1",
           billing_account="X") as world:
    world.endpoints()                           # what exists, read over the public REST API
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

READY_PREFIX = "emulator listening on "


class EmulatorProcess:
    """A running `python -m emulator`; stop() (or leaving the `with`) sends SIGTERM and waits."""

    def __init__(self, process: subprocess.Popen[str], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path
        self._admin = httpx.Client(base_url=url, timeout=30.0)

    @classmethod
    def start(cls, *extra_args: str, timeout: float = 30.0) -> EmulatorProcess:
        log = tempfile.NamedTemporaryFile(prefix="emulator-", suffix=".log", delete=False)  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", *extra_args],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        assert process.stdout is not None
        line = process.stdout.readline()  # the first line, or "" when it died
        if not line.startswith(READY_PREFIX):
            process.kill()
            process.wait(timeout)
            raise RuntimeError(f"emulator did not start: {line!r}; log: {Path(log.name).read_text()[-2000:]}")
        return cls(process, line[len(READY_PREFIX) :].strip(), Path(log.name))

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> int:
        self._admin.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode

    def _call(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        response = self._admin.request(method, f"/_emulator/{path}", json=body, params=params)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._call("POST", "reset")

    def configure(self, **settings: Any) -> dict[str, Any]:
        return self._call("POST", "config", settings)

    def set_faults(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._call("POST", "faults", {"rules": rules})["rules"]

    def requests(self, mutating_only: bool = False) -> list[dict[str, Any]]:
        params = {"mutating_only": "true"} if mutating_only else None
        return self._call("GET", "requests", params=params)["requests"]

    def seed(self, document: dict[str, Any]) -> dict[str, int]:
        return self._call("POST", "seed", document)["applied"]

    def expire_token(self, token: str) -> None:
        self._call("POST", "tokens/expire", {"token": token})


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


class World:
    """What exists for one project in the emulated cloud, read over its public REST API (as a user with a
    token would): first pages only, which hold every resource a test or bench run makes."""

    def __init__(
        self,
        url: str,
        *,
        project: str,
        region: str,
        parent: str,
        billing_account: str,
        token: str = "world-observer",
    ) -> None:
        self.project, self.region, self.parent, self.billing_account = (
            project,
            region,
            parent,
            billing_account,
        )
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

    def projects(self) -> list[dict[str, Any]]:
        return list(self._get("/v3/projects", parent=self.parent).get("projects", []))

    def endpoints(self) -> list[dict[str, Any]]:
        location = f"/v1/projects/{self.project}/locations/{self.region}"
        return list(self._get(f"{location}/endpoints").get("endpoints", []))

    def models(self) -> list[dict[str, Any]]:
        location = f"/v1/projects/{self.project}/locations/{self.region}"
        return list(self._get(f"{location}/models").get("models", []))

    def budgets(self) -> list[dict[str, Any]]:
        return list(self._get(f"/v1/billingAccounts/{self.billing_account}/budgets").get("budgets", []))

    def iam_policy(self) -> dict[str, Any]:
        response = self.client.post(f"/v3/projects/{self.project}:getIamPolicy", json={})
        response.raise_for_status()
        policy: dict[str, Any] = response.json()
        return policy
