"""`provision plan --engine pulumi`: the Pulumi resource graph for a spec, offline, as a table or JSON,
with the key inputs a reviewer needs and the policy's verdict (exit 1 when `pulumi up` would refuse it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from infra.graph import resource_graph
from provisioning.spec import load_spec
from tests.unit.infra_helpers import DEPLOYMENT, REPO, TOKEN, dev_data


def provision(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROVISION_API_ENDPOINT"}
    return subprocess.run(
        [sys.executable, "-m", "provisioning", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        # nothing listens on port 9; a real-looking token in HF_TOKEN must not reach the output
        env={**env, "COLUMNS": "250", "PROVISION_API_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": TOKEN},
    )


def plan_json(spec: str) -> tuple[int, dict[str, Any], str]:
    done = provision("plan", "--engine", "pulumi", "--spec", spec, "--json")
    assert TOKEN not in done.stdout + done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def spec_file(tmp_path: Path, **changes: Any) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(dev_data(**changes)))
    return str(path)


def test_json_lists_every_node_of_the_resource_graph_with_its_edges() -> None:
    code, data, stderr = plan_json("examples/dev.yaml")
    assert code == 0, stderr
    assert data["engine"] == "pulumi" and data["project"] == "acme-genai-dev"
    expected = resource_graph(load_spec(REPO / "examples/dev.yaml"))
    got = {(r["type"], r["name"]): r for r in data["resources"]}
    assert set(got) == {(n["type"], n["name"]) for n in expected}
    endpoint = got[(DEPLOYMENT, "llama-8b-vllm")]
    assert endpoint["parent"] == "vertexbootstrap:index:ServingEndpoint::llama-8b-vllm"
    assert "gcp:projects/service:Service::aiplatform" in endpoint["depends_on"]


def test_json_gives_the_key_inputs_with_the_token_as_a_secret() -> None:
    _, data, _ = plan_json("examples/dev.yaml")
    got = {(r["type"], r["name"]): r["inputs"] for r in data["resources"]}
    endpoint = got[(DEPLOYMENT, "llama-8b-vllm")]
    assert {k: endpoint[k] for k in ("machineType", "acceleratorType", "acceleratorCount")} == {
        "machineType": "g2-standard-12",
        "acceleratorType": "NVIDIA_L4",
        "acceleratorCount": 1,
    }
    assert (endpoint["minReplicaCount"], endpoint["maxReplicaCount"]) == (1, 2)
    assert endpoint["publisherModelName"] == "publishers/meta/models/llama3-1@llama-3.1-8b-instruct"
    assert endpoint["acceptEula"] is True
    assert endpoint["huggingFaceAccessToken"] == "[secret]"
    assert endpoint["systemLabels"]["expires-at"]  # set from the spec's ttl
    assert endpoint["systemLabels"]["managed-by"] == "provision"
    apis = {i["service"] for (t, _), i in got.items() if t == "gcp:projects/service:Service"}
    assert apis == set(load_spec(REPO / "examples/dev.yaml").required_apis())
    enable = got[("gcp:vertex/aiModelGardenEnableModel:AiModelGardenEnableModel", "enable-gpt-oss-20b-maas")]
    assert enable == {"publisherModelName": "publishers/openai/models/gpt-oss-20b-maas"}
    assert data["policy"] == {"passed": True, "violations": []} and data["exit_code"] == 0


def test_table_shows_type_name_parent_dependencies_key_inputs_and_the_verdict() -> None:
    done = provision("plan", "--engine", "pulumi", "--spec", "examples/dev.yaml")
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if "depends on" in line)
    assert [c.strip() for c in header.split("┃")[1:-1]] == [
        "type",
        "name",
        "parent",
        "depends on",
        "key inputs",
    ]
    row = next(line for line in done.stdout.splitlines() if "gcp:serviceaccount/account:Account" in line)
    assert "llm-caller" in row and "caller (CallerIdentity)" in row and "iam (Service)" in row
    for shown in ("machineType: g2-standard-12", "acceleratorType: NVIDIA_L4", "maxReplicaCount: 2"):
        assert shown in done.stdout
    assert "huggingFaceAccessToken: [secret]" in done.stdout and TOKEN not in done.stdout
    assert "expires-at=2" in done.stdout  # systemLabels: ..., expires-at=20YYMMDDt...
    assert "policy: passed" in done.stdout


def test_laptop_spec_deploys_no_endpoint() -> None:
    done = provision("plan", "--engine", "pulumi", "--spec", "examples/laptop.yaml")
    assert done.returncode == 0, done.stderr
    assert "AiEndpoint" not in done.stdout


def test_policy_violation_is_printed_with_its_fix_and_exits_1(tmp_path: Path) -> None:
    spec = spec_file(tmp_path, ttl=None)
    done = provision("plan", "--engine", "pulumi", "--spec", spec)
    assert done.returncode == 1, done.stderr
    assert "policy: 1 violation(s)" in done.stdout
    assert f"{DEPLOYMENT}::llama-8b-vllm: [gpu-expires-at]" in done.stdout
    assert "fix: set ttl: in the spec" in done.stdout
    code, data, _ = plan_json(spec)
    assert code == 1 and data["exit_code"] == 1 and data["policy"]["passed"] is False
    assert [(v["rule"], v["resource"]) for v in data["policy"]["violations"]] == [
        ("gpu-expires-at", f"{DEPLOYMENT}::llama-8b-vllm")
    ]


def test_unknown_engine_is_bad_input() -> None:
    done = provision("plan", "--engine", "terraform", "--spec", "examples/dev.yaml")
    assert done.returncode == 2
    assert "--engine must be engine or pulumi" in done.stderr
