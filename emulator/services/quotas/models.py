"""Vertex serving GPU quotas: limits (seed section `quotas`) and usage (allocations by deploys).

`allocate(state, project, region, quota_metric, count)` reserves GPUs or raises 429 RESOURCE_EXHAUSTED
"The following quotas are exceeded: <QuotaId>" when usage + count > limit; `release(...)` gives them back.
Cloud Quotas `quotaInfos` report the limits, Cloud Monitoring `timeSeries` the usage (gcp-wire.md §5).
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.services.resourcemanager.models import project_number, require_project
from emulator.state import EmulatorState

QUOTAS = "quotas"
USAGE = "quota_usage"  # "<project number>/<region>/<metric>" → {"usage": N, ...}


def quota_by_metric(state: EmulatorState, metric: str) -> dict[str, Any]:
    for quota in state.store.list(QUOTAS):
        if quota.get("metric") == metric:
            return quota
    raise errors.invalid_argument(f"No quota is defined for metric {metric}.", "quota_metric")


def quota_by_id(state: EmulatorState, quota_id: str) -> dict[str, Any] | None:
    return state.store.get(QUOTAS, quota_id)


def limit_for(quota: dict[str, Any], region: str) -> int:
    return int(quota.get("limits", {}).get(region, quota.get("default", 0)))


def usage_for(state: EmulatorState, number: str, region: str, metric: str) -> int:
    stored = state.store.get(USAGE, f"{number}/{region}/{metric}")
    return int(stored["usage"]) if stored else 0


def allocate(state: EmulatorState, project: str, region: str, quota_metric: str, count: int) -> None:
    """Reserve `count` units of `quota_metric` in `region` for the project (id or number), atomically."""
    with state.store.transaction():
        number = project_number(require_project(state, project, "aiplatform.googleapis.com"))
        quota = quota_by_metric(state, quota_metric)
        limit = limit_for(quota, region)
        usage = usage_for(state, number, region, quota_metric)
        if usage + count > limit:
            raise errors.quota_exceeded(quota["name"], quota_metric, region, limit, usage, count)
        _store_usage(state, number, region, quota_metric, usage + count)


def release(state: EmulatorState, project: str, region: str, quota_metric: str, count: int) -> None:
    """Give back `count` units (never below zero)."""
    with state.store.transaction():
        number = project_number(require_project(state, project))
        usage = usage_for(state, number, region, quota_metric)
        _store_usage(state, number, region, quota_metric, max(0, usage - count))


def _store_usage(state: EmulatorState, number: str, region: str, metric: str, usage: int) -> None:
    state.store.put(
        USAGE,
        f"{number}/{region}/{metric}",
        {"usage": usage, "region": region, "metric": metric, "updated": state.now()},
    )


def quota_info(state: EmulatorState, project_id: str, quota: dict[str, Any]) -> dict[str, Any]:
    """A Cloud Quotas QuotaInfo: one dimensionsInfo per region with its own limit, then the default."""
    service = quota.get("service", "aiplatform.googleapis.com")
    limits = quota.get("limits", {})
    infos: list[dict[str, Any]] = [
        {"dimensions": {"region": region}, "details": {"value": str(value)}, "applicableLocations": [region]}
        for region, value in sorted(limits.items())
    ]
    infos.append(
        {"dimensions": {}, "details": {"value": str(quota.get("default", 0))}, "applicableLocations": []}
    )
    return {
        "name": f"projects/{project_id}/locations/global/services/{service}/quotaInfos/{quota['name']}",
        "quotaId": quota["name"],
        "metric": quota["metric"],
        "service": service,
        "isPrecise": True,
        "refreshInterval": "minute",
        "containerType": "PROJECT",
        "dimensions": ["region"],
        "metricDisplayName": quota.get("displayName", quota["name"]),
        "quotaDisplayName": quota.get("displayName", quota["name"]),
        "metricUnit": "1",
        "quotaIncreaseEligibility": {"isEligible": True},
        "isFixed": False,
        "isConcurrent": False,
        "dimensionsInfos": infos,
    }
