"""The emulated OpenAI-compatible chat model behind Vertex `.../endpoints/{openapi|ID}/chat/completions`.

The Vertex control plane registers the routes, checks auth, project, service and model enablement, then calls:

    await handle_chat_completion(
        request,                       # starlette.requests.Request of the call
        served_model="openai/gpt-oss-20b-maas",
        family="gpt-oss",              # "gpt-oss" | "gemini" | "vllm" | "tgi"
        body=api_request.body,         # the parsed JSON object (the emulator app has consumed the stream);
                                       # omit it to have the body read from `request`
        settings=api_request.state.settings,  # emulator settings; omit for no simulated latency
    )

and returns the Response it gives: a `chat.completion` JSON body, a `text/event-stream` of
`chat.completion.chunk` events ending in `data: [DONE]` when `stream` is true, or a Google-shaped 400
INVALID_ARGUMENT for a bad request. The reply's `model` is `served_model`. `family` decides the extensions:
gpt-oss returns its reasoning in `reasoning_content`; gemini honours `google.thinking_config` (refused
together with `reasoning_effort`), counts silent thinking tokens, and accepts `gs://` images. Images must be
`data:` URIs (or `gs://` for Gemini).

Latency comes from the settings `chat_first_token_delay_ms` and `chat_inter_token_delay_ms`, read on every
call (so `POST /_emulator/config` applies at once). Measured from the moment this function is entered, token k
of a stream is sent at first + k * inter ms; a non-streaming reply is sent when its last token would have
been.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from emulator.chat.generate import generate
from emulator.chat.request import ChatRequestError, parse_chat_request
from emulator.chat.wire import ChatTiming, completion_body, stream_events
from emulator.errors import invalid_argument

__all__ = ["ChatTiming", "handle_chat_completion", "timing_from_settings"]


def timing_from_settings(settings: Mapping[str, Any] | None) -> ChatTiming:
    if settings is None:
        return ChatTiming()
    return ChatTiming(
        first_token_delay_ms=float(settings.get("chat_first_token_delay_ms", 0.0)),
        inter_token_delay_ms=float(settings.get("chat_inter_token_delay_ms", 0.0)),
    )


async def handle_chat_completion(
    request: Request,
    *,
    served_model: str,
    family: str,
    body: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Response:
    """Answer one chat-completions call as the model `served_model` of `family` (see the module docstring)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    timing = timing_from_settings(settings)
    try:
        chat = parse_chat_request(body if body is not None else await request.body(), family)
        completion = generate(chat, served_model=served_model, family=family)
    except ChatRequestError as error:
        failure = invalid_argument(str(error))
        return JSONResponse(failure.body(), status_code=failure.code)
    ident = f"chatcmpl-{secrets.token_hex(12)}"
    created = int(time.time())
    if chat.stream:
        events = stream_events(
            completion,
            ident=ident,
            created=created,
            model=served_model,
            include_usage=chat.include_usage,
            timing=timing,
            started=started,
        )
        headers = {"Cache-Control": "no-cache"}
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)
    last_token = max(choice.emitted_tokens for choice in completion.choices) - 1
    delay = started + timing.token_offset(max(last_token, 0)) - loop.time()
    if delay > 0:
        await asyncio.sleep(delay)
    return JSONResponse(completion_body(completion, ident=ident, created=created, model=served_model))
