"""The deterministic text generator behind the emulated chat model.

The same request (served model, messages, seed) always gives the same reply. A token is one piece of output: a
run of non-space characters with the whitespace before it (`split_tokens`), so joining a reply's tokens gives
its text back and a stream sends exactly `completion_tokens` token deltas. Everything a choice emits counts
against the one `max_tokens` budget, in order: reasoning (gpt-oss shows it in `reasoning_content`, Gemini
thinks silently), then either the answer text or a tool call (its name is one token, then its arguments'
pieces).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass

from emulator.chat.request import (
    AssistantMessage,
    ChatRequest,
    ImagePart,
    JsonObjectFormat,
    JsonSchemaFormat,
    NamedToolChoice,
    Tool,
    thinking_budget,
)
from emulator.chat.schema_instance import WORDS, instance_for

VOCABULARY = (
    *WORDS,
    *("the", "a", "model", "endpoint", "region", "quota", "token", "answer", "request", "cloud", "vertex"),
    *("project", "billing", "service", "deploy", "serving", "replica", "latency", "stream", "chunk", "reply"),
    *("prompt", "budget", "account", "network", "label", "policy", "schedule", "metric", "window", "batch"),
    *("cache", "signal", "value", "record", "result", "check", "report", "steady", "quick", "clear", "ready"),
)
_TOKEN = re.compile(r"\s*\S+|\s+")
IMAGE_TOKENS = 258  # what Gemini bills per image
DEFAULT_TOKEN_LIMIT = 4096
# gpt-oss writes visible reasoning whose length follows reasoning_effort (default medium).
REASONING_WORDS = {"low": (8, 16), "medium": (16, 32), "high": (32, 64)}


def split_tokens(text: str) -> list[str]:
    """Split text into the emulator's tokens; `"".join(split_tokens(t)) == t`."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class GeneratedToolCall:
    id: str
    name: str
    argument_pieces: tuple[str, ...]

    @property
    def arguments(self) -> str:
        return "".join(self.argument_pieces)


@dataclass(frozen=True)
class GeneratedChoice:
    index: int
    reasoning: tuple[str, ...]  # visible reasoning tokens (gpt-oss)
    hidden_reasoning_tokens: int  # thinking tokens that are counted but not returned (Gemini)
    content: tuple[str, ...]
    tool_call: GeneratedToolCall | None
    finish_reason: str

    @property
    def reasoning_tokens(self) -> int:
        return len(self.reasoning) + self.hidden_reasoning_tokens

    @property
    def emitted_tokens(self) -> int:
        """Tokens the client receives (one stream delta each): all but the silent thinking."""
        calls = 1 + len(self.tool_call.argument_pieces) if self.tool_call else 0
        return len(self.reasoning) + len(self.content) + calls

    @property
    def completion_tokens(self) -> int:
        return self.emitted_tokens + self.hidden_reasoning_tokens


@dataclass(frozen=True)
class Completion:
    choices: tuple[GeneratedChoice, ...]
    prompt_tokens: int

    @property
    def completion_tokens(self) -> int:
        return sum(choice.completion_tokens for choice in self.choices)

    @property
    def reasoning_tokens(self) -> int:
        return sum(choice.reasoning_tokens for choice in self.choices)


def generate(request: ChatRequest, *, served_model: str, family: str) -> Completion:
    """The reply of the emulated model; raises UnsupportedSchemaError for schemas that cannot be satisfied."""
    base = _request_seed(request, served_model)
    choices = tuple(_choice(request, family, i, random.Random(base + i)) for i in range(request.n))
    return Completion(choices=choices, prompt_tokens=count_prompt_tokens(request))


def count_prompt_tokens(request: ChatRequest) -> int:
    """One token per role, plus the tokens of every text, tool call and tool definition; an image costs a flat
    rate."""
    total = 0
    for message in request.messages:
        total += 1
        content = message.content
        if isinstance(content, str):
            total += len(split_tokens(content))
        elif content is not None:
            for part in content:
                if isinstance(part, ImagePart):
                    total += IMAGE_TOKENS
                elif part.type == "text":
                    total += len(split_tokens(part.text))
        if isinstance(message, AssistantMessage):
            for call in message.tool_calls or ():
                total += 1 + len(split_tokens(call.function.arguments))
    for tool in request.tools or ():
        function = tool.function
        described = f"{function.name} {function.description or ''} {json.dumps(function.parameters)}"
        total += len(split_tokens(described))
    return total


