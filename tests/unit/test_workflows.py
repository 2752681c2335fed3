"""The example GitHub workflows are valid workflow documents (checked offline against the vendored schema)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def test_workflows_match_github_schema() -> None:
    assert WORKFLOWS, "no example workflows found"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_use_federation_and_no_keys() -> None:
    for workflow in WORKFLOWS:
        text = workflow.read_text()
        document = yaml.safe_load(text)
        assert document["permissions"]["id-token"] == "write", workflow.name
        assert "workload_identity_provider" in text, workflow.name
        assert "credentials_json" not in text and "GOOGLE_APPLICATION_CREDENTIALS" not in text, workflow.name
