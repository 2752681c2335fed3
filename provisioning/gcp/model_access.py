"""Can this project call a Model Garden model? What can be read, and an explicit probe for the rest.

Google has no read for MaaS enablement (`:enableModel` is create-only, gcp-wire.md §2). What we can read is
the publisher model itself (does it exist, where is it served). Whether the project may call it is only
learnt by calling it: `probe_chat` sends one chat completion of one token, which answers 400
FAILED_PRECONDITION "... is not allowed to use Publisher Model ..." when the model is not enabled
(gcp-wire.md §4c). The probe costs a token, so callers run it only when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provisioning.errors import GoogleApiError
from provisioning.gcp.clients import Clients

NOT_ALLOWED = "is not allowed to use Publisher Model"
LOOKUP_LOCATION = "us-central1"  # publisher models are global resources; any regional host serves them


def get_publisher_model(clients: Clients, publisher_model: str) -> dict[str, Any] | None:
    """The PublisherModel (`publishers/P/models/M[@V]`), or None when Model Garden does not know it."""
    found: dict[str, Any] | None = clients.get_or_none(
        "aiplatform",
        f"/v1beta1/{publisher_model}",
        f"read publisher model {publisher_model}",
        location=LOOKUP_LOCATION,
    )
    return found


@dataclass(frozen=True)
class ProbeResult:
    enabled: bool | None  # None: the probe failed for another reason (see error)
    error: GoogleApiError | None = None


def probe_chat(clients: Clients, project: str, location: str, model: str) -> ProbeResult:
    """One 1-token chat completion on the OpenAI-compatible route: enabled, not enabled, or unknown."""
    try:
        clients.rest(
            "POST",
            "aiplatform",
            f"/v1/projects/{project}/locations/{location}/endpoints/openapi/chat/completions",
            f"probe {model} with a 1-token chat completion",
            location=location,
            json={"model": model, "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1},
            project=project,
        )
    except GoogleApiError as error:
        if error.status == "FAILED_PRECONDITION" and NOT_ALLOWED in error.why + error.what:
            return ProbeResult(enabled=False, error=error)
        return ProbeResult(enabled=None, error=error)
    return ProbeResult(enabled=True)
