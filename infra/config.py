"""Where the program finds its spec: the stack config, inline (`vertex-bootstrap:spec`) or as a file path.

A relative `specFile` is taken from the project root (where Pulumi.yaml is), so `examples/dev.yaml` works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from provisioning.errors import SpecError
from provisioning.spec import EnvironmentSpec, load_spec, parse_spec

NAMESPACE = "vertex-bootstrap"


class StackConfig(Protocol):
    def get(self, key: str) -> str | None: ...
    def get_object(self, key: str) -> object | None: ...


def spec_from_config(config: StackConfig, root: Path) -> EnvironmentSpec:
    inline = config.get_object("spec")
    path = config.get("specFile")
    if inline is not None and path:
        raise SpecError(
            f"the stack config sets both {NAMESPACE}:spec and {NAMESPACE}:specFile",
            fix=f"keep one: pulumi config rm {NAMESPACE}:spec (or {NAMESPACE}:specFile)",
        )
    if inline is not None:
        return parse_spec(inline, f"stack config {NAMESPACE}:spec")
    if path:
        return load_spec(root / path)
    raise SpecError(
        "the stack config names no environment spec",
        fix=f"pulumi config set {NAMESPACE}:specFile examples/dev.yaml",
    )
