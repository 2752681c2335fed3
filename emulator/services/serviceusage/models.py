"""Service Usage v1 state and rules: which services each project has enabled.

The service catalogue is the seed's `services` section (title, billable, default_enabled). Enabling a billable
service on a project without an open billing account fails synchronously with 400 FAILED_PRECONDITION and
reason UREQ_PROJECT_BILLING_NOT_FOUND, as gcloud shows it (body in github.com/kyegomez/zeta/issues/71).
`require_service_enabled(state, project, service)` is the guard other APIs call (403 SERVICE_DISABLED).
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.errors import ApiError
from emulator.operations import finisher, service_usage_operation_name
from emulator.services.billing.models import billing_enabled
from emulator.services.resourcemanager.models import PROJECT_SEED_HOOKS, project_number, require_project
from emulator.state import EmulatorState

CATALOG = "services"
STATES = "service_states"  # "<project number>/<service>" → {"state": "ENABLED" | "DISABLED"}
MAX_BATCH = 20
OPERATION_METADATA = "google.api.serviceusage.v1.OperationMetadata"


def catalog_entry(state: EmulatorState, service: str) -> dict[str, Any] | None:
    return state.store.get(CATALOG, service)


def service_state(state: EmulatorState, number: str, service: str) -> str:
    stored = state.store.get(STATES, f"{number}/{service}")
    if stored is not None:
        return str(stored["state"])
    entry = catalog_entry(state, service) or {}
    return "ENABLED" if entry.get("default_enabled") else "DISABLED"


def service_wire(state: EmulatorState, number: str, service: str) -> dict[str, Any]:
    entry = catalog_entry(state, service) or {}
    return {
        "name": f"projects/{number}/services/{service}",
        "parent": f"projects/{number}",
        "config": {"name": service, "title": entry.get("title", service)},
        "state": service_state(state, number, service),
    }


def _unknown_services(services: list[str]) -> ApiError:
    joined = ",".join(services)
    return ApiError(
        "PERMISSION_DENIED",
        f"Not found or permission denied for service(s): {joined}.",
        [
            errors.error_info(
                "SERVICE_CONFIG_NOT_FOUND_OR_PERMISSION_DENIED",
                {"services": joined},
                domain="serviceusage.googleapis.com",
            )
        ],
    )


def _billing_not_found(number: str, services: list[str]) -> ApiError:
    joined = ",".join(services)
    return ApiError(
        "FAILED_PRECONDITION",
        f"Billing account for project '{number}' is not found. Billing must be enabled for activation of "
        f"service(s) '{joined}' to proceed.",
        [
            {
                "@type": errors.TYPE_PREFIX + "google.rpc.PreconditionFailure",
                "violations": [
                    {
                        "subject": f"?error_code=390001&project={number}"
                        + "".join(f"&services={service}" for service in services),
                        "type": "googleapis.com/billing-enabled",
                    }
                ],
            },
            errors.error_info(
                "UREQ_PROJECT_BILLING_NOT_FOUND",
                {"project": number, "services": joined},
                domain="serviceusage.googleapis.com/billing-enabled",
            ),
        ],
    )


def get_service(state: EmulatorState, id_or_number: str, service: str) -> dict[str, Any]:
    project = require_project(state, id_or_number, "serviceusage.googleapis.com")
    if catalog_entry(state, service) is None:
        raise _unknown_services([service])
    return service_wire(state, project_number(project), service)


def list_services(state: EmulatorState, id_or_number: str, filter_: str) -> list[dict[str, Any]]:
    """All catalogue services for the project; filter "state:ENABLED" / "state:DISABLED" or none."""
    project = require_project(state, id_or_number, "serviceusage.googleapis.com")
    wanted = None
    if filter_:
        field, _, value = filter_.partition(":")
        if field.strip() != "state" or value.strip() not in ("ENABLED", "DISABLED"):
            raise errors.invalid_argument(
                f"Invalid filter '{filter_}': use state:ENABLED or state:DISABLED.", "filter"
            )
        wanted = value.strip()
    number = project_number(project)
    services = [service_wire(state, number, entry["name"]) for entry in state.store.list(CATALOG)]
    return [service for service in services if wanted is None or service["state"] == wanted]


def enable(state: EmulatorState, id_or_number: str, services: list[str], *, batch: bool) -> dict[str, Any]:
    """Start enabling services (one or a batch); returns the operation. Checks now, the change at finish."""
    if not services:
        raise errors.invalid_argument("serviceIds must not be empty.", "service_ids")
    if len(services) > MAX_BATCH:
        raise errors.invalid_argument(
            f"Too many services in one batch: {len(services)} given, at most {MAX_BATCH} allowed.",
            "service_ids",
        )
    project = require_project(state, id_or_number, "serviceusage.googleapis.com")
    number = project_number(project)
    unknown = [service for service in services if catalog_entry(state, service) is None]
    if unknown:
        raise _unknown_services(unknown)
    billable = [service for service in services if (catalog_entry(state, service) or {}).get("billable")]
    if billable and not billing_enabled(state, project):
        raise _billing_not_found(number, billable)
    return state.operations.start(
        name=service_usage_operation_name(number),
        kind="service.enable",
        finisher="serviceusage.enable",
        args={"number": number, "services": services, "batch": batch},
        response_type=(
            "google.api.serviceusage.v1.BatchEnableServicesResponse"
            if batch
            else "google.api.serviceusage.v1.EnableServiceResponse"
        ),
        metadata_type=OPERATION_METADATA,
        metadata={"resourceNames": [f"projects/{number}/services/{service}" for service in services]},
    )


@finisher("serviceusage.enable")
def _finish_enable(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    number = args["number"]
    for service in args["services"]:
        state.store.put(STATES, f"{number}/{service}", {"state": "ENABLED"})
    wires = [service_wire(state, number, service) for service in args["services"]]
    return {"services": wires} if args["batch"] else {"service": wires[0]}


def disable(state: EmulatorState, id_or_number: str, service: str) -> dict[str, Any]:
    project = require_project(state, id_or_number, "serviceusage.googleapis.com")
    number = project_number(project)
    if catalog_entry(state, service) is None:
        raise _unknown_services([service])
    return state.operations.start(
        name=service_usage_operation_name(number),
        kind="service.disable",
        finisher="serviceusage.disable",
        args={"number": number, "service": service},
        response_type="google.api.serviceusage.v1.DisableServiceResponse",
        metadata_type=OPERATION_METADATA,
        metadata={"resourceNames": [f"projects/{number}/services/{service}"]},
    )


@finisher("serviceusage.disable")
def _finish_disable(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    state.store.put(STATES, f"{args['number']}/{args['service']}", {"state": "DISABLED"})
    return {"service": service_wire(state, args["number"], args["service"])}


def require_service_enabled(state: EmulatorState, id_or_number: str, service: str) -> dict[str, Any]:
    """The ACTIVE project when `service` is enabled on it; else 403 SERVICE_DISABLED (gcp-wire.md §4a),
    naming the project by number."""
    project = require_project(state, id_or_number, service)
    number = project_number(project)
    if service_state(state, number, service) != "ENABLED":
        entry = catalog_entry(state, service) or {}
        raise errors.service_disabled(number, service, entry.get("title", service))
    return project


def _seed_services(state: EmulatorState, item: dict[str, Any]) -> None:
    services = item.get("enabledServices", [])
    if services:
        number = project_number(require_project(state, item["projectId"]))
        for service in services:
            state.store.put(STATES, f"{number}/{service}", {"state": "ENABLED"})


PROJECT_SEED_HOOKS.append(_seed_services)
