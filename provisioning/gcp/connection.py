"""Which host each Google API is reached at, and with which credentials.

One setting points every host at the emulator: `PROVISION_API_ENDPOINT` or `--api-endpoint`
(e.g. http://127.0.0.1:8790). REST transport everywhere, so the override reaches the GAPIC clients too.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from provisioning.auth import TokenSource, google_credentials, resolve_token_source
from provisioning.errors import BadInputError

if TYPE_CHECKING:
    from google.api_core.client_options import ClientOptions

ENV_API_ENDPOINT = "PROVISION_API_ENDPOINT"
REACH_TIMEOUT_S = 3.0

# service short name → public host (Vertex AI is regional and handled apart).
PUBLIC_HOSTS = {
    "cloudresourcemanager": "https://cloudresourcemanager.googleapis.com",
    "cloudbilling": "https://cloudbilling.googleapis.com",
    "serviceusage": "https://serviceusage.googleapis.com",
    "iam": "https://iam.googleapis.com",
    "cloudquotas": "https://cloudquotas.googleapis.com",
    "monitoring": "https://monitoring.googleapis.com",
    "billingbudgets": "https://billingbudgets.googleapis.com",
}


def validate_api_endpoint(value: str) -> str:
    """Accept http(s)://host[:port] with nothing else; raise BadInputError (exit 2) otherwise."""
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
    ):
        raise BadInputError(
            f"--api-endpoint / {ENV_API_ENDPOINT} {value!r} is not a base URL",
            "it must be http(s)://HOST[:PORT] with no path",
            "e.g. --api-endpoint http://127.0.0.1:8790 (what `provision emulator` prints)",
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise BadInputError(
            f"--api-endpoint {value!r} has an invalid port", fix="use a port from 1 to 65535"
        ) from None
    return value.rstrip("/")


def resolve_api_endpoint(flag: str | None) -> str | None:
    """`--api-endpoint`, else `PROVISION_API_ENDPOINT`, validated; None means Google itself."""
    endpoint = flag or os.environ.get(ENV_API_ENDPOINT) or None
    return validate_api_endpoint(endpoint) if endpoint else None


@dataclass
class Connection:
    """Endpoint override plus token source: everything a client needs to reach Google (or the emulator)."""

    api_endpoint: str | None = None
    token_source: TokenSource = field(default_factory=resolve_token_source)

    @classmethod
    def from_settings(
        cls, api_endpoint: str | None = None, access_token_file: str | None = None
    ) -> Connection:
        return cls(
            api_endpoint=resolve_api_endpoint(api_endpoint),
            token_source=resolve_token_source(access_token_file),
        )

    @property
    def is_emulated(self) -> bool:
        return self.api_endpoint is not None

    def base_url(self, service: str, location: str | None = None) -> str:
        """Base URL (scheme and host) for raw REST calls to `service`."""
        if self.api_endpoint:
            return self.api_endpoint
        if service == "aiplatform":
            if not location or location == "global":
                return "https://aiplatform.googleapis.com"
            return f"https://{location}-aiplatform.googleapis.com"
        return PUBLIC_HOSTS[service]

    def client_options(self, service: str, location: str | None = None) -> ClientOptions:
        """GAPIC client options; plain http:// works as api_endpoint for the REST transport."""
        from google.api_core.client_options import ClientOptions  # on first client: google.api_core is heavy

        return ClientOptions(api_endpoint=self.base_url(service, location))

    def check_reachable(self, timeout_s: float = REACH_TIMEOUT_S) -> None:
        """With an endpoint override, one TCP connect before any call: nothing listening there (a stopped
        emulator, a wrong port) fails in seconds with the address and the fix, not after two minutes of
        retries that end in "a transient Google error"."""
        if not self.api_endpoint:
            return
        parts = urlsplit(self.api_endpoint)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
        except OSError as error:
            raise BadInputError(
                f"nothing is listening at {self.api_endpoint} ({ENV_API_ENDPOINT} / --api-endpoint)",
                f"connecting to {host}:{port} failed: {error.strerror or error}",
                f"start the emulator there (`provision emulator --port {port}`), correct the address, or "
                f"unset {ENV_API_ENDPOINT} to talk to Google Cloud",
            ) from None

    def credentials(self):  # type: ignore[no-untyped-def]
        return google_credentials(self.token_source)
