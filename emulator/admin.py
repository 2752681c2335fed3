"""Admin API under `/_emulator/` (no auth; not in the request log):

POST /_emulator/reset                 empty state + the start-up seed, default settings, no faults, empty log
GET|POST /_emulator/config            read / change settings ({"lro_scale": 0.001, ...}); unknown names → 400
GET|POST /_emulator/faults            replace rules ({"rules": [{"route": "regex", "fraction": 0.5,
                                      "kind": "429|503|drop|slow|cut", "seed": 1, "delay_ms": 1000,
                                      "retry_after_s": 2}]})
                                      (drop: headers, no body; cut: half the first body chunk, then closed;
                                      retry_after_s: a 429 / 503 carries Retry-After: 2)
GET|DELETE /_emulator/requests        the request log (?mutating_only=true) / clear it
POST /_emulator/tokens/expire         {"token": "..."}: that token now gets 401
POST /_emulator/seed                  apply a seed document (format: emulator/data/default_seed.yaml)
GET /_emulator/health                 {"status": "ok"}
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, Router

from emulator import errors
from emulator.errors import ApiError
from emulator.seed import apply_seed, reset
from emulator.state import EmulatorState


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise errors.invalid_argument("Invalid JSON payload received. Unexpected token.") from None
    if not isinstance(body, dict):
        raise errors.invalid_argument("Invalid JSON payload received. Expected an object.")
    return body


def admin_router(state: EmulatorState) -> Router:
    def guarded(action: Any) -> Any:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                return JSONResponse(await action(request))
            except ApiError as error:
                return JSONResponse(error.body(), status_code=error.code)

        return endpoint

    async def reset_world(request: Request) -> dict[str, Any]:
        reset(state)
        return {"reset": True}

    async def config(request: Request) -> dict[str, Any]:
        if request.method == "POST":
            return state.configure(await _json_object(request))
        return dict(state.settings)

    async def faults(request: Request) -> dict[str, Any]:
        if request.method == "POST":
            rules = (await _json_object(request)).get("rules", [])
            if not isinstance(rules, list):
                raise errors.invalid_argument("'rules' must be a list", "rules")
            return {"rules": state.set_faults(rules)}
        return {"rules": [rule.describe() for rule in state.faults]}

    async def requests(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            state.request_log.clear()
            return {"requests": []}
        mutating_only = request.query_params.get("mutating_only", "").lower() in ("1", "true", "yes")
        entries = [entry for entry in state.request_log if entry["mutating"] or not mutating_only]
        return {"requests": entries}

    async def expire_token(request: Request) -> dict[str, Any]:
        token = (await _json_object(request)).get("token")
        if not isinstance(token, str) or not token:
            raise errors.invalid_argument("'token' must be a non-empty string", "token")
        state.expired_tokens.add(token)
        return {"expired": True}

    async def seed(request: Request) -> dict[str, Any]:
        return {"applied": apply_seed(state, await _json_object(request))}

    async def health(request: Request) -> dict[str, Any]:
        return {"status": "ok"}

    return Router(
        routes=[
            Route("/_emulator/reset", guarded(reset_world), methods=["POST"]),
            Route("/_emulator/config", guarded(config), methods=["GET", "POST"]),
            Route("/_emulator/faults", guarded(faults), methods=["GET", "POST"]),
            Route("/_emulator/requests", guarded(requests), methods=["GET", "DELETE"]),
            Route("/_emulator/tokens/expire", guarded(expire_token), methods=["POST"]),
            Route("/_emulator/seed", guarded(seed), methods=["POST"]),
            Route("/_emulator/health", guarded(health), methods=["GET"]),
        ]
    )
