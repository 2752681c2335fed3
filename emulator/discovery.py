"""The discovery documents of the emulated APIs, the emulator's schema of record: their `schemas` (to check
JSON against) and their methods (to tell a method the emulator lacks from a path no API has).

The documents are vendored in `emulator/data/discovery/`: Google's, as google-api-python-client ships them,
stripped to the parts read here (`make discovery` regenerates them; `emulator/discovery_vendor.py`), so the
emulator runs without that client installed.

`validate(value, "cloudresourcemanager.v3#Project")` returns a list of `Violation`s: unknown keys, wrong
types, int64 not sent as a string, enum values not in the list, arrays, `additionalProperties` maps,
`$ref`s. The app uses it (lenient=True) to reject bad request bodies the way Google does; the reply contract
(`emulator/contract.py`) uses it (strict) on every reply the emulator sends. Documents are parsed once per
API, so the cost is paid on the first use of an API, not per request.

`api_method(http_method, path)` names the discovery method (e.g. `aiplatform.projects.locations.endpoints.
explain`) of one of the emulated APIs whose `flatPath` the request matches; the app answers such a request
501 UNIMPLEMENTED when no route serves it, and 404 when no method matches.

APIs without a shipped document (Cloud Quotas v1) use a transcription in `emulator/data/<api>.json` holding
only `schemas`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LOCAL_DIR = Path(__file__).parent / "data"
VENDORED_DIR = LOCAL_DIR / "discovery"
# The emulated APIs whose shipped documents list their methods (Cloud Quotas has none shipped).
METHOD_APIS = (
    "cloudresourcemanager.v3",
    "cloudbilling.v1",
    "billingbudgets.v1",
    "serviceusage.v1",
    "iam.v1",
    "monitoring.v3",
    "aiplatform.v1",
    "aiplatform.v1beta1",
)

_INT64 = re.compile(r"^-?\d+$")
_DURATION = re.compile(r"^-?\d+(\.\d{1,9})?s$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_NUMBER_WORDS = {"NaN", "Infinity", "-Infinity"}
_TYPE_NAMES = {
    "string": "TYPE_STRING",
    "integer": "TYPE_INT32",
    "number": "TYPE_DOUBLE",
    "boolean": "TYPE_BOOL",
}
_PATH_PARAMETER = re.compile(r"\{\+?\w+\}")


@dataclass(frozen=True)
class Violation:
    path: str  # dotted field path, "" for the top level
    message: str
    unknown_field: bool = False


@cache
def _document(api: str) -> dict[str, Any] | None:
    for folder in (VENDORED_DIR, LOCAL_DIR):
        path = folder / f"{api}.json"
        if path.exists():
            document: dict[str, Any] = json.loads(path.read_text())
            return document
    return None


def schemas(api: str) -> dict[str, Any]:
    """The `schemas` of an API's discovery document, e.g. api="aiplatform.v1"."""
    document = _document(api)
    if document is None:
        raise KeyError(f"no discovery document for {api}")
    table: dict[str, Any] = document["schemas"]
    return table


def _methods(resources: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for resource in resources.values():
        found += resource.get("methods", {}).values()
        found += _methods(resource.get("resources", {}))
    return found


@cache
def _method_patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(HTTP method, anchored path regex, method id) of every method of METHOD_APIS, from its `flatPath`
    (each `{param}` one path segment without '/' or ':', as the emulator's own route templates)."""
    rows = []
    for api in METHOD_APIS:
        document = _document(api) or {}
        service_path = document.get("servicePath", "")
        for method in _methods(document.get("resources", {})):
            template = service_path + method.get("flatPath", method["path"])
            pieces = _PATH_PARAMETER.split(template)
            pattern = "[^/:]+".join(re.escape(piece) for piece in pieces)
            rows.append((method["httpMethod"], re.compile(f"^/{pattern}$"), method["id"]))
    return tuple(rows)


def api_method(http_method: str, path: str) -> str | None:
    """The id of the discovery method of an emulated API that `http_method path` calls, or None."""
    for method, pattern, method_id in _method_patterns():
        if method == http_method and pattern.match(path):
            return method_id
    return None


def validate(value: Any, ref: str, *, lenient: bool = False) -> list[Violation]:
    """Check `value` against "<api>#<Schema>". `lenient` accepts what Google's JSON parser accepts in requests
    besides the canonical form (numbers for int64, numeric strings for int32)."""
    api, _, name = ref.partition("#")
    table = schemas(api)
    violations: list[Violation] = []
    _check(value, table[name], table, "", violations, lenient)
    return violations


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check(value: Any, schema: dict, table: dict, path: str, out: list[Violation], lenient: bool) -> None:
    if "$ref" in schema:
        schema = table[schema["$ref"]]
    kind = schema.get("type")
    if kind == "any" or kind is None:
        return
    if kind == "object":
        if not isinstance(value, dict):
            out.append(Violation(path, f"expected an object, got {type(value).__name__}"))
            return
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                _check(item, properties[key], table, _join(path, key), out, lenient)
            elif extra is not None:
                _check(item, extra, table, _join(path, key), out, lenient)
            elif key == "@type" and path:
                continue  # google.protobuf.Any payloads name their type
            else:
                out.append(Violation(path, f'Unknown name "{key}"', unknown_field=True))
        return
    if kind == "array":
        if not isinstance(value, list):
            out.append(Violation(path, f"expected a list, got {type(value).__name__}"))
            return
        for index, item in enumerate(value):
            _check(item, schema.get("items", {}), table, f"{path}[{index}]", out, lenient)
        return
    _check_scalar(value, kind, schema, path, out, lenient)


def _check_scalar(
    value: Any, kind: str, schema: dict, path: str, out: list[Violation], lenient: bool
) -> None:
    fmt = schema.get("format")
    ok: bool
    if kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "integer":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            lenient and isinstance(value, str) and bool(_INT64.match(value))
        )
    elif kind == "number":
        ok = (isinstance(value, int | float) and not isinstance(value, bool)) or value in _NUMBER_WORDS
    elif fmt in ("int64", "uint64"):
        ok = (isinstance(value, str) and bool(_INT64.match(value))) or (
            lenient and isinstance(value, int) and not isinstance(value, bool)
        )
    elif fmt == "google-duration":
        ok = isinstance(value, str) and bool(_DURATION.match(value))
    elif fmt == "google-datetime":
        ok = isinstance(value, str) and bool(_DATETIME.match(value))
    elif lenient and "enum" in schema and isinstance(value, int) and not isinstance(value, bool):
        ok = True  # GAPIC REST clients send enums as numbers ($alt=json;enum-encoding=int)
    else:
        ok = isinstance(value, str)
    if not ok:
        label = "TYPE_INT64" if fmt in ("int64", "uint64") else _TYPE_NAMES.get(kind, kind)
        out.append(Violation(path, f"Invalid value at '{path}' ({label}), {json.dumps(value)[:80]}"))
        return
    enum = schema.get("enum")
    if enum and isinstance(value, str) and value not in enum:
        out.append(Violation(path, f"Invalid value at '{path}' (enum), \"{value[:80]}\""))
