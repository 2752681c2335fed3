"""The ASGI application: admin API, fault injection, auth, body checks, dispatch and the request log.

How a service plugs in (Vertex control plane, chat routes, the core services here): put a package under
`emulator/services/<name>/` (or `emulator/chat/`) whose `__init__` defines `register(routes: RouteTable)`;
`discover_registrars()` imports it by itself. See `emulator/routing.py` for templates,
handlers, `body_schema`.

Every non-admin request goes through, in order: fault rules (429 / 503 / drop / slow; a rule's `method`
and `count` narrow it to one method and a number of times) → path checks (traversal is a 400) → `alt` /
`$alt` query (json only; the GAPIC `$alt=json;enum-encoding=int` is accepted and enums are answered as
names, which the clients parse) → route lookup (a method of the API's discovery document that no route
serves is a 501 UNIMPLEMENTED, any other miss a 404) → Bearer token (401) → body (size ≤ 10 MB, JSON
object, discovery schema) → handler. Any unexpected exception is answered as a Google-shaped 500 and
printed to stderr: a 500 is always an emulator bug. The fault `cut` lets the request through and breaks
its reply mid-body; `lose_reply` lets it through (it takes effect) and resets the connection before any
byte of the reply, so the client sees a transport error for a call that succeeded (logged with its real
status and `"reply_lost": true`). Streaming replies (chat SSE) are written chunk by chunk by `_stream`
(200 paced streams at once are the load bench/bench_chat.py measures). With the setting `record_bodies`
the request log keeps each JSON reply and, for a stream, its parsed SSE events (`response_stream`), for
the contract tests. Secrets never enter the log in clear: a Hugging Face token (any `hf_...` token, and
whatever a `huggingFaceAccessToken` field holds) is recorded as [REDACTED], and the entry's `redacted`
lists each one's fingerprint (`redaction.fingerprint`), so a test can tell which token arrived.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import json
import pkgutil
import socket
import struct
import sys
import time
import traceback
from collections.abc import AsyncIterable, AsyncIterator, Callable
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from emulator import discovery, errors
from emulator.admin import admin_router
from emulator.errors import ApiError
from emulator.routing import ApiRequest, Route, RouteTable, is_mutating
from emulator.state import EmulatorState
from redaction import fingerprint, mask_all, secrets_in

MAX_BODY_BYTES = 10 * 1024 * 1024
BODY_METHODS = ("POST", "PUT", "PATCH")


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


class EmulatorApp:
    """Raw ASGI app (so a fault can drop a connection); Starlette Request/Response inside."""

    def __init__(self, state: EmulatorState, routes: RouteTable | None = None) -> None:
        self.state = state
        self.routes = routes or build_routes()
        self.admin = admin_router(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith("/_emulator/"):
            await self.admin(scope, receive, send)
            return
        request = Request(scope, receive)
        fault = self.state.pick_fault(request.method, path)
        if fault is not None and fault.kind == "drop":
            self._log(request, 0, None, None)
            # Headers promising a body, then nothing: the server closes the connection mid-reply.
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
            )
            return
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay_ms / 1000.0)
        if fault is not None and fault.kind in ("429", "503"):
            response, reply, body = _fault_reply(fault.kind, fault.retry_after_s), None, None
        else:
            response, reply, body = await self._handle(request)
        entry = self._log(request, response.status_code, body, reply)
        if fault is not None and fault.kind == "lose_reply":
            entry["reply_lost"] = True
            await _lose_reply(send)
            return
        if "response_body" in entry and isinstance(response, StreamingResponse):
            events: list[Any] = []
            entry["response_stream"] = events
            response.body_iterator = _recording_events(response.body_iterator, events)
        cut = fault is not None and fault.kind == "cut"
        reply_send = _cut_midway(send) if cut else send
        if isinstance(response, StreamingResponse):
            await _stream(response, receive, reply_send)
        else:
            await response(scope, receive, reply_send)

    async def _handle(self, request: Request) -> tuple[Response, Any, Any]:
        """The reply, the JSON it carries (when it is JSON) and the request body that was parsed."""
        body: Any = None
        try:
            _check_path(request)
            _check_alt(request)
            method = request.method
            path = request.url.path
            found = self.routes.match(method, path)
            if found is None:
                raise _no_route(method, path)
            route, params = found
            token = _bearer_token(request, self.state)
            self.state.operations.finish_due()
            body = await _read_body(request, route) if method in BODY_METHODS else {}
            api_request = ApiRequest(
                method, path, params, request.query_params, body, token, self.state, request
            )
            result = route.handler(api_request)
            if inspect.isawaitable(result):
                result = await result
            if isinstance(result, JSONResponse) and self.state.settings["record_bodies"]:
                return result, json.loads(bytes(result.body)), body
            if isinstance(result, Response):
                return result, None, body
            return JSONResponse(result), result, body
        except ApiError as error:
            reply = error.body()
            return JSONResponse(reply, status_code=error.code), reply, body
        except Exception:
            traceback.print_exc(file=sys.stderr)
            reply = ApiError("INTERNAL", "Internal error encountered.").body()
            return JSONResponse(reply, status_code=500), reply, body

    def _log(self, request: Request, status: int, body: Any, reply: Any) -> dict[str, Any]:
        path = request.url.path
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": request.method,
            "path": path,
            "query": _masked(str(request.query_params)),
            "status": status,
            "mutating": is_mutating(request.method, path),
        }
        if self.state.settings["record_bodies"]:
            found = secrets_in(body) | secrets_in(reply)
            entry["request_body"] = mask_all(body, found)
            entry["response_body"] = mask_all(reply, found)
            if found:
                entry["redacted"] = sorted(fingerprint(secret) for secret in found)
        self.state.request_log.append(entry)
        return entry


async def _recording_events(chunks: AsyncIterable[Any], events: list[Any]) -> AsyncIterator[Any]:
    """Pass an SSE body through, appending each `data:` payload to `events` (JSON parsed; `[DONE]` and
    anything unparsable kept as text) for the contract tests (`record_bodies`)."""
    pending = b""
    async for chunk in chunks:
        yield chunk
        pending += chunk if isinstance(chunk, bytes | memoryview) else chunk.encode()
        *complete, pending = pending.split(b"\n\n")
        for event in complete:
            data = event.decode(errors="replace").removeprefix("data: ")
            try:
                events.append(_masked(json.loads(data)))
            except ValueError:
                events.append(_masked(data))
    if pending.strip():
        events.append(_masked(pending.decode(errors="replace")))


def _masked(value: Any) -> Any:
    """`value` for the request log: every secret in it (redaction.secrets_in) as [REDACTED]."""
    return mask_all(value, secrets_in(value))


def _cut_midway(send: Send) -> Send:
    """Fault "cut": the reply starts normally, then only the first half of its first body chunk goes out and
    the response is never finished, so the server closes the connection mid-body (a stream dying mid-way)."""
    cut = False

    async def cutting_send(message: Message) -> None:
        nonlocal cut
        if cut:
            return
        if message["type"] == "http.response.body" and message.get("body"):
            chunk: bytes = message["body"]
            half = chunk[: max(len(chunk) // 2, 1)]
            await send({"type": "http.response.body", "body": half, "more_body": True})
            cut = True
            return
        await send(message)

    return cutting_send


async def _lose_reply(send: Send) -> None:
    """Fault "lose_reply": the request was served (it took effect), and not one byte of its reply goes out:
    the connection is reset, as when a proxy or the network drops it. uvicorn's `send` is a method of the
    request cycle, which holds the connection's transport; under a server that does not expose it, the
    reply is lost the way `drop` loses it (headers promising a body, then the connection closed)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:  # linger 0: close sends a reset (RST), not an orderly end of stream
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await asyncio.sleep(0)  # let the server see the connection go, so it does not answer 500 on it


