"""Every malformed spec, file or flag: exit 2, a message naming the field and a fix, and no request at all.

Runs the real CLI as a subprocess against the emulator; the emulator's request log must stay empty (not just
free of mutations: a bad input must not even be read-checked against the API). Cases: bad_inputs.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from emulator.testing import EmulatorProcess
from tests.reliability.bad_inputs import CASES, Case, write_outputs, write_spec
from tests.reliability.support import dev_spec, run_cli

pytestmark = pytest.mark.e2e


def _prepare(tmp_path: Path) -> None:
    """Files some cases point at: an empty token file, broken and foreign state files, a spec folder."""
    (tmp_path / "empty-token").write_text("\n", encoding="utf-8")
    (tmp_path / "corrupt.state.json").write_text('{"version": 1, "project": ', encoding="utf-8")
    (tmp_path / "other.state.json").write_text(json.dumps({"version": 1, "project": "other-project"}))
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "dev.yaml").write_text(yaml.safe_dump(dev_spec()), encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_exits_2_with_field_and_fix_and_sends_nothing(
    case: Case, emulator_env: EmulatorProcess, tmp_path: Path
) -> None:
    _prepare(tmp_path)
    spec_path, outputs_path = tmp_path / "spec.yaml", tmp_path / "outputs.json"
    write_spec(case.spec, spec_path)
    write_outputs(case.outputs, outputs_path, emulator_env.url)
    values = {
        "spec": str(spec_path),
        "outputs": str(outputs_path),
        "tmp": str(tmp_path),
        "emulator": emulator_env.url,
    }
    env = {**os.environ, "HF_TOKEN": "hf_bad_input_corpus_token"}
    for name, value in case.env.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value.format(**values)

    result = run_cli(*(arg.format(**values) for arg in case.argv), cwd=tmp_path, env=env)

    message = result.stderr
    assert result.returncode == 2, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {message}"
    assert "Traceback" not in message, message
    for expected in case.expect:
        assert expected in message, f"{expected!r} not in: {message}"
    assert "fix:" in message or "--help" in message, f"no fix offered: {message}"
    assert emulator_env.requests() == [], "a bad input reached the API"
