"""Readiness after a fresh deploy: the operation finishing does not mean the chat route answers yet (DNS of a
dedicated endpoint, model loading). Poll the chat route itself with backoff until it answers or time runs out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import openai

from provisioning.smoke.diagnose import Diagnosis, diagnose_exception

# Answers that mean "not yet": nothing listening (a dedicated DNS name not published yet), not found (yet), no
# deployed model serving yet (400 FAILED_PRECONDITION while the deploy runs), throttled, or the server still
# starting. A malformed request (400 INVALID_ARGUMENT) or a refused token is not among them: it fails at once.
_NOT_YET = {"unreachable", "wrong_region_or_model", "not_deployed", "rate_limited", "server_error"}


@dataclass
class Readiness:
    ready: bool
    attempts: int
    waited_s: float
    last: Diagnosis | None
    not_yet: dict[str, int] = field(default_factory=dict)  # "not yet" answers seen while waiting, by cause


def wait_ready(
    probe: Callable[[], object],
    deadline_s: float,
    *,
    first_delay_s: float = 1.0,
    max_delay_s: float = 15.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Readiness:
    """Call `probe` (one tiny chat request) until it succeeds, a non-transient error comes back (a wrong token
    will not fix itself), or `deadline_s` passes. Delays double from `first_delay_s` up to `max_delay_s`."""
    start = clock()
    delay = first_delay_s
    attempts = 0
    last: Diagnosis | None = None
    not_yet: dict[str, int] = {}
    while True:
        attempts += 1
        try:
            probe()
            return Readiness(True, attempts, clock() - start, None, not_yet)
        except (openai.APIError, OSError) as error:
            last = diagnose_exception(error)
            if last.cause not in _NOT_YET:
                return Readiness(False, attempts, clock() - start, last, not_yet)
            not_yet[last.cause] = not_yet.get(last.cause, 0) + 1
        remaining = deadline_s - (clock() - start)
        if remaining <= 0:
            return Readiness(False, attempts, clock() - start, last, not_yet)
        sleep(min(delay, remaining))
        delay = min(delay * 2, max_delay_s)
