"""The app's streaming replies (chat SSE): every chunk then the end of the body, and a client that goes away
stops the stream's generator instead of leaving it running to its last token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

from emulator.app import EmulatorApp
from emulator.routing import ApiRequest, RouteTable
from emulator.state import EmulatorState
from emulator.store import Store

CHUNKS = 50


def run_stream(disconnect_after: int | None) -> tuple[list[dict[str, Any]], list[str]]:
    """Serve one GET of a CHUNKS-chunk stream in process; the client leaves after `disconnect_after`."""
    events: list[str] = []

    async def chunks() -> AsyncIterator[bytes]:
        try:
            for index in range(CHUNKS):
                await asyncio.sleep(0.001)
                yield f"chunk {index}\n".encode()
        finally:
            events.append("generator closed")

    def handler(request: ApiRequest) -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/event-stream")

    routes = RouteTable()
    routes.add("GET", "/v1/stream", handler)
    app = EmulatorApp(EmulatorState(Store(), [], {}), routes)
    sent: list[dict[str, Any]] = []
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        bodies = sum(1 for m in sent if m["type"] == "http.response.body")
        if disconnect_after is not None and bodies >= disconnect_after:
            gone.set()

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/stream",
        "raw_path": b"/v1/stream",
        "query_string": b"",
        "headers": [(b"authorization", b"Bearer t")],
    }
    asyncio.run(app(scope, receive, send))
    return sent, events


def test_a_stream_sends_every_chunk_then_ends_the_body() -> None:
    sent, events = run_stream(disconnect_after=None)
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 200
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert [m["body"] for m in bodies[:-1]] == [f"chunk {i}\n".encode() for i in range(CHUNKS)]
    assert all(m["more_body"] for m in bodies[:-1])
    assert bodies[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert events == ["generator closed"]


def test_a_client_that_goes_away_stops_the_stream() -> None:
    sent, events = run_stream(disconnect_after=3)
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert len(bodies) <= 4  # at most the chunk already produced when the disconnect arrived
    assert events == ["generator closed"]
