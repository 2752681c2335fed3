"""The AIP-160 filter subset Vertex users rely on for endpoints.list: terms joined by AND, each
`labels.K=V`, `labels.K:*` (has the label), `labels.K:V` or `display_name=V` (values quoted or bare)."""

from __future__ import annotations

import re
from typing import Any

from emulator.errors import invalid_argument

Term = tuple[str, str, str]  # (field, operator, value)

_FILTER_TERM = re.compile(
    r'^\s*(?:labels\.(?P<label>[\w.-]+)\s*(?P<op>[=:])\s*(?P<lvalue>"[^"]*"|[^\s"]+)'
    r'|(?:display_name|displayName)\s*=\s*(?P<dvalue>"[^"]*"|[^\s"]+))\s*$'
)


def parse_filter(text: str) -> list[Term]:
    """The filter's terms; 400 INVALID_ARGUMENT for anything outside the subset."""
    terms = []
    for term in re.split(r"\s+AND\s+", text.strip()) if text.strip() else []:
        found = _FILTER_TERM.match(term)
        if not found:
            raise invalid_argument(f"Unsupported filter: {term!r}.", "filter")
        if found["label"]:
            terms.append((f"labels.{found['label']}", found["op"], found["lvalue"].strip('"')))
        else:
            terms.append(("displayName", "=", found["dvalue"].strip('"')))
    return terms


def matches(resource: dict[str, Any], terms: list[Term]) -> bool:
    for field, op, value in terms:
        if field == "displayName":
            actual = resource.get("displayName")
        else:
            labels = resource.get("labels", {})
            key = field.removeprefix("labels.")
            if op == ":" and value == "*":
                if key not in labels:
                    return False
                continue
            actual = labels.get(key)
        if actual != value:
            return False
    return True
