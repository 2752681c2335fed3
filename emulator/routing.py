"""The route registry every emulated API registers into, the service packages that fill it, and the request
object handlers receive.

A service package (`emulator/services/<name>/` or `emulator/chat/`) exposes `register(routes: RouteTable)`;
`discover_registrars()` finds it by itself (each subpackage of `emulator.services`, plus `emulator.chat` when
present), imported by name: the core sits below the services and names none of them.

    def register(routes: RouteTable) -> None:
        routes.add("GET", "/v1/projects/{project}/locations/{location}/endpoints/{endpoint}", get_endpoint)
        routes.add("POST", "/v1/projects/{project}/locations/{location}/endpoints", create_endpoint,
                   body_schema="aiplatform.v1#GoogleCloudAiplatformV1Endpoint")

Templates: `{name}` matches one path segment without '/' or ':'; `{name=**}` matches the rest, slashes
included; `:verb` suffixes are literal (`/v1/projects/{project}/services/{service}:enable`). A handler is a
plain function or a coroutine function taking an `ApiRequest` and returning a JSON-able dict (sent as 200)
or a Starlette `Response` (e.g. a StreamingResponse). Sync handlers run on the event loop: keep them short
(store calls are in-memory SQLite); use an async handler for anything that waits. Raise
`emulator.errors.ApiError` for errors.

`body_schema` ("<api>#<Schema>", names from the discovery documents) makes the app reject unknown fields and
wrong types with Google's 400 before the handler runs. Whether a request *mutates* cloud state is decided in
one place, `is_mutating()` below.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.datastructures import QueryParams
    from starlette.requests import Request
    from starlette.responses import Response

    from emulator.state import EmulatorState

Handler = Callable[["ApiRequest"], "dict[str, Any] | Response | Awaitable[dict[str, Any] | Response]"]

# POSTs that read only (no cloud state changes): listed here and nowhere else.
READ_ONLY_POST = re.compile(
    r"(/chat/completions$"
    r"|:(getIamPolicy|testIamPermissions|search|predict|rawPredict|streamRawPredict|directPredict"
    r"|generateContent|streamGenerateContent|countTokens|computeTokens|checkPublisherModelEulaAcceptance"
    r"|modelGardenEula:check)$"
    r"|/modelGardenEula:check$)"
)


def is_mutating(method: str, path: str) -> bool:
    """True when the request changes cloud state: POST/PUT/PATCH/DELETE except the read-only POSTs."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not (method == "POST" and READ_ONLY_POST.search(path))


@dataclass
class ApiRequest:
    """What a handler sees. `body` is the parsed JSON object ({} when there is none)."""

    method: str
    path: str
    params: dict[str, str]
    query: QueryParams
    body: dict[str, Any]
    token: str
    state: EmulatorState
    raw: Request

    def param(self, name: str, default: str | None = None) -> str | None:
        """A query parameter (single value)."""
        return self.query.get(name, default)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    body_schema: str | None


_SEGMENT = re.compile(r"\{(\w+)(=\*\*)?\}")


def compile_template(template: str) -> re.Pattern[str]:
    """`/v1/projects/{project}/services/{service}:enable` → an anchored regex with named groups."""
    parts: list[str] = []
    position = 0
    for match in _SEGMENT.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+)" if match.group(2) else f"(?P<{match.group(1)}>[^/:]+)")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("^" + "".join(parts) + "$")


class RouteTable:
    """Routes by method, tried in registration order (compiled once; a miss costs one regex per route)."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Route]] = {}

    def add(self, method: str, template: str, handler: Handler, *, body_schema: str | None = None) -> None:
        route = Route(method.upper(), template, compile_template(template), handler, body_schema)
        for existing in self._routes.get(route.method, []):
            if existing.template == template:
                raise ValueError(f"route registered twice: {method} {template}")
        self._routes.setdefault(route.method, []).append(route)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes.get(method, ()):
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

    def routes(self) -> list[Route]:
        return [route for routes in self._routes.values() for route in routes]


Registrar = Callable[[RouteTable], None]


@cache
def discover_registrars() -> tuple[Registrar, ...]:
    """`register` of every `emulator.services.*` package, then of `emulator.chat` when it exists. Importing
    them also registers their operation finishers, seed sections and settings."""
    services = importlib.import_module("emulator.services")
    names = [f"emulator.services.{info.name}" for info in pkgutil.iter_modules(services.__path__)]
    if importlib.util.find_spec("emulator.chat") is not None:
        names.append("emulator.chat")
    registrars: list[Registrar] = []
    for name in sorted(names):
        register = getattr(importlib.import_module(name), "register", None)
        if register is not None:
            registrars.append(register)
    return tuple(registrars)


def build_routes() -> RouteTable:
    """The routes of every service package."""
    table = RouteTable()
    for register in discover_registrars():
        register(table)
    return table
