"""What a state backend is (local file or Cloud Storage object, provisioning/engine/local_backend.py and
gcs_backend.py): a lock plus one JSON document written with a generation precondition."""

from __future__ import annotations

from typing import Any, Protocol

from provisioning.engine.locking import LockBackend


class StaleWrite(Exception):
    """The document changed since it was read (412): read it again and redo the change."""


class StateBackend(LockBackend, Protocol):
    location: str

    def check(self) -> None: ...  # reachable and usable, with reads only
    def read(self) -> tuple[dict[str, Any] | None, int | None]: ...  # (document or None, generation)
    def write(self, data: dict[str, Any], generation: int | None) -> int | None: ...  # raises StaleWrite
