"""Seed documents: the organization, billing accounts, services, quotas and publisher models the emulator
starts with (`emulator/data/default_seed.yaml`, or `--seed FILE`, or `POST /_emulator/seed`).

A seed is a mapping of sections. A section is a list of documents that each have a string `name`; by default
each document is stored as is in the store collection named after the section, keyed by `name`:

    organizations      {name: organizations/N, displayName}
    billing_accounts   {name: billingAccounts/X, displayName, open, currencyCode}
    services           {name: aiplatform.googleapis.com, title, billable, default_enabled}
    quotas             {name: <QuotaId>, service, metric, displayName, limits: {region: N}, default: N}
    publisher_models   {name: publishers/P/models/M[@V], kind: maas|open, locations, eula, ...} (Vertex)

A service may take over a section with `seed_section(name)` (Resource Manager does, for `projects`), e.g. to
create the project through its own rules. Applying a seed adds or replaces documents; it never deletes.
`reset(state)` brings a server back to the world it started with (its seed documents on an empty state).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from emulator.errors import invalid_argument
from emulator.routing import discover_registrars
from emulator.state import EmulatorState

DEFAULT_SEED = Path(__file__).parent / "data" / "default_seed.yaml"
_SECTION = re.compile(r"^[a-z][a-z0-9_]*$")

SectionApplier = Callable[[EmulatorState, dict[str, Any]], None]
_APPLIERS: dict[str, SectionApplier] = {}


def seed_section(name: str) -> Callable[[SectionApplier], SectionApplier]:
    """Register the function applying each document of seed section `name`."""

    def register(function: SectionApplier) -> SectionApplier:
        _APPLIERS[name] = function
        return function

    return register


def load_seed(path: str | Path) -> dict[str, Any]:
    """Read a seed file (YAML or JSON); raises ValueError with the reason when it is not a valid seed."""
    try:
        document = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read seed {path}: {error}") from None
    check_seed(document)
    return document


def check_seed(document: Any) -> None:
    if not isinstance(document, dict):
        raise ValueError("a seed is a mapping of sections")
    for section, items in document.items():
        if not isinstance(section, str) or not _SECTION.match(section):
            raise ValueError(f"seed section names are lower_snake_case, got {section!r}")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError(f"seed section {section!r} must be a list of mappings")
        for item in items:
            key = "projectId" if section == "projects" else "name"
            if not isinstance(item.get(key), str) or not item[key]:
                raise ValueError(f"every item of seed section {section!r} needs a string {key!r}")


def apply_seed(state: EmulatorState, document: Any) -> dict[str, int]:
    """Store a seed's documents; returns the count per section. Bad seeds → 400 INVALID_ARGUMENT."""
    discover_registrars()  # imports the services, which register their section appliers

    try:
        check_seed(document)
    except ValueError as error:
        raise invalid_argument(f"invalid seed: {error}") from None
    counts: dict[str, int] = {}
    with state.store.transaction():
        for section, items in document.items():
            applier = _APPLIERS.get(section)
            for item in items:
                if applier:
                    applier(state, item)
                else:
                    state.store.put(section, item["name"], item)
            counts[section] = len(items)
    return counts


def reset(state: EmulatorState) -> None:
    """Back to the state the server started with: empty store + its seed, default settings, no faults."""
    state.clear()
    for document in state.seed_documents:
        apply_seed(state, document)
