"""`pulumi up` entry point (Pulumi.yaml: `main: infra/`)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pulumi

from infra.program import stack_main

stack_main(pulumi.Config(), Path(pulumi.get_root_directory()), os.environ, datetime.now(UTC))
