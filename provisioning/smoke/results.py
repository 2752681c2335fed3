"""Named check results: pass / fail / skip, with evidence and timing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "skip"]


@dataclass
class CheckResult:
    target: str
    check: str
    status: Status
    required: bool
    seconds: float = 0.0
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        """A required check that did not pass makes the run fail."""
        return self.required and self.status != "pass"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
