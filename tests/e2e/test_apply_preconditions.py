"""Apply says what is really wrong before trying anything: a project pending deletion (DELETE_REQUESTED) and
an endpoint override nothing listens at each fail at once, naming the cause and the fix; doctor and plan make
the same reachability check."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, clear_requests, events, mutating, provision

DEV = str(EXAMPLES / "dev.yaml")


def test_apply_on_a_project_pending_deletion_says_so_with_undelete(engine_env: EmulatorProcess) -> None:
    assert provision("apply", "--spec", DEV, "--json").exit_code == 0
    gone = provision("destroy", "--spec", DEV, "--delete-project", "--json", "--yes")
    assert gone.exit_code == 0, gone.output
    clear_requests(engine_env)

    again = provision("apply", "--spec", DEV, "--json")

    assert again.exit_code == 1
    failed = [e for e in events(again.stdout) if e["event"] == "step_failed"]
    assert [e["step"] for e in failed] == ["project"]  # before billing, APIs or anything else
    assert failed[0]["what"] == "project acme-genai-dev is pending deletion (DELETE_REQUESTED)"
    assert "`gcloud projects undelete acme-genai-dev`" in failed[0]["fix"]
    assert mutating(engine_env) == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["apply", "doctor", "plan"])
def test_nothing_listening_at_the_endpoint_fails_in_seconds(tmp_path: Path, command: str) -> None:
    address = f"http://127.0.0.1:{_free_port()}"
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "provisioning", command, "--spec", DEV],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PROVISION_API_ENDPOINT": address,
            "CLOUDSDK_AUTH_ACCESS_TOKEN": "fake",
            "HF_TOKEN": "hf_fake_token_for_tests",
            "COLUMNS": "200",
        },
        timeout=60,
    )
    took = time.monotonic() - start
    assert done.returncode == 2, done.stderr
    assert (
        f"error: nothing is listening at {address} (PROVISION_API_ENDPOINT / --api-endpoint)" in done.stderr
    )
    assert "Connection refused" in done.stderr
    assert f"`provision emulator --port {address.rsplit(':', 1)[1]}`" in done.stderr
    assert took < 15, f"took {took:.1f}s"  # no two minutes of retries (startup of the CLI included)
    assert not (tmp_path / ".provision").exists()  # nothing written either
