"""Progress: a rich display per step with elapsed time for people, one JSON event per line for machines.

Events: step_started, step_done, step_failed, step_skipped, note, and the final summary. Messages are built
from our own strings and translated errors, which are already free of secrets.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from provisioning.errors import ProvisionError


class Reporter(Protocol):
    def step_started(self, step: str) -> None: ...
    def step_done(self, step: str, summary: str, elapsed: float) -> None: ...
    def step_failed(self, step: str, error: ProvisionError, elapsed: float) -> None: ...
    def step_skipped(self, step: str, why: str) -> None: ...
    def note(self, step: str, message: str) -> None: ...


class JsonReporter:
    """One JSON object per line on `stream`; `fields` (e.g. the environment) are added to every event."""

    def __init__(self, stream: TextIO | None = None, **fields: str) -> None:
        self.stream = stream or sys.stdout
        self.fields = fields
        self._lock = threading.Lock()

    def emit(self, event: str, **data: Any) -> None:
        record = {"event": event, "time": round(time.time(), 3), **self.fields, **data}
        with self._lock:
            self.stream.write(json.dumps(record) + "\n")
            self.stream.flush()

    def step_started(self, step: str) -> None:
        self.emit("step_started", step=step)

    def step_done(self, step: str, summary: str, elapsed: float) -> None:
        self.emit("step_done", step=step, summary=summary, elapsed_s=round(elapsed, 3))

    def step_failed(self, step: str, error: ProvisionError, elapsed: float) -> None:
        self.emit(
            "step_failed",
            step=step,
            what=error.what,
            why=error.why,
            fix=error.fix,
            elapsed_s=round(elapsed, 3),
        )

    def step_skipped(self, step: str, why: str) -> None:
        self.emit("step_skipped", step=step, why=why)

    def note(self, step: str, message: str) -> None:
        self.emit("note", step=step, message=message)


class RichReporter:
    """A live line per step: spinner, name, status, elapsed time. Use as a context manager."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.progress = Progress(
            SpinnerColumn(finished_text="•"),
            TextColumn("{task.fields[step]:<28}"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _task(self, step: str) -> TaskID:
        with self._lock:
            if step not in self._tasks:
                self._tasks[step] = self.progress.add_task("", step=step, total=1)
            return self._tasks[step]

    def step_started(self, step: str) -> None:
        self.progress.update(self._task(step), description="[cyan]running")

    def step_done(self, step: str, summary: str, elapsed: float) -> None:
        self.progress.update(self._task(step), description=f"[green]{summary}", completed=1)
        self.progress.stop_task(self._task(step))

    def step_failed(self, step: str, error: ProvisionError, elapsed: float) -> None:
        self.progress.update(self._task(step), description=f"[red]failed: {error.what}", completed=1)
        self.progress.stop_task(self._task(step))

    def step_skipped(self, step: str, why: str) -> None:
        self.progress.update(self._task(step), description=f"[yellow]skipped: {why}", completed=1)
        self.progress.stop_task(self._task(step))

    def note(self, step: str, message: str) -> None:
        self.progress.update(self._task(step), description=f"[cyan]{message}")


class QuietReporter:
    """Records nothing; for fleet runs, where a summary table is printed at the end."""

    def step_started(self, step: str) -> None:
        pass

    def step_done(self, step: str, summary: str, elapsed: float) -> None:
        pass

    def step_failed(self, step: str, error: ProvisionError, elapsed: float) -> None:
        pass

    def step_skipped(self, step: str, why: str) -> None:
        pass

    def note(self, step: str, message: str) -> None:
        pass
