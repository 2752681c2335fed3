"""`Clients`: the GAPIC REST clients (created lazily, Vertex ones per location) plus raw REST for the calls no
GAPIC client has (Model Garden `:enableModel`, EULA check/accept, IAM service accounts, operation polling).

Every call made through `Clients.call` / `Clients.rest` is retried on transient failures and translated into a
`GoogleApiError`. One `Clients` is safe to share between threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from provisioning.errors import GoogleApiError
from provisioning.gcp import retry
from provisioning.gcp.connection import Connection
from provisioning.gcp.errors import register_secret
from provisioning.gcp.lazy import lazy_module

if TYPE_CHECKING:
    from google.cloud import (
        aiplatform_v1,
        aiplatform_v1beta1,
        billing_v1,
        resourcemanager_v3,
        service_usage_v1,
    )
else:
    aiplatform_v1 = lazy_module("google.cloud.aiplatform_v1")
    aiplatform_v1beta1 = lazy_module("google.cloud.aiplatform_v1beta1")
    billing_v1 = lazy_module("google.cloud.billing_v1")
    resourcemanager_v3 = lazy_module("google.cloud.resourcemanager_v3")
    service_usage_v1 = lazy_module("google.cloud.service_usage_v1")

T = TypeVar("T")

REST_TIMEOUT_S = 60.0


class Clients:
    def __init__(self, connection: Connection, policy: retry.RetryPolicy = retry.DEFAULT_POLICY) -> None:
        self.connection = connection
        self.policy = policy
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str | None], Any] = {}
        self._credentials: Any = None
        self._http: httpx.Client | None = None

    # -- GAPIC clients -------------------------------------------------------------------------------------
    def _client(self, kind: str, location: str | None, factory: Callable[..., T], service: str) -> T:
        key = (kind, location)
        with self._lock:
            if key not in self._cache:
                if self._credentials is None:
                    self._credentials = self.connection.credentials()
                    register_secret(self._credentials.token)
                self._cache[key] = factory(
                    transport="rest",
                    client_options=self.connection.client_options(service, location),
                    credentials=self._credentials,
                )
            return self._cache[key]  # type: ignore[no-any-return]

    @property
    def projects(self) -> resourcemanager_v3.ProjectsClient:
        return self._client("projects", None, resourcemanager_v3.ProjectsClient, "cloudresourcemanager")

    @property
    def billing(self) -> billing_v1.CloudBillingClient:
        return self._client("billing", None, billing_v1.CloudBillingClient, "cloudbilling")

    @property
    def service_usage(self) -> service_usage_v1.ServiceUsageClient:
        return self._client("serviceusage", None, service_usage_v1.ServiceUsageClient, "serviceusage")

    def endpoints(self, location: str) -> aiplatform_v1.EndpointServiceClient:
        return self._client("endpoints", location, aiplatform_v1.EndpointServiceClient, "aiplatform")

    def models(self, location: str) -> aiplatform_v1.ModelServiceClient:
        return self._client("models", location, aiplatform_v1.ModelServiceClient, "aiplatform")

    def model_garden(self, location: str) -> aiplatform_v1beta1.ModelGardenServiceClient:
        return self._client(
            "model_garden", location, aiplatform_v1beta1.ModelGardenServiceClient, "aiplatform"
        )

    # -- calls ---------------------------------------------------------------------------------------------
    def call(self, fn: Callable[[], T], what: str, *, project: str | None = None) -> T:
        """Run one GAPIC call with retries; failures become `GoogleApiError` naming `what`."""
        return retry.call(fn, what, project=project, policy=self.policy)

    def rest(
        self,
        method: str,
        service: str,
        path: str,
        what: str,
        *,
        location: str | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
        project: str | None = None,
    ) -> Any:
        """A raw REST call, retried (reads and idempotent writes: creates use `create`); `path` starts with
        the API version (`/v1beta1/projects/...`). Returns JSON."""
        return retry.call(
            lambda: self.send_once(method, service, path, location=location, json=json, params=params),
            what,
            project=project,
            policy=self.policy,
        )

    def send_once(
        self,
        method: str,
        service: str,
        path: str,
        *,
        location: str | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """One REST attempt (a 401 is tried once more with a fresh token: it was not served); raises what
        failed, untranslated. The `send` of a `create`."""
        url = self.connection.base_url(service, location) + path
        response = self._send(method, url, json, params, refresh=False)
        if response.status_code == 401:
            response = self._send(method, url, json, params, refresh=True)
        response.raise_for_status()
        return response.json() if response.content else {}

    def create(
        self, send: Callable[[], T], exists: Callable[[], bool], what: str, *, project: str | None = None
    ) -> T | None:
        """Every create goes through here: `retry.create_once` (read back before sending again; None when
        the resource exists already)."""
        return retry.create_once(send, exists, what, project=project, policy=self.policy)

    def get_or_none(
        self, service: str, path: str, what: str, *, location: str | None = None, project: str | None = None
    ) -> Any:
        """A REST read that answers None when the resource does not exist (HTTP 404)."""
        try:
            return self.rest("GET", service, path, what, location=location, project=project)
        except GoogleApiError as error:
            if error.status_code == 404:
                return None
            raise

    def _send(
        self, method: str, url: str, json: Any, params: dict[str, str] | None, *, refresh: bool
    ) -> httpx.Response:
        token = self.connection.token_source.token(refresh=refresh)
        register_secret(token)
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(timeout=REST_TIMEOUT_S)
            http = self._http
        return http.request(
            method, url, json=json, params=params, headers={"Authorization": f"Bearer {token}"}
        )

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None
            for client in self._cache.values():
                client.transport.close()
            self._cache.clear()
