"""`caller:`: the service account applications call as, and the GitHub workload identity for CI."""

from __future__ import annotations

import re
from typing import Annotated

from provisioning.spec.fields import Strict, matches

_SERVICE_ACCOUNT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
# Workload identity pool and provider ids: 4-32 characters, and the prefix gcp- is Google's.
_WIF_ID = re.compile(r"^(?!gcp-)[a-z][a-z0-9-]{2,30}[a-z0-9]$")


WorkloadIdentityId = Annotated[
    str,
    matches(_WIF_ID, "4-32 lowercase letters, digits or hyphens, starting with a letter, not with gcp-"),
]


class WorkloadIdentitySpec(Strict):
    github_repository: Annotated[str, matches(_GITHUB_REPO, "OWNER/REPOSITORY on GitHub")]
    pool_id: WorkloadIdentityId = "ci-pool"
    provider_id: WorkloadIdentityId = "github"


class CallerSpec(Strict):
    service_account_id: Annotated[
        str, matches(_SERVICE_ACCOUNT_ID, "6-30 lowercase letters, digits or hyphens, starting with a letter")
    ] = "llm-caller"
    workload_identity: WorkloadIdentitySpec | None = None
