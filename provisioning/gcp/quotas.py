"""Vertex serving GPU quota per region: the limit from Cloud Quotas, the usage from Cloud Monitoring.

Both reads are the ones `gcloud ai model-garden models deploy` makes (shared/gcp-wire.md §5). One quotaInfos
GET returns the limit for every region; usage is one timeSeries list per region (gcloud's exact filter), and
only regions with a non-zero limit need it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from provisioning.gcp.clients import Clients

SERVICE = "aiplatform.googleapis.com"
USAGE_LOOKBACK = timedelta(hours=25)  # gcloud's window: the allocation metric is sampled sparsely


@dataclass(frozen=True)
class RegionQuota:
    region: str
    limit: int
    usage: int
    own: int = 0  # of `usage`: held by the environment being checked (it needs them again, not twice)

    @property
    def available(self) -> int:
        """What the environment may hold in all: the limit less what everyone else holds."""
        return max(0, self.limit - max(0, self.usage - self.own))


@dataclass(frozen=True)
class QuotaReading:
    """Limits and usage of one quota (one GPU type) in every region the answers named."""

    quota_id: str
    metric: str
    limits: dict[str, int] = field(default_factory=dict)
    default_limit: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    own: dict[str, int] = field(default_factory=dict)

    def region(self, region: str) -> RegionQuota:
        limit = self.limits.get(region, self.default_limit)
        return RegionQuota(region, limit, self.usage.get(region, 0), self.own.get(region, 0))


def _int(value: Any) -> int:
    """int64 fields are JSON strings; an absent value counts as 0 (gcloud does the same)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_limits(quota_info: dict[str, Any]) -> tuple[dict[str, int], int]:
    """(limit per region named, default for the others) from a QuotaInfo's dimensionsInfos."""
    limits: dict[str, int] = {}
    default = 0
    for info in quota_info.get("dimensionsInfos") or []:
        value = _int((info.get("details") or {}).get("value"))
        region = (info.get("dimensions") or {}).get("region")
        if region:
            limits[region] = value
            continue
        default = value
        for location in info.get("applicableLocations") or []:
            limits.setdefault(location, value)
    return limits, default


def parse_usage(answer: dict[str, Any]) -> dict[str, int]:
    """Usage per region from a timeSeries list: the newest point of each location's series."""
    usage: dict[str, int] = {}
    for series in answer.get("timeSeries") or []:
        location = ((series.get("resource") or {}).get("labels") or {}).get("location", "")
        points = series.get("points") or []
        if location and points:
            usage[location] = usage.get(location, 0) + _int((points[0].get("value") or {}).get("int64Value"))
    return usage


def read_limits(clients: Clients, project: str, quota_id: str) -> tuple[dict[str, int], int]:
    info = clients.rest(
        "GET",
        "cloudquotas",
        f"/v1/projects/{project}/locations/global/services/{SERVICE}/quotaInfos/{quota_id}",
        f"read quota {quota_id} of {project}",
        project=project,
    )
    return parse_limits(info)


def usage_filter(project: str, metric: str, region: str) -> str:
    return (
        'metric.type="serviceruntime.googleapis.com/quota/allocation/usage" AND '
        'resource.type="consumer_quota" AND '
        f'metric.label.quota_metric="{metric}" AND '
        f'resource.label.project_id="{project}" AND '
        f'resource.label.location="{region}" AND '
        f'resource.label.service="{SERVICE}"'
    )


def read_usage(clients: Clients, project: str, metric: str, region: str, now: datetime | None = None) -> int:
    end = now or datetime.now(UTC)
    answer = clients.rest(
        "GET",
        "monitoring",
        f"/v3/projects/{project}/timeSeries",
        f"read the usage of {metric} in {project}, {region}",
        params={
            "filter": usage_filter(project, metric, region),
            "interval.startTime": (end - USAGE_LOOKBACK).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "interval.endTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aggregation.alignmentPeriod": "60s",
            "aggregation.perSeriesAligner": "ALIGN_NEXT_OLDER",
        },
        project=project,
    )
    return parse_usage(answer).get(region, 0)
