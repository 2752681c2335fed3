"""State locations, the per-environment lock (local flock), shards, and Cloud Storage error translation:
no server needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.api_core import exceptions

from provisioning.engine.fleet import Shard, parse_shard
from provisioning.engine.gcs_backend import translate
from provisioning.engine.local_backend import LocalBackend
from provisioning.engine.locking import LockHeldError, LockOptions, acquire, check_lock_options, hold_lock
from provisioning.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, BadInputError, ProvisionError, SpecError
from provisioning.spec import load_spec
from provisioning.state_url import parse_gcs

REPO = Path(__file__).resolve().parents[2]


def test_gs_urls_parse_into_bucket_and_prefix() -> None:
    assert (
        parse_gcs("gs://acme-state/teams/search/").object_name("p-1234", "lock") == "teams/search/p-1234.lock"
    )
    assert parse_gcs("gs://acme-state").object_name("p-1234", "state.json") == "p-1234.state.json"


@pytest.mark.parametrize(
    "url", ["gs://", "gs:///envs", "gs://UPPER/envs", "gs://a/envs", "gs://b..c/x", "gs://ok-b/../x"]
)
def test_bad_gs_urls_are_bad_input(url: str) -> None:
    with pytest.raises(BadInputError):
        parse_gcs(url)


def test_the_spec_state_key_is_validated(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    base = (REPO / "examples" / "dev.yaml").read_text()
    spec.write_text(base + "state: gs://acme-state/envs\n")
    assert load_spec(spec).state == "gs://acme-state/envs"
    spec.write_text(base + "state: gs://\n")
    with pytest.raises(SpecError, match="state: state 'gs://' names no bucket"):
        load_spec(spec)


def test_a_second_holder_of_a_local_lock_waits_then_fails_naming_the_first(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "p.state.json")
    waits: list[str] = []
    with hold_lock(backend, LockOptions(command="provision apply --spec a.yaml")) as mine:
        record = json.loads((tmp_path / "p.state.json.lock").read_text())
        assert record["who"] == mine.who and record["command"] == "provision apply --spec a.yaml"
        with pytest.raises(LockHeldError) as held:
            acquire(
                LocalBackend(tmp_path / "p.state.json"),
                mine.renewed(60),
                timeout_s=0.5,
                on_wait=lambda h, s: waits.append(h.describe()),
            )
        assert f"locked by {mine.who} (pid {mine.pid}" in held.value.what
        assert f"since {mine.since}" in held.value.what
        assert held.value.exit_code == EXIT_FINDINGS
        assert waits and "provision apply --spec a.yaml" in waits[0]
    with hold_lock(backend, LockOptions(timeout_s=0)):  # released at the end of the first
        pass


def test_a_failing_run_releases_its_lock(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "p.state.json")
    with pytest.raises(RuntimeError), hold_lock(backend, LockOptions()):
        raise RuntimeError("a step blew up")
    assert backend.read_lock() is None


def test_a_live_local_lock_cannot_be_unlocked(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "p.state.json")
    assert backend.read_lock() is None
    with hold_lock(backend, LockOptions()):
        held = backend.read_lock()
        assert held is not None and not held.stale()
        with pytest.raises(ProvisionError, match="held by a live process"):
            backend.break_lock(held)
    assert backend.read_lock() is None


@pytest.mark.parametrize(("timeout", "ttl"), [(-1.0, None), (float("nan"), None), (None, 1.0)])
def test_bad_lock_options_are_bad_input(timeout: float | None, ttl: float | None) -> None:
    with pytest.raises(BadInputError):
        check_lock_options(timeout, ttl)


def test_shards_split_sorted_specs_round_robin_into_disjoint_parts() -> None:
    items = list(range(50))
    parts = [Shard(k, 5).pick(items) for k in range(1, 6)]
    assert sorted(i for part in parts for i in part) == items
    assert {len(part) for part in parts} == {10}
    assert parse_shard("2/5") == Shard(2, 5)


@pytest.mark.parametrize("text", ["0/5", "6/5", "1/0", "a/b", "3", "-1/2", ""])
def test_bad_shards_are_bad_input(text: str) -> None:
    with pytest.raises(BadInputError):
        parse_shard(text)


def test_storage_errors_say_what_why_and_fix() -> None:
    """fake-gcs-server models no permissions, so the 403 translation is checked on the client's exception."""
    denied = translate(
        exceptions.Forbidden("caller does not have storage.objects.create access"), "lock gs://b/p.lock", "b"
    )
    assert denied.exit_code == EXIT_FINDINGS
    assert "no permission on gs://b" in denied.what and "storage.objects.create" in denied.why
    assert "roles/storage.objectUser" in denied.fix
    missing = translate(exceptions.NotFound("The specified bucket does not exist."), "read state", "b")
    assert missing.exit_code == EXIT_BAD_INPUT and "gcloud storage buckets create gs://b" in missing.fix
