"""`provision smoke` over real loopback HTTP against the emulator: its Vertex chat routes, fault rules
(`/_emulator/faults`: 429, a stream cut mid-way) and token expiry (`/_emulator/tokens/expire`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from provisioning.auth import FileTokenSource
from provisioning.smoke import SmokeRun, run_smoke, write_json, write_junit
from provisioning.smoke.checks import CHECKS, SmokeOptions
from provisioning.smoke.targets import target_from_flags
from tests.e2e.vertex_support import PROJECT, rest, seed_project

FAKE_TOKEN = "ya29.FAKE-smoke-token-must-never-print-7f3a9c"
ROOT = Path(__file__).resolve().parents[2]


CHAT_ROUTE = "/endpoints/openapi/chat/completions"
SEED_429_THEN_OK = 1  # random.Random(1) draws 0.13 then 0.85: with fraction 0.5, one 429 and then the reply


class Chat:
    """The emulator with a project that may call gpt-oss-20b, and the openai base_url of its MaaS route."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.emulator = emulator
        self.base_url = f"{emulator.url}/v1/projects/{PROJECT}/locations/us-central1/endpoints/openapi"

    def chat_statuses(self) -> list[int]:
        return [r["status"] for r in self.emulator.requests() if r["path"].endswith(CHAT_ROUTE)]


@pytest.fixture
def harness(emulator_env: EmulatorProcess) -> Chat:
    seed_project(emulator_env)
    enable = f"/v1beta1/projects/{PROJECT}/publishers/openai/models/gpt-oss-20b-maas:enableModel"
    assert rest(emulator_env, "POST", enable, {}).status_code == 200
    emulator_env.configure(record_bodies=False)
    return Chat(emulator_env)


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(FAKE_TOKEN + "\n")
    return path


def _run(harness: Chat, model: str, token_file: Path, names: set[str] | None = None, **kw: object):
    target = target_from_flags(harness.base_url, model, None, "maas", "google")
    checks = tuple(c for c in CHECKS if names is None or c.name in names)
    return run_smoke(SmokeRun(targets=[target], checks=checks, **kw), source=FileTokenSource(token_file))  # type: ignore[arg-type]


@pytest.mark.parametrize("model", ["openai/gpt-oss-20b-maas", "google/gemini-2.5-flash"])
def test_every_applicable_check_passes(harness: Chat, token_file: Path, model: str) -> None:
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


SCONES = "gs://cloud-samples-data/generative-ai/image/scones.jpg"


def test_gcs_image_check_runs_on_gemini_and_sends_the_gs_uri(harness: Chat, token_file: Path) -> None:
    harness.emulator.configure(record_bodies=True)
    options = SmokeOptions(gcs_image=SCONES)
    report = _run(harness, "google/gemini-2.5-flash", token_file, {"vertex.image_gcs"}, options=options)
    result = report.results[0]
    assert (result.check, result.status, result.required) == ("vertex.image_gcs", "pass", True)
    assert result.evidence["chars"] > 0
    sent = [r["request_body"] for r in harness.emulator.requests() if r["path"].endswith(CHAT_ROUTE)]
    images = [part["image_url"]["url"] for part in sent[0]["messages"][0]["content"] if "image_url" in part]
    assert images == [SCONES]


def test_gcs_image_naming_only_a_bucket_fails_with_the_servers_reason(
    harness: Chat, token_file: Path
) -> None:
    """A user who passes the bucket and forgets the object path: the required check fails, and says why."""
    options = SmokeOptions(gcs_image="gs://my-bucket")
    report = _run(harness, "google/gemini-2.5-flash", token_file, {"vertex.image_gcs"}, options=options)
    result = report.results[0]
    assert (result.status, result.required) == ("fail", True)
    assert (result.evidence["cause"], result.evidence["http_statuses"]) == ("bad_request", [400])
    assert "must name an object: gs://BUCKET/OBJECT" in result.message
    assert report.exit_code == 1


def test_stream_evidence_reports_done_marker_and_usage(harness: Chat, token_file: Path) -> None:
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"stream"})
    evidence = report.results[0].evidence
    assert evidence["done_marker_sent"] is True
    assert evidence["usage"]["completion_tokens"] > 0
    assert 0 < evidence["first_chunk_s"] <= evidence["ttft_s"] <= evidence["total_s"]


