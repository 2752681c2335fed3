"""Validation of an OpenAI-format chat-completions request (snake_case wire format).

`parse_chat_request(body, family)` turns the raw HTTP body into a `ChatRequest` or raises `ChatRequestError`,
whose message becomes a Google-shaped 400 INVALID_ARGUMENT. Types are strict (no "5" for 5), and parameters
the emulator does not know are ignored, as Vertex documents ("Si pasas algún parámetro no admitido, se
ignorará").
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Family = Literal["gpt-oss", "gemini", "vllm", "tgi"]
FAMILIES: tuple[str, ...] = ("gpt-oss", "gemini", "vllm", "tgi")

# Vertex maps reasoning_effort to a Gemini thinking budget (Chat Completions parameters page).
REASONING_EFFORT_BUDGETS = {"low": 1024, "medium": 8192, "high": 24576}


class ChatRequestError(ValueError):
    """The request is malformed or asks for something the model cannot do (HTTP 400 INVALID_ARGUMENT)."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class TextPart(_Wire):
    type: Literal["text"]
    text: str


class ImageUrl(_Wire):
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImagePart(_Wire):
    type: Literal["image_url"]
    image_url: ImageUrl


class InputAudio(_Wire):
    data: str
    format: str


class AudioPart(_Wire):
    type: Literal["input_audio"]
    input_audio: InputAudio


ContentPart = Annotated[TextPart | ImagePart | AudioPart, Field(discriminator="type")]


class FunctionCall(_Wire):
    name: str
    arguments: str


class ToolCall(_Wire):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class SystemMessage(_Wire):
    role: Literal["system", "developer"]
    content: str | list[TextPart]
    name: str | None = None


class UserMessage(_Wire):
    role: Literal["user"]
    content: str | list[ContentPart]
    name: str | None = None


class AssistantMessage(_Wire):
    role: Literal["assistant"]
    content: str | list[TextPart] | None = None
    tool_calls: list[ToolCall] | None = None
    name: str | None = None


class ToolMessage(_Wire):
    role: Literal["tool"]
    content: str | list[TextPart]
    tool_call_id: str


class FunctionMessage(_Wire):
    """Deprecated OpenAI message kind that Vertex still accepts."""

    role: Literal["function"]
    content: str | None
    name: str


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage,
    Field(discriminator="role"),
]


class FunctionDefinition(_Wire):
    name: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class Tool(_Wire):
    type: Literal["function"]
    function: FunctionDefinition


class NamedFunction(_Wire):
    name: str


class NamedToolChoice(_Wire):
    type: Literal["function"]
    function: NamedFunction


ToolChoiceMode = Literal["none", "auto", "required", "validated"]


class TextFormat(_Wire):
    type: Literal["text"]


class JsonObjectFormat(_Wire):
    type: Literal["json_object"]


class JsonSchemaSpec(_Wire):
    name: str
    description: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class JsonSchemaFormat(_Wire):
    type: Literal["json_schema"]
    json_schema: JsonSchemaSpec


ResponseFormat = Annotated[TextFormat | JsonObjectFormat | JsonSchemaFormat, Field(discriminator="type")]


class StreamOptions(_Wire):
    include_usage: bool = False


class ThinkingConfig(_Wire):
    thinking_budget: int | None = None
    include_thoughts: bool | None = None


class GoogleExtensions(_Wire):
    """The `google` object of `extra_body` (the openai SDK merges extra_body keys into the top level)."""

    thinking_config: ThinkingConfig | None = None


class ExtraBody(_Wire):
    google: GoogleExtensions | None = None


class ChatRequest(_Wire):
    model: str | None = None
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(default=1, ge=1, le=128)
    stop: str | list[str] | None = Field(default=None)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    seed: int | None = None
    tools: list[Tool] | None = None
    tool_choice: ToolChoiceMode | NamedToolChoice | None = None
    response_format: ResponseFormat | None = None
    reasoning_effort: Literal["low", "medium", "high"] | None = None
    google: GoogleExtensions | None = None
    extra_body: ExtraBody | None = None

    @property
    def token_limit(self) -> int | None:
        """`max_completion_tokens` is an alias of `max_tokens`; when both are sent the newer name wins, as in
        vLLM."""
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens

    @property
    def stop_sequences(self) -> tuple[str, ...]:
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)

    @property
    def include_usage(self) -> bool:
        return self.stream_options is not None and self.stream_options.include_usage

    @property
    def thinking_config(self) -> ThinkingConfig | None:
        """`google.thinking_config`, sent at the top level (the openai SDK merges extra_body there) or, by a
        raw REST caller, literally under `extra_body`."""
        for google in (self.google, self.extra_body.google if self.extra_body else None):
            if google is not None and google.thinking_config is not None:
                return google.thinking_config
        return None


