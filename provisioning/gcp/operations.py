"""Long-running operations: a serialisable reference, one read, and a wait whose deadline names the operation.

Operations are polled by name over raw REST (`GET /{version}/{name}`), so a wait can resume from a name saved
in a state file by an earlier, killed process. The poll interval grows with the time already waited (5 % of
it, bounded), so we notice completion at most ~5 % late without hammering the API: a 25-minute deploy is read
about 250 times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from google.api_core import operation as gapic_operation
from google.protobuf import json_format

from provisioning.errors import ProvisionError
from provisioning.gcp.clients import Clients
from provisioning.gcp.errors import ErrorBody, to_api_error

# Where each service's operations are read.
_API_VERSION = {"cloudresourcemanager": "v3", "serviceusage": "v1", "aiplatform": "v1"}
MIN_POLL_S = 0.02
POLL_FRACTION = 0.05  # of the time already waited
MAX_POLL_S = 10.0
DEFAULT_DEADLINE_S = 3 * 3600.0


class OperationTimeout(ProvisionError):
    """A wait passed its deadline; the operation itself may still finish."""


@dataclass(frozen=True)
class OperationRef:
    """Enough to find an operation again: the service, its full name and the API version it was started on."""

    service: str
    name: str
    api_version: str = ""

    @property
    def location(self) -> str | None:
        parts = self.name.split("/")
        return parts[3] if len(parts) > 3 and parts[2] == "locations" else None

    @property
    def path(self) -> str:
        return f"/{self.api_version or _API_VERSION[self.service]}/{self.name}"

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, str]) -> OperationRef:
        return cls(data["service"], data["name"], data.get("api_version", ""))

    @classmethod
    def from_gapic(cls, op: gapic_operation.Operation, service: str, api_version: str = "") -> OperationRef:
        return cls(service, op.operation.name, api_version)


@dataclass(frozen=True)
class Operation:
    name: str
    done: bool
    response: dict[str, Any]
    metadata: dict[str, Any]
    error: dict[str, Any] | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Operation:
        return cls(
            name=str(data.get("name", "")),
            done=bool(data.get("done", False)),
            response=dict(data.get("response") or {}),
            metadata=dict(data.get("metadata") or {}),
            error=data.get("error") or None,
        )


def poll_delay(waited_s: float) -> float:
    """How long to sleep before the next read of something that has been pending for `waited_s`."""
    return min(max(MIN_POLL_S, waited_s * POLL_FRACTION), MAX_POLL_S)


def gapic_operation_json(op: gapic_operation.Operation) -> dict[str, Any]:
    """The first reply of a GAPIC call as JSON (it may already be done)."""
    return json_format.MessageToDict(op.operation)  # type: ignore[no-any-return]


def get_operation(clients: Clients, ref: OperationRef, what: str = "") -> Operation:
    data = clients.rest(
        "GET", ref.service, ref.path, what or f"read operation {ref.name}", location=ref.location
    )
    return Operation.from_json(data)


def wait(
    clients: Clients,
    ref: OperationRef,
    what: str,
    *,
    deadline_s: float = DEFAULT_DEADLINE_S,
    project: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Operation:
    """Poll until done; `GoogleApiError` if the operation failed, `OperationTimeout` past the deadline."""
    start = time.monotonic()
    while True:
        op = get_operation(clients, ref, f"{what}: read operation {ref.name}")
        if op.done:
            if op.error:
                raise to_api_error(
                    ErrorBody.parse(None, op.error), f"{what} failed (operation {ref.name})", project
                )
            return op
        waited = time.monotonic() - start
        if waited >= deadline_s:
            raise OperationTimeout(
                f"{what}: operation {ref.name} not done after {deadline_s:g}s",
                "the deadline for this wait passed; the operation may still finish on Google's side",
                "re-run the same command: it resumes waiting on this operation instead of starting another",
            )
        sleep(min(poll_delay(waited), deadline_s - waited))
