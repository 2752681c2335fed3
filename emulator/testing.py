"""Run the emulator as a subprocess and drive its admin API: used by tests/conftest.py and bench/.

with EmulatorProcess.start() as emulator:      # python -m emulator --port 0, waits for the address line
    emulator.url                                # "http://127.0.0.1:PORT"
    emulator.reset(); emulator.configure(lro_scale=0); emulator.set_faults([...])
    emulator.requests(mutating_only=True)       # the request log entries
    emulator.seed({...}); emulator.expire_token("tok")
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
