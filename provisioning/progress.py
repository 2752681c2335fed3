"""Live progress for every wait: one row per thing being waited on (a step, a smoke check, an environment, a
lock), each with a spinner, a label, a message and an elapsed timer that keeps moving while the row runs.

Rows are keyed by identity (the step name, `target/check`, the project id), never by an internal detail such
as a state-file key, so every row that starts is the row that finishes. Columns never overflow: the label is
capped and ellipsized, the message takes the rest of the line and is ellipsized, so the spinner and the timer
always fit in the terminal's width.

    with Board(console) as board:
        board.start("endpoint:llama", "deploying on g2-standard-12")
        board.update("endpoint:llama", "waiting on projects/.../operations/42")
        board.finish("endpoint:llama", "ok", "deployed: 1234")

    with waiting("waiting for the lock held by alice@host (pid 42)") as row:   # one live line
        ...

Where the console is not a terminal (CI logs, a pipe), a live display would show nothing until it stops, so
`board_for` gives a `LogBoard` instead: a plain line when a row starts, when its message changes and when
it finishes, and a "still ..." line every `heartbeat_s` while it runs, so a log shows a long deploy moving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Literal, Protocol

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

Status = Literal["ok", "failed", "skipped"]
LABEL_WIDTH = 30  # at most; longer labels end in "…"
_MARK = {
    "ok": Text("✓", style="green"),
    "failed": Text("✗", style="red"),
    "skipped": Text("-", style="yellow"),
}
_STYLE = {"running": "cyan", "ok": "green", "failed": "red", "skipped": "yellow"}


class Rows(Protocol):
    """What the engine and smoke report to: `Board` draws it, `NoRows` ignores it."""

    def start(self, key: str, message: str = "running", label: str | None = None) -> None: ...
    def update(self, key: str, message: str) -> None: ...
    def finish(self, key: str, status: Status, message: str) -> None: ...


class NoRows:
    """Draws nothing (JSON runs, library callers)."""

    def start(self, key: str, message: str = "running", label: str | None = None) -> None:
        pass

    def update(self, key: str, message: str) -> None:
        pass

    def finish(self, key: str, status: Status, message: str) -> None:
        pass


class _StatusColumn(SpinnerColumn):
    """A spinner while the row runs, then its outcome's mark."""

    def render(self, task: Task) -> RenderableType:
        status = task.fields.get("status")
        return _MARK[status] if status in _MARK else super().render(task)


class Board:
    """A rich live display of rows. Use as a context manager; safe to call from several threads."""

    def __init__(self, console: Console | None = None, *, transient: bool = False) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.progress = Progress(
            _StatusColumn(),
            TextColumn(
                "{task.fields[label]}",
                markup=False,
                table_column=Column(no_wrap=True, overflow="ellipsis", max_width=LABEL_WIDTH),
            ),
            TextColumn("{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
            TimeElapsedColumn(),
            console=self.console,
            expand=True,
            transient=transient,
            refresh_per_second=4,
        )
        self._rows: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Board:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _describe(self, status: str, message: str) -> str:
        return f"[{_STYLE[status]}]{escape(message)}"

    def start(self, key: str, message: str = "running", label: str | None = None) -> None:
        """Show row `key` (labelled `label`, default the key) as running; its timer starts now."""
        with self._lock:
            if key in self._rows:
                self.progress.reset(self._rows[key], description=self._describe("running", message))
                self.progress.update(self._rows[key], status="running")
                return
            self._rows[key] = self.progress.add_task(
                self._describe("running", message), label=label or key, status="running", total=1
            )

    def update(self, key: str, message: str) -> None:
        """A new message on a running row (started now if it was not)."""
        with self._lock:
            task = self._rows.get(key)
        if task is None:
            self.start(key, message)
        else:
            self.progress.update(task, description=self._describe("running", message))

    def finish(self, key: str, status: Status, message: str) -> None:
        """Stop the row's timer and show its outcome."""
        with self._lock:
            task = self._rows.get(key)
        if task is None:
            self.start(key, message)
            task = self._rows[key]
        self.progress.update(task, description=self._describe(status, message), status=status, completed=1)
        self.progress.stop_task(task)


def _elapsed(seconds: float) -> str:
    return str(timedelta(seconds=int(seconds)))


class LogBoard:
    """The rows as plain log lines, for a console that is not a terminal. Same calls as `Board`."""

    def __init__(self, console: Console | None = None, *, transient: bool = False, heartbeat_s: float = 30.0):
        self.console = console or Console(stderr=True, highlight=False)
        self.transient, self.heartbeat_s = transient, heartbeat_s
        self._rows: dict[str, tuple[str, str, float]] = {}  # key -> (label, message, started at)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="progress-heartbeat", daemon=True)

    def __enter__(self) -> LogBoard:
        self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._ticker.join()

    def _print(self, mark: str, label: str, message: str, seconds: float | None = None) -> None:
        timer = "" if seconds is None else f"  {_elapsed(seconds)}"
        shown = label if len(label) <= LABEL_WIDTH else label[: LABEL_WIDTH - 1] + "…"
        self.console.print(
            f"{mark} {shown:<{LABEL_WIDTH}}  {message}{timer}", markup=False, highlight=False, soft_wrap=True
        )

    def _tick(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            with self._lock:
                now = time.monotonic()
                for label, message, started in self._rows.values():
                    self._print("…", label, f"still {message}", now - started)

    def start(self, key: str, message: str = "running", label: str | None = None) -> None:
        with self._lock:
            self._rows[key] = (label or key, message, time.monotonic())
            self._print("▸", label or key, message)

    def update(self, key: str, message: str) -> None:
        with self._lock:
            row = self._rows.get(key)
            if row is not None and row[1] == message:
                return
            label, started = (row[0], row[2]) if row else (key, time.monotonic())
            self._rows[key] = (label, message, started)
            self._print("…", label, message, time.monotonic() - started)

    def finish(self, key: str, status: Status, message: str) -> None:
        with self._lock:
            label, _, started = self._rows.pop(key, (key, "", time.monotonic()))
            if not self.transient:
                self._print(_MARK[status].plain, label, message, time.monotonic() - started)


def board_for(console: Console | None = None, *, transient: bool = False) -> Board | LogBoard:
    """A live `Board` on a terminal, a `LogBoard` anywhere else."""
    console = console or Console(stderr=True, highlight=False)
    if console.is_terminal:
        return Board(console, transient=transient)
    return LogBoard(console, transient=transient)


class WaitingRow:
    """The handle `waiting()` yields: one row, its message changeable while it waits."""

    def __init__(self, board: Board | LogBoard, key: str) -> None:
        self.board, self.key = board, key

    def update(self, message: str) -> None:
        self.board.update(self.key, message)


@contextmanager
def waiting(message: str, console: Console | None = None, *, label: str = "waiting") -> Iterator[WaitingRow]:
    """One live line (spinner, `label`, `message`, a moving timer) for as long as the `with` body waits; it
    disappears when the wait ends, so the caller prints the outcome."""
    with board_for(console, transient=True) as board:
        board.start(label, message)
        yield WaitingRow(board, label)
