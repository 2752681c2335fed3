"""`provision smoke` on what an apply deployed into the emulator: outputs the way the Pulumi stack writes them
(real Google hosts, dedicated DNS) sent to the emulator by the endpoint override, and self-deployed TGI and
shared-host endpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from emulator.testing import EmulatorProcess
from provisioning.outputs import endpoint_base_url, maas_base_url, read_outputs
from tests.e2e.engine_support import EXAMPLES, endpoints, provision, provision_process

CHAT = "/chat/completions"
GEMINI_GLOBAL = {"name": "gemini-2.5-flash", "location": "global"}
SLOW_DEPLOY = 0.004  # lro_scale: the 25-minute Model Garden deploy takes 6 s


def _spec(tmp_path: Path, **changes: Any) -> Path:
    """examples/dev.yaml with some top-level keys replaced."""
    spec = yaml.safe_load((EXAMPLES / "dev.yaml").read_text())
    spec.update(changes)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _apply(spec: Path) -> None:
    applied = provision("apply", "--spec", str(spec), "--outputs", "out.json", "--json")
    assert applied.exit_code == 0, applied.output


def _endpoint_targets(emulator: EmulatorProcess, project: str, region: str) -> list[dict[str, Any]]:
    """The endpoint targets infra/ writes: real Google hosts, from the endpoint's own dedicatedEndpointDns."""
    targets = []
    for endpoint in endpoints(emulator, project, region):
        endpoint_id = endpoint["name"].rsplit("/", 1)[1]
        dns = endpoint.get("dedicatedEndpointDns")
        target = {
            "name": endpoint["displayName"],
            "kind": "endpoint",
            "framework": "vllm",
            "base_url": endpoint_base_url(project, region, endpoint_id, dns),
            "model": "",
            "endpoint_id": endpoint_id,
        }
        targets.append({**target, "dedicated_dns": dns} if dns else target)
    return targets


def _pulumi_stack_outputs(emulator: EmulatorProcess, project: str, region: str) -> dict[str, Any]:
    """`pulumi stack output --json` for what the apply made: MaaS targets on the public Vertex hosts of their
    locations, endpoints on their dedicated DNS."""
    applied = read_outputs("out.json")
    maas = [
        {**t.model_dump(exclude_none=True), "base_url": maas_base_url(project, _location(t.base_url))}
        for t in applied.targets
        if t.kind == "maas"
    ]
    return {
        "project": project,
        "region": region,
        "caller_service_account": applied.caller_service_account,
        "targets": maas + _endpoint_targets(emulator, project, region),
    }


def _location(base_url: str) -> str:
    return base_url.split("/locations/")[1].split("/")[0]


def _chat_paths(emulator: EmulatorProcess) -> list[str]:
    return sorted({r["path"] for r in emulator.requests() if r["path"].endswith(CHAT)})


@pytest.mark.parametrize("override", ["env", "flag"])
def test_pulumi_shaped_outputs_reach_the_emulator_through_the_override(
    engine_env: EmulatorProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: str
) -> None:
    _apply(_spec(tmp_path, maas_models=[{"name": "gpt-oss-20b"}, GEMINI_GLOBAL]))
    stack = _pulumi_stack_outputs(engine_env, "acme-genai-dev", "us-central1")
    hosts = sorted({t["base_url"].split("/v1/")[0] for t in stack["targets"]})
    assert hosts == [
        "https://aiplatform.googleapis.com",
        "https://llama-8b-vllm.us-central1-100000000001.prediction.vertexai.goog",
        "https://us-central1-aiplatform.googleapis.com",
    ]
    Path("stack.json").write_text(json.dumps(stack))
    flag = ["--api-endpoint", engine_env.url] if override == "flag" else []
    if override == "flag":
        monkeypatch.delenv("PROVISION_API_ENDPOINT")

    smoked = provision("smoke", "--outputs", "stack.json", *flag, "--json-file", "smoke.json")

    assert smoked.exit_code == 0, smoked.output
    report = json.loads(Path("smoke.json").read_text())
    assert report["ok"] is True
    assert {r["target"] for r in report["results"]} == {"gpt-oss-20b", "gemini-2.5-flash", "llama-8b-vllm"}
    base = "/v1/projects/acme-genai-dev/locations"
    assert _chat_paths(engine_env) == [
        f"{base}/global/endpoints/openapi{CHAT}",
        f"{base}/us-central1/endpoints/llama-8b-vllm{CHAT}",
        f"{base}/us-central1/endpoints/openapi{CHAT}",
    ]


