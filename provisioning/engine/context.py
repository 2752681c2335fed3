"""What every apply step runs with: the spec, the clients, the state file, the reporter and the deadline.

The step modules (budget, federation, serving) take this context, never `Apply` itself, so imports point one
way: apply.py → its step modules → this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from provisioning.engine.dag import current_step
from provisioning.engine.events import Reporter
from provisioning.engine.state import StateFile
from provisioning.errors import GoogleApiError
from provisioning.gcp import operations
from provisioning.gcp.clients import Clients
from provisioning.spec import EnvironmentSpec


@dataclass
class StepContext:
    spec: EnvironmentSpec
    clients: Clients
    state: StateFile
    reporter: Reporter
    outputs_path: Path
    deadline_s: float = operations.DEFAULT_DEADLINE_S
    hf_tokens: dict[str, str] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def project(self) -> str:
        return self.spec.project.id

    def finish(self, key: str, ref: operations.OperationRef, what: str) -> operations.Operation:
        """Wait on the operation saved under `key`; forget it once it finished (it stays saved on a timeout,
        so the next run resumes the wait)."""
        self.reporter.note(current_step(key), f"waiting on {ref.name}")
        try:
            op = operations.wait(self.clients, ref, what, deadline_s=self.deadline_s, project=self.project)
        except GoogleApiError:
            self.state.save_operation(key, None)
            raise
        self.state.save_operation(key, None)
        return op
