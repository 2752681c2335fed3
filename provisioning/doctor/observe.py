"""Every read doctor and plan need, made once, in parallel where the answers are independent.

Two rounds: first what needs nothing (the project, the billing account, the publisher models), then what
needs the project to exist (billing info, enabled APIs, quota limits and usage, endpoints, the caller account,
and the MaaS probes when asked). A read that fails is kept as its error: the checks turn it into a finding.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from provisioning.catalog import load_catalog
from provisioning.desired import model_access as model_access_needs
from provisioning.drift import is_spec_endpoint
from provisioning.errors import BadInputError, GoogleApiError, ProvisionError
from provisioning.failover import candidate_regions
from provisioning.gcp import billing, iam, model_access, projects, quotas, services, vertex
from provisioning.gcp.billing import BillingAccountInfo, BillingInfo
from provisioning.gcp.clients import Clients
from provisioning.gcp.model_access import ProbeResult
from provisioning.gcp.projects import ProjectInfo
from provisioning.gcp.quotas import QuotaReading
from provisioning.gcp.vertex import EndpointInfo
from provisioning.recommend import EndpointShape
from provisioning.spec import EnvironmentSpec

T = TypeVar("T")
MAX_PARALLEL_READS = 8
QuotaKey = tuple[str, bool]  # (accelerator, spot)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T | None = None
    error: GoogleApiError | None = None


@dataclass
class Observations:
    target: str
    token_source: str
    token_error: ProvisionError | None = None
    project: Outcome[ProjectInfo | None] | None = None
    billing_account: Outcome[BillingAccountInfo | None] | None = None
    billing_info: Outcome[BillingInfo] | None = None
    services: Outcome[set[str]] | None = None
    quotas: dict[QuotaKey, Outcome[QuotaReading]] = field(default_factory=dict)
    publisher_models: dict[str, Outcome[dict[str, Any] | None]] = field(default_factory=dict)
    probes: dict[str, Outcome[ProbeResult]] = field(default_factory=dict)
    endpoints: dict[str, Outcome[list[EndpointInfo]]] = field(default_factory=dict)
    caller: Outcome[dict[str, object] | None] | None = None
    placed: dict[str, str] = field(default_factory=dict)  # spec endpoint → region it is deployed in
    project_hidden: bool = False  # 403 on the project: absent, or someone else's (Google answers both alike)
    read_calls: int = 0

    @property
    def project_exists(self) -> bool:
        return self.project is not None and self.project.value is not None

    @property
    def project_unreadable(self) -> bool:
        return self.project is None or self.project.error is not None


def found_endpoints(
    spec: EnvironmentSpec, listed: dict[str, Outcome[list[EndpointInfo]]], name: str
) -> list[EndpointInfo]:
    """The spec endpoint `name` as listed, in apply's search order (its own region, then the fallbacks);
    those serving a model first."""
    endpoint = next(e for e in spec.endpoints if e.name == name)
    found = [
        info
        for region in candidate_regions(spec, endpoint)
        for info in (listed[region].value or [] if region in listed else [])
        if is_spec_endpoint(info, spec, name)
    ]
    return sorted(found, key=lambda info: not info.deployed_models)


def placements(spec: EnvironmentSpec, listed: dict[str, Outcome[list[EndpointInfo]]]) -> dict[str, str]:
    """Where each deployed spec endpoint is (after a failover, a fallback region): its GPUs are held there,
    and a re-apply leaves it there."""
    placed = {}
    for e in spec.endpoints:
        found = found_endpoints(spec, listed, e.name)
        if found and found[0].deployed_models:
            placed[e.name] = found[0].location
    return placed


def quota_needs_by_key(
    spec: EnvironmentSpec, shapes: dict[str, EndpointShape], placed: dict[str, str]
) -> dict[QuotaKey, dict[str, int]]:
    """GPUs needed at max replicas, per (GPU type, spot) and region (where the endpoint is, once placed)."""
    needs: dict[QuotaKey, dict[str, int]] = {}
    for e in spec.endpoints:
        if e.name in shapes:
            shape = shapes[e.name].shape
            per_region = needs.setdefault((shape.accelerator, e.spot), {})
            region = placed.get(e.name) or spec.endpoint_region(e)
            per_region[region] = per_region.get(region, 0) + shape.count * e.max_replicas
    return needs


def own_gpus(
    spec: EnvironmentSpec, listed: dict[str, Outcome[list[EndpointInfo]]]
) -> dict[QuotaKey, dict[str, int]]:
    """GPUs the spec's own deployed endpoints hold, per (GPU type, spot) and region: part of the quota usage
    already, and needed again by the same endpoints, so they must not count twice."""
    held: dict[QuotaKey, dict[str, int]] = {}
    for region, outcome in listed.items():
        for found in outcome.value or []:
            spec_endpoint = next((e for e in spec.endpoints if is_spec_endpoint(found, spec, e.name)), None)
            if spec_endpoint is None:
                continue
            for deployed in found.deployed_models:
                per_region = held.setdefault((deployed.accelerator_type, spec_endpoint.spot), {})
                gpus = deployed.accelerator_count * max(1, deployed.min_replicas)
                per_region[region] = per_region.get(region, 0) + gpus
    return held


def _with_own(outcome: Outcome[QuotaReading], own: dict[str, int]) -> Outcome[QuotaReading]:
    if outcome.value is None or not own:
        return outcome
    return Outcome(value=replace(outcome.value, own=own))


class _Reader:
    """Runs reads on a shared pool and counts them."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.count = 0
        self._lock = threading.Lock()

    def counted(self, calls: int) -> None:
        with self._lock:
            self.count += calls

    def submit(self, fn: Callable[[], T]) -> Future[Outcome[T]]:
        self.counted(1)

        def run() -> Outcome[T]:
            try:
                return Outcome(value=fn())
            except BadInputError:
                raise
            except GoogleApiError as error:
                return Outcome(error=error)

        return self.pool.submit(run)


