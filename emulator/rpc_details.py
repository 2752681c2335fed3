"""The `details` of an error reply (google.rpc.Status): each one a google.rpc error detail message
(google/rpc/error_details.proto as shipped in googleapis-common-protos, the schema of record) in the canonical
JSON form Google's servers write: it must parse as the message its @type names, with no unknown fields and
nothing the serializer would write differently (lowerCamel names, int64 as strings, no default values).
ErrorInfo follows AIP-193 besides: reason UPPER_SNAKE_CASE of at most 63 characters, a domain, metadata keys
lowerCamelCase of at most 64 characters and string values."""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import json_format
from google.rpc import error_details_pb2

from emulator.discovery import Violation

PACKAGE = "type.googleapis.com/google.rpc."
_REASON = re.compile(r"^[A-Z][A-Z0-9_]{0,61}[A-Z0-9]$")
_METADATA_KEY = re.compile(r"^[a-z][a-zA-Z0-9]{0,63}$")


def check_details(details: Any, path: str) -> list[Violation]:
    if not isinstance(details, list):
        return [Violation(path, "details is a list")]
    problems: list[Violation] = []
    for index, detail in enumerate(details):
        problems += _check_detail(detail, f"{path}[{index}]")
    return problems


def _check_detail(detail: Any, path: str) -> list[Violation]:
    type_url = detail.get("@type", "") if isinstance(detail, dict) else ""
    message_class = getattr(error_details_pb2, type_url.removeprefix(PACKAGE), None)
    if not type_url.startswith(PACKAGE) or message_class is None:
        return [Violation(path, f"each detail is a google.rpc error detail with its @type, not {type_url!r}")]
    fields = {key: value for key, value in detail.items() if key != "@type"}
    message = message_class()
    try:
        json_format.ParseDict(fields, message)
    except json_format.ParseError as error:
        return [Violation(path, f"{message_class.__name__}: {error}")]
    canonical = json_format.MessageToDict(message)
    if canonical != fields:
        return [
            Violation(
                path, f"{message_class.__name__} not in canonical form: {fields} (canonical {canonical})"
            )
        ]
    if message_class is error_details_pb2.ErrorInfo:
        return _check_error_info(message, path)
    return []


def _check_error_info(info: error_details_pb2.ErrorInfo, path: str) -> list[Violation]:
    problems = []
    if not _REASON.match(info.reason):
        problems.append(Violation(f"{path}.reason", f"reason is UPPER_SNAKE_CASE, got {info.reason!r}"))
    if not info.domain:
        problems.append(Violation(f"{path}.domain", "ErrorInfo names its domain"))
    problems += [
        Violation(f"{path}.metadata", f"metadata key {key!r} is not lowerCamelCase")
        for key in info.metadata
        if not _METADATA_KEY.match(key)
    ]
    return problems
