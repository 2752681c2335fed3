"""Reading and merging our labels on what exists: whose it is, when it expires, what to write back.

What the labels are (and the `expires-at` format) is desired state: provisioning/desired/labels.py.
"""

from __future__ import annotations

from provisioning.desired.labels import (
    EXPIRES_AT,
    MANAGED_BY,
    MANAGED_BY_VALUE,
    format_expiry,
    is_expired,
    ours,
    parse_expiry,
    resource_labels,
)

__all__ = [
    "EXPIRES_AT",
    "MANAGED_BY",
    "MANAGED_BY_VALUE",
    "format_expiry",
    "is_expired",
    "keep_expiry",
    "ours",
    "parse_expiry",
    "resource_labels",
    "same_ignoring_expiry",
]


def same_ignoring_expiry(current: dict[str, str], wanted: dict[str, str]) -> bool:
    """Labels match apart from expires-at (re-applying must not push the expiry, or nothing gets reaped)."""
    strip = {k: v for k, v in wanted.items() if k != EXPIRES_AT}
    return all(current.get(k) == v for k, v in strip.items()) and (
        EXPIRES_AT not in wanted or EXPIRES_AT in current
    )


def keep_expiry(current: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    """`current` plus our labels, keeping an existing expires-at: re-applying must not postpone reaping."""
    merged = {**current, **wanted}
    if EXPIRES_AT in current:
        merged[EXPIRES_AT] = current[EXPIRES_AT]
    return merged
