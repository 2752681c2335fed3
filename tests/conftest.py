"""Shared fixtures. Unit tests need no server; e2e tests start the emulator on a free loopback port.

- `emulator` (session): one `python -m emulator --port 0` per test process (per xdist worker), stopped at the
  end. Handle: `.url`, `.reset()`, `.configure(**settings)`, `.set_faults(rules)`,
  `.requests(mutating_only=False)`, `.seed(doc)`, `.expire_token(token)` (see emulator/testing.py).
- `emulator_env` (function): resets the emulator, sets PROVISION_API_ENDPOINT and CLOUDSDK_AUTH_ACCESS_TOKEN,
  and yields the same handle. When the test ends, every JSON reply the emulator sent during it is checked
  against the discovery document of its API (the contract; chat replies and each event of a chat stream
  against the openai SDK's types), so any test that drives the emulator also tests its wire format; a
  violation, or a JSON reply on a route with no known schema, fails the test at teardown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulator.contract import check_reply, check_streamed_reply
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
    emulator.configure(record_bodies=True)
    monkeypatch.setenv("PROVISION_API_ENDPOINT", emulator.url)
    monkeypatch.setenv("CLOUDSDK_AUTH_ACCESS_TOKEN", EMULATOR_TOKEN)
    yield emulator
    violations = contract_violations(emulator.requests())
    assert not violations, "emulator replies that break their API's discovery schema:\n" + "\n".join(
        violations
    )


def contract_violations(log: list[dict[str, Any]]) -> list[str]:
    """Each recorded reply's departures from its schema; a JSON reply on a route with no known schema is
    reported too, so a new route cannot slip past the contract."""
    found = []
    for entry in log:
        if "response_stream" in entry:
            problems = check_streamed_reply(entry["method"], entry["path"], entry["response_stream"])
        elif entry.get("response_body") is not None:
            problems = check_reply(entry["method"], entry["path"], entry["status"], entry["response_body"])
        else:
            continue
        if problems is None:
            found.append(f"{entry['method']} {entry['path']} ({entry['status']}): no reply schema is known")
            continue
        found += [
            f"{entry['method']} {entry['path']} ({entry['status']}): {p.path}: {p.message}" for p in problems
        ]
    return found
