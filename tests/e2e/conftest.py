"""E2e fixtures beyond tests/conftest.py's `emulator` / `emulator_env`."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import FAST_LRO


@pytest.fixture
def engine_env(
    emulator_env: EmulatorProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> EmulatorProcess:
    """The emulator reset, fast LROs, HF_TOKEN set, and the working directory a fresh tmp_path (state and
    outputs default to ./.provision/)."""
    emulator_env.configure(lro_scale=FAST_LRO)
    monkeypatch.setenv("HF_TOKEN", "hf_e2e_secret_token")
    monkeypatch.chdir(tmp_path)
    return emulator_env
