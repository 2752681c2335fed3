"""The project (Cloud Resource Manager v3 `Project`) and its billing link (Cloud Billing
`ProjectBillingInfo`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provisioning.desired.labels import resource_labels
from provisioning.spec import EnvironmentSpec


def project(spec: EnvironmentSpec, now: datetime) -> dict[str, Any] | None:
    """The `projects.create` body; None for an adopted project (used as it is, never created, never
    relabelled)."""
    if spec.project.adopt:
        return None
    body: dict[str, Any] = {
        "projectId": spec.project.id,
        "displayName": spec.project.display_name or spec.project.id,
        "labels": resource_labels(spec, now),
    }
    if spec.project.parent:
        body["parent"] = spec.project.parent
    return body


def billing_info(spec: EnvironmentSpec) -> dict[str, Any] | None:
    """The `projects.updateBillingInfo` body; None when the spec names no account (adopted as billed)."""
    account = spec.project.billing_account  # the spec normalises it to billingAccounts/XXXXXX-XXXXXX-XXXXXX
    return {"billingAccountName": account} if account else None
