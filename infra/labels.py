"""The labels every resource we create carries (managed-by, environment, owner, expires-at with a TTL)."""

from __future__ import annotations

from datetime import UTC, datetime

from provisioning.spec import EnvironmentSpec

MANAGED_BY = "vertex-bootstrap"


def expires_at_value(now: datetime, spec: EnvironmentSpec) -> str | None:
    """`now + ttl` in ISO 8601 basic form, lowercased to be a valid label value: 20261127t064100z."""
    if spec.ttl_delta is None:
        return None
    return (now.astimezone(UTC) + spec.ttl_delta).strftime("%Y%m%dt%H%M%Sz")


def base_labels(spec: EnvironmentSpec) -> dict[str, str]:
    """The spec's own labels plus ours; ours win, so a spec cannot hide who manages a resource."""
    return {**spec.labels, "managed-by": MANAGED_BY, "environment": spec.environment, "owner": spec.owner}


def expiring_labels(spec: EnvironmentSpec, now: datetime) -> dict[str, str]:
    expires = expires_at_value(now, spec)
    return {**base_labels(spec), **({"expires-at": expires} if expires else {})}
