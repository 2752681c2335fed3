"""The deterministic generator: replies, limits, tool calls, structured output, reasoning and usage."""

from __future__ import annotations

import json
import random
from typing import Any

import jsonschema
import pytest

from emulator.chat.generate import Completion, count_prompt_tokens, generate, split_tokens
from emulator.chat.request import ChatRequestError, parse_chat_request
from emulator.chat.schema_instance import UnsupportedSchemaError, instance_for

MODEL = "openai/gpt-oss-20b-maas"
ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "order_id": {"type": "string", "format": "uuid"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 5},
        "price": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
        "express": {"type": "boolean"},
        "status": {"type": "string", "enum": ["new", "paid", "shipped"]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 6}, "minItems": 2, "maxItems": 3},
        "note": {"type": ["string", "null"], "minLength": 12},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "zip": {"type": "string", "maxLength": 5}},
            "required": ["city", "zip"],
            "additionalProperties": False,
        },
        "kind": {"const": "retail"},
        "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}, "uniqueItems": True, "minItems": 1},
    },
    "required": ["order_id", "quantity", "price", "express", "status", "tags", "address", "kind", "lines"],
    "additionalProperties": False,
    "$defs": {
        "line": {
            "type": "object",
            "properties": {"sku": {"type": "string"}, "units": {"type": "integer", "multipleOf": 5}},
            "required": ["sku", "units"],
            "additionalProperties": False,
        }
    },
}
TREE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}},
    "required": ["name"],
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit"],
        },
    },
}
BOOK_TOOL = {
    "type": "function",
    "function": {
        "name": "book_flight",
        "parameters": {
            "type": "OBJECT",  # Vertex documents OpenAPI-style schemas for tools
            "properties": {"passengers": {"type": "INTEGER", "minimum": 1}, "to": {"type": "STRING"}},
            "required": ["passengers", "to"],
        },
    },
}


def run(family: str = "gpt-oss", model: str = MODEL, **fields: Any) -> Completion:
    fields.setdefault("messages", [{"role": "user", "content": "Tell me about quotas."}])
    request = parse_chat_request(json.dumps({"model": model, **fields}), family)
    return generate(request, served_model=model, family=family)


def text(completion: Completion, index: int = 0) -> str:
    return "".join(completion.choices[index].content)


def test_the_same_request_gives_the_same_reply_and_a_different_one_changes_it() -> None:
    assert run() == run()
    assert run(seed=1) == run(seed=1)
    assert text(run(seed=1)) != text(run(seed=2))
    assert text(run(family="vllm")) != text(
        run(family="vllm", messages=[{"role": "user", "content": "Other."}])
    )
    assert text(run(family="vllm", model="a")) != text(run(family="vllm", model="b"))


def test_tokens_join_back_into_the_text() -> None:
    for sample in ("Hello world.", "  lead and trail  ", '{"a": 1, "b": [2, 3]}', "", "one\n\ntwo"):
        assert "".join(split_tokens(sample)) == sample
    assert split_tokens("Hello big world.") == ["Hello", " big", " world."]


def test_max_tokens_cuts_the_reply_with_finish_reason_length() -> None:
    full = run(family="vllm")
    assert full.choices[0].finish_reason == "stop"
    assert len(full.choices[0].content) > 5
    cut = run(family="vllm", max_tokens=5)
    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].content == full.choices[0].content[:5]
    assert cut.completion_tokens == 5
    assert run(family="vllm", max_completion_tokens=5) == cut


def test_a_stop_sequence_ends_the_reply_before_it_with_finish_reason_stop() -> None:
    full = text(run(family="vllm"))
    word = full.split()[3]
    stopped = run(family="vllm", stop=[" " + word, "never-there"])
    assert text(stopped) == full[: full.index(" " + word)]
    assert stopped.choices[0].finish_reason == "stop"
    assert stopped.completion_tokens == len(split_tokens(text(stopped)))


def test_n_gives_n_distinct_choices_and_usage_counts_them_all() -> None:
    completion = run(family="vllm", n=3)
    assert [choice.index for choice in completion.choices] == [0, 1, 2]
    assert len({text(completion, i) for i in range(3)}) == 3
    assert completion.completion_tokens == sum(len(choice.content) for choice in completion.choices)


def test_prompt_tokens_count_every_message_role_and_word() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Tell me about quotas."},
    ]
    request = parse_chat_request(json.dumps({"messages": messages}), "vllm")
    assert count_prompt_tokens(request) == (1 + 2) + (1 + 4)


def test_gpt_oss_reasons_before_answering_and_the_reasoning_counts_as_completion_tokens() -> None:
    completion = run(family="gpt-oss")
    choice = completion.choices[0]
    assert choice.reasoning and choice.content
    assert completion.reasoning_tokens == len(choice.reasoning)
    assert completion.completion_tokens == len(choice.reasoning) + len(choice.content)
    low, high = run(reasoning_effort="low"), run(reasoning_effort="high")
    assert len(low.choices[0].reasoning) < len(high.choices[0].reasoning)
    assert not run(family="vllm").choices[0].reasoning


