"""`updateMask` of a PATCH (AIP-134, AIP-161; google.protobuf.FieldMask in its JSON form: comma-separated
paths, each lowerCamelCase or snake_case). Only the fields a mask names change; a named field the body
leaves empty is cleared. Without a mask, a method that allows it updates the top-level fields the body sets to
a non-empty value (AIP-134's implied mask); `*` names every updatable field (full replacement).

Paths traverse with `.` (AIP-161): into a message by its field name (`oidc.issuer_uri`), into a map by its
key (`labels.team`), a key holding `.` or `,` in backticks (``attributeMapping.`google.subject` ``). The
resource's discovery schema tells a message from a map. An index into a repeated field (`authors.0`) is 400,
as AIP-161 requires; its optional `*` wildcard over repeated fields is not supported (also 400).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from emulator import discovery
from emulator.errors import invalid_argument

FieldPath = tuple[str, ...]  # JSON keys from the resource down, e.g. ("oidc", "issuerUri")


def _split(text: str, separator: str) -> list[str]:
    """`text` cut at `separator` outside backticks (the backticks are kept)."""
    parts, current, quoted = [], "", False
    for char in text:
        if char == "`":
            quoted = not quoted
        if char == separator and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def paths(mask: str) -> list[str]:
    """The mask's paths as sent ("displayName,labels" → ["displayName", "labels"])."""
    return [path.strip() for path in _split(mask, ",") if path.strip()]


def snake(path: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), path)


def _cannot(path: str) -> Exception:
    return invalid_argument(f"Field '{path}' cannot be updated.", "update_mask")


def _field(segment: str, names: Sequence[str]) -> str | None:
    """The JSON name in `names` that `segment` spells, in lowerCamelCase or snake_case."""
    return next((name for name in names if segment in (name, snake(name))), None)


def _resolve(
    path: str, schema: Mapping[str, Any], table: Mapping[str, Any], updatable: Sequence[str]
) -> FieldPath:
    first, *rest = _split(path, ".")
    top = _field(first, updatable)
    if top is None or top not in schema.get("properties", {}):
        raise _cannot(path)
    keys, node = [top], schema["properties"][top]
    for segment in rest:
        node = table[node["$ref"]] if "$ref" in node else node
        if "properties" in node:  # a message: one of its fields
            name = _field(segment.strip("`"), list(node["properties"]))
            if name is None:
                raise _cannot(path)
            keys.append(name)
            node = node["properties"][name]
        elif "additionalProperties" in node:  # a map: one of its keys
            keys.append(segment.strip("`"))
            node = node["additionalProperties"]
        else:  # a repeated field (no index, no wildcard) or a scalar
            raise _cannot(path)
    return tuple(keys)


def mask_paths(
    mask: str, schema: str, updatable: Sequence[str], body: Mapping[str, Any] | None = None
) -> list[FieldPath]:
    """The field paths `mask` names on the resource `schema` ("<api>#<Schema>" of the discovery documents);
    `updatable` lists the top-level JSON fields a PATCH may change, 400 for a path outside them or one that
    cannot exist. An empty mask is 400 (required) unless `body` is given: then the updatable fields it
    sets to a non-empty value (AIP-134's implied mask; clearing a field needs a mask)."""
    named = paths(mask)
    if not named:
        if body is None:
            raise invalid_argument("update_mask is required.", "update_mask")
        return [(key,) for key in updatable if not _empty(body.get(key))]
    if named == ["*"]:
        return [(key,) for key in updatable]
    api, _, name = schema.partition("#")
    table = discovery.schemas(api)
    return [_resolve(path, table[name], table, updatable) for path in named]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | dict | list) and not value)


def apply_masked(resource: dict[str, Any], body: Mapping[str, Any], field_paths: list[FieldPath]) -> None:
    """Copy the fields `field_paths` name from `body` onto `resource`; one the body leaves empty is
    cleared, and a message or map left empty by that is dropped too (AIP-132: empty fields are omitted)."""
    for path in field_paths:
        value: Any = body
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if _empty(value):
            _clear(resource, path)
        else:
            target = resource
            for key in path[:-1]:
                if not isinstance(target.get(key), dict):
                    target[key] = {}
                target = target[key]
            target[path[-1]] = copy.deepcopy(value)


def _clear(resource: dict[str, Any], path: FieldPath) -> None:
    if len(path) == 1:
        resource.pop(path[0], None)
        return
    child = resource.get(path[0])
    if isinstance(child, dict):
        _clear(child, path[1:])
        if not child:
            resource.pop(path[0])
