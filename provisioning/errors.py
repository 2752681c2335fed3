"""One exception family. Each error says what failed, why, and how to fix it.

Exit codes follow the design: 0 ok, 1 findings or failed checks, 2 bad input or usage.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


class ProvisionError(Exception):
    """Base of every error the toolkit raises on purpose."""

    exit_code = EXIT_FINDINGS

    def __init__(self, what: str, why: str = "", fix: str = "") -> None:
        self.what = what
        self.why = why
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        parts = [self.what]
        if self.why:
            parts.append(f"why: {self.why}")
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return "\n  ".join(parts)


class BadInputError(ProvisionError):
    """The user's input (spec, flag, file) is wrong; nothing was sent to any API."""

    exit_code = EXIT_BAD_INPUT


class SpecError(BadInputError):
    """The environment spec failed to load or validate."""


class GoogleApiError(ProvisionError):
    """A Google API (or the emulator) answered with an error we could not recover from."""

    def __init__(
        self,
        what: str,
        why: str = "",
        fix: str = "",
        *,
        status_code: int | None = None,
        status: str = "",
        reason: str = "",
    ) -> None:
        self.status_code = status_code
        self.status = status
        self.reason = reason
        super().__init__(what, why, fix)
