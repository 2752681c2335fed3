"""Parsing Cloud Quotas and Cloud Monitoring answers (shapes from shared/gcp-wire.md §5)."""

from __future__ import annotations

from provisioning.gcp.quotas import QuotaReading, parse_limits, parse_usage


def test_region_entry_wins_and_the_empty_dimensions_entry_is_the_default() -> None:
    info = {
        "dimensionsInfos": [
            {
                "dimensions": {"region": "us-central1"},
                "details": {"value": "8"},
                "applicableLocations": ["us-central1"],
            },
            {
                "dimensions": {},
                "details": {"value": "0"},
                "applicableLocations": ["us-east1", "europe-west4"],
            },
        ]
    }
    limits, default = parse_limits(info)
    assert limits == {"us-central1": 8, "us-east1": 0, "europe-west4": 0}
    assert default == 0


def test_absent_value_counts_as_zero_like_gcloud() -> None:
    limits, _ = parse_limits({"dimensionsInfos": [{"dimensions": {"region": "us-east4"}, "details": {}}]})
    assert limits == {"us-east4": 0}


def test_usage_is_the_newest_point_per_location_and_no_series_means_zero() -> None:
    answer = {
        "timeSeries": [
            {
                "resource": {"labels": {"location": "us-central1"}},
                "points": [{"value": {"int64Value": "3"}}, {"value": {"int64Value": "1"}}],
            }
        ]
    }
    assert parse_usage(answer) == {"us-central1": 3}
    assert parse_usage({}) == {}
    reading = QuotaReading("Q", "m", {"us-central1": 8}, 0, {"us-central1": 3})
    assert reading.region("us-central1").available == 5
    assert reading.region("asia-northeast1").available == 0
