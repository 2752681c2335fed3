"""`provision apply --spec DIR --parallel N [--shard K/N]`: apply every spec in a folder (or the K-th of N
deterministic shards of it, for CI runners that split the work), N environments at a time.

Every spec is loaded and checked before the first API call (one bad spec stops the run with exit 2). Each
environment keeps its own state (local, or its object under a shared gs:// prefix) and lock; one failing
environment does not stop the others.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from provisioning.engine.apply import apply_spec, default_outputs_path, preflight
from provisioning.engine.events import JsonReporter, Reporter, RowReporter
from provisioning.engine.locking import LockOptions, signal_handlers
from provisioning.errors import BadInputError, ProvisionError
from provisioning.gcp import operations
from provisioning.gcp.clients import Clients
from provisioning.gcp.connection import Connection
from provisioning.progress import NoRows, Rows
from provisioning.spec import EnvironmentSpec, load_spec

MAX_PARALLEL = 64
T = TypeVar("T")


@dataclass(frozen=True)
class FleetRow:
    spec: Path
    project: str
    ok: bool
    detail: str
    elapsed_s: float
    outputs: Path | None


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    def pick(self, items: list[T]) -> list[T]:
        """Round robin over the sorted items: every item in exactly one shard, sizes differ by at most 1."""
        return [item for position, item in enumerate(items) if position % self.count == self.index - 1]


def parse_shard(text: str) -> Shard:
    """`--shard K/N` with 1 <= K <= N (exit 2 before any call otherwise)."""
    index, slash, count = text.partition("/")
    if slash and index.strip().isdigit() and count.strip().isdigit():
        shard = Shard(int(index), int(count))
        if 1 <= shard.index <= shard.count:
            return shard
    raise BadInputError(
        f"--shard {text!r} is not K/N with 1 <= K <= N",
        "the folder's specs, sorted by file name, are split into N shards; K picks one",
        "e.g. --shard 2/5 (the second of five CI jobs)",
    )


def load_fleet(folder: Path, shard: Shard | None = None) -> list[tuple[Path, EnvironmentSpec]]:
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        raise BadInputError(f"{folder}: no *.yaml specs in this folder", fix="pass a folder of spec files")
    loaded = [(file, load_spec(file)) for file in files]
    seen: dict[str, Path] = {}
    for file, spec in loaded:
        if spec.project.id in seen:
            raise BadInputError(
                f"{file} and {seen[spec.project.id]} both describe project {spec.project.id}",
                fix="one spec per project",
            )
        seen[spec.project.id] = file
    mine = shard.pick(loaded) if shard else loaded
    for _, spec in mine:
        preflight(spec)
    return mine


def fleet_list(folder: Path) -> list[dict[str, str]]:
    """The folder's environments (for a CI matrix): spec file, project, environment, owner; offline."""
    return [
        {"spec": str(file), "project": spec.project.id, "environment": spec.environment, "owner": spec.owner}
        for file, spec in load_fleet(folder)
    ]


def check_parallel(parallel: int) -> int:
    if not 1 <= parallel <= MAX_PARALLEL:
        raise BadInputError(
            f"--parallel {parallel} is out of range",
            f"it must be between 1 and {MAX_PARALLEL}",
            "e.g. --parallel 10",
        )
    return parallel


def apply_fleet(
    folder: Path,
    connection: Connection,
    *,
    parallel: int,
    json_events: bool = False,
    outputs_dir: Path | None = None,
    deadline_s: float = operations.DEFAULT_DEADLINE_S,
    rows: Rows | None = None,
    shard: Shard | None = None,
    state: str | None = None,
    lock: LockOptions = LockOptions(),
) -> list[FleetRow]:
    """`rows` gets one live row per environment (keyed by project id) following its current step.
    `state`: a gs:// prefix shared by every environment (each spec's `state:`, else local, otherwise)."""
    check_parallel(parallel)
    board = rows or NoRows()
    loaded = load_fleet(folder, shard)
    clients = Clients(connection)  # shared: one connection pool for every environment

    def one(item: tuple[Path, EnvironmentSpec]) -> FleetRow:
        row = run_one(item)
        board.finish(row.project, "ok" if row.ok else "failed", row.detail)
        return row

    def run_one(item: tuple[Path, EnvironmentSpec]) -> FleetRow:
        file, spec = item
        project = spec.project.id
        board.start(project, "applying")
        reporter: Reporter = JsonReporter(environment=project) if json_events else RowReporter(board, project)
        outputs = (outputs_dir / f"{spec.project.id}.outputs.json") if outputs_dir else None
        start = time.monotonic()
        try:
            result = apply_spec(
                spec,
                connection,
                reporter,
                state_path=state,
                outputs_path=outputs or default_outputs_path(spec.project.id),
                deadline_s=deadline_s,
                clients=clients,
                lock=lock,
            )
        except ProvisionError as error:
            return FleetRow(file, spec.project.id, False, error.what, time.monotonic() - start, None)
        if result.ok:
            detail = f"{len(result.summaries)} steps ok"
        else:
            first = next(iter(result.dag.errors.items()), None)
            detail = f"{first[0]}: {first[1].what}" if first else "steps skipped"
        return FleetRow(
            file, spec.project.id, result.ok, detail, time.monotonic() - start, result.outputs_path
        )

    try:
        with signal_handlers(), ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="env") as pool:
            return list(pool.map(one, loaded))
    finally:
        clients.close()
