"""Where an environment's state lives: a local file, or `gs://BUCKET/PREFIX` in Cloud Storage. Pure parsing
(no I/O), shared by spec validation and the state backends, so a bad location is refused before any call."""

from __future__ import annotations

import re
from dataclasses import dataclass

from provisioning.errors import BadInputError

GS_SCHEME = "gs://"
# Cloud Storage bucket names: 3-63 characters of lowercase letters, digits, '-', '_' and '.', starting and
# ending with a letter or digit (dotted names may be longer, up to 222; we accept 3-222).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")
_EXAMPLE = "gs://acme-provision-state/envs"


@dataclass(frozen=True)
class GcsLocation:
    bucket: str
    prefix: str  # "" or "a/b" (no leading or trailing slash)

    def object_name(self, project_id: str, suffix: str) -> str:
        name = f"{project_id}.{suffix}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def url(self, project_id: str, suffix: str) -> str:
        return f"{GS_SCHEME}{self.bucket}/{self.object_name(project_id, suffix)}"


def is_gcs(value: str) -> bool:
    return value.startswith(GS_SCHEME)


def parse_gcs(value: str) -> GcsLocation:
    """`gs://BUCKET[/PREFIX]` → its parts; BadInputError (exit 2) when the bucket is missing or malformed."""
    bucket, _, prefix = value[len(GS_SCHEME) :].partition("/")
    if not bucket:
        raise BadInputError(
            f"state {value!r} names no bucket",
            "a Cloud Storage state location is gs://BUCKET/PREFIX",
            f"e.g. --state {_EXAMPLE} (or `state: {_EXAMPLE}` in the spec)",
        )
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise BadInputError(
            f"state {value!r}: {bucket!r} is not a Cloud Storage bucket name",
            "bucket names are 3-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a "
            "letter or digit",
            f"e.g. --state {_EXAMPLE}",
        )
    parts = [p for p in prefix.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise BadInputError(
            f"state {value!r}: the prefix may not contain '.' or '..'", fix=f"e.g. --state {_EXAMPLE}"
        )
    return GcsLocation(bucket, "/".join(parts))


def check_state_location(value: str) -> str:
    """Validate a `--state` / `state:` value: a gs:// URL with a valid bucket, or a non-empty path."""
    if is_gcs(value):
        parse_gcs(value)
    elif not value.strip():
        raise BadInputError("state location is empty", fix=f"give a file path or e.g. {_EXAMPLE}")
    return value
