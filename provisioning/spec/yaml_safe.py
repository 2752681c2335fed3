"""The YAML loader of specs: safe, and without aliases, deep nesting or repeated keys."""

from __future__ import annotations

from typing import Any

import yaml

MAX_YAML_DEPTH = 32  # a spec nests 4 levels; deeper input is an attack on the parser's recursion


class DuplicateKeyError(yaml.YAMLError):
    """A mapping repeats a key: YAML would silently keep the last value (a second `project:` block wins)."""

    def __init__(self, key: Any, first_line: int, second_line: int) -> None:
        self.key, self.first_line, self.second_line = key, first_line, second_line
        super().__init__(f"key {key!r} is given twice (lines {first_line} and {second_line})")


class NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases (how YAML bombs work), without deep nesting (which would
    exhaust Python's recursion limit) and without repeated keys: a spec never needs any of them."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(
                f"YAML aliases (*name) are not allowed in a spec (line {event.start_mark.line + 1})"
            )
        if self._depth >= MAX_YAML_DEPTH:
            line = self.peek_event().start_mark.line + 1
            raise yaml.YAMLError(f"the spec nests deeper than {MAX_YAML_DEPTH} levels (line {line})")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first_lines:
                raise DuplicateKeyError(key, first_lines[key], line)
            first_lines[key] = line
        return super().construct_mapping(node, deep)
