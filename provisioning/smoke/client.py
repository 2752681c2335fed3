"""The openai SDK client the way an application should build it for Vertex AI: a Google access token that
is asked for on every request (so it refreshes itself) and, on a 401, refreshed once and the request retried.

The openai SDK sends requests through `httpx2` (its own fork of httpx), so the token hook is an `httpx2.Auth`
on the SDK's `http_client`. The SDK's `api_key` is a fixed placeholder: the hook replaces the header it makes.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass, field

import httpx2
import openai

from provisioning.auth import TokenSource

# Never a credential: the SDK insists on an api_key; GoogleTokenAuth overwrites the header it produces.
_PLACEHOLDER_API_KEY = "google-access-token-from-auth-hook"


class GoogleTokenAuth(httpx2.Auth):
    """Bearer token from a `provisioning.auth` token source; one refresh and retry on 401."""

    def __init__(self, source: TokenSource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self.refreshes = 0
        self.issued: set[str] = set()  # every token handed out, so reports can be scrubbed of them

    def current(self, *, refresh: bool = False) -> str:
        with self._lock:
            token = self._source.token(refresh=refresh)
            self.issued.add(token)
            if refresh:
                self.refreshes += 1
            return token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.current()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.current(refresh=True)}"
            yield request


@dataclass
class WireLog:
    """HTTP statuses seen on the wire, in order: shows retries (429 → 200) and refreshes (401 → 200)."""

    statuses: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, response: httpx2.Response) -> None:
        with self._lock:
            self.statuses.append(response.status_code)

    def mark(self) -> int:
        with self._lock:
            return len(self.statuses)

    def since(self, mark: int) -> list[int]:
        with self._lock:
            return self.statuses[mark:]


@dataclass
class ChatClient:
    """An SDK client plus what it observed; `auth` is None for targets that take no Google token."""

    sdk: openai.OpenAI
    auth: GoogleTokenAuth | None
    wire: WireLog

    def close(self) -> None:
        self.sdk.close()


def build_chat_client(
    base_url: str,
    source: TokenSource | None,
    *,
    timeout: float = 60.0,
    max_retries: int = 2,
    auth: GoogleTokenAuth | None = None,
) -> ChatClient:
    """A client for one base URL. Pass `auth` to share one token hook (and its refresh count)."""
    if auth is None and source is not None:
        auth = GoogleTokenAuth(source)
    wire = WireLog()
    http_client = httpx2.Client(
        auth=auth,
        timeout=timeout,
        event_hooks={"response": [wire.record]},
        limits=httpx2.Limits(max_connections=256, max_keepalive_connections=64),
    )
    sdk = openai.OpenAI(
        base_url=base_url.rstrip("/"),
        api_key=_PLACEHOLDER_API_KEY,
        http_client=http_client,
        max_retries=max_retries,
        timeout=timeout,
    )
    return ChatClient(sdk=sdk, auth=auth, wire=wire)


def without_token(client: ChatClient) -> openai.OpenAI:
    """The same endpoint without the token hook. Send with `extra_headers=NO_AUTHORIZATION` so the SDK's
    placeholder header is dropped too: what an unauthenticated caller sends."""
    bare = httpx2.Client(timeout=client.sdk.timeout, event_hooks={"response": [client.wire.record]})
    return openai.OpenAI(
        base_url=str(client.sdk.base_url).rstrip("/"),
        api_key=_PLACEHOLDER_API_KEY,
        http_client=bare,
        max_retries=0,
    )


NO_AUTHORIZATION = {"Authorization": openai.omit}