def thinking_budget(request: ChatRequest) -> int | None:
    """The Gemini thinking budget the request asks for; None means the model's default (dynamic)."""
    if request.reasoning_effort is not None:
        return REASONING_EFFORT_BUDGETS[request.reasoning_effort]
    config = request.thinking_config
    return config.thinking_budget if config is not None else None


def parse_chat_request(body: bytes | str | Mapping[str, Any], family: str) -> ChatRequest:
    """Validate a request body (raw JSON text or an already-parsed object) for a model of `family`.

    Raises ChatRequestError with a readable message.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; expected one of {', '.join(FAMILIES)}")
    try:
        if isinstance(body, Mapping):
            request = ChatRequest.model_validate(body)
        else:
            request = ChatRequest.model_validate_json(body)
    except ValidationError as exc:
        raise ChatRequestError(_describe(exc)) from None
    _check_stop(request)
    _check_tools(request)
    _check_thinking(request, family)
    _check_images(request, family)
    return request


def _describe(exc: ValidationError) -> str:
    # Union members each report a failure; the deepest one names what is actually wrong.
    error = max(exc.errors(include_url=False), key=lambda e: len(e["loc"]))
    if error["type"] == "json_invalid":
        return f"Invalid JSON payload received. {error['msg']}."
    if error["type"] == "model_type" and not error["loc"]:
        return "Invalid JSON payload received. The request body must be a JSON object."
    parts = (f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"] if _is_field(part))
    location = "".join(parts).lstrip(".")
    return f"Invalid value at '{location}': {error['msg']}."


def _is_field(part: int | str) -> bool:
    """Whether a pydantic error location part is a field or index, not a union member's type name."""
    return isinstance(part, int) or ("[" not in part and part not in _TYPE_NAMES)


_TYPE_NAMES = frozenset({"str", "int", "float", "bool", "dict", "list", "none"})


def _check_stop(request: ChatRequest) -> None:
    stops = request.stop_sequences
    if len(stops) > 4:
        raise ChatRequestError(f"'stop' accepts at most 4 sequences; got {len(stops)}.")
    if any(not s for s in stops):
        raise ChatRequestError("'stop' sequences must be non-empty strings.")


def _check_tools(request: ChatRequest) -> None:
    names = [tool.function.name for tool in request.tools or ()]
    if len(names) != len(set(names)):
        raise ChatRequestError("Function names in 'tools' must be unique.")
    for tool in request.tools or ():
        parameters = tool.function.parameters
        if parameters is not None and parameters.get("type", "object") not in ("object", "OBJECT"):
            raise ChatRequestError(f"Parameters of function '{tool.function.name}' must be an object schema.")
    choice = request.tool_choice
    if isinstance(choice, NamedToolChoice):
        if choice.function.name not in names:
            name = choice.function.name
            raise ChatRequestError(f"'tool_choice' names function '{name}', which is not in 'tools'.")
    elif choice in ("required", "validated") and not names:
        raise ChatRequestError(f"'tool_choice' is '{choice}' but no 'tools' were given.")


def _check_thinking(request: ChatRequest, family: str) -> None:
    if family == "gemini" and request.reasoning_effort is not None and request.thinking_config is not None:
        raise ChatRequestError(
            "Only one of 'reasoning_effort' and 'extra_body.google.thinking_config' may be set; "
            "remove one of them."
        )


def _check_images(request: ChatRequest, family: str) -> None:
    details: set[str] = set()
    for message in request.messages:
        if not isinstance(message, UserMessage) or isinstance(message.content, str):
            continue
        for part in message.content:
            if isinstance(part, ImagePart):
                _check_image_url(part.image_url.url, family)
                if part.image_url.detail is not None:
                    details.add(part.image_url.detail)
    if family == "gemini" and len(details) > 1:
        raise ChatRequestError("All images in a request must use the same 'detail' level.")


def _check_image_url(url: str, family: str) -> None:
    if url.startswith("gs://"):
        if family != "gemini":
            raise ChatRequestError("Cloud Storage (gs://) image URIs are only supported for Gemini models.")
        if len(url) <= len("gs://") or "/" not in url[len("gs://") :]:
            raise ChatRequestError(f"Image URI '{url}' must name an object: gs://BUCKET/OBJECT.")
        return
    if not url.startswith("data:"):
        shown = url if len(url) <= 80 else url[:77] + "..."
        raise ChatRequestError(
            f"Unsupported image URL '{shown}': use a Cloud Storage URI (gs://BUCKET/OBJECT) or a base64 "
            "data URI (data:<MIME-TYPE>;base64,<BYTES>)."
        )
    header, sep, payload = url.partition(",")
    if not sep or not header.endswith(";base64") or "/" not in header:
        raise ChatRequestError("Image data URIs must look like data:<MIME-TYPE>;base64,<BASE64-BYTES>.")
    try:
        base64.b64decode(payload, validate=True)
    except binascii.Error:
        raise ChatRequestError("The image data URI does not carry valid base64 bytes.") from None
