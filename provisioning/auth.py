"""Where the Google access token comes from, in the design's order:
`--access-token-file`, then `CLOUDSDK_AUTH_ACCESS_TOKEN` (gcloud's own convention), then Application Default
Credentials. Every source can be asked again for a fresh token; none is ever printed or logged.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from provisioning.errors import BadInputError, ProvisionError

# google.auth is imported where a token is first needed (it pulls requests and cryptography): commands that
# never reach Google, such as `--version` and `validate`, start without it.
if TYPE_CHECKING:
    import google.auth.credentials
    import google.oauth2.credentials

ENV_ACCESS_TOKEN = "CLOUDSDK_AUTH_ACCESS_TOKEN"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
# A file or variable token has no known expiry: treat it as short-lived so clients re-read it.
_UNKNOWN_EXPIRY = timedelta(minutes=5)


class TokenSource(Protocol):
    description: str

    def token(self, *, refresh: bool = False) -> str: ...


class FileTokenSource:
    """Re-reads the file on refresh, so a rotated token file is picked up without a restart."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.description = f"access token file {self.path}"
        self._cached: str | None = None

    def token(self, *, refresh: bool = False) -> str:
        if self._cached is None or refresh:
            try:
                value = self.path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise BadInputError(
                    f"cannot read the access token file {self.path}",
                    error.strerror or str(error),
                    "pass --access-token-file with a readable file holding one token",
                ) from None
            if not value:
                raise BadInputError(
                    f"the access token file {self.path} is empty",
                    fix="write a token into it, e.g. `gcloud auth print-access-token > FILE`",
                )
            self._cached = value
        return self._cached


class EnvTokenSource:
    def __init__(self, variable: str = ENV_ACCESS_TOKEN) -> None:
        self.variable = variable
        self.description = f"environment variable {variable}"

    def token(self, *, refresh: bool = False) -> str:
        value = os.environ.get(self.variable, "").strip()
        if not value:
            raise BadInputError(
                f"{self.variable} is empty", fix=f"export {self.variable}=$(gcloud auth print-access-token)"
            )
        return value


class AdcTokenSource:
    """Application Default Credentials, refreshed by google-auth when they near expiry."""

    description = "Application Default Credentials"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._credentials: google.auth.credentials.Credentials | None = None

    def token(self, *, refresh: bool = False) -> str:
        import google.auth
        import google.auth.transport.requests

        with self._lock:
            if self._credentials is None:
                try:
                    self._credentials, _ = google.auth.default(scopes=list(SCOPES))
                except google.auth.exceptions.DefaultCredentialsError as error:
                    raise ProvisionError(
                        "no Google credentials found",
                        str(error).splitlines()[0],
                        "run `gcloud auth application-default login`, or pass --access-token-file",
                    ) from None
            creds = self._credentials
            if refresh or not creds.valid:
                creds.refresh(google.auth.transport.requests.Request())
            assert creds.token
            return str(creds.token)


def resolve_token_source(access_token_file: str | os.PathLike[str] | None = None) -> TokenSource:
    if access_token_file:
        return FileTokenSource(access_token_file)
    if os.environ.get(ENV_ACCESS_TOKEN, "").strip():
        return EnvTokenSource()
    return AdcTokenSource()


def google_credentials(source: TokenSource) -> google.oauth2.credentials.Credentials:
    """Credentials for the google-cloud clients that ask `source` again whenever they refresh."""
    import google.oauth2.credentials

    def refresh_handler(request: object, scopes: object) -> tuple[str, datetime]:
        expiry = datetime.now(UTC).replace(tzinfo=None) + _UNKNOWN_EXPIRY
        return source.token(refresh=True), expiry

    return google.oauth2.credentials.Credentials(
        token=source.token(), refresh_handler=refresh_handler, scopes=list(SCOPES)
    )
