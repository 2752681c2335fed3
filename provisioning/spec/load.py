"""Reading a spec: from a file (size and kind checked first) or from parsed data, into an EnvironmentSpec."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from provisioning.errors import SpecError
from provisioning.spec.environment import EnvironmentSpec
from provisioning.spec.messages import format_validation_error
from provisioning.spec.yaml_safe import DuplicateKeyError, NoAliasLoader

MAX_SPEC_BYTES = 1024 * 1024


def parse_spec(data: Any, source: str = "spec") -> EnvironmentSpec:
    """Validate already-parsed data (from YAML or Pulumi stack config)."""
    if data is None:
        raise SpecError(f"{source}: the spec is empty", fix="start from examples/dev.yaml")
    if not isinstance(data, dict):
        raise SpecError(
            f"{source}: the spec must be a mapping of keys to values, not a {type(data).__name__}",
            fix="start from examples/dev.yaml",
        )
    try:
        return EnvironmentSpec.model_validate(data)
    except ValidationError as error:
        raise format_validation_error(source, error) from None


def _regular_file_size(file: Path) -> int:
    """The size of `file`, or the SpecError that says what it is instead of a regular file."""
    fix = "pass --spec with the path of a YAML spec file"
    try:
        info = file.stat()
    except FileNotFoundError:
        if file.is_symlink():
            raise SpecError(f"{file}: a symbolic link to a missing file", fix=fix) from None
        raise SpecError(f"{file}: no such spec file", fix=fix) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SpecError(f"{file}: a symbolic link loop (it never reaches a file)", fix=fix) from None
        raise SpecError(f"{file}: cannot read the spec", error.strerror or str(error), fix) from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError(
            f"{file}: is a directory, not a spec file",
            fix=f"{fix} (only `provision apply` takes a folder of specs)",
        )
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "a device"
        )
        raise SpecError(f"{file}: not a regular file ({kind}); it is not read", fix=fix)
    return info.st_size


def load_spec(path: str | os.PathLike[str]) -> EnvironmentSpec:
    """Read, parse and validate a spec file; every failure is a `SpecError` (exit code 2)."""
    file = Path(path)
    size = _regular_file_size(file)
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            f"{file}: the spec is {size} bytes; the limit is {MAX_SPEC_BYTES}", fix="trim the file"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(f"{file}: not UTF-8 text ({error.reason})", fix="save the spec as UTF-8") from None
    try:
        data = yaml.load(text, Loader=NoAliasLoader)
    except DuplicateKeyError as error:
        raise SpecError(
            f"{file}: {error}",
            "YAML keeps only the last value of a repeated key, so the first would be silently ignored",
            f"keep one {error.key!r} (merge the two into one)",
        ) from None
    except yaml.YAMLError as error:
        raise SpecError(
            f"{file}: not valid YAML", str(error), "fix the YAML syntax at the line shown"
        ) from None
    return parse_spec(data, str(file))
