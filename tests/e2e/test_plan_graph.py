"""The step graph `provision plan` shows is the one `provision apply` runs: for every example spec, plan's
steps and what each waits on (plan --json) against the order apply ran them in (apply --json events, in the
order the DAG runner emitted them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.testing import EmulatorProcess
from tests.e2e.engine_support import EXAMPLES, events, provision

SINGLE_SPECS = sorted(p.name for p in EXAMPLES.glob("*.yaml") if p.name != "bad.yaml")


def _plan_graph(spec: str) -> dict[str, dict[str, Any]]:
    planned = provision("plan", "--spec", spec, "--json")
    assert planned.exit_code == 0, planned.output
    return {s["id"]: s for s in json.loads(planned.stdout)["steps"]}


def _check_run_matches(graph: dict[str, dict[str, Any]], run: list[dict[str, Any]]) -> None:
    """Every step of the graph ran once; none started before the steps it waits on were done; and each
    started in the very round its last dependency finished (the runner emits the steps that finished, then
    starts every step they released), so apply waited on nothing plan does not show."""
    steps = [e for e in run if e["event"] in ("step_started", "step_done")]
    started = [e["step"] for e in steps if e["event"] == "step_started"]
    assert sorted(started) == sorted(graph), "apply ran other steps than plan shows"
    assert len(started) == len(set(started))
    position = {(e["event"], e["step"]): index for index, e in enumerate(steps)}
    for step, planned in graph.items():
        start = position[("step_started", step)]
        done = [position[("step_done", d)] for d in planned["after"]]
        assert all(d < start for d in done), f"{step} started before {planned['after']} were done"
        between = [e["event"] for e in steps[max(done, default=-1) + 1 : start]]
        assert not _next_round_began(between), f"{step} waited on more than {planned['after']}: {between}"


def _next_round_began(events_between: list[str]) -> bool:
    """A start followed by a finish: the runner had started that round's steps and waited again."""
    if "step_started" not in events_between:
        return False
    return "step_done" in events_between[events_between.index("step_started") :]


@pytest.mark.parametrize("name", SINGLE_SPECS)
def test_plan_graph_is_the_order_apply_runs(engine_env: EmulatorProcess, name: str) -> None:
    spec = str(EXAMPLES / name)
    graph = _plan_graph(spec)
    assert next(iter(graph)) == "project" and graph["project"]["after"] == []
    for step in graph.values():  # stages: one more than the latest stage waited on
        assert step["stage"] == 1 + max((graph[d]["stage"] for d in step["after"]), default=0)

    applied = provision("apply", "--spec", spec, "--json")

    assert applied.exit_code == 0, applied.output
    _check_run_matches(graph, events(applied.stdout))


def test_plan_draws_the_graph_for_people(engine_env: EmulatorProcess) -> None:
    planned = provision("plan", "--spec", str(EXAMPLES / "ci.yaml"))

    assert planned.exit_code == 0, planned.output
    drawn = planned.stdout[planned.stdout.index("step graph:") :].splitlines()
    assert drawn[1:9] == [
        "  project (create)",
        "  └─ billing (link)",
        "     └─ apis (enable)",
        "        ├─ maas:gpt-oss-20b (enable)",
        "        ├─ endpoint:qwen-7b-tgi (create)",
        "        └─ caller (create)",
        "           └─ workload_identity (ensure)",
        "  outputs (write)  ◄ waits on every other step",
    ]


def test_a_step_that_waits_on_too_little_is_caught() -> None:
    """The check above fails when plan would show a dependency apply does not keep, or miss one it keeps."""
    run = [
        {"event": "step_started", "step": "a"},
        {"event": "step_done", "step": "a"},
        {"event": "step_started", "step": "b"},
        {"event": "step_done", "step": "b"},
        {"event": "step_started", "step": "c"},
        {"event": "step_done", "step": "c"},
    ]
    _check_run_matches({"a": {"after": []}, "b": {"after": ["a"]}, "c": {"after": ["b"]}}, run)
    with pytest.raises(AssertionError, match="waited on more"):  # c really waited on b
        _check_run_matches({"a": {"after": []}, "b": {"after": ["a"]}, "c": {"after": ["a"]}}, run)
    with pytest.raises(AssertionError, match="started before"):  # b did not wait on c
        _check_run_matches({"a": {"after": []}, "b": {"after": ["c"]}, "c": {"after": ["a"]}}, run)
