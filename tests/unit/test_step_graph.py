"""The step graph as a pure function of the spec (provisioning/step_graph.py), and the engine running it."""

from __future__ import annotations

from pathlib import Path

from provisioning.engine.apply import Apply
from provisioning.spec import load_spec
from provisioning.step_graph import StepNode, apply_steps, draw, stages

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_steps_follow_the_spec() -> None:
    laptop = apply_steps(load_spec(EXAMPLES / "laptop.yaml"))
    assert [(s.id, s.after) for s in laptop] == [
        ("project", ()),
        ("billing", ("project",)),
        ("apis", ("billing",)),
        ("maas:gpt-oss-20b", ("apis",)),
        ("caller", ("apis",)),
        ("outputs", ("project", "billing", "apis", "maas:gpt-oss-20b", "caller")),
    ]
    ci = {s.id: s for s in apply_steps(load_spec(EXAMPLES / "ci.yaml"))}
    assert ci["workload_identity"].after == ("caller",)
    assert "budget" not in ci
    assert ci["endpoint:qwen-7b-tgi"].subject == "qwen-7b-tgi"


def test_the_engine_runs_the_graph_it_is_given() -> None:
    spec = load_spec(EXAMPLES / "dev.yaml")
    bound = Apply(spec, None, None, None, Path()).steps()  # type: ignore[arg-type]  # nothing runs
    assert [(s.name, s.after) for s in bound] == [(n.id, n.after) for n in apply_steps(spec)]


def test_stages_and_drawing_of_a_step_that_waits_on_several() -> None:
    graph = [
        StepNode("project", "project"),
        StepNode("billing", "billing", after=("project",)),
        StepNode("apis", "apis", after=("project",)),
        StepNode("caller", "caller", after=("billing", "apis")),
        StepNode("outputs", "outputs", after=("project", "billing", "apis", "caller")),
    ]
    assert stages(graph) == {"project": 1, "billing": 2, "apis": 2, "caller": 3, "outputs": 4}
    assert draw(graph, {"billing": "link"}) == [
        "project",
        "├─ billing (link)",
        "└─ apis",
        "caller  ◄ waits on billing, apis",
        "outputs  ◄ waits on every other step",
    ]
