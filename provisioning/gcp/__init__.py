"""The only code that talks to Google APIs: thin clients, retries, LRO waits, error translation.

Stable API (used by doctor/plan and the engine):
- `clients.Clients(connection)`: lazily built GAPIC REST clients (`.projects`, `.billing`, `.service_usage`,
  `.endpoints(loc)`, `.models(loc)`, `.model_garden(loc)`), `.call(fn, what)` (retry + translate) and
  `.rest(method, service, path, what, location=, json=)` for raw REST.
- `errors`: `translate(exc, what)` → `GoogleApiError` (status, reason, fix); `ErrorBody.parse`;
  `register_secret`.
- `retry`: `call(fn, what)`, `RetryPolicy`, `is_transient`, `retry_after`.
- `operations`: `OperationRef`, `get_operation`, `wait(clients, ref, what, deadline_s=)`, `OperationTimeout`.
- reads: `projects.get_project` (None when absent), `billing.get_billing_info`, `billing.get_billing_account`
  (None when unreachable; `.open`), `services.enabled_services`, `vertex.get_endpoint`,
  `vertex.list_endpoints(..., labels=)`, `vertex.eula_accepted`, `iam.get_service_account`.
"""
