"""The checks, one function each. A check returns its evidence or raises CheckFailed; SDK errors are turned
into a diagnosis by the runner. Which checks apply to a target, and whether they gate the exit code, comes
from the catalog features of the model it serves (`requirement`).

Over 400 lines because it is a catalogue: one short function per check, read one at a time.
"""

from __future__ import annotations

import base64
import json
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema
import openai

from provisioning.smoke.client import NO_AUTHORIZATION, ChatClient, without_token
from provisioning.smoke.diagnose import diagnose_exception
from provisioning.smoke.stream import StreamBroken, stream_chat
from provisioning.smoke.targets import SmokeTarget

Level = Literal["required", "optional", "skip"]


class CheckFailed(Exception):
    def __init__(self, message: str, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.evidence = evidence or {}


@dataclass(frozen=True)
class SmokeOptions:
    max_tokens: int = 200
    gcs_image: str | None = None  # gs:// URI of a small image the caller can read (Gemini)


@dataclass
class CheckContext:
    target: SmokeTarget
    client: ChatClient
    options: SmokeOptions
    shared: dict[str, Any] = field(default_factory=dict)  # what an earlier check learned (e.g. plain text)

    def request(self, prompt: str = "Say hello in a short sentence.", **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.target.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": self.options.max_tokens,
        }
        if self.target.family == "gpt-oss":
            body["reasoning_effort"] = "low"  # keeps reasoning short so the answer fits max_tokens
        body.update(extra)
        return {k: v for k, v in body.items() if v is not None}


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[CheckContext], dict[str, Any]]
    requirement: Callable[[SmokeTarget, SmokeOptions], tuple[Level, str]]


# --- requirement rules ---


