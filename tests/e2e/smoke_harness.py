"""A loopback chat server for the smoke tests: the emulator's chat handler (emulator.chat) behind the Vertex
route, with the Google front's behaviour the smoke client must cope with: bearer tokens (missing or expired
→ 401), unknown models (404 NOT_FOUND), and injected faults (429 once, a stream cut mid-way).

Stands in for the emulator's admin API (`/_emulator/faults`, `/_emulator/tokens/expire`) until that lands.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from emulator.chat import handle_chat_completion

MODELS = {"openai/gpt-oss-20b-maas": "gpt-oss", "google/gemini-2.5-flash": "gemini", "": "vllm"}
BASE_PATH = "/v1/projects/acme/locations/us-central1/endpoints/openapi"


def _google_error(code: int, status: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "status": status}}, status_code=code)


class ChatHarness:
    def __init__(self) -> None:
        self.settings: dict[str, float] = {}
        self.expired: set[str] = set()
        self.pending_statuses: list[int] = []  # answered (Google-shaped) before the next real replies
        self.drop_streams = False
        self.requests: list[dict[str, Any]] = []
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(routes=[Route(BASE_PATH + "/chat/completions", self._chat, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def base_url(self) -> str:
        return self.url + BASE_PATH

    def reset(self) -> None:
        self.settings.clear()
        self.expired.clear()
        self.pending_statuses.clear()
        self.drop_streams = False
        self.requests.clear()

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        self.requests.append({"model": body.get("model"), "token": token})
        if not token or token in self.expired:
            return _google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if self.pending_statuses:
            code = self.pending_statuses.pop(0)
            return _google_error(code, "RESOURCE_EXHAUSTED" if code == 429 else "UNAVAILABLE", "injected")
        family = MODELS.get(body.get("model"))
        if family is None:
            return _google_error(
                404,
                "NOT_FOUND",
                f"Publisher Model `projects/acme/locations/us-central1/publishers/{body.get('model')}` "
                "was not "
                "found or your project does not have access to it.",
            )
        response = await handle_chat_completion(
            request, served_model=body["model"], family=family, body=body, settings=self.settings
        )
        if self.drop_streams and isinstance(response, StreamingResponse):
            return StreamingResponse(_cut(response.body_iterator), media_type="text/event-stream")
        return response

    def __enter__(self) -> ChatHarness:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("harness did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


async def _cut(events: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Pass two events through, then break the connection the way a dying server does."""
    sent = 0
    async for event in events:
        yield event
        sent += 1
        if sent == 2:
            raise ConnectionResetError("injected: stream cut")
