"""What every benchmark returns: named figures with their target, so `make bench` can print one table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    benchmark: str
    name: str
    value: float
    unit: str
    target: str
    ok: bool | None  # None: no target to judge against

    def row(self) -> list[str]:
        verdict = {True: "meets target", False: "MISSES target", None: "-"}[self.ok]
        return [
            self.benchmark,
            self.name,
            f"{self.value:,.3f}".rstrip("0").rstrip("."),
            self.unit,
            self.target,
            verdict,
        ]
