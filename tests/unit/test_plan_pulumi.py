"""`provision plan --engine pulumi`: the Pulumi resource graph for a spec, offline, as a table or JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.graph import resource_graph
from provisioning.spec import load_spec

REPO = Path(__file__).resolve().parents[2]


def provision(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROVISION_API_ENDPOINT"}
    return subprocess.run(
        [sys.executable, "-m", "provisioning", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        env={**env, "COLUMNS": "250", "PROVISION_API_ENDPOINT": "http://127.0.0.1:9"},  # nothing listens
    )


def test_json_lists_every_node_of_the_resource_graph_with_its_edges() -> None:
    done = provision("plan", "--engine", "pulumi", "--spec", "examples/dev.yaml", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["engine"] == "pulumi" and data["project"] == "acme-genai-dev"
    expected = resource_graph(load_spec(REPO / "examples/dev.yaml"))
    got = {(r["type"], r["name"]): r for r in data["resources"]}
    assert set(got) == {(n["type"], n["name"]) for n in expected}
    endpoint = got[
        (
            "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment",
            "llama-8b-vllm",
        )
    ]
    assert endpoint["parent"] == "vertexbootstrap:index:ServingEndpoint::llama-8b-vllm"
    assert "gcp:projects/service:Service::aiplatform" in endpoint["depends_on"]


def test_table_shows_type_name_parent_and_dependencies() -> None:
    done = provision("plan", "--engine", "pulumi", "--spec", "examples/laptop.yaml")
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if "depends on" in line)
    assert [c.strip() for c in header.split("┃")[1:-1]] == ["type", "name", "parent", "depends on"]
    row = next(line for line in done.stdout.splitlines() if "gcp:serviceaccount/account:Account" in line)
    assert "llm-caller" in row and "caller (CallerIdentity)" in row and "iam (Service)" in row
    assert "AiEndpoint" not in done.stdout  # the laptop spec deploys no endpoint


def test_unknown_engine_is_bad_input() -> None:
    done = provision("plan", "--engine", "terraform", "--spec", "examples/dev.yaml")
    assert done.returncode == 2
    assert "--engine must be engine or pulumi" in done.stderr