def test_tgi_and_shared_host_endpoints_pass_and_the_table_names_each_check(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    _apply(
        _spec(
            tmp_path,
            endpoints=[
                {"name": "qwen-7b-tgi", "model": "qwen2.5-7b-instruct", "framework": "tgi"},
                {
                    "name": "llama-8b-shared",
                    "model": "llama-3.1-8b-instruct",
                    "accept_eula": True,
                    "hf_token_env": "HF_TOKEN",
                    "dedicated_endpoint": False,
                },
            ],
        )
    )
    targets = {t.name: t for t in read_outputs("out.json").targets}
    assert targets["llama-8b-shared"].dedicated_dns is None
    assert targets["llama-8b-shared"].base_url == (
        f"{engine_env.url}/v1/projects/acme-genai-dev/locations/us-central1/endpoints/llama-8b-shared"
    )
    assert targets["qwen-7b-tgi"].framework == "tgi"

    # As a person runs it, in a terminal wide enough that no cell folds.
    smoked = subprocess.run(
        [sys.executable, "-m", "provisioning", "smoke", "--outputs", "out.json", "--json-file", "smoke.json"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )

    assert smoked.returncode == 0, smoked.stdout + smoked.stderr
    results = json.loads(Path("smoke.json").read_text())["results"]
    for name in ("qwen-7b-tgi", "llama-8b-shared"):
        mine = {r["check"]: r["status"] for r in results if r["target"] == name}
        assert mine["plain"] == mine["stream"] == mine["errors.missing_token"] == "pass", (name, mine)
    tgi = {r["check"]: r for r in results if r["target"] == "qwen-7b-tgi"}
    assert tgi["errors.wrong_model"]["status"] == "skip"
    assert tgi["errors.wrong_model"]["message"] == "TGI ignores the model name"
    # The table a person reads: one row per target and check that ran, failures first; the skipped ones
    # collapse into one line of counts by reason.
    rows = [line for line in smoked.stdout.splitlines() if "│" in line]
    for r in results:
        if r["status"] == "skip":
            assert not any(r["check"] in row and r["target"] in row for row in rows), r
            continue
        gate = "required" if r["required"] else "optional"
        assert any(
            [cell.strip() for cell in row.split("│")[1:5]] == [r["target"], r["check"], r["status"], gate]
            for row in rows
        ), f"no table row for {r['target']} / {r['check']} / {r['status']}"
    skipped = sum(r["status"] == "skip" for r in results)
    skip_line = next(line for line in smoked.stdout.splitlines() if line.startswith("skipped: "))
    assert "(TGI ignores the model name)" in skip_line
    assert sum(int(part.split()[0]) for part in skip_line[len("skipped: ") :].split("; ")) == skipped
    assert smoked.stdout.rstrip().splitlines()[-1].startswith("OK: ")


def _targets_once_deploying(emulator: EmulatorProcess) -> list[dict[str, Any]]:
    """The endpoint targets as soon as the deploy has made the endpoint; [] while the project or its Vertex AI
    API does not exist yet (403)."""
    try:
        return _endpoint_targets(emulator, "acme-genai-dev", "us-central1")
    except httpx.HTTPStatusError as error:
        assert error.response.status_code == 403, error.response.text
        return []


def test_wait_ready_polls_through_a_running_deploy_then_passes(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    """Right after `pulumi up` / apply starts a deploy, the endpoint and its DNS exist but the chat route
    answers 400 FAILED_PRECONDITION (no deployed model yet): --wait-ready keeps polling through it."""
    engine_env.configure(lro_scale=SLOW_DEPLOY)
    apply = provision_process(tmp_path, "apply", "--spec", str(EXAMPLES / "dev.yaml"), "--json")
    try:
        deadline = time.monotonic() + 60
        while not (targets := _targets_once_deploying(engine_env)):
            assert apply.poll() is None and time.monotonic() < deadline, "the deploy never started"
            time.sleep(0.1)
        stack = {
            "project": "acme-genai-dev",
            "region": "us-central1",
            "caller_service_account": "c",
            "targets": targets,
        }
        Path("stack.json").write_text(json.dumps(stack))

        smoked = provision(
            "smoke", "--outputs", "stack.json", "--wait-ready", "60", "--json-file", "smoke.json"
        )
    finally:
        apply.communicate(timeout=120)

    assert apply.returncode == 0
    assert smoked.exit_code == 0, smoked.output
    ready = json.loads(Path("smoke.json").read_text())["results"][0]
    assert (ready["check"], ready["status"]) == ("ready", "pass")
    polls = ready["evidence"]["attempts"]
    assert polls >= 2 and ready["evidence"]["not_yet"] == {"not_deployed": polls - 1}
    assert ready["evidence"]["waited_s"] >= 1.0  # at least one backoff sleep
    chat = [r["status"] for r in engine_env.requests() if r["path"].endswith(CHAT)]
    assert chat[:polls] == [400] * (polls - 1) + [200]
