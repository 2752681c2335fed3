"""One lock per environment, held by every mutating command (apply, destroy, reap) for the whole run.

The lock is a small record: who holds it (user@host, pid), where (the CI run, else the working directory),
since when, the command, and until when it is valid. A Cloud Storage lock is an object created with
ifGenerationMatch=0 and refreshed while the run lives, so a killed run's lock goes stale at `expires_at`
and may then be taken over (a write conditioned on the stale lock's generation: of two runs taking it over
at once, one wins). A local lock is an OS file lock (fcntl.flock), released by the kernel when its process
dies, so it is never stale; the record beside it only names the holder.

A second run waits up to `timeout_s`, showing who holds the lock, then fails (exit 1) naming the holder.
Ctrl-C and SIGTERM release every lock this process holds (after the state stops taking writes) and exit.
"""

from __future__ import annotations

import getpass
import json
import os
import random
import shlex
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any, Protocol

from provisioning.errors import BadInputError, ProvisionError

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_TTL_S = 300.0
MIN_TTL_S = 5.0
POLL_S = (0.2, 0.6)  # jittered wait between two attempts


@dataclass(frozen=True)
class LockRecord:
    who: str  # user@host
    pid: int
    where: str  # CI run URL, else the working directory
    since: str  # ISO 8601, UTC
    command: str
    expires_at: str  # ISO 8601, UTC; pushed forward while the holder runs
    token: str  # random: tells our own lock from another's after a retried write

    @classmethod
    def new(cls, command: str, ttl_s: float) -> LockRecord:
        now = datetime.now(UTC)
        return cls(
            who=f"{_user()}@{socket.gethostname()}",
            pid=os.getpid(),
            where=ci_run() or os.getcwd(),
            since=_iso(now),
            command=command,
            expires_at=_iso(now + timedelta(seconds=ttl_s)),
            token=uuid.uuid4().hex,
        )

    def renewed(self, ttl_s: float) -> LockRecord:
        return LockRecord(
            **{**asdict(self), "expires_at": _iso(datetime.now(UTC) + timedelta(seconds=ttl_s))}
        )

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=2).encode()

    @classmethod
    def parse(cls, raw: bytes) -> LockRecord | None:
        try:
            data = json.loads(raw)
            return cls(**{name: data[name] for name in cls.__dataclass_fields__})
        except (ValueError, TypeError, KeyError):
            return None

    def describe(self) -> str:
        return f"{self.who} (pid {self.pid}, {self.command!r} in {self.where}) since {self.since}"


@dataclass(frozen=True)
class Held:
    """Someone's lock, as read: its record (None when unreadable), generation and when it goes stale."""

    record: LockRecord | None
    generation: int | None = None
    stale_at: datetime | None = None  # None: never (an OS lock ends with its process)

    def stale(self, now: datetime | None = None) -> bool:
        return self.stale_at is not None and (now or datetime.now(UTC)) >= self.stale_at

    def describe(self) -> str:
        return self.record.describe() if self.record else "an unreadable lock record"


class LockHandle(Protocol):
    def refresh(self, record: LockRecord) -> bool: ...  # False: the lock was lost (unlocked, taken over)
    def release(self) -> None: ...


class LockBackend(Protocol):
    location: str

    def try_lock(self, record: LockRecord) -> LockHandle | Held | None: ...  # None: vanished, try again
    def take_over(self, stale: Held, record: LockRecord) -> LockHandle | None: ...
    def read_lock(self) -> Held | None: ...
    def break_lock(self, held: Held) -> None: ...


class LockHeldError(ProvisionError):
    """Another run holds the environment's lock (exit 1)."""


def ci_run() -> str:
    """The CI run this process belongs to, when a known CI says so."""
    if os.environ.get("GITHUB_RUN_ID") and os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{os.environ['GITHUB_REPOSITORY']}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
    return os.environ.get("CI_JOB_URL") or os.environ.get("BUILD_URL") or ""


def current_command() -> str:
    return "provision " + shlex.join(sys.argv[1:])


def parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_lock_options(timeout_s: float | None, ttl_s: float | None) -> tuple[float, float]:
    """`--lock-timeout` ≥ 0 and `--lock-ttl` ≥ MIN_TTL_S seconds (exit 2 before any call otherwise)."""
    timeout = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    ttl = DEFAULT_TTL_S if ttl_s is None else ttl_s
    if not timeout >= 0:  # also refuses NaN
        raise BadInputError(
            f"--lock-timeout {timeout:g}: must be 0 or more seconds",
            "it bounds the wait for another run's lock on the environment",
            f"e.g. --lock-timeout 600 (default {DEFAULT_TIMEOUT_S:g})",
        )
    if not ttl >= MIN_TTL_S:
        raise BadInputError(
            f"--lock-ttl {ttl:g}: must be at least {MIN_TTL_S:g} seconds",
            "a run refreshes its lock every third of it; a killed run's lock goes stale after it",
            "e.g. --lock-ttl 300 (the default)",
        )
    return timeout, ttl


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


