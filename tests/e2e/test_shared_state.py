"""Shared state in Cloud Storage (fake-gcs-server through the official client) and the per-environment lock:
generation preconditions, concurrent applies, a killed lock holder, a second operator, bad state input."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from google.api_core import exceptions
from google.cloud import storage

from emulator.gcs_fake import FakeGcs
from emulator.testing import EmulatorProcess
from provisioning.engine.locking import LockOptions, hold_lock
from provisioning.engine.state import StateFile, open_backend
from tests.e2e.engine_support import (
    EXAMPLES,
    clear_requests,
    endpoints,
    google,
    mutating,
    provision,
    provision_process,
)

DEV = EXAMPLES / "dev.yaml"
PROJECT = "acme-genai-dev"


def bucket_of(url: str) -> str:
    return url.removeprefix("gs://").split("/")[0]


def test_the_fake_refuses_a_write_on_a_stale_generation_with_412(gcs_state: str) -> None:
    bucket = storage.Client(project="<none>").bucket(bucket_of(gcs_state))
    blob = bucket.blob("envs/x.lock")
    blob.upload_from_string("first", if_generation_match=0)
    with pytest.raises(exceptions.PreconditionFailed) as refused:
        bucket.blob("envs/x.lock").upload_from_string("second", if_generation_match=0)
    assert refused.value.code == 412
    with pytest.raises(exceptions.PreconditionFailed):
        bucket.blob("envs/x.lock").upload_from_string(
            "third", if_generation_match=int(blob.generation or 0) + 1
        )
    assert bucket.blob("envs/x.lock").download_as_bytes() == b"first"


def test_a_write_from_a_stale_read_is_refused_and_redone_on_a_fresh_read(
    gcs_state: str, fake_gcs: FakeGcs
) -> None:
    first = StateFile(open_backend(gcs_state, PROJECT), PROJECT)
    stale = StateFile(open_backend(gcs_state, PROJECT), PROJECT)  # reads the same (empty) document
    first.put("endpoints", "a", {"name": "one"})
    first.set("created_project", True)
    stale.put("endpoints", "b", {"name": "two"})  # based on a stale read: 412, then redone
    saved = json.loads(fake_gcs.objects(bucket_of(gcs_state))[f"envs/{PROJECT}.state.json"])
    assert saved["endpoints"] == {"a": {"name": "one"}, "b": {"name": "two"}}
    assert saved["created_project"] is True
    assert StateFile(open_backend(gcs_state, PROJECT), PROJECT).data == saved


def world(emulator: EmulatorProcess) -> dict[str, int]:
    """What exists for examples/dev.yaml, counted in the emulator (creates that succeeded, and listings)."""
    log = emulator.requests()
    created = [f"{r['method']} {r['path']}" for r in log if r["method"] == "POST" and r["status"] == 200]
    endpoints = sum(
        len(google_endpoints(emulator, region)) for region in ("us-central1", "us-east4", "europe-west4")
    )
    budgets = google(emulator, "GET", "/v1/billingAccounts/012345-6789AB-CDEF01/budgets").get("budgets", [])
    accounts = google(emulator, "GET", f"/v1/projects/{PROJECT}/serviceAccounts").get("accounts", [])
    return {
        "project creates": created.count("POST /v3/projects"),
        "endpoints": endpoints,
        "budgets": len([b for b in budgets if PROJECT in b.get("displayName", "")]),
        "caller accounts": len(accounts),
    }


ONE_OF_EACH = {"project creates": 1, "endpoints": 1, "budgets": 1, "caller accounts": 1}


def google_endpoints(emulator: EmulatorProcess, region: str) -> list[dict[str, object]]:
    return endpoints(emulator, PROJECT, region)


def run_all(processes: list[subprocess.Popen[str]], timeout: float = 300) -> list[tuple[int, str, str]]:
    results = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        results.append((process.returncode, out, err))
    return results


def assert_clear_outcomes(results: list[tuple[int, str, str]]) -> None:
    """Every process ended 0, or 1 with an error that says what, why and how to fix it."""
    for code, out, err in results:
        assert code in (0, 1), (code, err[-2000:])
        if code == 1:
            assert re.search(r"error( in step \S+)?: ", err) or '"step_failed"' in out, err[-2000:]


def test_ten_concurrent_applies_on_shared_gcs_state_make_one_of_each(
    engine_env: EmulatorProcess, gcs_state: str, fake_gcs: FakeGcs, tmp_path: Path
) -> None:
    runs = [
        provision_process(
            tmp_path, "apply", "--spec", str(DEV), "--state", gcs_state, "--lock-timeout", "240"
        )
        for _ in range(10)
    ]
    results = run_all(runs)
    assert_clear_outcomes(results)
    assert [code for code, _, _ in results].count(0) == 10, [err[-800:] for c, _, err in results if c]
    assert world(engine_env) == ONE_OF_EACH
    saved = json.loads(fake_gcs.objects(bucket_of(gcs_state))[f"envs/{PROJECT}.state.json"])
    [endpoint] = endpoints(engine_env, PROJECT)
    assert saved["project"] == PROJECT and saved["created_project"] is True
    assert saved["endpoints"]["llama-8b-vllm"]["name"] == endpoint["name"]
    assert saved["operations"] == {}
    assert f"envs/{PROJECT}.lock" not in fake_gcs.objects(bucket_of(gcs_state))  # released by every run
    assert any("waiting for the lock held by" in err for _, _, err in results)


def test_ten_concurrent_applies_with_separate_local_state_make_one_of_each(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    """Ten laptops: no shared state, no shared lock. The deterministic ids and labels are the defence."""
    dirs = [tmp_path / f"laptop-{n}" for n in range(10)]
    for directory in dirs:
        directory.mkdir()
    results = run_all([provision_process(d, "apply", "--spec", str(DEV)) for d in dirs])
    assert_clear_outcomes(results)
    failures = [err[err.find("error in step") :] for code, _, err in results if code]
    print(f"{len(failures)} of 10 runs exited 1:", *failures, sep="\n")  # shown with -s: which race lost
    assert world(engine_env) == ONE_OF_EACH, failures
    for directory in dirs:  # every laptop's state parses and names the one endpoint when its run succeeded
        saved = json.loads((directory / ".provision" / f"{PROJECT}.state.json").read_text())
        assert saved["project"] == PROJECT


def wait_for_object(fake: FakeGcs, bucket: str, name: str, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = fake.objects(bucket).get(name)
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{name} never appeared in {bucket}")


def kill_while_holding_the_lock(
    emulator: EmulatorProcess,
    fake: FakeGcs,
    state: str,
    cwd: Path,
    ttl: str,
    sig: signal.Signals = signal.SIGKILL,
) -> tuple[dict[str, str], int, str]:
    """Start an apply with slow deploys, signal it once it holds the lock and deploys; its lock record,
    exit code and stderr."""
    emulator.configure(lro_scale=0.05)  # the 25-minute deploy takes 75 s
    holder = provision_process(cwd, "apply", "--spec", str(DEV), "--state", state, "--lock-ttl", ttl)
    bucket = bucket_of(state)
    wait_for_object(fake, bucket, f"envs/{PROJECT}.lock")
    deadline = time.monotonic() + 60
    while "endpoint:llama-8b-vllm" not in str(fake.objects(bucket).get(f"envs/{PROJECT}.state.json", b"")):
        assert time.monotonic() < deadline and holder.poll() is None, "the holder never started its deploy"
        time.sleep(0.1)
    record = dict(json.loads(fake.objects(bucket)[f"envs/{PROJECT}.lock"]))
    holder.send_signal(sig)
    _, err = holder.communicate(timeout=30)
    emulator.configure(lro_scale=0.0005)
    return record, holder.returncode, err


def apply_at_once_converges(emulator: EmulatorProcess, state: str, cwd: Path) -> None:
    """An apply that may not wait for any lock succeeds and leaves one of each."""
    resumed = provision_process(cwd, "apply", "--spec", str(DEV), "--state", state, "--lock-timeout", "0")
    _, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err[-2000:]
    assert world(emulator) == ONE_OF_EACH


def test_a_killed_runs_lock_names_its_holder_and_is_taken_over_after_its_expiry(
    engine_env: EmulatorProcess, gcs_state: str, fake_gcs: FakeGcs, tmp_path: Path
) -> None:
    record, _, _ = kill_while_holding_the_lock(engine_env, fake_gcs, gcs_state, tmp_path, ttl="20")
    blocked = provision_process(
        tmp_path, "apply", "--spec", str(DEV), "--state", gcs_state, "--lock-timeout", "0"
    )
    _, err = blocked.communicate(timeout=120)
    assert blocked.returncode == 1, err
    flat = " ".join(err.split())
    assert f"locked by {record['who']} (pid {record['pid']}" in flat and f"since {record['since']}" in flat
    assert "provision unlock" in flat
    resumed = provision_process(
        tmp_path, "apply", "--spec", str(DEV), "--state", gcs_state, "--lock-timeout", "60"
    )
    _, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err[-2000:]
    assert f"waiting for the lock held by {record['who']}" in " ".join(err.split())
    assert world(engine_env) == ONE_OF_EACH
    assert f"envs/{PROJECT}.lock" not in fake_gcs.objects(bucket_of(gcs_state))


def test_provision_unlock_clears_a_killed_runs_lock_and_the_next_apply_converges(
    engine_env: EmulatorProcess, gcs_state: str, fake_gcs: FakeGcs, tmp_path: Path
) -> None:
    record, _, _ = kill_while_holding_the_lock(engine_env, fake_gcs, gcs_state, tmp_path, ttl="600")
    refused = provision("unlock", "--spec", str(DEV), "--state", gcs_state)  # no terminal, no --yes
    assert refused.exit_code == 2 and "--yes" in refused.output
    cleared = provision("unlock", "--spec", str(DEV), "--state", gcs_state, "--yes")
    assert cleared.exit_code == 0, cleared.output
    assert record["who"] in " ".join(cleared.output.split()) and "unlocked" in cleared.output
    apply_at_once_converges(engine_env, gcs_state, tmp_path)


def test_sigterm_releases_the_lock_and_the_next_apply_resumes_at_once(
    engine_env: EmulatorProcess, gcs_state: str, fake_gcs: FakeGcs, tmp_path: Path
) -> None:
    _, code, err = kill_while_holding_the_lock(
        engine_env, fake_gcs, gcs_state, tmp_path, ttl="600", sig=signal.SIGTERM
    )
    assert code == 128 + signal.SIGTERM and "SIGTERM: released 1 lock(s)" in err
    assert f"envs/{PROJECT}.lock" not in fake_gcs.objects(bucket_of(gcs_state))
    apply_at_once_converges(engine_env, gcs_state, tmp_path)


def test_a_second_operator_destroys_from_the_shared_state_exactly_what_the_first_created(
    engine_env: EmulatorProcess, gcs_state: str, fake_gcs: FakeGcs, tmp_path: Path
) -> None:
    first, second = tmp_path / "alice", tmp_path / "bob"
    first.mkdir()
    second.mkdir()
    applied = provision_process(first, "apply", "--spec", str(DEV), "--state", gcs_state)
    _, err = applied.communicate(timeout=180)
    assert applied.returncode == 0, err[-2000:]
    saved = json.loads(fake_gcs.objects(bucket_of(gcs_state))[f"envs/{PROJECT}.state.json"])
    created = saved["endpoints"]["llama-8b-vllm"]
    [budget] = [
        b for b in google(engine_env, "GET", "/v1/billingAccounts/012345-6789AB-CDEF01/budgets")["budgets"]
    ]
    engine_env.configure(record_bodies=True)
    before = len(engine_env.requests())
    destroyed = provision_process(
        second, "destroy", "--spec", str(DEV), "--state", gcs_state, "--delete-project", "--yes"
    )
    _, err = destroyed.communicate(timeout=180)
    assert destroyed.returncode == 0, err[-2000:]
    assert list(second.iterdir()) == []  # nothing local was needed, nothing local was written
    deletes = sorted(
        f"{r['method']} {r['path'].removeprefix('/v1/').removeprefix('/v1beta1/').removeprefix('/v3/')}"
        for r in engine_env.requests()[before:]
        if r["method"] == "DELETE"
    )
    models = [f"DELETE {m}" for m in created["models"]]
    wanted = sorted(
        [f"DELETE {created['name']}", *models, f"DELETE projects/{PROJECT}", f"DELETE {budget['name']}"]
    )
    assert deletes == wanted
    assert google(engine_env, "GET", f"/v3/projects/{PROJECT}")["state"] == "DELETE_REQUESTED"
    after = json.loads(fake_gcs.objects(bucket_of(gcs_state))[f"envs/{PROJECT}.state.json"])
    assert after["created_project"] is False and after["endpoints"] == {}


def test_a_gs_url_without_a_bucket_is_refused_before_any_call(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    for command in ("apply", "destroy", "plan"):
        result = provision(command, "--spec", str(DEV), "--state", "gs://")
        assert result.exit_code == 2, result.output
        assert "names no bucket" in result.output and "fix:" in result.output
    spec = tmp_path / "spec.yaml"
    spec.write_text(DEV.read_text() + "state: gs:///envs\n")
    result = provision("apply", "--spec", str(spec))
    assert result.exit_code == 2 and "state" in result.output and "names no bucket" in result.output
    assert engine_env.requests() == []


def test_a_missing_bucket_is_refused_with_nothing_mutated(
    engine_env: EmulatorProcess, fake_gcs: FakeGcs, gcs_state: str, tmp_path: Path
) -> None:
    writes_before = len(fake_gcs.writes())
    for command in ("apply", "destroy", "plan"):
        yes = ["--yes"] if command == "destroy" else []  # past the confirmation, to the bucket
        result = provision(command, "--spec", str(DEV), "--state", "gs://no-such-bucket-here/envs", *yes)
        assert result.exit_code == 2, result.output
        flat = " ".join(result.output.split())
        assert "bucket gs://no-such-bucket-here does not exist" in flat
        assert "gcloud storage buckets create gs://no-such-bucket-here" in flat
    assert mutating(engine_env) == []
    assert fake_gcs.writes()[writes_before:] == []
    assert not (tmp_path / ".provision").exists()


FLEET = EXAMPLES / "fleet"


def test_fleet_list_and_shards_split_a_folder_with_shared_state(
    engine_env: EmulatorProcess, gcs_state: str, fake_gcs: FakeGcs
) -> None:
    listed = provision("fleet", "list", "--spec", str(FLEET), "--json")
    assert listed.exit_code == 0, listed.output
    matrix = json.loads(listed.stdout)
    assert [row["project"] for row in matrix] == ["alpha-genai-dev", "beta-genai-dev", "gamma-genai-dev"]
    assert all(Path(row["spec"]).is_file() for row in matrix)
    bad = provision("apply", "--spec", str(FLEET), "--shard", "3/2")
    assert bad.exit_code == 2 and "K/N" in bad.output and engine_env.requests() == []
    for shard in ("1/2", "2/2"):
        result = provision("apply", "--spec", str(FLEET), "--shard", shard, "--state", gcs_state, "--json")
        assert result.exit_code == 0, result.output
        applied = {e["project"] for e in json.loads(result.stdout.splitlines()[-1])["environments"]}
        assert applied == ({"alpha-genai-dev", "gamma-genai-dev"} if shard == "1/2" else {"beta-genai-dev"})
    saved = sorted(n for n in fake_gcs.objects(bucket_of(gcs_state)) if n.endswith(".state.json"))
    assert saved == [f"envs/{row['project']}.state.json" for row in matrix]


def test_reap_takes_the_lock_while_plan_and_a_dry_run_only_read(
    engine_env: EmulatorProcess, gcs_state: str
) -> None:
    applied = provision("apply", "--spec", str(DEV), "--state", gcs_state)
    assert applied.exit_code == 0, applied.output
    clear_requests(engine_env)
    with hold_lock(open_backend(gcs_state, PROJECT), LockOptions(command="provision apply --spec dev.yaml")):
        reaped = provision("reap", "--spec", str(DEV), "--state", gcs_state, "--lock-timeout", "0", "--yes")
        assert (
            reaped.exit_code == 1
            and "locked by" in reaped.output
            and "provision apply --spec dev.yaml" in reaped.output
        )
        assert provision("reap", "--spec", str(DEV), "--state", gcs_state, "--dry-run").exit_code == 0
        planned = provision("plan", "--spec", str(DEV), "--state", gcs_state, "--json")
        lock = json.loads(planned.stdout)["state"]["lock"]
        assert "provision apply --spec dev.yaml" in lock["holder"] and lock["stale"] is False
    assert mutating(engine_env) == []
    reaped = provision("reap", "--spec", str(DEV), "--state", gcs_state, "--lock-timeout", "0", "--yes")
    assert reaped.exit_code == 0, reaped.output
