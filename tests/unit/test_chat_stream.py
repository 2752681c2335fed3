"""The SSE stream and the JSON body built from a generated completion."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from emulator.chat.generate import Completion, generate
from emulator.chat.request import parse_chat_request
from emulator.chat.wire import ChatTiming, completion_body, stream_events

MODEL = "openai/gpt-oss-20b-maas"
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
    },
}


def make(family: str = "vllm", **fields: Any) -> Completion:
    fields.setdefault("messages", [{"role": "user", "content": "hello"}])
    return generate(parse_chat_request(json.dumps(fields), family), served_model=MODEL, family=family)


def collect(
    completion: Completion, include_usage: bool = True, timing: ChatTiming | None = None
) -> list[Any]:
    """Parsed SSE data payloads in order ("[DONE]" kept as the string)."""

    async def run() -> bytes:
        loop = asyncio.get_running_loop()
        events = stream_events(
            completion,
            ident="chatcmpl-1",
            created=1,
            model=MODEL,
            include_usage=include_usage,
            timing=timing or ChatTiming(),
            started=loop.time(),
        )
        return b"".join([chunk async for chunk in events])

    raw = asyncio.run(run()).decode()
    assert raw.endswith("\n\n")
    payloads = []
    for event in raw.split("\n\n")[:-1]:
        assert event.startswith("data: ")
        data = event[len("data: ") :]
        payloads.append(data if data == "[DONE]" else json.loads(data))
    return payloads


def test_stream_sends_role_then_one_token_per_chunk_then_finish_usage_and_done() -> None:
    completion = make()
    events = collect(completion)
    chunks, usage, done = events[:-2], events[-2], events[-1]
    assert done == "[DONE]"
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == "chatcmpl-1" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    content = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert content == list(completion.choices[0].content)
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    assert usage["choices"] == []
    assert usage["usage"] == completion_body(completion, ident="x", created=1, model=MODEL)["usage"]
    assert usage["usage"]["completion_tokens"] == len(content)


def test_without_include_usage_there_is_no_usage_anywhere() -> None:
    events = collect(make(), include_usage=False)
    assert events[-1] == "[DONE]"
    assert all("usage" not in e for e in events[:-1])


def test_gpt_oss_streams_reasoning_before_content() -> None:
    completion = make("gpt-oss")
    deltas = [e["choices"][0]["delta"] for e in collect(completion)[1:-3]]
    kinds = [next(iter(d)) for d in deltas]
    first_content = kinds.index("content")
    assert set(kinds[:first_content]) == {"reasoning_content"} and set(kinds[first_content:]) == {"content"}
    assert "".join(d["reasoning_content"] for d in deltas[:first_content]) == "".join(
        completion.choices[0].reasoning
    )


def test_tool_calls_stream_id_and_name_first_then_argument_pieces() -> None:
    completion = make(tools=[TOOL])
    call = completion.choices[0].tool_call
    assert call is not None
    events = collect(completion)
    deltas = [e["choices"][0]["delta"]["tool_calls"][0] for e in events[1:-3]]
    assert deltas[0] == {
        "index": 0,
        "id": call.id,
        "type": "function",
        "function": {"name": "lookup", "arguments": ""},
    }
    assert "".join(d["function"]["arguments"] for d in deltas[1:]) == call.arguments
    assert all("id" not in d for d in deltas[1:])
    assert events[-3]["choices"][0]["finish_reason"] == "tool_calls"


def test_n_choices_each_get_a_role_their_tokens_and_their_own_finish() -> None:
    completion = make(n=2)
    events = collect(completion)[:-2]
    for choice in completion.choices:
        mine = [e["choices"][0] for e in events if e["choices"][0]["index"] == choice.index]
        assert mine[0]["delta"]["role"] == "assistant"
        assert "".join(m["delta"].get("content", "") for m in mine) == "".join(choice.content)
        assert [m["finish_reason"] for m in mine].count("stop") == 1 and mine[-1]["finish_reason"] == "stop"


def test_non_stream_body_has_the_openai_shape() -> None:
    completion = make("gpt-oss", tools=[TOOL])
    body = completion_body(completion, ident="chatcmpl-9", created=5, model=MODEL)
    message = body["choices"][0]["message"]
    assert body["object"] == "chat.completion" and body["model"] == MODEL
    assert message["content"] is None and message["reasoning_content"]
    assert message["tool_calls"][0]["function"]["name"] == "lookup"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == len(completion.choices[0].reasoning)


def test_tokens_are_paced_no_earlier_than_their_deadline() -> None:
    completion = make(max_tokens=4)
    timing = ChatTiming(first_token_delay_ms=30, inter_token_delay_ms=10)
    arrivals: list[float] = []

    async def run() -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        events = stream_events(
            completion, ident="c", created=1, model=MODEL, include_usage=False, timing=timing, started=started
        )
        async for _ in events:
            arrivals.append(loop.time() - started)
        return started

    asyncio.run(run())
    token_arrivals = arrivals[:-1]  # the last yield is the [DONE] tail
    assert len(token_arrivals) == 4
    for k, arrived in enumerate(token_arrivals):
        assert arrived >= timing.token_offset(k)
