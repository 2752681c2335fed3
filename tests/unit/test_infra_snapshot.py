"""The resource graph of examples/dev.yaml against a committed snapshot: what `pulumi up` would create.

A reviewer reads tests/snapshots/pulumi_dev_graph.json; after an intended change regenerate it with
`UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/unit/test_infra_snapshot.py`.
"""

from __future__ import annotations

import json
import os

from infra.graph import resource_graph
from provisioning.spec import load_spec
from tests.unit.infra_helpers import DEV_YAML, NOW, REPO

SNAPSHOT = REPO / "tests" / "snapshots" / "pulumi_dev_graph.json"


def render() -> str:
    return json.dumps(resource_graph(load_spec(DEV_YAML), now=NOW), indent=2, sort_keys=True) + "\n"


def test_dev_graph_matches_the_snapshot() -> None:
    current = render()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.is_file(), "no snapshot yet: run with UPDATE_SNAPSHOTS=1"
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        "the Pulumi resource graph changed; review the diff, then run with UPDATE_SNAPSHOTS=1"
    )


def test_graph_is_deterministic() -> None:
    assert render() == render()
