"""The guards every Vertex call passes: the project exists (by ID or number) and has aiplatform.googleapis.com
enabled (403 SERVICE_DISABLED otherwise); deploys also need an open billing account (403 BILLING_DISABLED)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.services import guards

if TYPE_CHECKING:
    from emulator.state import EmulatorState

SERVICE = "aiplatform.googleapis.com"


def vertex_project(state: EmulatorState, id_or_number: str, *, billing: bool = False) -> tuple[str, str]:
    """(project ID, project number) of a project Vertex may act on."""
    project = guards.require_service_enabled(state, id_or_number, SERVICE)
    if billing:
        guards.require_billing_enabled(state, id_or_number, SERVICE)
    return project["projectId"], guards.project_number(project)
