"""`provision reap`: undeploy endpoints whose `expires-at` label has passed (GPU time is what costs money).

Looks only at endpoints labelled managed-by=provision, in every region the spec uses (or the catalog's regions
for `--projects`). `dry_run` lists and changes nothing.

The Pulumi program cannot label the endpoint itself (pulumi-gcp's AiEndpointWithModelGardenDeployment has no
endpoint labels), so its labels travel in `deploy_config.system_labels`, which Vertex keeps on the deployed
model (DeployedModel.systemLabels). An endpoint without our labels is judged by those of its deployed models.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError

from provisioning.engine.labels import EXPIRES_AT, MANAGED_BY, MANAGED_BY_VALUE, is_expired
from provisioning.engine.locking import LockOptions, hold_lock
from provisioning.engine.state import open_backend
from provisioning.engine.teardown import undeploy_all
from provisioning.errors import BadInputError
from provisioning.gcp import operations, vertex
from provisioning.gcp.clients import Clients
from provisioning.gcp.connection import Connection
from provisioning.spec import EnvironmentSpec
from provisioning.spec.project import ProjectId


@dataclass(frozen=True)
class Expired:
    project: str
    endpoint: str  # full resource name
    expires_at: str
    deployed_models: int
    action: str  # "would undeploy", "undeployed", "nothing deployed"


def spec_regions(spec: EnvironmentSpec) -> list[str]:
    regions = [spec.region, *spec.fallback_regions, *(spec.endpoint_region(e) for e in spec.endpoints)]
    return list(dict.fromkeys(regions))


def parse_project_ids(text: str) -> list[str]:
    """`--projects a,b`: every id checked with the spec's project-id rule before any call (exit 2)."""
    ids = [p.strip() for p in text.split(",") if p.strip()]
    if not ids:
        raise BadInputError("--projects is empty", fix="e.g. --projects acme-dev,acme-ci")
    for project in ids:
        try:
            TypeAdapter(ProjectId).validate_python(project)
        except ValidationError as error:
            reason = error.errors()[0]["msg"].removeprefix("Value error, ")
            raise BadInputError(
                f"--projects: {project!r} is not a project id", reason, "e.g. --projects acme-dev,acme-ci"
            ) from None
    return ids


def lifetime_labels(endpoint: vertex.EndpointInfo) -> dict[str, str]:
    """The labels that say whether we manage `endpoint` and until when ({} when we do not manage it): the
    endpoint's own (the CLI engine's), else a deployed model's system labels (the Pulumi program's)."""
    candidates = [endpoint.labels, *(d.system_labels for d in endpoint.deployed_models)]
    return next((labels for labels in candidates if labels.get(MANAGED_BY) == MANAGED_BY_VALUE), {})


def reap(
    connection: Connection,
    targets: list[tuple[str, list[str]]],
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    deadline_s: float = operations.DEFAULT_DEADLINE_S,
    state: str | None = None,
    lock: LockOptions | None = None,
) -> list[Expired]:
    """`targets` is (project, regions) pairs; returns every expired endpoint found and what was done.
    Unless `dry_run`, each project's lock (in `state`: a file for one project, or gs://BUCKET/PREFIX; else
    the local default) is held, in project order, for the whole reap."""
    moment = now or datetime.now(UTC)
    connection.check_reachable()
    clients = Clients(connection)
    with ExitStack() as locks:
        if not dry_run:
            for project in sorted({p for p, _ in targets}):
                backend = open_backend(state, project, connection)
                backend.check()
                locks.enter_context(hold_lock(backend, lock or LockOptions()))
        return _reap(clients, targets, dry_run, moment, deadline_s)


def _reap(
    clients: Clients,
    targets: list[tuple[str, list[str]]],
    dry_run: bool,
    moment: datetime,
    deadline_s: float,
) -> list[Expired]:
    try:
        expired = [
            (project, endpoint, labels)
            for project, regions in targets
            for region in regions
            for endpoint in vertex.list_endpoints(clients, project, region)
            if (labels := lifetime_labels(endpoint)) and is_expired(labels, moment)
        ]

        def handle(item: tuple[str, vertex.EndpointInfo, dict[str, str]]) -> Expired:
            project, endpoint, labels = item
            count = len(endpoint.deployed_models)
            if not count:
                action = "nothing deployed"
            elif dry_run:
                action = "would undeploy"
            else:
                undeploy_all(clients, endpoint, deadline_s)
                action = "undeployed"
            return Expired(project, endpoint.name, labels[EXPIRES_AT], count, action)

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(handle, expired))
    finally:
        clients.close()