def test_max_tokens_covers_reasoning_first() -> None:
    choice = run(family="gpt-oss", max_tokens=3).choices[0]
    assert len(choice.reasoning) == 3 and choice.content == ()
    assert choice.finish_reason == "length"


def test_gemini_thinks_silently_within_its_budget() -> None:
    assert run(family="gemini", reasoning_effort="low").choices[0].reasoning == ()
    budgets = {
        effort: run(family="gemini", reasoning_effort=effort).reasoning_tokens
        for effort in ("low", "medium", "high")
    }
    assert 0 < budgets["low"] <= 1024 and budgets["low"] < budgets["medium"] < budgets["high"] <= 24576
    off = run(family="gemini", google={"thinking_config": {"thinking_budget": 0}})
    assert off.reasoning_tokens == 0
    assert run(family="gemini", google={"thinking_config": {"thinking_budget": 5}}).reasoning_tokens <= 5


def test_tools_are_called_with_arguments_valid_for_their_schema() -> None:
    for seed in range(20):
        completion = run(family="vllm", tools=[WEATHER_TOOL, BOOK_TOOL], seed=seed)
        choice = completion.choices[0]
        assert choice.finish_reason == "tool_calls" and choice.content == ()
        assert choice.tool_call is not None and choice.tool_call.id.startswith("call_")
        tool = WEATHER_TOOL if choice.tool_call.name == "get_weather" else BOOK_TOOL
        schema = json.loads(json.dumps(tool["function"]["parameters"]).lower())  # OpenAPI upper-case types
        jsonschema.validate(json.loads(choice.tool_call.arguments), schema)
        assert completion.completion_tokens == 1 + len(split_tokens(choice.tool_call.arguments))


def test_tool_choice_decides_whether_and_which_tool_is_called() -> None:
    after_tool = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "call_1", "function": {"name": "get_weather", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18 degrees and sunny"},
    ]
    assert run(family="vllm", tools=[WEATHER_TOOL], tool_choice="none").choices[0].tool_call is None
    final = run(family="vllm", tools=[WEATHER_TOOL], messages=after_tool).choices[0]
    assert final.tool_call is None and final.finish_reason == "stop"
    assert "18 degrees and sunny" in "".join(final.content)
    assert (
        run(family="vllm", tools=[WEATHER_TOOL], tool_choice="required", messages=after_tool)
        .choices[0]
        .tool_call
    )
    named = {"type": "function", "function": {"name": "book_flight"}}
    for seed in range(5):
        choice = run(family="vllm", tools=[WEATHER_TOOL, BOOK_TOOL], tool_choice=named, seed=seed).choices[0]
        assert choice.tool_call is not None and choice.tool_call.name == "book_flight"


def test_json_object_format_replies_with_a_json_object() -> None:
    for seed in range(5):
        assert isinstance(
            json.loads(text(run(family="vllm", seed=seed, response_format={"type": "json_object"}))), dict
        )


def test_json_schema_format_replies_with_an_instance_of_the_schema() -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "order", "schema": ORDER_SCHEMA, "strict": True},
    }
    for seed in range(30):
        reply = json.loads(text(run(family="gemini", seed=seed, response_format=response_format)))
        jsonschema.validate(reply, ORDER_SCHEMA)


@pytest.mark.parametrize(
    "schema",
    [
        TREE_SCHEMA,
        {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "boolean"}], "items": False},
        {"anyOf": [{"type": "integer", "minimum": 10, "maximum": 10}, {"type": "null"}]},
        {"allOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]}, {"required": ["b"]}]},
        {"type": "number", "minimum": 0.5, "maximum": 0.75, "multipleOf": 0.25},
        {"type": "integer", "exclusiveMaximum": 0},
        {"type": "string", "format": "date-time"},
        {"type": "object", "additionalProperties": {"type": "integer"}},
        {"type": "array", "items": {"enum": [1, 2, 3]}, "uniqueItems": True, "minItems": 3},
    ],
)
def test_schema_instances_validate(schema: dict[str, Any]) -> None:
    for seed in range(10):
        jsonschema.validate(instance_for(schema, random.Random(seed)), schema)


def test_fully_recursive_and_impossible_schemas_are_refused() -> None:
    endless = {"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]}
    for schema in (endless, {"type": "integer", "minimum": 5, "maximum": 1}, {"$ref": "#/$defs/missing"}):
        with pytest.raises(UnsupportedSchemaError):
            instance_for(schema, random.Random(0))
    response_format = {"type": "json_schema", "json_schema": {"name": "loop", "schema": endless}}
    with pytest.raises(ChatRequestError, match="recursive"):
        run(family="gemini", response_format=response_format)
