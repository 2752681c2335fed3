"""The console script: --help, --version, and bad input exits 2 with an actionable message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from provisioning import __version__

REPO = Path(__file__).resolve().parents[2]


def provision(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provisioning", *args], capture_output=True, text=True, cwd=REPO, timeout=60
    )


def test_version_and_help() -> None:
    assert provision("--version").stdout.strip() == f"provision {__version__}"
    result = provision("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout


def test_bad_spec_exits_2_with_field_and_fix() -> None:
    result = provision("validate", "--spec", "examples/bad.yaml")
    assert result.returncode == 2
    assert "project.id" in result.stderr
    assert "region" in result.stderr
    assert "fix:" in result.stderr


def test_good_spec_validates() -> None:
    result = provision("validate", "--spec", "examples/dev.yaml")
    assert result.returncode == 0, result.stderr
    assert "acme-genai-dev" in result.stdout


def test_unknown_command_is_usage_error() -> None:
    assert provision("no-such-command").returncode == 2
