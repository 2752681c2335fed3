"""`provision smoke` against a real OpenAI-compatible server nobody here wrote: Hugging Face
`transformers serve` on a tiny random-weights model, in its own venv `.realsrv` (`make realserver`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REALSRV = ROOT / ".realsrv" / "bin"

pytestmark = pytest.mark.skipif(
    not (REALSRV / "transformers").exists(),
    reason="no .realsrv venv with transformers serve: run `make realserver` (about 5.7 GB; README, set-up)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    model_dir = tmp_path_factory.mktemp("realsrv") / "tiny"
    subprocess.run(
        [str(REALSRV / "python"), str(Path(__file__).with_name("make_tiny_model.py")), str(model_dir)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    log = (model_dir.parent / "serve.log").open("wb")
    server = subprocess.Popen(
        [
            str(REALSRV / "transformers"),
            "serve",
            str(model_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--device",
            "cpu",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"transformers serve did not come up: {(model_dir.parent / 'serve.log').read_text()}"
                    )
                time.sleep(0.5)
        yield f"{base}/v1", str(model_dir)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_smoke_passes_against_transformers_serve(served: tuple[str, str], tmp_path: Path) -> None:
    base_url, model = served
    outputs = tmp_path / "outputs.json"
    target = {"name": "tiny", "kind": "endpoint", "framework": "transformers", "base_url": base_url}
    outputs.write_text(
        json.dumps(
            {
                "project": "local",
                "region": "local",
                "caller_service_account": "none",
                "targets": [{**target, "model": model, "auth": "none"}],
            }
        )
    )
    report_file, junit_file = tmp_path / "report.json", tmp_path / "junit.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "provisioning",
            "smoke",
            "--outputs",
            str(outputs),
            "--max-tokens",
            "16",
            "--json-file",
            str(report_file),
            "--junit",
            str(junit_file),
            "--concurrency",
            "2",
            "--requests",
            "4",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_file.read_text())
    by_check = {r["check"]: r for r in report["results"]}
    assert by_check["plain"]["status"] == "pass"
    stream = by_check["stream"]
    assert stream["status"] == "pass"
    assert stream["evidence"]["done_marker_sent"] is False  # this server ends the stream without [DONE]
    assert stream["evidence"]["usage"]["completion_tokens"] > 0
    assert stream["evidence"]["ttft_s"] <= stream["evidence"]["total_s"]
    assert report["load"]["tiny"]["ok"] == 4
    assert by_check["errors.missing_token"]["status"] == "skip"
    assert "<testsuite" in junit_file.read_text()


class _CountingTokenSource:
    """A token source that counts how often the hook asked it: once per request, so each one is fresh."""

    description = "test token"

    def __init__(self) -> None:
        self.asked = 0

    def token(self, *, refresh: bool = False) -> str:
        self.asked += 1
        return "ya29.realserver-test-token"


def test_the_google_token_hook_runs_on_every_request_to_a_real_server(served: tuple[str, str]) -> None:
    """transformers serve ignores the bearer token; what matters is that the hook adds it to every request
    (so it can refresh) without disturbing the SDK's traffic."""
    from provisioning.smoke import SmokeRun, run_smoke
    from provisioning.smoke.checks import CHECKS, SmokeOptions
    from provisioning.smoke.targets import target_from_flags

    base_url, model = served
    target = target_from_flags(base_url, model, "tiny", "endpoint", "google")
    source = _CountingTokenSource()
    checks = tuple(c for c in CHECKS if c.name in {"plain", "stream"})
    run = SmokeRun(targets=[target], checks=checks, options=SmokeOptions(max_tokens=8))

    report = run_smoke(run, source=source)

    assert [(r.check, r.status) for r in report.results] == [("plain", "pass"), ("stream", "pass")]
    assert source.asked == 1 + 2  # the up-front read that fails bad input early, then one per request
    assert report.token_refreshes == 0
