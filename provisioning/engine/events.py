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

from provisioning.errors import ProvisionError
from provisioning.progress import Rows, board_for


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
    """A live row per step (spinner, step, status, a moving elapsed timer), drawn by `progress.Board`.
    Use as a context manager."""

    def __init__(self, console: Console | None = None) -> None:
        self.board = board_for(console)

    def __enter__(self) -> RichReporter:
        self.board.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.board.__exit__(*exc)

    def step_started(self, step: str) -> None:
        self.board.start(step)

    def step_done(self, step: str, summary: str, elapsed: float) -> None:
        self.board.finish(step, "ok", summary)

    def step_failed(self, step: str, error: ProvisionError, elapsed: float) -> None:
        self.board.finish(step, "failed", f"failed: {error.what}")

    def step_skipped(self, step: str, why: str) -> None:
        self.board.finish(step, "skipped", f"skipped: {why}")

    def note(self, step: str, message: str) -> None:
        self.board.update(step, message)


class RowReporter:
    """A whole run on one row of a shared board (fleet apply: one row per environment); the row's message
    follows the step being worked on."""

    def __init__(self, rows: Rows, key: str) -> None:
        self.rows, self.key = rows, key

    def step_started(self, step: str) -> None:
        self.rows.update(self.key, step)

    def step_done(self, step: str, summary: str, elapsed: float) -> None:
        self.rows.update(self.key, f"{step}: {summary}")

    def step_failed(self, step: str, error: ProvisionError, elapsed: float) -> None:
        self.rows.update(self.key, f"{step} failed: {error.what}")

    def step_skipped(self, step: str, why: str) -> None:
        pass

    def note(self, step: str, message: str) -> None:
        self.rows.update(self.key, f"{step}: {message}")


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
