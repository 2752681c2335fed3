"""Build a JSON value that satisfies a JSON schema (or the OpenAPI-style schema Vertex tools use).

Used for `response_format: json_schema` replies and for tool-call arguments. Covers type (also upper-case
OpenAPI names and type lists), const, enum, properties/required, items/prefixItems, min/max items and lengths,
numeric bounds (draft-4 boolean exclusive bounds too), multipleOf, allOf/anyOf/oneOf, $ref into the same
document, and a few string formats. `pattern` is not honoured. Recursive schemas are followed to a bounded
depth, after which only required properties and minimal arrays are built; a schema that can never stop
recursing is refused, as Vertex does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from emulator.chat.request import ChatRequestError

WORDS = ("alpha", "bravo", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "iris", "juniper")
# Past this depth optional parts are left out; past twice it the schema is taken as fully recursive.
SHALLOW_DEPTH = 4
_FORMATS = {
    "date": "2025-08-13",
    "date-time": "2025-08-13T09:30:00Z",
    "time": "09:30:00",
    "email": "user@example.com",
    "uri": "https://example.com/resource",
    "hostname": "example.com",
    "ipv4": "192.0.2.10",
}


class UnsupportedSchemaError(ChatRequestError):
    """The schema cannot be satisfied by a finite value (fully recursive) or is self-contradictory."""


def instance_for(schema: Mapping[str, Any] | bool, rng: random.Random) -> Any:
    """A value valid for `schema`, chosen deterministically from `rng`."""
    return _Builder(schema, rng).build(schema, 0)


class _Builder:
    def __init__(self, root: Mapping[str, Any] | bool, rng: random.Random) -> None:
        self.root = root
        self.rng = rng

    def build(self, schema: Any, depth: int) -> Any:
        if depth > 2 * SHALLOW_DEPTH:
            raise UnsupportedSchemaError("Fully recursive schemas are not supported.")
        if schema is True or schema == {}:
            return self.rng.choice(WORDS)
        if not isinstance(schema, Mapping):
            raise UnsupportedSchemaError(f"Schema {schema!r} cannot be satisfied.")
        if "$ref" in schema:
            return self.build(self._resolve(schema["$ref"]), depth + 1)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self.rng.choice(list(schema["enum"]))
        if "allOf" in schema:
            return self.build(self._merge(schema), depth)
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                return self.build(self._pick_branch(schema[key], depth), depth)
        kind = self._type_of(schema)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, depth)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self._string(schema)

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise UnsupportedSchemaError(f"Only local $ref values are supported; got '{ref}'.")
        node: Any = self.root
        for part in filter(None, ref[1:].split("/")):
            key = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or key not in node:
                raise UnsupportedSchemaError(f"$ref '{ref}' does not resolve inside the schema.")
            node = node[key]
        return node

    def _merge(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self._resolve(part["$ref"]) if isinstance(part, Mapping) and "$ref" in part else part
            if not isinstance(part, Mapping):
                continue
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def _pick_branch(self, branches: list[Any], depth: int) -> Any:
        if depth >= SHALLOW_DEPTH:
            plain = [b for b in branches if not (isinstance(b, Mapping) and "$ref" in b)]
            if plain:
                return plain[0]
        return self.rng.choice(branches)

    @staticmethod
    def _type_of(schema: Mapping[str, Any]) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if str(k).lower() != "null"]
            kind = kinds[0] if kinds else "null"
        if isinstance(kind, str):
            return kind.lower()
        if "properties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        return "string"

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        value = {
            name: self.build(sub, depth + 1)
            for name, sub in properties.items()
            if name in required or depth < SHALLOW_DEPTH
        }
        for name in required - value.keys():
            value[name] = self.rng.choice(WORDS)
        extra = schema.get("additionalProperties")
        if not properties and isinstance(extra, Mapping) and depth < SHALLOW_DEPTH:
            value[self.rng.choice(WORDS)] = self.build(extra, depth + 1)
        return value

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = list(schema.get("prefixItems") or ())
        items = schema.get("items", {})
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", max(low, len(prefix)) + 3))
        if items is False:
            high = min(high, len(prefix))
        if low > high:
            raise UnsupportedSchemaError("An array schema allows fewer items than its minItems.")
        wanted = min(max(low, len(prefix), 1), high)
        count = low if depth >= SHALLOW_DEPTH else self.rng.randint(wanted, min(high, wanted + 2))
        values: list[Any] = []
        seen: set[str] = set()
        for _ in range(count * 4):
            if len(values) == count:
                break
            index = len(values)
            sub = prefix[index] if index < len(prefix) else items
            value = self.build(sub, depth + 1)
            if schema.get("uniqueItems"):
                key = repr(value)
                if key in seen:
                    continue
                seen.add(key)
            values.append(value)
        if len(values) < low:
            raise UnsupportedSchemaError("Cannot build enough unique array items for the schema.")
        return values

    def _bounds(self, schema: Mapping[str, Any], step: float) -> tuple[float, float]:
        low: float | None = schema.get("minimum")
        high: float | None = schema.get("maximum")
        ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if ex_low is True and low is not None:  # draft 4 / OpenAPI 3.0 boolean form
            low += step
        elif isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
            low = ex_low + step if low is None else max(low, ex_low + step)
        if ex_high is True and high is not None:
            high -= step
        elif isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
            high = ex_high - step if high is None else min(high, ex_high - step)
        if low is None:
            low = 0 if high is None else high - 100
        if high is None:
            high = low + 100
        if low > high:
            raise UnsupportedSchemaError("A numeric schema has an empty range.")
        return low, high

    def _integer(self, schema: Mapping[str, Any]) -> int:
        low, high = self._bounds(schema, 1)
        multiple = schema.get("multipleOf")
        if multiple:
            first, last = math.ceil(low / multiple), math.floor(high / multiple)
            if first > last:
                raise UnsupportedSchemaError("No integer in range is a multiple of 'multipleOf'.")
            return int(self.rng.randint(first, last) * multiple)
        return self.rng.randint(math.ceil(low), math.floor(high))

    def _number(self, schema: Mapping[str, Any]) -> float | int:
        multiple = schema.get("multipleOf")
        if multiple:
            low, high = self._bounds(schema, 1e-9)
            first, last = math.ceil(low / multiple), math.floor(high / multiple)
            if first > last:
                raise UnsupportedSchemaError("No number in range is a multiple of 'multipleOf'.")
            return self.rng.randint(first, last) * multiple
        low, high = self._bounds(schema, 1e-6)
        value = round(self.rng.uniform(low, high), 2)
        return value if low <= value <= high else (low + high) / 2

    def _string(self, schema: Mapping[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            a, b, c, d, e = (self.rng.getrandbits(bits) for bits in (32, 16, 12, 12, 48))
            text = f"{a:08x}-{b:04x}-4{c:03x}-8{d:03x}-{e:012x}"
        else:
            words = (self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 3)))
            text = _FORMATS.get(str(fmt)) or " ".join(words)
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        if len(text) < low:
            text += "x" * (low - len(text))
        return text if high is None else text[: int(high)]
