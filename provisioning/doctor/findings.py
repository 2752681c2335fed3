"""What doctor reports: findings (id, status, evidence, fix) and how they decide the exit code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from provisioning.errors import EXIT_FINDINGS, EXIT_OK


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # apply will fix it, or it limits the environment without breaking apply
    FAIL = "fail"  # apply would fail at this point
    UNKNOWN = "unknown"  # cannot be read before apply (said so, with the reason)


@dataclass(frozen=True)
class Finding:
    id: str
    status: Status
    evidence: str
    fix: str = ""
    step: str = ""  # the plan step this finding concerns (see provisioning/plan.py)

    def to_json(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


def exit_code(findings: list[Finding]) -> int:
    return EXIT_FINDINGS if any(f.status is Status.FAIL for f in findings) else EXIT_OK
