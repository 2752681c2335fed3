"""The steps `provision apply` runs for a spec and what each waits on: a pure function of the spec.

    project ─► billing ─► apis ─┬─► maas:<model> ...
                                ├─► endpoint:<name> ...
                                ├─► budget                (when the spec sets one)
                                └─► caller ─► workload_identity   (when the spec sets one)
                                         all of them ─► outputs

The engine binds a runner to each step (engine/apply.py) and runs them with engine/dag.py: a step starts as
soon as the steps it waits on are done. `provision plan` lists and draws this same graph, so what plan shows
is by construction what apply runs. No clients, no I/O: plan imports it without the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from provisioning.spec import EnvironmentSpec

Kind = Literal[
    "project", "billing", "apis", "maas", "endpoint", "caller", "budget", "workload_identity", "outputs"
]


@dataclass(frozen=True)
class StepNode:
    id: str  # "<kind>" or "<kind>:<subject>"
    kind: Kind
    subject: str = ""  # the MaaS model or endpoint name the step is about
    after: tuple[str, ...] = ()  # the steps it waits on


def apply_steps(spec: EnvironmentSpec) -> list[StepNode]:
    """Apply's steps in dependency order (every step after the steps it waits on)."""
    after_apis = ("apis",)
    work = [
        StepNode("project", "project"),
        StepNode("billing", "billing", after=("project",)),
        StepNode("apis", "apis", after=("billing",)),
        *(StepNode(f"maas:{m.name}", "maas", m.name, after_apis) for m in spec.maas_models),
        *(StepNode(f"endpoint:{e.name}", "endpoint", e.name, after_apis) for e in spec.endpoints),
        StepNode("caller", "caller", after=after_apis),
    ]
    if spec.budget is not None:
        work.append(StepNode("budget", "budget", after=after_apis))
    if spec.caller.workload_identity is not None:
        work.append(StepNode("workload_identity", "workload_identity", after=("caller",)))
    return [*work, StepNode("outputs", "outputs", after=tuple(s.id for s in work))]


def stages(steps: list[StepNode]) -> dict[str, int]:
    """Step id → its stage, from 1: one more than the latest stage it waits on. Steps of one stage start
    together when their last dependency is done and run in parallel."""
    stage: dict[str, int] = {}
    for step in steps:  # in dependency order
        stage[step.id] = 1 + max((stage[d] for d in step.after), default=0)
    return stage


def draw(steps: list[StepNode], notes: Mapping[str, str] | None = None) -> list[str]:
    """The graph as a tree for a terminal: a step that waits on one step is drawn under it (siblings start
    together when their parent is done); a step that waits on several is drawn at the left with them named.
    `notes`: text shown after a step's id (plan: its action)."""
    ids = [s.id for s in steps]
    children: dict[str, list[StepNode]] = {s.id: [] for s in steps}
    roots = []
    for step in steps:
        if len(step.after) == 1:
            children[step.after[0]].append(step)
        else:
            roots.append(step)
    lines: list[str] = []

    def waits(step: StepNode) -> str:
        if len(step.after) < 2:
            return ""
        if set(step.after) == set(ids) - {step.id}:
            return "  ◄ waits on every other step"
        return f"  ◄ waits on {', '.join(step.after)}"

    def walk(step: StepNode, prefix: str, branch: str, rest: str) -> None:
        note = f" ({notes[step.id]})" if notes and step.id in notes else ""
        lines.append(f"{prefix}{branch}{step.id}{note}{waits(step)}")
        kids = children[step.id]
        for index, child in enumerate(kids):
            last = index == len(kids) - 1
            walk(child, prefix + rest, "└─ " if last else "├─ ", "   " if last else "│  ")

    for root in roots:
        walk(root, "", "", "")
    return lines
