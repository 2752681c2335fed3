"""The example GitHub workflows are valid workflow documents (checked offline against the vendored schema)."""

from __future__ import annotations

import os
import re
import shlex
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


def _provision_lines() -> list[tuple[str, list[str]]]:
    """(workflow, words) of every `provision ...` line in a `run:` step."""
    lines = []
    for workflow in WORKFLOWS:
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for step in job["steps"]:
                for line in str(step.get("run", "")).splitlines():
                    if line.strip().startswith("provision "):
                        lines.append((workflow.name, shlex.split(line.strip())))
    return lines


def test_every_provision_subcommand_and_flag_in_the_workflows_exists() -> None:
    used = _provision_lines()
    assert used, "the workflows run no provision command"
    for subcommand in sorted({words[1] for _, words in used}):
        help_text = subprocess.run(
            [sys.executable, "-m", "provisioning", subcommand, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "200"},
        )
        assert help_text.returncode == 0, f"provision {subcommand}: {help_text.stderr}"
        flags = set(re.findall(r"(--[a-z][a-z0-9-]*)", help_text.stdout))
        for workflow, words in used:
            if words[1] == subcommand:
                unknown = [w for w in words[2:] if w.startswith("--") and w not in flags]
                assert unknown == [], f"{workflow}: `provision {subcommand}` has no {unknown}"
