"""Mask secrets (access tokens, Hugging Face tokens) in text we print or write.

A long secret is masked wherever it occurs: nothing else contains a 40-character token by chance. A short
one is masked only where it stands alone, between characters that cannot be part of a token, so that a
four-letter dev token like "tok1" leaves "tok10" and "stock1" readable while "Bearer tok1" is still masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"
ANYWHERE_MIN_LENGTH = 16
_TOKEN_CHARS = r"A-Za-z0-9._~-"


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
