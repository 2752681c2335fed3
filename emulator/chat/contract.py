"""The chat replies' contract: the openai SDK's own types are the schema of record for the OpenAI-compatible
routes. A `chat.completion` body must validate as `openai.types.chat.ChatCompletion`, each SSE event of a
stream as `ChatCompletionChunk`, and a stream ends with exactly one `data: [DONE]`. Validation is pydantic's
strict JSON mode (required fields present, no numbers sent as strings, literals such as `object` exact); the
SDK's models allow extra keys, so extensions such as `reasoning_content` pass. Used by the contract tests,
not by the app (imports openai)."""

from __future__ import annotations

import json
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk
from pydantic import BaseModel, ValidationError

from emulator.discovery import Violation

TYPES: dict[str, type[BaseModel]] = {
    "ChatCompletion": ChatCompletion,
    "ChatCompletionChunk": ChatCompletionChunk,
}
DONE = "[DONE]"


def check_body(body: Any, name: str, where: str = "") -> list[Violation]:
    """Violations of one JSON value against the openai type `name` (a key of TYPES)."""
    try:
        TYPES[name].model_validate_json(json.dumps(body), strict=True)
    except ValidationError as error:
        return [
            Violation(
                ".".join([where, *map(str, problem["loc"])]).strip("."),
                f"{name}: {problem['msg']} ({problem['type']})",
            )
            for problem in error.errors()
        ]
    return []


def check_stream(events: list[Any]) -> list[Violation]:
    """An SSE reply as recorded (each `data:` payload parsed, `[DONE]` kept as the string)."""
    if not events or events[-1] != DONE:
        return [Violation("", "a chat stream ends with data: [DONE]")]
    problems = []
    for index, event in enumerate(events[:-1]):
        if event == DONE:
            problems.append(Violation(f"event[{index}]", "data: [DONE] before the end of the stream"))
        elif not isinstance(event, dict):
            problems.append(Violation(f"event[{index}]", f"not a JSON object: {str(event)[:80]}"))
        else:
            problems += check_body(event, "ChatCompletionChunk", f"event[{index}]")
    return problems
