"""OpenAI wire shapes for a generated completion: the `chat.completion` body and the SSE chunk stream.

Streaming is paced against the clock: token k of every choice goes out at start + first_token_delay + k *
inter_token_delay (deadlines, not sleeps added one after another, so load does not accumulate drift). The role
delta goes out together with the first token, so the first-token delay is the time to the first chunk of any
kind. Chunk JSON is prepared before the first byte is sent; the paced loop only sleeps and writes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from emulator.chat.generate import Completion, GeneratedChoice


@dataclass(frozen=True)
class ChatTiming:
    """Simulated serving latency, in milliseconds."""

    first_token_delay_ms: float = 0.0
    inter_token_delay_ms: float = 0.0

    def token_offset(self, k: int) -> float:
        """Seconds from the start of the request until token k (0-based) is produced."""
        return (self.first_token_delay_ms + k * self.inter_token_delay_ms) / 1000


def usage_body(completion: Completion) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "total_tokens": completion.prompt_tokens + completion.completion_tokens,
    }
    if completion.reasoning_tokens:
        usage["completion_tokens_details"] = {"reasoning_tokens": completion.reasoning_tokens}
    return usage


def completion_body(completion: Completion, *, ident: str, created: int, model: str) -> dict[str, Any]:
    return {
        "id": ident,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [_choice_body(choice) for choice in completion.choices],
        "usage": usage_body(completion),
    }


def _choice_body(choice: GeneratedChoice) -> dict[str, Any]:
    content = None if choice.tool_call else "".join(choice.content)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if choice.reasoning:
        message["reasoning_content"] = "".join(choice.reasoning)
    if choice.tool_call:
        call = choice.tool_call
        message["tool_calls"] = [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
        ]
    return {"index": choice.index, "message": message, "finish_reason": choice.finish_reason}


def stream_steps(choice: GeneratedChoice) -> list[str]:
    """The delta objects (as JSON text) of one choice, one per token."""
    deltas = [json.dumps({"reasoning_content": piece}) for piece in choice.reasoning]
    deltas += [json.dumps({"content": piece}) for piece in choice.content]
    if choice.tool_call:
        call = choice.tool_call
        function = {"name": call.name, "arguments": ""}
        head = {"index": 0, "id": call.id, "type": "function", "function": function}
        deltas.append(json.dumps({"tool_calls": [head]}))
        deltas += [
            json.dumps({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in call.argument_pieces
        ]
    return deltas


async def stream_events(
    completion: Completion,
    *,
    ident: str,
    created: int,
    model: str,
    include_usage: bool,
    timing: ChatTiming,
    started: float,
) -> AsyncIterator[bytes]:
    """SSE body: role chunk, one chunk per token per choice, a finish chunk per choice, usage, `[DONE]`.

    `started` is the event-loop time (`loop.time()`) at which the request arrived.
    """
    model_json = json.dumps(model)
    prefix = (
        f'data: {{"id":"{ident}","object":"chat.completion.chunk","created":{created},"model":{model_json},'
    )
    suffix = ',"usage":null}\n\n' if include_usage else "}\n\n"

    def event(index: int, delta: str, finish: str | None = None) -> str:
        reason = "null" if finish is None else f'"{finish}"'
        choice = f'{{"index":{index},"delta":{delta},"logprobs":null,"finish_reason":{reason}}}'
        return f'{prefix}"choices":[{choice}]{suffix}'

    per_choice = [(choice, stream_steps(choice)) for choice in completion.choices]
    steps = max(1, *(len(deltas) for _, deltas in per_choice))
    loop = asyncio.get_running_loop()
    for k in range(steps):
        delay = started + timing.token_offset(k) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        events: list[str] = []
        for choice, deltas in per_choice:
            if k == 0:
                events.append(event(choice.index, '{"role":"assistant","content":""}'))
            if k < len(deltas):
                events.append(event(choice.index, deltas[k]))
            if k == max(len(deltas) - 1, 0):
                events.append(event(choice.index, "{}", choice.finish_reason))
        yield "".join(events).encode()
    tail = ""
    if include_usage:
        usage = json.dumps(usage_body(completion), separators=(",", ":"))
        tail = f'{prefix}"choices":[],"usage":{usage}}}\n\n'
    yield (tail + "data: [DONE]\n\n").encode()
