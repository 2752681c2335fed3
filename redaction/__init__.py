"""Mask secrets (access tokens, Hugging Face tokens) in text we print or write, and find the secrets a
Google request body carries: the one rule the `provision` CLI, the Pulumi program and the emulator's request
log share (a package of its own because the emulator imports nothing from provisioning/).

`mask(text, secrets)` / `mask_all(value, secrets)` mask known values. A long secret is masked wherever it
occurs: nothing else contains a 40-character token by chance. A short one is masked only where it stands
alone, between characters that cannot be part of a token, so that a four-letter dev token like "tok1"
leaves "tok10" and "stock1" readable while "Bearer tok1" is still masked. `secrets_in(value)` finds the
secrets of a JSON value by where and what they are, for the emulator, which is told no values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"
ANYWHERE_MIN_LENGTH = 16
_TOKEN_CHARS = r"A-Za-z0-9._~-"
# A Hugging Face user access token: "hf_" and 34 letters today; fine-grained and older ones vary, so the
# length is loose.
HF_TOKEN = re.compile(r"hf_[A-Za-z0-9_]{8,250}")
_HF_TOKEN_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9_]){HF_TOKEN.pattern}(?![A-Za-z0-9_])")
# JSON fields of Google request bodies whose value is a secret whatever it looks like.
SECRET_FIELDS = frozenset({"huggingFaceAccessToken"})


def mask(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        if len(secret) >= ANYWHERE_MIN_LENGTH:
            text = text.replace(secret, REDACTED)
        else:
            text = re.sub(rf"(?<![{_TOKEN_CHARS}]){re.escape(secret)}(?![{_TOKEN_CHARS}])", REDACTED, text)
    return text


def mask_all(value: Any, secrets: Iterable[str]) -> Any:
    """`mask` every string inside nested dicts, lists and tuples (tuples come back as lists)."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return mask(value, secrets)
    if isinstance(value, dict):
        return {k: mask_all(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_all(v, secrets) for v in value]
    return value


def secrets_in(value: Any) -> set[str]:
    """The secrets inside a JSON value: each string under a SECRET_FIELDS key, and each Hugging Face token
    standing in any string."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(_HF_TOKEN_IN_TEXT.findall(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_FIELDS and isinstance(item, str) and item:
                found.add(item)
            found |= secrets_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= secrets_in(item)
    return found


def fingerprint(secret: str) -> str:
    """A short digest that tells secrets apart without revealing them (e.g. "sha256:1f0c...", 16 hex)."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]