def test_stream_cut_midway_fails_the_stream_check(harness: Chat, token_file: Path) -> None:
    harness.emulator.set_faults([{"route": CHAT_ROUTE, "kind": "cut"}])
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"stream"})
    result = report.results[0]
    assert result.status == "fail" and result.required
    assert "stream cut after" in result.message
    assert report.exit_code == 1


def test_rate_limit_then_success_is_retried(harness: Chat, token_file: Path) -> None:
    harness.emulator.set_faults(
        [{"route": CHAT_ROUTE, "kind": "429", "fraction": 0.5, "seed": SEED_429_THEN_OK}]
    )
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"plain"})
    assert report.results[0].status == "pass"
    assert report.results[0].evidence["http_statuses"] == [429, 200]
    assert harness.chat_statuses() == [429, 200]


def test_expired_token_is_refreshed_once_from_the_rotated_file(harness: Chat, token_file: Path) -> None:
    source = FileTokenSource(token_file)
    target = target_from_flags(harness.base_url, "openai/gpt-oss-20b-maas", None, "maas", "google")
    checks = tuple(c for c in CHECKS if c.name in {"plain", "stream"})
    run = SmokeRun(targets=[target], checks=checks)
    source.token()  # the client holds the first token ...
    harness.emulator.expire_token(FAKE_TOKEN)  # ... which then expires, and the file is rotated
    token_file.write_text("ya29.rotated-token\n")
    report = run_smoke(run, source=source)
    assert [r.status for r in report.results] == ["pass", "pass"]
    assert report.results[0].evidence["http_statuses"] == [401, 200]
    assert report.token_refreshes == 1
    assert harness.chat_statuses() == [401, 200, 200]  # the rotated token is used from then on


def test_wrong_model_is_diagnosed(harness: Chat, token_file: Path) -> None:
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"errors.wrong_model"})
    result = report.results[0]
    assert result.status == "pass"
    assert result.evidence["cause"] == "wrong_region_or_model"
    assert "location in base_url" in result.evidence["diagnosis"]


def test_unknown_target_model_fails_plain_with_the_cause(harness: Chat, token_file: Path) -> None:
    report = _run(harness, "openai/gpt-oss-999b-maas", token_file, {"plain"})
    assert report.results[0].status == "fail"
    assert report.results[0].message.startswith("wrong_region_or_model (HTTP 404 NOT_FOUND)")


def test_load_probe_reports_percentiles(harness: Chat, token_file: Path) -> None:
    harness.emulator.configure(chat_first_token_delay_ms=20, chat_inter_token_delay_ms=1)
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"plain"}, concurrency=3, requests=9)
    load = report.load[report.results[0].target]
    assert load.ok == 9 and load.errors == {}
    assert 0.02 <= load.ttft_s["p50"] <= load.ttft_s["p99"] <= load.latency_s["p99"]
    assert report.results[-1].check == "load" and report.results[-1].status == "pass"


def test_readiness_passes_when_the_route_answers(harness: Chat, token_file: Path) -> None:
    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"plain"}, wait_ready_s=5)
    assert [(r.check, r.status) for r in report.results] == [("ready", "pass"), ("plain", "pass")]


def test_token_never_appears_in_any_output(harness: Chat, token_file: Path, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    target = {"name": "oss", "kind": "maas", "base_url": harness.base_url, "model": "openai/gpt-oss-20b-maas"}
    outputs.write_text(
        json.dumps(
            {"project": "acme", "region": "us-central1", "caller_service_account": "x", "targets": [target]}
        )
    )
    harness.emulator.expire_token(
        FAKE_TOKEN
    )  # forces 401 answers and a refresh: the token is on every error path
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
            "--json-file",
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


def test_bad_input_exits_2_without_a_request(harness: Chat, tmp_path: Path) -> None:
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
    assert harness.chat_statuses() == []  # nothing was sent


def test_reports_are_machine_readable(harness: Chat, token_file: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    report = _run(harness, "openai/gpt-oss-20b-maas", token_file, {"plain", "stream", "vertex.image_data"})
    write_json(report, tmp_path / "r.json")
    write_junit(report, tmp_path / "r.xml")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["ok"] is True and data["counts"]["pass"] == 2 and data["counts"]["skip"] == 1
    suite = ET.parse(tmp_path / "r.xml").getroot()
    assert suite.get("tests") == "3" and suite.get("failures") == "0" and suite.get("skipped") == "1"
    assert [c.get("name") for c in suite.iter("testcase")] == ["plain", "stream", "vertex.image_data"]
