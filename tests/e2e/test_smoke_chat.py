"""`provision smoke` over real loopback HTTP against the emulator's chat model behind a Google-like front."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioning.auth import FileTokenSource
from provisioning.smoke import SmokeRun, run_smoke, write_json, write_junit
from provisioning.smoke.checks import CHECKS
from provisioning.smoke.targets import target_from_flags
from tests.e2e.smoke_harness import ChatHarness

FAKE_TOKEN = "ya29.FAKE-smoke-token-must-never-print-7f3a9c"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server() -> Iterator[ChatHarness]:
    with ChatHarness() as harness:
        yield harness


@pytest.fixture
def harness(server: ChatHarness) -> ChatHarness:
    server.reset()
    return server


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(FAKE_TOKEN + "\n")
    return path


def _run(harness: ChatHarness, model: str, token_file: Path, names: set[str] | None = None, **kw: object):
    target = target_from_flags(harness.base_url, model, None, "maas", "google")
    checks = tuple(c for c in CHECKS if names is None or c.name in names)
    return run_smoke(SmokeRun(targets=[target], checks=checks, **kw), source=FileTokenSource(token_file))  # type: ignore[arg-type]


@pytest.mark.parametrize("model", ["openai/gpt-oss-20b-maas", "google/gemini-2.5-flash"])
def test_every_applicable_check_passes(harness: ChatHarness, token_file: Path, model: str) -> None:
    report = _run(harness, model, token_file)
    failed = [(r.check, r.message) for r in report.results if r.status == "fail"]
    assert failed == []
    assert report.exit_code == 0
    statuses = {r.check: r.status for r in report.results}
    assert statuses["stream"] == "pass"
    assert statuses["tools"] == "pass"
    assert statuses["errors.missing_token"] == "pass"
    if model.startswith("google/"):
        assert statuses["vertex.image_data"] == "pass"
        assert statuses["vertex.thinking_conflict"] == "pass"
        assert statuses["params.reasoning_effort"] == "skip"
    else:
        assert statuses["params.reasoning_effort"] == "pass"
        assert statuses["vertex.thinking_config"] == "skip"


def test_stream_evidence_reports_done_marker_and_usage(harness: ChatHarness, token_file: Path) -> None:
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"stream"})
    evidence = report.results[0].evidence
    assert evidence["done_marker_sent"] is True
    assert evidence["usage"]["completion_tokens"] > 0
    assert 0 < evidence["first_chunk_s"] <= evidence["ttft_s"] <= evidence["total_s"]


def test_stream_cut_midway_fails_the_stream_check(harness: ChatHarness, token_file: Path) -> None:
    harness.drop_streams = True
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"stream"})
    result = report.results[0]
    assert result.status == "fail" and result.required
    assert "stream cut after" in result.message
    assert report.exit_code == 1


def test_rate_limit_then_success_is_retried(harness: ChatHarness, token_file: Path) -> None:
    harness.pending_statuses = [429]
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"plain"})
    assert report.results[0].status == "pass"
    assert report.results[0].evidence["http_statuses"] == [429, 200]


def test_expired_token_is_refreshed_once_from_the_rotated_file(
    harness: ChatHarness, token_file: Path
) -> None:
    source = FileTokenSource(token_file)
    target = target_from_flags(harness.base_url, "openai/gpt-oss-20b-maas", None, "maas", "google")
    checks = tuple(c for c in CHECKS if c.name in {"plain", "stream"})
    run = SmokeRun(targets=[target], checks=checks)
    source.token()  # the client holds the first token ...
    harness.expired.add(FAKE_TOKEN)  # ... which then expires, and the file is rotated
    token_file.write_text("ya29.rotated-token\n")
    report = run_smoke(run, source=source)
    assert [r.status for r in report.results] == ["pass", "pass"]
    assert report.results[0].evidence["http_statuses"] == [401, 200]
    assert report.token_refreshes == 1
    assert [r["token"] for r in harness.requests] == [FAKE_TOKEN, "ya29.rotated-token", "ya29.rotated-token"]


def test_wrong_model_is_diagnosed(harness: ChatHarness, token_file: Path) -> None:
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"errors.wrong_model"})
    result = report.results[0]
    assert result.status == "pass"
    assert result.evidence["cause"] == "wrong_region_or_model"
    assert "location in base_url" in result.evidence["diagnosis"]


def test_unknown_target_model_fails_plain_with_the_cause(harness: ChatHarness, token_file: Path) -> None:
    report = _run(harness, "openai/gpt-oss-999b-maas", token_file, {"plain"})
    assert report.results[0].status == "fail"
    assert report.results[0].message.startswith("wrong_region_or_model (HTTP 404 NOT_FOUND)")


def test_load_probe_reports_percentiles(harness: ChatHarness, token_file: Path) -> None:
    harness.settings.update(chat_first_token_delay_ms=20, chat_inter_token_delay_ms=1)
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"plain"}, concurrency=3, requests=9)
    load = report.load[report.results[0].target]
    assert load.ok == 9 and load.errors == {}
    assert 0.02 <= load.ttft_s["p50"] <= load.ttft_s["p99"] <= load.latency_s["p99"]
    assert report.results[-1].check == "load" and report.results[-1].status == "pass"


def test_readiness_passes_when_the_route_answers(harness: ChatHarness, token_file: Path) -> None:
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"plain"}, wait_ready_s=5)
    assert [(r.check, r.status) for r in report.results] == [("ready", "pass"), ("plain", "pass")]


def test_token_never_appears_in_any_output(harness: ChatHarness, token_file: Path, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    target = {"name": "oss", "kind": "maas", "base_url": harness.base_url, "model": "openai/gpt-oss-20b-maas"}
    outputs.write_text(
        json.dumps(
            {"project": "acme", "region": "us-central1", "caller_service_account": "x", "targets": [target]}
        )
    )
    harness.expired.add(FAKE_TOKEN)  # forces 401 answers and a refresh: the token is on every error path
    report_json, junit = tmp_path / "r.json", tmp_path / "r.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "provisioning",
            "smoke",
            "--outputs",
            str(outputs),
            "--access-token-file",
            str(token_file),
            "--json",
            str(report_json),
            "--junit",
            str(junit),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1  # the token stays expired: the checks fail ...
    assert "token_expired" in report_json.read_text()  # ... and say why
    for text in (done.stdout, done.stderr, report_json.read_text(), junit.read_text()):
        assert FAKE_TOKEN not in text
        assert "FAKE-smoke-token" not in text


def test_bad_input_exits_2_without_a_request(harness: ChatHarness, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "provisioning",
            "smoke",
            "--base-url",
            harness.base_url,
            "--access-token-file",
            str(tmp_path / "missing"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "access token file" in done.stderr
    assert harness.requests == []


def test_reports_are_machine_readable(harness: ChatHarness, token_file: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"plain", "stream", "vertex.image_data"})
    write_json(report, tmp_path / "r.json")
    write_junit(report, tmp_path / "r.xml")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["ok"] is True and data["counts"]["pass"] == 2 and data["counts"]["skip"] == 1
    suite = ET.parse(tmp_path / "r.xml").getroot()
    assert suite.get("tests") == "3" and suite.get("failures") == "0" and suite.get("skipped") == "1"
    assert [c.get("name") for c in suite.iter("testcase")] == ["plain", "stream", "vertex.image_data"]
