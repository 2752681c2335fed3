"""The small JSON state that makes apply resumable: progress and operation names, saved as they happen.

It lives in a backend: a local file (provisioning/engine/local_backend.py, the default
`.provision/<project>.state.json`) or a Cloud Storage object shared by a team (`gs://BUCKET/PREFIX`,
provisioning/engine/gcs_backend.py). Every change is a small function of the document: when the backend
refuses a write because the document changed since it was read (a generation precondition, 412), the change
is redone on a fresh read, so no one's write is silently lost. Nothing secret is ever stored here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provisioning.engine.backend import StaleWrite, StateBackend
from provisioning.engine.locking import LockOptions, hold_lock
from provisioning.errors import BadInputError, ProvisionError
from provisioning.gcp.operations import OperationRef
from provisioning.state_url import check_state_location, is_gcs

if TYPE_CHECKING:
    from provisioning.gcp.connection import Connection
    from provisioning.spec import EnvironmentSpec

STATE_VERSION = 1
DEFAULT_DIR = ".provision"
WRITE_ATTEMPTS = 10


def default_state_path(project_id: str) -> Path:
    return Path(DEFAULT_DIR) / f"{project_id}.state.json"


def open_backend(
    location: str | os.PathLike[str] | None, project_id: str, connection: Connection | None = None
) -> StateBackend:
    """`--state` (else the spec's `state:`, resolved by the caller) as a backend; None = the local default.
    A gs:// URL without a valid bucket is bad input (exit 2) before any call."""
    if location is None:
        from provisioning.engine.local_backend import LocalBackend

        return LocalBackend(default_state_path(project_id))
    text = os.fspath(location)
    check_state_location(text)
    if is_gcs(text):
        from provisioning.engine.gcs_backend import GcsBackend

        return GcsBackend(text, project_id, connection.credentials() if connection else None)
    from provisioning.engine.local_backend import LocalBackend

    return LocalBackend(text)


def state_location(flag: str | os.PathLike[str] | None, spec: EnvironmentSpec) -> str | None:
    """Where the environment's state lives: `--state`, else the spec's `state:`, else None (local default)."""
    return os.fspath(flag) if flag else spec.state


@contextmanager
def locked_state(
    spec: EnvironmentSpec,
    location: str | os.PathLike[str] | None,
    connection: Connection | None,
    lock: LockOptions,
) -> Iterator[StateFile]:
    """The environment's state, read after its lock was taken and held until the `with` ends."""
    backend = open_backend(state_location(location, spec), spec.project.id, connection)
    backend.check()
    opened: list[StateFile] = []

    def freeze() -> None:
        for state in opened:
            state.freeze()

    with hold_lock(backend, lock, freeze=freeze):
        opened.append(StateFile(backend, spec.project.id))
        yield opened[0]


class StateFile:
    def __init__(self, backend: StateBackend | str | os.PathLike[str], project_id: str) -> None:
        self.backend = (
            backend if not isinstance(backend, str | os.PathLike) else open_backend(backend, project_id)
        )
        self.project_id = project_id
        self._lock = threading.Lock()
        self._frozen = False
        self.data, self.generation = self._load()

    @property
    def location(self) -> str:
        return self.backend.location

    def _load(self) -> tuple[dict[str, Any], int | None]:
        data, generation = self.backend.read()
        if data is None:
            return {"version": STATE_VERSION, "project": self.project_id, "operations": {}}, generation
        if not isinstance(data, dict) or data.get("project") != self.project_id:
            owner = data.get("project") if isinstance(data, dict) else "?"
            raise BadInputError(
                f"{self.location}: state belongs to project {owner}",
                f"the spec's project is {self.project_id}",
                "pass --state with this environment's own state location",
            )
        data.setdefault("operations", {})
        return data, generation

    def freeze(self) -> None:
        """Take no more writes (before a signal releases the lock); waits for a write in flight."""
        if self._lock.acquire(timeout=10):
            self._frozen = True

    def _change(self, change: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            if self._frozen:
                return
            change(self.data)
            for _ in range(WRITE_ATTEMPTS):
                try:
                    self.generation = self.backend.write(self.data, self.generation)
                    return
                except StaleWrite:
                    self.data, self.generation = self._load()
                    change(self.data)
            raise ProvisionError(
                f"{self.location}: could not save state after {WRITE_ATTEMPTS} attempts",
                "the document kept changing between a read and the write (another run without the lock?)",
                "make sure every run on this environment uses the same --state, then run again",
            )

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._change(lambda data: data.__setitem__(key, value))

    def put(self, section: str, name: str, value: Any) -> None:
        """Set `data[section][name]` (a record per endpoint, model, ...) and save; None removes it."""

        def change(data: dict[str, Any]) -> None:
            entries = data.setdefault(section, {})
            if value is None:
                entries.pop(name, None)
            else:
                entries[name] = value

        self._change(change)

    def operation(self, key: str) -> OperationRef | None:
        with self._lock:
            saved = self.data["operations"].get(key)
        return OperationRef.from_json(saved) if saved else None

    def save_operation(self, key: str, ref: OperationRef | None) -> None:
        saved = ref.to_json() if ref is not None else None
        self.put("operations", key, saved)


def state_status(
    spec: EnvironmentSpec, location: str | os.PathLike[str] | None, connection: Connection | None
) -> dict[str, Any]:
    """Read-only (plan): where the state is, whether it exists, who holds the lock (takes none), and which
    spec endpoints it recorded serving a model (`served`: their deploy finished)."""
    backend = open_backend(state_location(location, spec), spec.project.id, connection)
    backend.check()
    data, generation = backend.read()
    held = backend.read_lock()
    lock = None
    if held is not None:
        record = held.record
        lock = {
            "holder": held.describe(),
            "since": record.since if record else None,
            "expires_at": record.expires_at if record else None,
            "stale": held.stale(),
        }
    recorded = (data or {}).get("endpoints") or {}
    served = sorted(name for name, record in recorded.items() if record and record.get("models"))
    return {
        "location": backend.location,
        "exists": data is not None,
        "generation": generation,
        "lock": lock,
        "served": served,
    }
