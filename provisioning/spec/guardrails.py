"""What bounds the spend: `budget:`, and `ttl:` (the expires-at label the reaper acts on)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import Field

from provisioning.spec.fields import Strict

_DURATION = re.compile(r"^([0-9]{1,5})(m|h|d)$")

MIN_TTL = timedelta(minutes=10)
MAX_TTL = timedelta(days=90)


class BudgetSpec(Strict):
    monthly_amount_usd: Annotated[float, Field(gt=0, le=10_000_000)]
    thresholds: list[Annotated[float, Field(gt=0, le=2)]] = [0.5, 0.9, 1.0]


def parse_duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text)
    if not match:
        raise ValueError("a duration is a whole number followed by m, h or d, e.g. 72h")
    amount, unit = int(match.group(1)), match.group(2)
    delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    if not MIN_TTL <= delta <= MAX_TTL:
        raise ValueError("a TTL must be between 10m and 90d")
    return delta