def always(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
    return "required", ""


def when_feature(
    feature: str, absent: Level = "optional"
) -> Callable[[SmokeTarget, SmokeOptions], tuple[Level, str]]:
    def rule(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
        if feature in target.features:
            return "required", ""
        return (
            absent,
            f"catalog does not list {feature} for {target.catalog_model or target.model or target.name}",
        )

    return rule


def on_maas(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
    """Vertex documents these parameters for its managed models; serving containers vary."""
    return (
        ("required", "") if target.kind == "maas" else ("optional", "self-deployed: parameter support varies")
    )


def on_gemini(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
    return (
        ("required", "") if target.family == "gemini" else ("optional", "documented for Google models only")
    )


def behind_google(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
    return ("required", "") if target.auth == "google" else ("optional", "not a Google-fronted endpoint")


def names_its_model(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
    """TGI serves one model and ignores `model`, so a wrong name is not an error there."""
    if target.framework == "tgi":
        return "skip", "TGI ignores the model name"
    return behind_google(target, options)


def needs_google_auth(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
    return ("required", "") if target.auth == "google" else ("skip", "target takes no token")


def gcs_image(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
    level, reason = when_feature("gcs_image_input", "skip")(target, options)
    if level == "required" and not options.gcs_image:
        return "skip", "no --gcs-image gs:// URI given"
    return level, reason


def thinking_conflict(target: SmokeTarget, options: SmokeOptions) -> tuple[Level, str]:
    return when_feature("thinking_config", "skip")(target, options)


# --- helpers ---


def _completion(ctx: CheckContext, **request: Any) -> Any:
    return ctx.client.sdk.chat.completions.create(**request)


def _text_of(response: Any) -> tuple[str, str, str | None]:
    choice = response.choices[0]
    reasoning = str(getattr(choice.message, "reasoning_content", None) or "")
    return choice.message.content or "", reasoning, choice.finish_reason


def _usage(response: Any) -> dict[str, Any] | None:
    return response.usage.model_dump() if response.usage is not None else None


def _tiny_png() -> bytes:
    """A 2x2 red PNG, built here so no file ships."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


REFUSAL_ATTEMPTS = 3  # a transient 429/5xx is not the refusal under test: ask again before judging


def _expect_refusal(call: Callable[[], Any], causes: set[str], what: str) -> dict[str, Any]:
    """The call must fail with an HTTP 4xx whose diagnosis names one of `causes`."""
    for attempt in range(1, REFUSAL_ATTEMPTS + 1):
        try:
            response = call()
        except openai.APIStatusError as error:
            transient = error.status_code == 429 or error.status_code >= 500
            if transient and attempt < REFUSAL_ATTEMPTS and diagnose_exception(error).cause not in causes:
                time.sleep(0.5 * attempt)
                continue
            return _judge_refusal(error, causes, what)
        raise CheckFailed(
            f"{what}: the server answered 200 instead of refusing", {"model": getattr(response, "model", "")}
        )
    raise AssertionError("unreachable: the last attempt returns or raises")


def _judge_refusal(error: openai.APIStatusError, causes: set[str], what: str) -> dict[str, Any]:
    """A 4xx whose diagnosis names one of `causes` passes; anything else fails with the evidence."""
    diagnosis = diagnose_exception(error)
    evidence = {
        "http_status": error.status_code,
        "cause": diagnosis.cause,
        "diagnosis": diagnosis.summary(),
    }
    if not 400 <= error.status_code < 500:
        raise CheckFailed(f"{what}: expected a 4xx refusal, got HTTP {error.status_code}", evidence)
    if diagnosis.cause not in causes:
        expected = " or ".join(sorted(causes))
        raise CheckFailed(
            f"{what}: refused, but diagnosed as {diagnosis.cause}, expected {expected}", evidence
        )
    return evidence


# --- the checks ---


def check_plain(ctx: CheckContext) -> dict[str, Any]:
    start = time.perf_counter()
    response = _completion(ctx, **ctx.request())
    latency = time.perf_counter() - start
    text, reasoning, finish = _text_of(response)
    usage = _usage(response)
    evidence = {
        "latency_s": round(latency, 4),
        "finish_reason": finish,
        "usage": usage,
        "chars": len(text),
        "reasoning_chars": len(reasoning),
        "served_model": response.model,
    }
    if not text.strip():
        raise CheckFailed("empty answer text", evidence)
    if not finish:
        raise CheckFailed("no finish_reason", evidence)
    if not usage or not usage.get("completion_tokens") or not usage.get("prompt_tokens"):
        raise CheckFailed("usage counts missing or zero", evidence)
    ctx.shared["plain_text"] = text
    return evidence


def check_stream(ctx: CheckContext) -> dict[str, Any]:
    try:
        trace = stream_chat(ctx.client, **ctx.request(stream_options={"include_usage": True}))
    except StreamBroken as broken:
        t = broken.trace
        raise CheckFailed(str(broken), {"chunks": t.chunks, "done_marker": t.done_marker}) from None
    rate = trace.tokens_per_second()
    evidence = {
        "first_chunk_s": round(trace.first_chunk_s or 0.0, 4),
        "ttft_s": round(trace.first_token_s, 4) if trace.first_token_s is not None else None,
        "total_s": round(trace.total_s, 4),
        "output_tokens_per_s": round(rate, 1) if rate else None,
        "chunks": trace.chunks,
        "finish_reason": trace.finish_reason,
        "usage": trace.usage,
        "done_marker_sent": trace.done_marker,  # an observation: transformers serve omits it
    }
    if trace.order_problems:
        raise CheckFailed("; ".join(trace.order_problems), evidence)
    if not (trace.content or trace.reasoning).strip():
        raise CheckFailed("stream carried no text", evidence)
    if trace.usage is None:
        raise CheckFailed("no usage chunk although stream_options.include_usage was set", evidence)
    return evidence


_WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}


def check_tools(ctx: CheckContext) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "What is the weather in Paris? Use the tool."}
    ]
    first = _completion(ctx, **ctx.request(messages=messages, tools=[_WEATHER_TOOL], tool_choice="required"))
    message = first.choices[0].message
    calls = message.tool_calls or []
    evidence: dict[str, Any] = {"finish_reason_1": first.choices[0].finish_reason, "tool_calls": len(calls)}
    if not calls:
        raise CheckFailed("the model did not call the tool", evidence)
    call = calls[0]
    evidence["tool"] = call.function.name
    if call.function.name != "get_weather":
        raise CheckFailed(f"called an unknown tool {call.function.name!r}", evidence)
    try:
        arguments = json.loads(call.function.arguments or "{}")
    except ValueError:
        raise CheckFailed("tool arguments are not JSON", evidence) from None
    evidence["arguments"] = sorted(arguments) if isinstance(arguments, dict) else type(arguments).__name__
    messages += [
        {
            "role": "assistant",
            "content": message.content,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": call.function.arguments},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": call.id,
            "content": json.dumps({"temperature_c": 21, "sky": "clear"}),
        },
    ]
    second = _completion(ctx, **ctx.request(messages=messages, tools=[_WEATHER_TOOL]))
    text, _, finish = _text_of(second)
    evidence["finish_reason_2"] = finish
    if finish not in ("stop", "length") or not text.strip():
        raise CheckFailed("after the tool answer the model did not finish with text", evidence)
    return evidence


_CITY_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "country": {"type": "string"},
        "population": {"type": "integer"},
    },
    "required": ["city", "country", "population"],
    "additionalProperties": False,
}


def _parse_json(text: str, evidence: dict[str, Any]) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        evidence["answer_head"] = text[:80]
        raise CheckFailed("the answer is not JSON", evidence) from None


def check_json_schema(ctx: CheckContext) -> dict[str, Any]:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "city_facts", "schema": _CITY_SCHEMA, "strict": True},
    }
    response = _completion(
        ctx, **ctx.request("Give facts about Paris as JSON.", response_format=response_format)
    )
    text, _, finish = _text_of(response)
    evidence: dict[str, Any] = {"finish_reason": finish, "chars": len(text)}
    document = _parse_json(text, evidence)
    try:
        jsonschema.validate(document, _CITY_SCHEMA)
    except jsonschema.ValidationError as error:
        raise CheckFailed(f"JSON does not match the schema: {error.message}", evidence) from None
    return evidence


def check_json_object(ctx: CheckContext) -> dict[str, Any]:
    response = _completion(
        ctx,
        **ctx.request(
            "Reply with a JSON object with keys city and country for Paris.",
            response_format={"type": "json_object"},
        ),
    )
    text, _, finish = _text_of(response)
    evidence: dict[str, Any] = {"finish_reason": finish, "chars": len(text)}
    if not isinstance(_parse_json(text, evidence), dict):
        raise CheckFailed("the answer is JSON but not an object", evidence)
    return evidence


def _check_length_limit(ctx: CheckContext, field_name: str) -> dict[str, Any]:
    limit = 5
    limits: dict[str, Any] = {"max_tokens": None, field_name: limit}  # only the field under test
    response = _completion(ctx, **ctx.request("Count from one to fifty in words.", **limits))
    _, _, finish = _text_of(response)
    usage = _usage(response)
    evidence = {
        "limit": limit,
        "finish_reason": finish,
        "completion_tokens": (usage or {}).get("completion_tokens"),
    }
    if usage and usage["completion_tokens"] > limit:
        raise CheckFailed(f"{field_name}={limit} ignored: {usage['completion_tokens']} tokens", evidence)
    if finish not in ("length", "stop"):
        raise CheckFailed(f"unexpected finish_reason {finish!r}", evidence)
    return evidence


def check_max_tokens(ctx: CheckContext) -> dict[str, Any]:
    return _check_length_limit(ctx, "max_tokens")


def check_max_completion_tokens(ctx: CheckContext) -> dict[str, Any]:
    return _check_length_limit(ctx, "max_completion_tokens")


def check_stop(ctx: CheckContext) -> dict[str, Any]:
    """Greedy twice: the second time stop at a word the first answer contained; it must not appear."""
    base = ctx.request("Write two sentences about the sea.", temperature=0, seed=7)
    first, _, _ = _text_of(_completion(ctx, **base))
    words = [w for w in first.split() if len(w) >= 3]
    if len(words) < 3:
        stop = "\n\n"
        evidence: dict[str, Any] = {"stop": "blank line (first answer too short to pick a word)"}
    else:
        stop = words[len(words) // 2]
        evidence = {"stop_word_index": len(words) // 2}
    text, _, finish = _text_of(_completion(ctx, **{**base, "stop": [stop]}))
    evidence.update(finish_reason=finish, chars_before=len(first), chars_after=len(text))
    if stop in text:
        raise CheckFailed("the stop sequence appears in the answer", evidence)
    return evidence


def check_n(ctx: CheckContext) -> dict[str, Any]:
    response = _completion(ctx, **ctx.request(n=2, temperature=1.0))
    evidence = {"choices": len(response.choices)}
    if len(response.choices) != 2:
        raise CheckFailed(f"n=2 gave {len(response.choices)} choice(s)", evidence)
    return evidence


def check_temperature_seed(ctx: CheckContext) -> dict[str, Any]:
    request = ctx.request(temperature=0, seed=1234)
    first, _, _ = _text_of(_completion(ctx, **request))
    second, _, _ = _text_of(_completion(ctx, **request))
    # Accepted is the requirement; equal answers are an observation (many servers are not bit-deterministic).
    return {"accepted": True, "same_answer_twice": first == second}


def check_reasoning_effort(ctx: CheckContext) -> dict[str, Any]:
    response = _completion(ctx, **ctx.request(reasoning_effort="low"))
    text, reasoning, finish = _text_of(response)
    return {"finish_reason": finish, "chars": len(text), "reasoning_content_chars": len(reasoning)}


def _image_request(ctx: CheckContext, url: str) -> dict[str, Any]:
    content = [
        {"type": "text", "text": "What colour is this image? One word."},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    response = _completion(ctx, **ctx.request(messages=[{"role": "user", "content": content}]))
    text, _, finish = _text_of(response)
    evidence = {"finish_reason": finish, "chars": len(text)}
    if not text.strip():
        raise CheckFailed("empty answer to an image prompt", evidence)
    return evidence


def check_image_data(ctx: CheckContext) -> dict[str, Any]:
    return _image_request(ctx, "data:image/png;base64," + base64.b64encode(_tiny_png()).decode())


def check_image_gcs(ctx: CheckContext) -> dict[str, Any]:
    assert ctx.options.gcs_image  # the requirement rule skips this check otherwise
    return _image_request(ctx, ctx.options.gcs_image)


# Vertex reads Google extensions from a literal `extra_body.google` object in the JSON body.
_THINKING = {
    "extra_body": {"google": {"thinking_config": {"thinking_budget": 128, "include_thoughts": False}}}
}


def check_thinking_config(ctx: CheckContext) -> dict[str, Any]:
    response = _completion(ctx, **ctx.request(extra_body=_THINKING))
    text, _, finish = _text_of(response)
    if not text.strip():
        raise CheckFailed("empty answer with thinking_config", {"finish_reason": finish})
    return {"finish_reason": finish, "usage": _usage(response)}


def check_thinking_conflict(ctx: CheckContext) -> dict[str, Any]:
    request = ctx.request(reasoning_effort="low", extra_body=_THINKING)
    return _expect_refusal(
        lambda: _completion(ctx, **request), {"bad_request"}, "reasoning_effort with thinking_config"
    )


def check_wrong_model(ctx: CheckContext) -> dict[str, Any]:
    wrong = "openai/no-such-model-maas" if ctx.target.kind == "maas" else "no-such-model"
    request = {**ctx.request(), "model": wrong}
    return _expect_refusal(
        lambda: ctx.client.sdk.with_options(max_retries=0).chat.completions.create(**request),
        {"wrong_region_or_model", "model_not_enabled"},
        "unknown model name",
    )


def check_missing_token(ctx: CheckContext) -> dict[str, Any]:
    bare = without_token(ctx.client)
    try:
        return _expect_refusal(
            lambda: bare.chat.completions.create(**ctx.request(), extra_headers=NO_AUTHORIZATION),
            {"token_expired"},
            "request without a token",
        )
    finally:
        bare.close()


def check_malformed(ctx: CheckContext) -> dict[str, Any]:
    request = {**ctx.request(), "messages": [{"role": "nobody", "content": 42}]}
    return _expect_refusal(
        lambda: ctx.client.sdk.with_options(max_retries=0).chat.completions.create(**request),
        {"bad_request"},
        "malformed messages",
    )


CHECKS: tuple[Check, ...] = (
    Check("plain", check_plain, always),
    Check("stream", check_stream, always),
    Check("tools", check_tools, when_feature("function_calling")),
    Check("structured.json_schema", check_json_schema, when_feature("structured_output")),
    Check("structured.json_object", check_json_object, when_feature("structured_output")),
    Check("params.max_tokens", check_max_tokens, always),
    Check("params.max_completion_tokens", check_max_completion_tokens, on_maas),
    Check("params.stop", check_stop, on_maas),
    Check("params.n", check_n, on_gemini),
    Check("params.temperature_seed", check_temperature_seed, on_maas),
    Check("params.reasoning_effort", check_reasoning_effort, when_feature("reasoning_effort", "skip")),
    Check("vertex.image_data", check_image_data, when_feature("image_input", "skip")),
    Check("vertex.image_gcs", check_image_gcs, gcs_image),
    Check("vertex.thinking_config", check_thinking_config, when_feature("thinking_config", "skip")),
    Check("vertex.thinking_conflict", check_thinking_conflict, thinking_conflict),
    Check("errors.wrong_model", check_wrong_model, names_its_model),
    Check("errors.missing_token", check_missing_token, needs_google_auth),
    Check("errors.malformed", check_malformed, behind_google),
)