def _quota(
    reader: _Reader, clients: Clients, project: str, key: QuotaKey, needs: dict[str, int]
) -> QuotaReading:
    """Limits everywhere (one read), usage where the limit is not 0: the regions the spec uses, and, when one
    of them falls short, every other region offering the GPU (the candidates for a fallback)."""
    catalog = load_catalog()
    metric, quota_id = catalog.accelerators[key[0]].quota(spot=key[1])
    limits, default = quotas.read_limits(clients, project, quota_id)
    reading = QuotaReading(quota_id, metric, limits, default)

    def usage_of(regions: list[str]) -> dict[str, int]:
        wanted = [r for r in regions if reading.region(r).limit > 0]
        reader.counted(len(wanted))
        return {r: quotas.read_usage(clients, project, metric, r) for r in wanted}

    usage = usage_of(sorted(needs))
    reading = QuotaReading(quota_id, metric, limits, default, usage)
    short = any(
        reading.region(r).available < n or key[0] not in catalog.regions[r].gpus for r, n in needs.items()
    )
    if short:
        others = [r for r in catalog.regions_offering(key[0]) if r not in needs]
        usage.update(usage_of(others))
    return QuotaReading(quota_id, metric, limits, default, usage)


def observe(
    spec: EnvironmentSpec,
    clients: Clients,
    shapes: dict[str, EndpointShape],
    *,
    probe_maas: bool = False,
    for_plan: bool = False,
) -> Observations:
    connection = clients.connection
    obs = Observations(
        target=f"emulator at {connection.api_endpoint}" if connection.api_endpoint else "Google Cloud APIs",
        token_source=connection.token_source.description,
    )
    try:
        connection.token_source.token()
    except BadInputError:
        raise
    except ProvisionError as error:
        obs.token_error = error
        return obs
    project_id = spec.project.id
    catalog = load_catalog()
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_READS, thread_name_prefix="doctor-read") as pool:
        reader = _Reader(pool)
        project_f = reader.submit(lambda: projects.get_project(clients, project_id))
        account = spec.project.billing_account
        account_f = reader.submit(lambda: billing.get_billing_account(clients, account)) if account else None
        models_f = {
            name: reader.submit(lambda n=name: model_access.get_publisher_model(clients, n))  # type: ignore[misc]
            for name in model_access_needs.publisher_models(spec)
        }
        obs.project = project_f.result()
        denied = obs.project.error
        if denied is not None and denied.status_code == 403 and denied.status == "PERMISSION_DENIED":
            obs.project, obs.project_hidden = Outcome(value=None), True
        if obs.project_exists:
            info_f = reader.submit(lambda: billing.get_billing_info(clients, project_id))
            services_f = reader.submit(lambda: services.enabled_services(clients, project_id))
            probe_f: dict[str, Future[Outcome[ProbeResult]]] = {}
            if probe_maas:
                for maas in spec.maas_models:
                    offer = catalog.models[maas.name].maas
                    assert offer is not None
                    location = spec.maas_location(maas)
                    probe_f[maas.name] = reader.submit(
                        lambda loc=location, model=offer.model: model_access.probe_chat(  # type: ignore[misc]
                            clients, project_id, loc, model
                        )
                    )
            endpoints_f: dict[str, Future[Outcome[list[EndpointInfo]]]] = {}
            caller_f = None
            for region in sorted({r for e in spec.endpoints for r in candidate_regions(spec, e)}):
                endpoints_f[region] = reader.submit(
                    lambda r=region: vertex.list_endpoints(clients, project_id, r)  # type: ignore[misc]
                )
            if for_plan:
                account_id = spec.caller.service_account_id
                caller_f = reader.submit(lambda: iam.get_service_account(clients, project_id, account_id))
            obs.billing_info = info_f.result()
            obs.services = services_f.result()
            obs.probes = {name: f.result() for name, f in probe_f.items()}
            obs.endpoints = {region: f.result() for region, f in endpoints_f.items()}
            # Quota after the endpoints: a failed-over endpoint's GPUs are needed (and held) where it is.
            obs.placed = placements(spec, obs.endpoints)
            quota_f = {
                key: reader.submit(lambda k=key, n=needs: _quota(reader, clients, project_id, k, n))  # type: ignore[misc]
                for key, needs in sorted(quota_needs_by_key(spec, shapes, obs.placed).items())
            }
            held = own_gpus(spec, obs.endpoints)
            obs.quotas = {key: _with_own(f.result(), held.get(key, {})) for key, f in quota_f.items()}
            obs.caller = caller_f.result() if caller_f else None
        obs.billing_account = account_f.result() if account_f else None
        obs.publisher_models = {name: f.result() for name, f in models_f.items()}
        obs.read_calls = reader.count
    return obs
