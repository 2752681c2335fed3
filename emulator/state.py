"""The emulator's process state: the document store, settings, fault rules, request log and expired tokens.

One `EmulatorState` per server. Handlers get it as `request.state` (see `emulator/routing.py`).
Cloud state (projects, services, operations...) lives in the store; the rest is per-process. `clear()` empties
both; `emulator.seed.reset()` clears and then re-applies the seed the server started with.
"""

from __future__ import annotations

import random
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import invalid_argument
from emulator.operations import Operations
from emulator.store import Store

# Settings accepted by POST /_emulator/config, with defaults. Services add theirs with `register_setting`.
SETTING_DEFAULTS: dict[str, Any] = {
    "lro_scale": 0.001,  # operation latency = production-like base latency x lro_scale
    "record_bodies": False,  # keep request and reply JSON bodies in the request log (contract tests)
    "request_log_limit": 10_000,
    "chat_first_token_delay_ms": 0.0,
    "chat_inter_token_delay_ms": 0.0,
}


def register_setting(name: str, default: Any) -> None:
    """Declare a setting a service reads from `state.settings[name]` (call at import time)."""
    SETTING_DEFAULTS.setdefault(name, default)


FAULT_KINDS = ("429", "503", "drop", "slow", "cut")


@dataclass
class FaultRule:
    """Inject a fault into a fraction of the requests whose path matches `route` (a regex, searched)."""

    route: str
    kind: str
    fraction: float = 1.0
    seed: int = 0
    delay_ms: float = 1000.0
    retry_after_s: int | None = None  # a 429 / 503 then carries `Retry-After: N`, as Google's front end may
    pattern: re.Pattern[str] = field(init=False, repr=False)
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise invalid_argument(
                f"fault kind must be one of {', '.join(FAULT_KINDS)}, got {self.kind!r}", "kind"
            )
        if not 0.0 <= self.fraction <= 1.0:
            raise invalid_argument("fault fraction must be between 0 and 1", "fraction")
        if self.retry_after_s is not None and (self.retry_after_s < 0 or self.kind not in ("429", "503")):
            raise invalid_argument(
                "fault retry_after_s is a whole number of seconds >= 0, for kinds 429 and 503",
                "retry_after_s",
            )
        try:
            self.pattern = re.compile(self.route)
        except re.error as error:
            raise invalid_argument(f"fault route is not a valid regex: {error}", "route") from None
        self.rng = random.Random(self.seed)

    @classmethod
    def from_json(cls, data: Any) -> FaultRule:
        if not isinstance(data, dict) or not isinstance(data.get("route"), str):
            raise invalid_argument("each fault rule is an object with a string 'route'", "rules")
        known = {"route", "kind", "fraction", "seed", "delay_ms", "retry_after_s"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise invalid_argument(f"unknown fault rule keys: {', '.join(unknown)}", "rules")
        try:
            return cls(
                route=data["route"],
                kind=str(data.get("kind", "")),
                fraction=float(data.get("fraction", 1.0)),
                seed=int(data.get("seed", 0)),
                delay_ms=float(data.get("delay_ms", 1000.0)),
                retry_after_s=None if data.get("retry_after_s") is None else int(data["retry_after_s"]),
            )
        except (TypeError, ValueError):
            raise invalid_argument(
                "fault fraction, seed, delay_ms and retry_after_s must be numbers", "rules"
            ) from None

    def describe(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "kind": self.kind,
            "fraction": self.fraction,
            "seed": self.seed,
            "delay_ms": self.delay_ms,
            "retry_after_s": self.retry_after_s,
        }


class EmulatorState:
    """Everything a request handler may touch. `seed_documents` are re-applied on reset."""

    def __init__(self, store: Store, seed_documents: list[dict[str, Any]], settings: dict[str, Any]) -> None:
        self.store = store
        self.seed_documents = seed_documents
        self.base_settings = {**SETTING_DEFAULTS, **settings}
        self.settings: dict[str, Any] = dict(self.base_settings)
        self.faults: list[FaultRule] = []
        self.request_log: deque[dict[str, Any]] = deque(maxlen=int(self.settings["request_log_limit"]))
        self.expired_tokens: set[str] = set()
        self.operations = Operations(self)

    @staticmethod
    def now() -> float:
        return time.time()

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply settings from the admin API; unknown names or wrong types are rejected whole."""
        unknown = sorted(set(changes) - set(SETTING_DEFAULTS))
        if unknown:
            known = ", ".join(sorted(SETTING_DEFAULTS))
            raise invalid_argument(f"unknown settings: {', '.join(unknown)} (known: {known})", unknown[0])
        for name, value in changes.items():
            default = SETTING_DEFAULTS[name]
            numeric = isinstance(default, int | float) and not isinstance(default, bool)
            if numeric and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
                raise invalid_argument(f"setting {name} must be a non-negative number", name)
            if isinstance(default, bool) and not isinstance(value, bool):
                raise invalid_argument(f"setting {name} must be true or false", name)
        self.settings.update(changes)
        if "request_log_limit" in changes:
            self.request_log = deque(self.request_log, maxlen=int(changes["request_log_limit"]))
        return dict(self.settings)

    def take_one(self, setting: str) -> bool:
        """Count down a "the next N requests ..." setting: True (and one fewer) while it is above 0."""
        if float(self.settings.get(setting, 0)) < 1:
            return False
        self.settings[setting] = self.settings[setting] - 1
        return True

    def set_faults(self, rules: list[Any]) -> list[dict[str, Any]]:
        self.faults = [FaultRule.from_json(rule) for rule in rules]
        return [rule.describe() for rule in self.faults]

    def pick_fault(self, path: str) -> FaultRule | None:
        """The first rule matching the path whose own seeded RNG fires this time."""
        for rule in self.faults:
            if rule.pattern.search(path) and rule.rng.random() < rule.fraction:
                return rule
        return None

    def clear(self) -> None:
        """Empty store, default settings, no faults, empty request log, no expired tokens (no seed: see
        `emulator.seed.reset`)."""
        self.store.clear()
        self.settings = dict(self.base_settings)
        self.faults = []
        self.request_log = deque(maxlen=int(self.settings["request_log_limit"]))
        self.expired_tokens = set()
