"""The labels on everything we create, and the one label-safe timestamp format for `expires-at`.

Label values allow only lowercase letters, digits, `_` and `-`, so `expires-at` is UTC written as
`20260301t120000z` (ISO 8601 basic format, lowercased). Both engines write the same `managed-by`, so
`provision reap` and `provision destroy` recognise what either engine created.
"""

from __future__ import annotations

from datetime import UTC, datetime

from provisioning.spec import EnvironmentSpec

MANAGED_BY = "managed-by"
MANAGED_BY_VALUE = "provision"
EXPIRES_AT = "expires-at"
EXPIRY_FORMAT = "%Y%m%dt%H%M%Sz"


def format_expiry(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(EXPIRY_FORMAT)


def resource_labels(spec: EnvironmentSpec, now: datetime, *, with_expiry: bool = True) -> dict[str, str]:
    """The spec's own labels plus ours (ours win): managed-by, environment, owner, expires-at with a TTL."""
    labels = dict(spec.labels)
    labels.update({MANAGED_BY: MANAGED_BY_VALUE, "environment": spec.environment, "owner": spec.owner})
    ttl = spec.ttl_delta
    if with_expiry and ttl is not None:
        labels[EXPIRES_AT] = format_expiry(now + ttl)
    return labels


def ours(labels: dict[str, str], spec: EnvironmentSpec) -> bool:
    """True when the labels say this resource was created by provision for this spec's environment."""
    return labels.get(MANAGED_BY) == MANAGED_BY_VALUE and labels.get("environment") == spec.environment


def parse_expiry(value: str) -> datetime | None:
    """The instant an `expires-at` value names; None when it is not in our format."""
    try:
        return datetime.strptime(value, EXPIRY_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def is_expired(labels: dict[str, str], now: datetime) -> bool:
    expiry = parse_expiry(labels.get(EXPIRES_AT, ""))
    return expiry is not None and expiry <= now
