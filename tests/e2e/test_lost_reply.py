"""Exactly-once creates: for every mutating route apply uses, the emulator serves the request (it takes
effect) and then resets the connection before any byte of the reply (fault `lose_reply`, once). Apply must
still exit 0 with exactly one of what that route makes, and `destroy --delete-project` must leave nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from tests.conftest import EMULATOR_TOKEN
from tests.e2e.engine_support import provision
from tests.e2e.lost_reply_support import ACCOUNT, ROUTES, Cloud, Route, write_spec


@pytest.mark.parametrize("route", ROUTES, ids=[r.what for r in ROUTES])
def test_a_lost_reply_converges_with_exactly_one(
    engine_env: EmulatorProcess, tmp_path: Path, route: Route
) -> None:
    spec = str(write_spec(tmp_path))
    engine_env.set_faults([route.fault])

    applied = provision("apply", "--spec", spec, "--json")

    lost = [r for r in engine_env.requests(mutating_only=True) if r.get("reply_lost")]
    assert len(lost) == 1, f"the fault did not fire once on {route.path}: {lost}"
    assert applied.exit_code == 0, applied.output[-3000:]
    with Cloud(engine_env.url, EMULATOR_TOKEN) as cloud:
        assert route.count(cloud) == 1, route.what

    destroyed = provision("destroy", "--spec", spec, "--delete-project", "--json", "--yes")

    assert destroyed.exit_code == 0, destroyed.output[-3000:]
    with Cloud(engine_env.url, EMULATOR_TOKEN) as cloud:
        left = {"projects": cloud.projects(), "budgets": cloud.budgets(), "endpoints": cloud.endpoints()}
        left["models"] = cloud.models()
        assert not any(left.values()), left


def test_destroy_deletes_a_duplicate_budget_an_older_version_left(
    engine_env: EmulatorProcess, tmp_path: Path
) -> None:
    spec = str(write_spec(tmp_path))
    assert provision("apply", "--spec", spec, "--json").exit_code == 0
    with Cloud(engine_env.url, EMULATOR_TOKEN) as cloud:
        [budget] = cloud.budgets()
        copy = {k: budget[k] for k in ("displayName", "budgetFilter", "amount", "thresholdRules")}
        cloud.http.post(f"/v1/{ACCOUNT}/budgets", json=copy).raise_for_status()
        assert len(cloud.budgets()) == 2

    destroyed = provision("destroy", "--spec", spec, "--delete-project", "--json", "--yes")

    assert destroyed.exit_code == 0, destroyed.output[-3000:]
    with Cloud(engine_env.url, EMULATOR_TOKEN) as cloud:
        assert cloud.budgets() == []