def _request_seed(request: ChatRequest, served_model: str) -> int:
    messages = [message.model_dump(mode="json", exclude_none=True) for message in request.messages]
    canonical = json.dumps([served_model, request.seed, messages], sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big")


def _choice(request: ChatRequest, family: str, index: int, rng: random.Random) -> GeneratedChoice:
    budget = request.token_limit or DEFAULT_TOKEN_LIMIT
    reasoning: list[str] = []
    hidden = 0
    if family == "gpt-oss":
        reasoning = split_tokens(_sentences(rng, *REASONING_WORDS[request.reasoning_effort or "medium"]))
    elif family == "gemini":
        hidden = _gemini_thinking_tokens(thinking_budget(request), rng)
    hidden = min(hidden, budget)
    reasoning = reasoning[: budget - hidden]
    budget -= hidden + len(reasoning)

    def finish(content: list[str], tool_call: GeneratedToolCall | None, reason: str) -> GeneratedChoice:
        return GeneratedChoice(index, tuple(reasoning), hidden, tuple(content), tool_call, reason)

    if budget == 0:
        return finish([], None, "length")
    tool = _tool_to_call(request, rng)
    if tool is not None:
        arguments = json.dumps(instance_for(tool.function.parameters or {"type": "object"}, rng))
        pieces = split_tokens(arguments)
        kept = tuple(pieces[: budget - 1])
        call = GeneratedToolCall(f"call_{rng.getrandbits(96):024x}", tool.function.name, kept)
        return finish([], call, "length" if len(kept) < len(pieces) else "tool_calls")
    text = _reply_text(request, rng)
    for stop in request.stop_sequences:
        if stop in text:
            text = text[: text.index(stop)]
    pieces = split_tokens(text)
    if len(pieces) > budget:
        return finish(pieces[:budget], None, "length")
    return finish(pieces, None, "stop")


def _gemini_thinking_tokens(budget: int | None, rng: random.Random) -> int:
    if budget is None or budget < 0:  # unset or -1: the model decides
        return rng.randint(16, 64)
    return min(budget, rng.randint(max(1, budget // 128), max(1, budget // 64)))


def _tool_to_call(request: ChatRequest, rng: random.Random) -> Tool | None:
    """Which tool the model calls now, if any (auto: call unless it has just been given a tool result)."""
    tools = request.tools or []
    choice = request.tool_choice
    if not tools or choice == "none":
        return None
    if isinstance(choice, NamedToolChoice):
        return next(tool for tool in tools if tool.function.name == choice.function.name)
    if choice != "required" and request.messages[-1].role in ("tool", "function"):
        return None
    return rng.choice(tools)


def _reply_text(request: ChatRequest, rng: random.Random) -> str:
    fmt = request.response_format
    if isinstance(fmt, JsonSchemaFormat):
        return json.dumps(instance_for(fmt.json_schema.schema_ or {"type": "object"}, rng))
    if isinstance(fmt, JsonObjectFormat):
        return json.dumps({"answer": _sentences(rng, 4, 10), "confidence": round(rng.random(), 2)})
    last = request.messages[-1]
    if last.role in ("tool", "function"):
        content = last.content
        result = content if isinstance(content, str) else " ".join(part.text for part in content or ())
        return f"The tool returned {result[:80].strip()}. " + _sentences(rng, 8, 24)
    return _sentences(rng, 12, 40)


def _sentences(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(low, high))]
    out: list[str] = []
    start = True
    for position, word in enumerate(words, 1):
        out.append(word.capitalize() if start else word)
        start = position % 9 == 0 or position == len(words)
        if start:
            out[-1] += "."
    return " ".join(out)
