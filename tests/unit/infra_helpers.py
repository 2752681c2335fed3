"""Shared helpers for the Pulumi program tests (run offline under Pulumi's mocks)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from provisioning.spec import EnvironmentSpec, parse_spec

REPO = Path(__file__).resolve().parents[2]
DEV_YAML = REPO / "examples" / "dev.yaml"
NOW = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
TOKEN = "hf_thisIsTheRealTokenValue123"

DEPLOYMENT = "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
ENABLE = "gcp:vertex/aiModelGardenEnableModel:AiModelGardenEnableModel"
SERVICE = "gcp:projects/service:Service"
PROJECT = "gcp:organizations/project:Project"


def dev_data(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(DEV_YAML.read_text())
    data.update(changes)
    return data


def spec_with(**changes: Any) -> EnvironmentSpec:
    return parse_spec(dev_data(**changes), "test")


def of_type(graph: list[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [node for node in graph if node["type"] == type_]


def one(graph: list[dict[str, Any]], type_: str, name: str | None = None) -> dict[str, Any]:
    found = [node for node in of_type(graph, type_) if name is None or node["name"] == name]
    assert len(found) == 1, f"expected one {type_} {name or ''}, got {[n['id'] for n in found]}"
    return found[0]