async def _stream(response: StreamingResponse, receive: Receive, send: Send) -> None:
    """What `StreamingResponse.__call__` does, minus its anyio task group per response (a tenth of the CPU of
    200 paced chat streams): a client that went away is noticed before the next chunk, not at once."""
    gone = asyncio.ensure_future(_disconnect(receive))
    chunks = response.body_iterator
    try:
        headers = response.raw_headers
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        async for chunk in chunks:
            if gone.done():
                break
            data = chunk if isinstance(chunk, bytes | memoryview) else chunk.encode(response.charset)
            await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        gone.cancel()
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()
    if response.background is not None:
        await response.background()


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _fault_reply(kind: str, retry_after_s: int | None) -> Response:
    if kind == "429":
        error = ApiError(
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' (injected fault).",
            [errors.error_info("RATE_LIMIT_EXCEEDED")],
        )
    else:
        error = ApiError("UNAVAILABLE", "The service is currently unavailable.")
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else None
    return JSONResponse(error.body(), status_code=error.code, headers=headers)


def _no_route(method: str, path: str) -> ApiError:
    """501 for a method the API defines (its discovery document) but the emulator does not serve, else 404."""
    method_id = discovery.api_method(method, path)
    if method_id is not None:
        return errors.unimplemented(
            f"Method {method_id} ({method} {path}) is not implemented by this emulator."
        )
    return errors.not_found(f"The requested URL {path} was not found on this server (method {method}).")


def _check_path(request: Request) -> None:
    raw = request.scope.get("raw_path", b"").lower()
    decoded: str = request.scope["path"]
    segments = decoded.split("/")
    if (
        any(segment in (".", "..") for segment in segments)
        or b"%2f" in raw
        or b"%5c" in raw
        or "\\" in decoded
        or any(ord(char) < 0x20 for char in decoded)
    ):
        raise errors.invalid_argument(
            f"Invalid resource name in request path {decoded!r}: '.', '..', "
            "encoded '/' and control characters are not allowed."
        )


def _check_alt(request: Request) -> None:
    for name in ("alt", "$alt"):
        value = request.query_params.get(name)
        if value is not None and value.split(";")[0] != "json":
            raise errors.invalid_argument(f"Unsupported {name}={value}: this server answers JSON only.", name)


def _bearer_token(request: Request, state: EmulatorState) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise errors.credentials_missing()
    if token in state.expired_tokens:
        raise errors.credentials_invalid(expired=True)
    return token


async def _read_body(request: Request, route: Route) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    too_big = errors.invalid_argument(f"Request payload size exceeds the limit: {MAX_BODY_BYTES} bytes.")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_big
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise errors.invalid_argument("Invalid JSON payload received. Unexpected token.") from None
    if not isinstance(body, dict):
        raise errors.invalid_argument(
            f"Invalid JSON payload received. Expected an object, got {type(body).__name__}."
        )
    if route.body_schema:
        _check_schema(body, route.body_schema)
    return body


def _check_schema(body: dict[str, Any], ref: str) -> None:
    violations = discovery.validate(body, ref, lenient=True)
    if not violations:
        return
    first = violations[0]
    if first.unknown_field:
        where = f" at '{first.path}'" if first.path else ""
        message = f"Invalid JSON payload received. {first.message}{where}: Cannot find field."
    else:
        message = first.message
    field = first.path or (first.message.split('"')[1] if first.unknown_field else "")
    raise errors.invalid_argument(message, field or None)


def create_app(state: EmulatorState) -> EmulatorApp:
    return EmulatorApp(state)
