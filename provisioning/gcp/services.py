"""Service Usage v1: which APIs are enabled, and enabling the missing ones in batches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisioning.gcp.clients import Clients
from provisioning.gcp.lazy import lazy_module
from provisioning.gcp.operations import OperationRef

if TYPE_CHECKING:
    from google.cloud import service_usage_v1
else:
    service_usage_v1 = lazy_module("google.cloud.service_usage_v1")

MAX_BATCH = 20  # Google caps batchEnable at 20 services per call


def enabled_services(clients: Clients, project_id: str) -> set[str]:
    """Names (e.g. aiplatform.googleapis.com) of the services enabled on the project."""
    request = service_usage_v1.ListServicesRequest(
        parent=f"projects/{project_id}", filter="state:ENABLED", page_size=200
    )

    def read() -> set[str]:
        pager = clients.service_usage.list_services(request=request)
        return {
            s.config.name or s.name.rsplit("/", 1)[-1]
            for s in pager
            if s.state == service_usage_v1.State.ENABLED
        }

    return clients.call(read, f"list the enabled APIs of {project_id}", project=project_id)


def batches(services: list[str]) -> list[list[str]]:
    return [services[i : i + MAX_BATCH] for i in range(0, len(services), MAX_BATCH)]


def batch_enable(clients: Clients, project_id: str, services: list[str]) -> OperationRef:
    if len(services) > MAX_BATCH:
        raise ValueError(f"batchEnable takes at most {MAX_BATCH} services")
    request = service_usage_v1.BatchEnableServicesRequest(
        parent=f"projects/{project_id}", service_ids=services
    )
    op = clients.call(
        lambda: clients.service_usage.batch_enable_services(request=request),
        f"enable {', '.join(services)} on {project_id}",
        project=project_id,
    )
    return OperationRef.from_gapic(op, "serviceusage")
