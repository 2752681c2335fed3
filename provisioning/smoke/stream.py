"""A streamed chat completion read event by event with timestamps.

The SDK's own iterator stops silently at `data: [DONE]` and hides whether it came, so the raw server-sent
events are read here (through the SDK's streaming response) and each chunk is validated with the SDK's chunk
type. Completion is judged by a finish_reason plus a clean end of the stream; `[DONE]` is only an observation,
since some real servers (transformers serve) never send it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openai.types.chat import ChatCompletionChunk

from provisioning.smoke.client import ChatClient


class StreamBroken(Exception):
    """The stream ended wrongly; carries what had arrived so far."""

    def __init__(self, message: str, trace: StreamTrace) -> None:
        super().__init__(message)
        self.trace = trace


@dataclass
class StreamTrace:
    first_chunk_s: float | None = None  # any chunk (often the role-only delta)
    first_token_s: float | None = None  # first chunk carrying content or reasoning text (TTFT)
    total_s: float = 0.0
    chunks: int = 0
    content: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    done_marker: bool = False
    ids: set[str] = field(default_factory=set)
    order_problems: list[str] = field(default_factory=list)

    @property
    def output_tokens(self) -> int | None:
        return int(self.usage["completion_tokens"]) if self.usage else None

    def tokens_per_second(self) -> float | None:
        tokens = self.output_tokens
        if tokens is None or self.first_token_s is None:
            return None
        generating = self.total_s - self.first_token_s
        return tokens / generating if generating > 0 else None


def _events(lines: Iterator[str]) -> Iterator[str]:
    """The `data` of each server-sent event (multi-line data joined, comments and other fields skipped)."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield "\n".join(data)


def _take(trace: StreamTrace, chunk: ChatCompletionChunk, elapsed: float) -> None:
    trace.chunks += 1
    trace.ids.add(chunk.id)
    if trace.first_chunk_s is None:
        trace.first_chunk_s = elapsed
    if chunk.usage is not None:
        trace.usage = chunk.usage.model_dump()
    for choice in chunk.choices:
        if choice.index != 0:
            continue
        delta = choice.delta
        text = delta.content or ""
        thought = str(getattr(delta, "reasoning_content", None) or "")
        if (text or thought) and trace.finish_reason is not None:
            trace.order_problems.append(f"content after finish_reason in chunk {trace.chunks}")
        if (text or thought or delta.tool_calls) and trace.first_token_s is None:
            trace.first_token_s = elapsed
        trace.content += text
        trace.reasoning += thought
        if choice.finish_reason:
            trace.finish_reason = choice.finish_reason


def stream_chat(client: ChatClient, **request: Any) -> StreamTrace:
    """Send one streaming request and read it to the end. Raises StreamBroken when it ends wrongly."""
    trace = StreamTrace()
    start = time.perf_counter()
    with client.sdk.chat.completions.with_streaming_response.create(stream=True, **request) as response:
        try:
            for data in _events(response.iter_lines()):
                elapsed = time.perf_counter() - start
                if data.strip() == "[DONE]":
                    trace.done_marker = True
                    continue
                if trace.done_marker:
                    trace.order_problems.append("data after [DONE]")
                payload = json.loads(data)
                if isinstance(payload, dict) and "error" in payload:
                    raise StreamBroken(f"error event in stream: {str(payload['error'])[:200]}", trace)
                _take(trace, ChatCompletionChunk.model_validate(payload), elapsed)
        except StreamBroken:
            trace.total_s = time.perf_counter() - start
            raise
        except ValueError as error:  # not JSON, or not a chat.completion.chunk
            trace.total_s = time.perf_counter() - start
            raise StreamBroken(f"malformed chunk {trace.chunks + 1}: {str(error)[:200]}", trace) from error
        except Exception as error:  # the connection dropped mid-stream
            trace.total_s = time.perf_counter() - start
            raise StreamBroken(
                f"stream cut after {trace.chunks} chunks ({type(error).__name__}: {error})", trace
            ) from error
    trace.total_s = time.perf_counter() - start
    if len(trace.ids) > 1:
        trace.order_problems.append(f"chunks carry {len(trace.ids)} different ids")
    if trace.finish_reason is None:
        raise StreamBroken(f"stream ended after {trace.chunks} chunks without a finish_reason", trace)
    return trace
