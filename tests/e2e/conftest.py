"""E2e fixtures beyond tests/conftest.py's `emulator` / `emulator_env`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.gcs_fake import FakeGcs
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


@pytest.fixture(scope="session")
def fake_gcs() -> Iterator[FakeGcs]:
    server = FakeGcs.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def gcs_state(fake_gcs: FakeGcs, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket in the fake, STORAGE_EMULATOR_HOST set; yields the --state URL gs://BUCKET/envs."""
    bucket = f"state-{uuid.uuid4().hex[:12]}"
    fake_gcs.create_bucket(bucket)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", fake_gcs.url)
    yield f"gs://{bucket}/envs"
