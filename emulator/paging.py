"""List pagination as Google's list methods do it (AIP-158), for every emulated list route:

    items, next_token = paging.page(every_matching_item, request.query, query=f"{parent}|{filter}")
    return paging.reply("endpoints", items, next_token)

`pageSize` absent or 0 means the route's default, above its maximum the maximum; negative or not a whole
number is 400 INVALID_ARGUMENT. `pageToken` is opaque (base64 of the offset and a digest of the query it was
issued for): a token that is not ours, or that another query (parent, filter, order) issued, is 400; a page
size may change between pages. The reply carries `nextPageToken` only when more results follow and the
repeated field only when it has items, as Google's JSON omits empty fields.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from emulator.errors import invalid_argument

T = TypeVar("T")
DEFAULT_SIZE = 100
MAX_SIZE = 1000


def _digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]


def _token(offset: int, query: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{_digest(query)}".encode()).decode().rstrip("=")


def _offset(token: str, query: str) -> int:
    try:
        offset, _, digest = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(":")
        if not offset.isdigit() or digest != _digest(query):
            raise ValueError(token)
    except ValueError:
        raise invalid_argument(
            "Invalid page token: use the nextPageToken of a previous call with the same parameters.",
            "page_token",
        ) from None
    return int(offset)


def page_size(params: Mapping[str, str], default: int = DEFAULT_SIZE, maximum: int = MAX_SIZE) -> int:
    raw = params.get("pageSize") or "0"
    if not raw.lstrip("-").isdigit() or int(raw) < 0:
        raise invalid_argument(f"Invalid page_size {raw!r}: use a whole number >= 0.", "page_size")
    size = int(raw)
    return min(size, maximum) if size else default


def page(
    items: Sequence[T],
    params: Mapping[str, str],
    *,
    query: str,
    default: int = DEFAULT_SIZE,
    maximum: int = MAX_SIZE,
) -> tuple[list[T], str | None]:
    """The page of `items` that `pageSize` / `pageToken` in `params` ask for, and the next page's token."""
    size = page_size(params, default, maximum)
    token = params.get("pageToken") or ""
    start = _offset(token, query) if token else 0
    end = start + size
    return list(items[start:end]), (_token(end, query) if end < len(items) else None)


def reply(field: str, items: list[Any], next_token: str | None) -> dict[str, Any]:
    """A List…Response: the repeated field and nextPageToken, each only when non-empty."""
    body: dict[str, Any] = {}
    if items:
        body[field] = items
    if next_token:
        body["nextPageToken"] = next_token
    return body
