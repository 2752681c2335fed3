"""Cloud Billing v1 state and rules: billing accounts (seeded) and each project's billing link.

`require_billing_enabled(state, project, service)` is the guard billable APIs call (403 BILLING_DISABLED,
gcp-wire.md §4b). Linking a closed account fails with 400 FAILED_PRECONDITION "Precondition check failed."
(the generic text gcloud shows for billing link preconditions).
"""

from __future__ import annotations

import re
from typing import Any

from emulator import errors
from emulator.services.resourcemanager.models import (
    PROJECT_SEED_HOOKS,
    caller_cannot_see,
    find_project,
    project_number,
    require_project,
)
from emulator.state import EmulatorState

ACCOUNTS = "billing_accounts"
LINKS = "billing_links"  # project number → {"billingAccountName"}
ACCOUNT_NAME = re.compile(r"^billingAccounts/[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")
WIRE_FIELDS = ("name", "open", "displayName", "masterBillingAccount", "parent", "currencyCode")


def account_wire(account: dict[str, Any]) -> dict[str, Any]:
    return {key: account[key] for key in WIRE_FIELDS if key in account}


def get_account(state: EmulatorState, name: str) -> dict[str, Any]:
    if not ACCOUNT_NAME.match(name):
        raise errors.invalid_argument(f"Invalid billing account name '{name}'.", "name")
    account = state.store.get(ACCOUNTS, name)
    if account is None:
        raise errors.permission_denied("The caller does not have permission")
    return account_wire(account)


def list_accounts(state: EmulatorState) -> list[dict[str, Any]]:
    return [account_wire(account) for account in state.store.list(ACCOUNTS)]


def billing_info(state: EmulatorState, id_or_number: str) -> dict[str, Any]:
    project = find_project(state, id_or_number)
    if project is None:
        raise caller_cannot_see()
    link = state.store.get(LINKS, project_number(project)) or {}
    account_name = link.get("billingAccountName", "")
    account = state.store.get(ACCOUNTS, account_name) if account_name else None
    return {
        "name": f"projects/{project['projectId']}/billingInfo",
        "projectId": project["projectId"],
        "billingAccountName": account_name,
        "billingEnabled": bool(account and account.get("open")),
    }


def update_billing_info(state: EmulatorState, id_or_number: str, account_name: str) -> dict[str, Any]:
    """Link (or with "" unlink) a billing account."""
    with state.store.transaction():
        project = require_project(state, id_or_number)
        if account_name:
            get_account(state, account_name)
            account = state.store.get(ACCOUNTS, account_name) or {}
            if not account.get("open"):
                raise errors.failed_precondition("Precondition check failed.")
            state.store.put(LINKS, project_number(project), {"billingAccountName": account_name})
        else:
            state.store.delete(LINKS, project_number(project))
        return billing_info(state, id_or_number)


def billing_enabled(state: EmulatorState, project: dict[str, Any]) -> bool:
    return bool(billing_info(state, project["projectId"])["billingEnabled"])


def require_billing_enabled(state: EmulatorState, id_or_number: str, service: str) -> dict[str, Any]:
    """The ACTIVE project when an open billing account is linked; else 403 BILLING_DISABLED."""
    project = require_project(state, id_or_number, service)
    if not billing_enabled(state, project):
        raise errors.billing_disabled(project_number(project), service)
    return project


def _seed_billing(state: EmulatorState, item: dict[str, Any]) -> None:
    if item.get("billingAccountName"):
        project = require_project(state, item["projectId"])
        state.store.put(LINKS, project_number(project), {"billingAccountName": item["billingAccountName"]})


PROJECT_SEED_HOOKS.append(_seed_billing)
