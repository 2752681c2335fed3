"""Least privilege after a real apply: the caller account holds only roles/aiplatform.user, no service-account
key was ever requested or written, and the Pulumi graph has no key and pins its WIF provider to one repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from infra.graph import resource_graph
from infra.policy import SA_KEY, WIF_PROVIDER, check
from provisioning.spec import parse_spec
from tests.reliability.support import DEV, PROJECT, apply_env, dev_spec, dev_world, run_cli, write_dev_spec

pytestmark = pytest.mark.e2e

CALLER = f"serviceAccount:{DEV['caller']['service_account_id']}@{PROJECT}.iam.gserviceaccount.com"


def test_caller_has_only_vertex_user_and_no_key_exists(emulator_env: EmulatorProcess, tmp_path: Path) -> None:
    result = run_cli(
        "apply", "--spec", str(write_dev_spec(tmp_path)), "--json", cwd=tmp_path, env=apply_env()
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]

    with dev_world(emulator_env.url) as world:
        bindings = world.iam_policy().get("bindings", [])
    roles = sorted(b["role"] for b in bindings if CALLER in b.get("members", []))
    assert roles == ["roles/aiplatform.user"], bindings
    key_calls = [r for r in emulator_env.requests() if "/keys" in r["path"]]
    assert key_calls == []
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b'"private_key' not in path.read_bytes(), f"{path} looks like a service-account key"


@pytest.mark.parametrize("federated", [False, True])
def test_pulumi_graph_has_no_key_and_a_pinned_wif_provider(federated: bool) -> None:
    data = dev_spec()
    if federated:
        data["caller"]["workload_identity"] = {"github_repository": "acme/inference-app"}
    graph = resource_graph(parse_spec(data))
    assert [n for n in graph if n["type"] == SA_KEY] == []
    providers = [n for n in graph if n["type"] == WIF_PROVIDER]
    assert len(providers) == (1 if federated else 0)
    for provider in providers:
        assert provider["inputs"]["attributeCondition"] == 'assertion.repository == "acme/inference-app"'
    assert check(graph) == []
