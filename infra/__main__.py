"""`pulumi up` entry point: read the spec from stack config, build the stack, export the outputs contract."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pulumi

from infra.config import spec_from_config
from infra.program import build
from provisioning.errors import ProvisionError


def main() -> None:
    try:
        spec = spec_from_config(pulumi.Config(), Path(pulumi.get_root_directory()))
        outputs = build(spec, os.environ, datetime.now(UTC))
    except ProvisionError as error:
        # RunError: Pulumi prints the message alone (no traceback) and registers nothing.
        raise pulumi.RunError(error.render()) from None
    for key, value in outputs.items():
        pulumi.export(key, value)


main()
