"""Cloud Quotas v1 `quotaInfos` and Cloud Monitoring v3 `timeSeries` (quota allocation usage) routes."""

from __future__ import annotations

import re
from typing import Any

from emulator import errors, paging
from emulator.operations import timestamp
from emulator.routing import ApiRequest, RouteTable
from emulator.services.quotas import models
from emulator.services.resourcemanager.models import project_number
from emulator.services.serviceusage.models import require_service_enabled

USAGE_METRIC = "serviceruntime.googleapis.com/quota/allocation/usage"
_FILTER_TERM = re.compile(r'([\w.]+)\s*=\s*"([^"]*)"')


def _quota_project(request: ApiRequest) -> dict[str, Any]:
    if request.params["location"] != "global":
        raise errors.invalid_argument("The location must be 'global'.", "name")
    return require_service_enabled(request.state, request.params["project"], "cloudquotas.googleapis.com")


def get_quota_info(request: ApiRequest) -> dict[str, Any]:
    _quota_project(request)
    quota = models.quota_by_id(request.state, request.params["quota"])
    if quota is None or quota.get("service") != request.params["service"]:
        raise errors.not_found(f"QuotaInfo {request.params['quota']} not found.")
    return models.quota_info(request.state, request.params["project"], quota)


def list_quota_infos(request: ApiRequest) -> dict[str, Any]:
    _quota_project(request)
    quotas = request.state.store.list(models.QUOTAS)
    infos = [
        models.quota_info(request.state, request.params["project"], quota)
        for quota in quotas
        if quota.get("service") == request.params["service"]
    ]
    scope = f"{request.params['project']}|{request.params['service']}"
    items, token = paging.page(infos, request.query, query=scope)
    return paging.reply("quotaInfos", items, token)


def list_time_series(request: ApiRequest) -> dict[str, Any]:
    """Only the quota allocation usage gcloud reads (gcp-wire.md §5); other metrics answer no series."""
    project = require_service_enabled(request.state, request.params["project"], "monitoring.googleapis.com")
    terms = dict(_FILTER_TERM.findall(request.param("filter") or ""))
    if not terms:
        raise errors.invalid_argument("Field filter had an invalid value: a filter is required.", "filter")
    if terms.get("metric.type") != USAGE_METRIC:
        return {"timeSeries": [], "unit": "1"}
    metric = terms.get("metric.label.quota_metric", "")
    region = terms.get("resource.label.location", "")
    if not metric or not region:
        return {"timeSeries": [], "unit": "1"}
    number = project_number(project)
    stored = request.state.store.get(models.USAGE, f"{number}/{region}/{metric}")
    if stored is None:
        return {"timeSeries": [], "unit": "1"}
    now = timestamp(request.state.now())
    series = {
        "metric": {"type": USAGE_METRIC, "labels": {"quota_metric": metric}},
        "resource": {
            "type": "consumer_quota",
            "labels": {
                "project_id": project["projectId"],
                "location": region,
                "service": metric.split("/")[0],
            },
        },
        "metricKind": "GAUGE",
        "valueType": "INT64",
        "points": [
            {"interval": {"startTime": now, "endTime": now}, "value": {"int64Value": str(stored["usage"])}}
        ],
    }
    return {"timeSeries": [series], "unit": "1"}


def register(routes: RouteTable) -> None:
    base = "/v1/projects/{project}/locations/{location}/services/{service}/quotaInfos"
    routes.add("GET", base, list_quota_infos)
    routes.add("GET", base + "/{quota}", get_quota_info)
    routes.add("GET", "/v3/projects/{project}/timeSeries", list_time_series)
