"""Retry transient failures: jittered exponential backoff, honouring Retry-After, within a bounded total.
The loop is tenacity's; this module says what is transient, how long to wait, and when to give up.

Transient = HTTP 429 / 503 / 502 / 504, status UNAVAILABLE or RESOURCE_EXHAUSTED-with-Retry-After, and
connections that dropped without an answer. Everything else fails at once, translated by `errors.translate`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
import requests
import tenacity
from google.api_core import exceptions as core_exceptions
from google.auth import exceptions as auth_exceptions

from provisioning.errors import GoogleApiError
from provisioning.gcp.errors import translate

T = TypeVar("T")

_RETRYABLE_HTTP = frozenset({429, 502, 503, 504})
_DROPPED = (
    httpx.TransportError,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    auth_exceptions.TransportError,
    ConnectionError,
)


@dataclass(frozen=True)
class RetryPolicy:
    initial_s: float = 0.2
    multiplier: float = 2.0
    maximum_s: float = 10.0
    total_s: float = 120.0  # give up (with the last error) once this much time has gone

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter backoff for `attempt` (0-based), never shorter than the server's Retry-After."""
        ceiling = min(self.maximum_s, self.initial_s * self.multiplier**attempt)
        backoff = random.uniform(ceiling / 2, ceiling)
        return max(backoff, retry_after or 0.0)


DEFAULT_POLICY = RetryPolicy()


def is_transient(error: BaseException) -> bool:
    if isinstance(error, _DROPPED):
        return True
    if isinstance(error, core_exceptions.GoogleAPICallError):
        if allocation_quota(error):
            return False
        return error.code in _RETRYABLE_HTTP or isinstance(error, core_exceptions.ServiceUnavailable)
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code in _RETRYABLE_HTTP
    return False


def allocation_quota(error: core_exceptions.GoogleAPICallError) -> bool:
    """A 429 for an allocation quota (GPUs held by deployments, gcp-wire.md §4d): waiting does not free it,
    so it is not retried (apply tries the next fallback region instead)."""
    return error.code == 429 and "the following quotas are exceeded" in str(error.message).lower()


def retry_after(error: BaseException) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), if the answer carried one."""
    response: Any = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def call(
    fn: Callable[[], T],
    what: str,
    *,
    project: str | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `fn`, retrying transient failures; raise `GoogleApiError` naming `what` on final failure."""
    start = time.monotonic()

    def pause(state: tenacity.RetryCallState) -> float:
        return policy.delay(state.attempt_number - 1, retry_after(_failure(state)))

    def out_of_time(state: tenacity.RetryCallState) -> bool:
        """Stop when the next pause would end past the total (slept time counts even if the clock lags)."""
        spent = max(time.monotonic() - start, state.idle_for)
        return spent + (state.upcoming_sleep or 0.0) > policy.total_s

    def give_up(state: tenacity.RetryCallState) -> T:
        last = translate(_failure(state), what, project)
        raise GoogleApiError(
            last.what,
            f"{last.why} (still failing after {state.attempt_number} attempts)",
            last.fix,
            status_code=last.status_code,
            status=last.status,
            reason=last.reason,
        ) from None

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        wait=pause,
        stop=out_of_time,
        sleep=sleep,
        retry_error_callback=give_up,
    )
    try:
        return retrying(fn)
    except GoogleApiError:
        raise
    except Exception as error:  # not transient: fails at once
        raise translate(error, what, project) from None


def _failure(state: tenacity.RetryCallState) -> BaseException:
    assert state.outcome is not None
    error = state.outcome.exception()
    assert error is not None  # only failed attempts are retried
    return error


POLICY_WRITE_ATTEMPTS = 5


def rerun_on_concurrent_change(
    read_modify_write: Callable[[], T],
    attempts: int = POLICY_WRITE_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run a whole read-modify-write again when its write lost to a concurrent change (ABORTED: the etag it
    read is stale), as Google asks; a fresh read each time, at most `attempts` in all."""
    for attempt in range(attempts):
        try:
            return read_modify_write()
        except GoogleApiError as error:
            if error.status != "ABORTED" or attempt == attempts - 1:
                raise
            sleep(DEFAULT_POLICY.delay(attempt, None))
    raise AssertionError("unreachable")  # the last attempt returned or raised
