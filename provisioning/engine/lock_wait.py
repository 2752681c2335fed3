"""What a run shows while it waits for another run's lock, through the run's reporter: a live line for
people ("lock  waiting for the lock held by … since …"), `note` events for machines (one per holder), and a
warning if the lock is lost meanwhile. Kept apart so it can move onto the common progress model later."""

from __future__ import annotations

import time

from rich.console import Console

from provisioning.engine.events import Reporter
from provisioning.engine.locking import Held, LockOptions
from provisioning.errors import ProvisionError

STEP = "lock"


class LockWaitDisplay:
    def __init__(self, reporter: Reporter, live: bool = True, echo: Console | None = None) -> None:
        self.reporter = reporter
        self.live = live  # update the line on every attempt (a terminal) or once per holder (JSON)
        self.echo = echo if echo is not None and not echo.is_terminal else None  # CI logs: a plain line
        self._shown = ""
        self._started: float | None = None

    def waiting(self, held: Held, waited_s: float) -> None:
        if self._started is None:
            self._started = time.monotonic() - waited_s
            self.reporter.step_started(STEP)
        line = f"waiting for the lock held by {held.describe()}"
        if self.live or held.describe() != self._shown:
            self.reporter.note(STEP, line + (f" ({waited_s:.0f}s)" if self.live else ""))
        if self.echo is not None and held.describe() != self._shown:
            self.echo.print(line, soft_wrap=True, highlight=False)
        self._shown = held.describe()

    def acquired(self) -> None:
        if self._started is not None:
            waited = time.monotonic() - self._started
            self.reporter.step_done(STEP, f"acquired after {waited:.0f}s", waited)

    def lost(self, location: str) -> None:
        self.reporter.step_failed(
            STEP,
            ProvisionError(
                f"lost the lock on {location}",
                "it was cleared (`provision unlock`) or taken over after it expired",
                "another run may be changing this environment: check it before running again",
            ),
            0.0,
        )


def lock_options(
    reporter: Reporter,
    timeout_s: float,
    ttl_s: float,
    *,
    live: bool = True,
    echo: Console | None = None,
    command: str = "",
) -> LockOptions:
    display = LockWaitDisplay(reporter, live, echo)
    return LockOptions(
        timeout_s, ttl_s, command, on_wait=display.waiting, on_acquired=display.acquired, on_lost=display.lost
    )
