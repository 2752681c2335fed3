"""Validation of chat-completions requests: what a caller may send, and the 400s for what it may not."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from emulator.chat.request import (
    ChatRequestError,
    NamedToolChoice,
    parse_chat_request,
    thinking_budget,
)

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def body(**fields: Any) -> str:
    return json.dumps(
        {"model": "openai/gpt-oss-20b-maas", "messages": [{"role": "user", "content": "hi"}], **fields}
    )


def refused(raw: str | dict[str, Any], family: str = "gpt-oss") -> str:
    with pytest.raises(ChatRequestError) as caught:
        parse_chat_request(raw, family)
    return str(caught.value)


def test_a_full_request_in_openai_wire_format_is_accepted() -> None:
    request = parse_chat_request(
        body(
            messages=[
                {"role": "system", "content": "be brief"},
                {"role": "developer", "content": [{"type": "text", "text": "plain text"}]},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what is this?"},
                        {"type": "image_url", "image_url": {"url": PNG}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            ],
            stream=True,
            stream_options={"include_usage": True},
            n=2,
            stop=["END", "\n\n"],
            max_tokens=50,
            temperature=0.2,
            top_p=0.9,
            seed=7,
            tools=[WEATHER_TOOL],
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": True},
            },
        ),
        "gpt-oss",
    )
    assert request.stream and request.include_usage and request.n == 2
    assert request.stop_sequences == ("END", "\n\n")
    assert request.token_limit == 50
    assert isinstance(request.tool_choice, NamedToolChoice)
    assert [m.role for m in request.messages] == ["system", "developer", "user", "assistant", "tool"]


def test_unsupported_parameters_are_ignored_not_refused() -> None:
    request = parse_chat_request(
        body(logit_bias={"1": 2}, web_search_options={}, user="me", safety_settings=[]), "gemini"
    )
    assert request.n == 1


def test_a_parsed_json_object_is_validated_like_raw_text() -> None:
    assert parse_chat_request(json.loads(body(n=3)), "vllm").n == 3
    assert "max_tokens" in refused(json.loads(body(max_tokens="5")))


@pytest.mark.parametrize(
    ("raw", "mentions"),
    [
        ("{not json", "Invalid JSON payload"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"model": "m"}), "messages"),
        (body(messages=[]), "messages"),
        (body(messages=[{"role": "robot", "content": "hi"}]), "robot"),
        (body(messages=[{"role": "user"}]), "messages[0].user.content"),
        (body(messages=[{"role": "tool", "content": "x"}]), "tool_call_id"),
        (body(messages=[{"role": "user", "content": [{"type": "video", "video": {}}]}]), "video"),
        (body(max_tokens="5"), "max_tokens"),
        (body(max_tokens=0), "max_tokens"),
        (body(temperature=3), "temperature"),
        (body(top_p="high"), "top_p"),
        (body(n=0), "'n'"),
        (body(stream="yes"), "stream"),
        (body(stop=7), "stop"),
        (body(stop=["a", "b", "c", "d", "e"]), "at most 4"),
        (body(tool_choice="sometimes", tools=[WEATHER_TOOL]), "tool_choice"),
        (body(response_format={"type": "yaml"}), "response_format"),
        (body(reasoning_effort="extreme"), "reasoning_effort"),
        (body(tools=[{"type": "function", "function": {"name": "bad name!"}}]), "tools[0].function.name"),
    ],
)
def test_malformed_requests_are_refused_with_the_offending_field(raw: str, mentions: str) -> None:
    assert mentions in refused(raw)


def test_tool_choice_must_name_a_given_tool_and_required_needs_tools() -> None:
    named = {"type": "function", "function": {"name": "book_flight"}}
    assert "book_flight" in refused(body(tools=[WEATHER_TOOL], tool_choice=named))
    assert "no 'tools'" in refused(body(tool_choice="required"))
    assert "unique" in refused(body(tools=[WEATHER_TOOL, WEATHER_TOOL]))
    for mode in ("none", "auto", "required", "validated"):
        assert parse_chat_request(body(tools=[WEATHER_TOOL], tool_choice=mode), "gemini").tool_choice == mode


def test_max_completion_tokens_is_an_alias_of_max_tokens() -> None:
    assert parse_chat_request(body(max_completion_tokens=12), "gpt-oss").token_limit == 12
    assert parse_chat_request(body(max_tokens=12, max_completion_tokens=30), "gpt-oss").token_limit == 30
    assert parse_chat_request(body(), "gpt-oss").token_limit is None
    assert "max_completion_tokens" in refused(body(max_completion_tokens=-1))


@pytest.mark.parametrize(("effort", "budget"), [("low", 1024), ("medium", 8192), ("high", 24576)])
def test_reasoning_effort_maps_to_the_documented_thinking_budget(effort: str, budget: int) -> None:
    assert thinking_budget(parse_chat_request(body(reasoning_effort=effort), "gemini")) == budget


def test_thinking_config_arrives_top_level_from_the_sdk_or_under_extra_body_from_rest() -> None:
    sdk_style = parse_chat_request(body(google={"thinking_config": {"thinking_budget": 512}}), "gemini")
    rest_style = parse_chat_request(
        body(extra_body={"google": {"thinking_config": {"thinking_budget": 0}}}), "gemini"
    )
    assert thinking_budget(sdk_style) == 512
    assert thinking_budget(rest_style) == 0
    assert thinking_budget(parse_chat_request(body(), "gemini")) is None


def test_reasoning_effort_together_with_thinking_config_is_refused_for_gemini() -> None:
    thinking = {"thinking_config": {"thinking_budget": 512}}
    assert "Only one of 'reasoning_effort'" in refused(
        body(reasoning_effort="low", google=thinking), "gemini"
    )
    assert "Only one of" in refused(body(reasoning_effort="low", extra_body={"google": thinking}), "gemini")
    # gpt-oss has no thinking_config: the Google extension is ignored there, reasoning_effort is honoured.
    request = parse_chat_request(body(reasoning_effort="low", google=thinking), "gpt-oss")
    assert request.reasoning_effort == "low"


def image_message(url: str, detail: str | None = None) -> list[dict[str, Any]]:
    image: dict[str, Any] = {"url": url} if detail is None else {"url": url, "detail": detail}
    return [
        {
            "role": "user",
            "content": [{"type": "text", "text": "see"}, {"type": "image_url", "image_url": image}],
        }
    ]


def test_images_must_be_data_uris_or_cloud_storage_for_gemini() -> None:
    assert parse_chat_request(body(messages=image_message(PNG)), "vllm")
    assert parse_chat_request(body(messages=image_message("gs://bucket/cat.png")), "gemini")
    assert "only supported for Gemini" in refused(body(messages=image_message("gs://bucket/cat.png")), "vllm")
    assert "gs://BUCKET/OBJECT" in refused(body(messages=image_message("gs://bucket")), "gemini")
    assert "Unsupported image URL" in refused(
        body(messages=image_message("https://example.com/cat.png")), "gemini"
    )
    assert "data:<MIME-TYPE>;base64" in refused(
        body(messages=image_message("data:image/png,rawbytes")), "gemini"
    )
    assert "base64" in refused(body(messages=image_message("data:image/png;base64,@@@")), "gemini")


def test_gemini_refuses_mixed_image_detail_levels() -> None:
    messages = image_message(PNG, "low") + image_message(PNG, "high")
    assert "same 'detail'" in refused(body(messages=messages), "gemini")
    assert parse_chat_request(body(messages=image_message(PNG, "low") * 2), "gemini")


def test_an_unknown_family_is_a_programming_error_not_a_client_error() -> None:
    with pytest.raises(ValueError, match="unknown model family"):
        parse_chat_request(body(), "llama")
