"""Run steps as a DAG: each step starts as soon as its dependencies finished, independent ones concurrently.
The order is graphlib's TopologicalSorter; this module adds the thread pool and the failure rule.

A failed step stops its dependents (reported as skipped); independent branches still run to the end, so one
broken endpoint does not hide the state of the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextvars import ContextVar
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

from provisioning.engine.events import Reporter
from provisioning.errors import ProvisionError


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], str]  # returns a one-line summary ("created", "already enabled", ...)
    after: tuple[str, ...] = ()


_CURRENT_STEP: ContextVar[str | None] = ContextVar("current_step", default=None)


def current_step(default: str) -> str:
    """The step running in this thread, which progress is reported on (a step's operations are saved under
    their own state keys, e.g. `apis:0`, which are not rows); `default` outside a DAG."""
    return _CURRENT_STEP.get() or default


def _run_as(step: Step) -> str:
    _CURRENT_STEP.set(step.name)
    return step.run()


@dataclass
class DagResult:
    summaries: dict[str, str] = field(default_factory=dict)
    errors: dict[str, ProvisionError] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.skipped


def run_dag(steps: list[Step], reporter: Reporter, max_workers: int = 8) -> DagResult:
    by_name = {s.name: s for s in steps}
    for step in steps:
        missing = [d for d in step.after if d not in by_name]
        if missing:
            raise ValueError(f"step {step.name} depends on unknown steps {missing}")
    order: TopologicalSorter[str] = TopologicalSorter({s.name: s.after for s in steps})
    try:
        order.prepare()
    except CycleError as cycle:
        raise ValueError(f"steps wait on each other: {sorted(set(cycle.args[1]))}") from None
    result = DagResult()
    running: dict[Future[str], tuple[Step, float]] = {}
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="step") as pool:
        while order.is_active():
            for name in order.get_ready():
                step = by_name[name]
                if any(d in result.errors or d in result.skipped for d in step.after):
                    result.skipped.append(name)
                    reporter.step_skipped(name, "a step it depends on failed")
                    order.done(name)  # its own dependents are skipped in turn
                    continue
                reporter.step_started(name)
                running[pool.submit(_run_as, step)] = (step, time.monotonic())
            if not running:
                continue  # only skips were ready: their dependents are ready now
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                step, started = running.pop(future)
                elapsed = time.monotonic() - started
                error = future.exception()
                if error is None:
                    result.summaries[step.name] = future.result()
                    reporter.step_done(step.name, result.summaries[step.name], elapsed)
                elif isinstance(error, ProvisionError):
                    result.errors[step.name] = error
                    reporter.step_failed(step.name, error, elapsed)
                else:
                    raise error
                order.done(step.name)
    return result
