"""`provision emulator --port N --state FILE --seed FILE` as people run it (the installed `provision` entry
point, a subprocess): it serves the seed's world on port N, keeps what was done across a restart on the same
state file, and stops with exit code 0 on SIGINT (Ctrl-C) as on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

PROVISION = Path(sys.executable).parent / "provision"
AUTH = {"Authorization": "Bearer cli-token"}
ORGANIZATION = "organizations/424242424242"
ACCOUNT = "billingAccounts/0ABCDE-123456-5EEDED"
SEED = f"""
organizations:
  - {{name: {ORGANIZATION}, displayName: seeded.example}}
billing_accounts:
  - {{name: {ACCOUNT}, displayName: Seeded account, open: true, currencyCode: EUR}}
services:
  - {{name: cloudresourcemanager.googleapis.com, title: Cloud Resource Manager API}}
  - {{name: serviceusage.googleapis.com, title: Service Usage API, default_enabled: true}}
projects:
  - {{projectId: seeded-proj, parent: {ORGANIZATION}, billingAccountName: {ACCOUNT}}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def provision_emulator(port: int, state: Path, seed: Path) -> Iterator[subprocess.Popen[str]]:
    """The CLI serving on `port`; the caller stops it. Killed if a test fails before that."""
    process = subprocess.Popen(
        [str(PROVISION), "emulator", "--port", str(port), "--state", str(state), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert first_line.strip() == f"emulator listening on http://127.0.0.1:{port}", first_line
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=15)


def stop(process: subprocess.Popen[str], how: signal.Signals) -> tuple[int, str]:
    process.send_signal(how)
    _, stderr = process.communicate(timeout=15)
    return process.returncode, stderr


def test_serves_the_seed_keeps_state_across_restart_and_stops_cleanly(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    state = tmp_path / "state.sqlite"
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    with provision_emulator(port, state, seed) as first:
        accounts = httpx.get(f"{url}/v1/billingAccounts", headers=AUTH).json()["billingAccounts"]
        assert [account["name"] for account in accounts] == [ACCOUNT]  # the seed replaces the default world
        project = httpx.get(f"{url}/v3/projects/seeded-proj", headers=AUTH).json()
        assert project["parent"] == ORGANIZATION and project["state"] == "ACTIVE"
        created = httpx.post(
            f"{url}/v3/projects", json={"projectId": "made-at-runtime", "parent": ORGANIZATION}, headers=AUTH
        )
        assert created.status_code == 200, created.text
        httpx.post(f"{url}/_emulator/config", json={"lro_scale": 0}).raise_for_status()
        assert httpx.get(f"{url}/v3/{created.json()['name']}", headers=AUTH).json()["done"] is True
        code, stderr = stop(first, signal.SIGTERM)
        assert code == 0, stderr
        assert "Traceback" not in stderr

    with provision_emulator(port, state, seed) as second:
        made = httpx.get(f"{url}/v3/projects/made-at-runtime", headers=AUTH).json()
        assert made["state"] == "ACTIVE" and made["parent"] == ORGANIZATION
        billing = httpx.get(f"{url}/v1/projects/seeded-proj/billingInfo", headers=AUTH).json()
        assert billing["billingAccountName"] == ACCOUNT and billing["billingEnabled"] is True
        code, stderr = stop(second, signal.SIGINT)
        assert code == 0, stderr
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
