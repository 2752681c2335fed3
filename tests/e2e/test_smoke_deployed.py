"""`provision smoke` on what an apply deployed into the emulator: outputs the way the Pulumi stack writes them
(real Google hosts, dedicated DNS) sent to the emulator by the endpoint override, and self-deployed TGI and
shared-host endpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.testing import EmulatorProcess
from provisioning.outputs import endpoint_base_url, maas_base_url, read_outputs
from tests.e2e.engine_support import EXAMPLES, endpoints, provision

CHAT = "/chat/completions"
GEMINI_GLOBAL = {"name": "gemini-2.5-flash", "location": "global"}


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


def _pulumi_stack_outputs(emulator: EmulatorProcess, project: str, region: str) -> dict[str, Any]:
    """`pulumi stack output --json` for what exists: real Google hosts, built the way infra/ builds them (MaaS
    from the spec's models and locations, endpoints from the endpoint's own dedicatedEndpointDns)."""
    applied = read_outputs("out.json")
    targets: list[dict[str, Any]] = []
    for t in applied.targets:
        if t.kind == "maas":
            location = t.base_url.split("/locations/")[1].split("/")[0]
            targets.append({**t.model_dump(exclude_none=True), "base_url": maas_base_url(project, location)})
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
    return {
        "project": project,
        "region": region,
        "caller_service_account": applied.caller_service_account,
        "targets": targets,
    }


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

    smoked = provision("smoke", "--outputs", "stack.json", *flag, "--json", "smoke.json")

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
        [sys.executable, "-m", "provisioning", "smoke", "--outputs", "out.json", "--json", "smoke.json"],
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
    # The table a person reads: one row per target and check, with its status and gate.
    rows = [line for line in smoked.stdout.splitlines() if "│" in line]
    for r in results:
        gate = "-" if r["status"] == "skip" else "required" if r["required"] else "optional"
        assert any(
            [cell.strip() for cell in row.split("│")[1:5]] == [r["target"], r["check"], r["status"], gate]
            for row in rows
        ), f"no table row for {r['target']} / {r['check']} / {r['status']}"
    assert smoked.stdout.rstrip().splitlines()[-1].startswith("OK: ")
