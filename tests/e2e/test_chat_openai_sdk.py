"""The openai SDK against the chat handler over real HTTP on loopback.

The handler is mounted in a minimal Starlette app served by uvicorn on a free port in a background thread, so
these checks exercise the wire format the SDK actually parses (JSON bodies, SSE framing, `[DONE]`, error
bodies).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import openai
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.chat import handle_chat_completion

SERVED = {"gpt-oss": "openai/gpt-oss-20b-maas", "gemini": "google/gemini-2.5-flash", "vllm": "llama-8b-vllm"}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
HELLO = [{"role": "user", "content": "Say hello."}]


class ChatServer:
    def __init__(self) -> None:
        self.settings: dict[str, float] = {}
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/{family}/chat/completions", self.endpoint, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    async def endpoint(self, request: Request) -> Response:
        family = request.path_params["family"]
        return await handle_chat_completion(
            request, served_model=SERVED[family], family=family, settings=self.settings
        )

    def client(self, family: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"http://127.0.0.1:{self.port}/{family}", api_key="x", max_retries=0)

    def __enter__(self) -> ChatServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[ChatServer]:
    with ChatServer() as running:
        yield running


@pytest.fixture
def vllm(server: ChatServer) -> openai.OpenAI:
    server.settings.clear()
    return server.client("vllm")


def test_plain_completion(vllm: openai.OpenAI) -> None:
    reply = vllm.chat.completions.create(model="", messages=HELLO)
    choice = reply.choices[0]
    assert reply.object == "chat.completion" and reply.model == SERVED["vllm"]
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason == "stop"
    assert reply.usage is not None
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_stream_matches_the_plain_reply_and_ends_with_usage(vllm: openai.OpenAI) -> None:
    plain = vllm.chat.completions.create(model="", messages=HELLO)
    chunks = list(
        vllm.chat.completions.create(
            model="",
            messages=HELLO,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert (
        "".join(c.choices[0].delta.content or "" for c in content_chunks) == plain.choices[0].message.content
    )
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage == plain.usage
    assert len(content_chunks) == plain.usage.completion_tokens


def test_tool_call_round_trip(vllm: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Lyon?"}]
    first = vllm.chat.completions.create(model="", messages=messages, tools=[WEATHER_TOOL])
    assert first.choices[0].finish_reason == "tool_calls"
    calls = first.choices[0].message.tool_calls
    assert calls is not None and len(calls) == 1
    call = calls[0]
    assert call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    jsonschema.validate(arguments, WEATHER_TOOL["function"]["parameters"])

    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "21 degrees, clear sky"})
    final = vllm.chat.completions.create(model="", messages=messages, tools=[WEATHER_TOOL])
    assert final.choices[0].finish_reason == "stop" and not final.choices[0].message.tool_calls
    assert "21 degrees, clear sky" in (final.choices[0].message.content or "")


def test_streamed_tool_call_reassembles(vllm: openai.OpenAI) -> None:
    stream = vllm.chat.completions.create(
        model="",
        messages=[{"role": "user", "content": "Weather in Oslo?"}],
        tools=[WEATHER_TOOL],
        stream=True,
    )
    pieces: list[str] = []
    name = finish = None
    for chunk in stream:
        if not chunk.choices:
            continue
        for delta in chunk.choices[0].delta.tool_calls or ():
            name = name or (delta.function.name if delta.function else None)
            pieces.append((delta.function.arguments or "") if delta.function else "")
        finish = chunk.choices[0].finish_reason or finish
    assert name == "get_weather" and finish == "tool_calls"
    jsonschema.validate(json.loads("".join(pieces)), WEATHER_TOOL["function"]["parameters"])


def test_json_schema_and_json_object_formats(vllm: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "year": {"type": "integer", "minimum": 1900, "maximum": 2030},
        },
        "required": ["title", "year"],
        "additionalProperties": False,
    }
    reply = vllm.chat.completions.create(
        model="",
        messages=HELLO,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "film", "schema": schema, "strict": True},
        },
    )
    jsonschema.validate(json.loads(reply.choices[0].message.content or ""), schema)
    reply = vllm.chat.completions.create(
        model="",
        messages=HELLO,
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(reply.choices[0].message.content or ""), dict)


def test_gpt_oss_returns_reasoning_content(server: ChatServer) -> None:
    client = server.client("gpt-oss")
    reply = client.chat.completions.create(model=SERVED["gpt-oss"], messages=HELLO, reasoning_effort="low")
    assert (reply.choices[0].message.model_extra or {}).get("reasoning_content")
    stream = client.chat.completions.create(model=SERVED["gpt-oss"], messages=HELLO, stream=True)
    first_delta = [c.choices[0].delta for c in stream if c.choices][1]
    assert (first_delta.model_extra or {}).get("reasoning_content")


def test_bad_requests_get_a_google_shaped_400_the_sdk_understands(server: ChatServer) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        server.client("gemini").chat.completions.create(
            model=SERVED["gemini"],
            messages=HELLO,
            reasoning_effort="low",
            extra_body={"google": {"thinking_config": {"thinking_budget": 100}}},
        )
    assert caught.value.status_code == 400
    assert caught.value.body == {
        "code": 400,
        "message": caught.value.body["message"],
        "status": "INVALID_ARGUMENT",
    }
    assert "reasoning_effort" in caught.value.body["message"]
    with pytest.raises(openai.BadRequestError, match="temperature"):
        server.client("vllm").chat.completions.create(model="", messages=HELLO, temperature=9)


def test_first_token_arrives_no_sooner_than_the_configured_delay(
    vllm: openai.OpenAI, server: ChatServer
) -> None:
    server.settings.update(chat_first_token_delay_ms=150, chat_inter_token_delay_ms=2)
    started = time.monotonic()
    stream = vllm.chat.completions.create(model="", messages=HELLO, stream=True, max_tokens=5)
    first_content = None
    for chunk in stream:
        if first_content is None and chunk.choices and chunk.choices[0].delta.content:
            first_content = time.monotonic() - started
    assert first_content is not None and first_content >= 0.150

    started = time.monotonic()
    vllm.chat.completions.create(model="", messages=HELLO, max_tokens=5)
    assert time.monotonic() - started >= 0.150 + 4 * 0.002
