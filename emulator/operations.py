"""Long-running operations (google.longrunning.Operation), stored in SQLite so they survive a restart.

An operation completes at `created + base latency x settings["lro_scale"]`: the first `Operations.get()` after
that moment, or `finish_due()` (which the app calls before every API request, because a real operation
finishes whether or not anyone polls it), runs its *finisher*, which applies the change to cloud state and
returns the response fields (or raises `ApiError`, which becomes the operation's `error`). Finishers are
looked up by name, so a stored operation can finish after a restart; register them at import time:

    from emulator.operations import finisher

    @finisher("vertex.create_endpoint")
    def _finish_create_endpoint(state, args):          # args: the JSON dict given to start()
        ...                                            # apply the change, then return the response body
        return endpoint                                # without "@type"; start() named the type

    op = state.operations.start(
        name=f"projects/{number}/locations/{loc}/operations/{op_id}",
        kind="endpoint.create",                        # picks the base latency below
        finisher="vertex.create_endpoint", args={...},
        response_type="google.cloud.aiplatform.v1.Endpoint",
        metadata_type="google.cloud.aiplatform.v1.CreateEndpointOperationMetadata", metadata={...},
    )                                                  # returns the wire form ({"name", "done": false, ...})

`Operations.get(name)` returns the wire form or None; the service's GET route answers 404 on None.
Name helpers: `crm_operation_name()` (operations/cp.NNN) and `service_usage_operation_name()`
(operations/acf.p2-NNN-uuid); Vertex names are built by the Vertex service.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from emulator.errors import TYPE_PREFIX, ApiError
from emulator.store import Store

COLLECTION = "operations"

# Production-like durations in seconds (what a real run waits), multiplied by settings["lro_scale"].
BASE_LATENCY_SECONDS: dict[str, float] = {
    "project.create": 5.0,
    "project.delete": 3.0,
    "service.enable": 10.0,
    "service.disable": 5.0,
    "endpoint.create": 3.0,
    "endpoint.delete": 10.0,
    "endpoint.deploy_model": 20 * 60.0,
    "endpoint.undeploy_model": 3 * 60.0,
    "model.upload": 60.0,
    "model.delete": 10.0,
    "model_garden.deploy": 25 * 60.0,
}
DEFAULT_LATENCY_SECONDS = 5.0

# A finisher gets the operations' host (the server's `EmulatorState`, which sits above this module and
# holds the Operations; hence `Any`) and the operation's args.
Finisher = Callable[[Any, dict[str, Any]], dict[str, Any]]
_FINISHERS: dict[str, Finisher] = {}


def finisher(name: str) -> Callable[[Finisher], Finisher]:
    """Register the function that completes operations started with `finisher=name`."""

    def register(function: Finisher) -> Finisher:
        _FINISHERS[name] = function
        return function

    return register


def timestamp(epoch: float) -> str:
    """RFC 3339 UTC with microseconds and a Z, as Google writes google.protobuf.Timestamp."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def crm_operation_name() -> str:
    return f"operations/cp.{secrets.randbelow(10**19):019d}"


def service_usage_operation_name(project_number: str) -> str:
    return f"operations/acf.p2-{project_number}-{uuid.uuid4()}"


class Host(Protocol):
    """What operations need of the state that holds them (`emulator.state.EmulatorState`)."""

    store: Store
    settings: dict[str, Any]

    def now(self) -> float: ...


class Operations:
    """Start, read and finish operations; documents live in the store's "operations" collection."""

    def __init__(self, state: Host) -> None:
        self._state = state

    def start(
        self,
        *,
        name: str,
        kind: str,
        finisher: str,
        args: dict[str, Any],
        response_type: str,
        metadata_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        base_seconds: float | None = None,
    ) -> dict[str, Any]:
        if finisher not in _FINISHERS:
            raise KeyError(f"no operation finisher registered as {finisher!r}")
        now = self._state.now()
        base = (
            base_seconds
            if base_seconds is not None
            else BASE_LATENCY_SECONDS.get(kind, DEFAULT_LATENCY_SECONDS)
        )
        document = {
            "name": name,
            "kind": kind,
            "finisher": finisher,
            "args": args,
            "response_type": response_type,
            "metadata": {"@type": TYPE_PREFIX + metadata_type, **(metadata or {})} if metadata_type else None,
            "created": now,
            "due": now + base * float(self._state.settings["lro_scale"]),
            "done": False,
        }
        self._state.store.put(COLLECTION, name, document)
        return self.wire(document)

    def get(self, name: str) -> dict[str, Any] | None:
        """The operation's wire form, finishing it first when its time has come."""
        store = self._state.store
        with store.transaction():
            document = store.get(COLLECTION, name)
            if document is None:
                return None
            if not document["done"] and self._state.now() >= document["due"]:
                self._finish(document)
                store.put(COLLECTION, name, document)
        return self.wire(document)

    def finish_due(self) -> None:
        """Finish every operation whose time has come, so their effects show on reads of the resources too
        (a client that lost an operation's name polls the endpoint instead)."""
        now = self._state.now()
        for due, name in self._state.store.derived(COLLECTION, _pending_by_due):
            if due > now:
                break
            self.get(name)

    def list(self, prefix: str = "") -> list[dict[str, Any]]:
        return [self.get(doc["name"]) or doc for doc in self._state.store.list(COLLECTION, prefix)]

    def _finish(self, document: dict[str, Any]) -> None:
        document["done"] = True
        try:
            response = _FINISHERS[document["finisher"]](self._state, document["args"])
        except ApiError as error:
            document["error"] = error.status_body()
            return
        document["response"] = {"@type": TYPE_PREFIX + document["response_type"], **response}

    @staticmethod
    def wire(document: dict[str, Any]) -> dict[str, Any]:
        reply: dict[str, Any] = {"name": document["name"]}
        if document.get("metadata"):
            reply["metadata"] = document["metadata"]
        reply["done"] = document["done"]
        if "error" in document:
            reply["error"] = document["error"]
        elif "response" in document:
            reply["response"] = document["response"]
        return reply


def _pending_by_due(documents: Any) -> tuple[tuple[float, str], ...]:
    return tuple(sorted((doc["due"], doc["name"]) for doc in documents if not doc["done"]))