WaitCallback = Callable[[Held, float], None]


def acquire(
    backend: LockBackend,
    record: LockRecord,
    *,
    timeout_s: float,
    on_wait: WaitCallback | None = None,
) -> LockHandle:
    """Take the lock, waiting up to `timeout_s` for its holder; a stale lock is taken over."""
    start = time.monotonic()
    while True:
        outcome = backend.try_lock(record)
        if outcome is not None and not isinstance(outcome, Held):
            return outcome
        if isinstance(outcome, Held):
            if outcome.stale():
                taken = backend.take_over(outcome, record)
                if taken is not None:
                    return taken
                continue
            waited = time.monotonic() - start
            if waited >= timeout_s:
                raise LockHeldError(
                    f"{backend.location} is locked by {outcome.describe()}",
                    f"another run is changing this environment (waited {waited:.0f}s, --lock-timeout "
                    f"{timeout_s:g}); its lock expires at "
                    f"{outcome.record.expires_at if outcome.record else 'an unknown time'} unless it runs on",
                    "wait for it and run again (or raise --lock-timeout); if that run is gone, its lock goes "
                    "stale at the expiry, or clear it now with `provision unlock`",
                )
            if on_wait is not None:
                on_wait(outcome, waited)
        time.sleep(random.uniform(*POLL_S))


# -- release on Ctrl-C / SIGTERM -----------------------------------------------------------------------------
_held: dict[int, tuple[LockHandle, Callable[[], object]]] = {}
_held_guard = threading.Lock()
_previous: dict[int, Any] = {}


def _release_all_and_exit(signum: int, frame: FrameType | None) -> None:
    with _held_guard:
        held = list(_held.values())
        _held.clear()
    for handle, freeze in held:
        freeze()  # the state takes no more writes: nothing changes after the lock is gone
        handle.release()
    name = signal.Signals(signum).name
    sys.stderr.write(f"\n{name}: released {len(held)} lock(s); run the command again to resume\n")
    sys.stderr.flush()
    os._exit(128 + signum)


def install_signal_handlers() -> None:
    """Release held locks on SIGINT / SIGTERM (only possible from the main thread; fleets call it first)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signum not in _previous:
            _previous[signum] = signal.signal(signum, _release_all_and_exit)


def _restore_signal_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for signum, previous in list(_previous.items()):
        signal.signal(signum, previous)
        del _previous[signum]


@contextmanager
def signal_handlers() -> Iterator[None]:
    """For runs holding locks from worker threads (fleets): the handlers, installed from the main thread."""
    install_signal_handlers()
    try:
        yield
    finally:
        _restore_signal_handlers()


class _Heartbeat(threading.Thread):
    """Pushes the lock's expiry forward every third of its TTL while the run lives."""

    def __init__(self, handle: LockHandle, record: LockRecord, ttl_s: float, on_lost: Callable[[], None]):
        super().__init__(name="lock-heartbeat", daemon=True)
        self.handle, self.record, self.ttl_s, self.on_lost = handle, record, ttl_s, on_lost
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.ttl_s / 3):
            self.record = self.record.renewed(self.ttl_s)
            if not self.handle.refresh(self.record):
                self.on_lost()
                return


@dataclass(frozen=True)
class LockOptions:
    timeout_s: float = DEFAULT_TIMEOUT_S  # --lock-timeout
    ttl_s: float = DEFAULT_TTL_S  # --lock-ttl
    command: str = ""  # default: this process's command line
    on_wait: WaitCallback | None = None  # called while waiting for another run's lock
    on_acquired: Callable[[], None] | None = None
    on_lost: Callable[[str], None] | None = None  # called if the lock is cleared or taken over meanwhile


@contextmanager
def hold_lock(
    backend: LockBackend, options: LockOptions, freeze: Callable[[], object] = lambda: None
) -> Iterator[LockRecord]:
    """Hold the environment's lock for the `with` body; released on exit, failure or signal. `freeze` is
    called before a signal releases it (the state stops taking writes)."""
    record = LockRecord.new(options.command or current_command(), options.ttl_s)
    handle = acquire(backend, record, timeout_s=options.timeout_s, on_wait=options.on_wait)
    if options.on_acquired is not None:
        options.on_acquired()
    lost = options.on_lost or (lambda location: None)
    heartbeat = _Heartbeat(handle, record, options.ttl_s, lambda: lost(backend.location))
    key = id(handle)
    with _held_guard:
        _held[key] = (handle, freeze)
    install_signal_handlers()
    heartbeat.start()
    try:
        yield record
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
        with _held_guard:
            mine = _held.pop(key, None)
            last = not _held
        if mine is not None:
            handle.release()
        if last:
            _restore_signal_handlers()  # a no-op off the main thread: signal_handlers() restores them
