"""Shared fixtures. Unit tests need no server; e2e tests start the emulator on a free loopback port.

- `emulator` (session): one `python -m emulator --port 0` per test process (per xdist worker), stopped at the
  end. Handle: `.url`, `.reset()`, `.configure(**settings)`, `.set_faults(rules)`,
  `.requests(mutating_only=False)`, `.seed(doc)`, `.expire_token(token)` (see emulator/testing.py).
- `emulator_env` (function): resets the emulator, sets PROVISION_API_ENDPOINT and CLOUDSDK_AUTH_ACCESS_TOKEN,
  and yields the same handle.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.testing import EmulatorProcess

EMULATOR_TOKEN = "emulator-test-token"


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def emulator_env(emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorProcess]:
    emulator.reset()
    monkeypatch.setenv("PROVISION_API_ENDPOINT", emulator.url)
    monkeypatch.setenv("CLOUDSDK_AUTH_ACCESS_TOKEN", EMULATOR_TOKEN)
    yield emulator
