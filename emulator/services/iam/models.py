"""IAM v1 service accounts: `<accountId>@<project>.iam.gserviceaccount.com`, kept per project."""

from __future__ import annotations

import re
from typing import Any

from emulator import errors
from emulator.services.resourcemanager.models import etag_of, project_number, require_project
from emulator.state import EmulatorState, register_setting

# Knob for tests of concurrent creates: the next N creates lose to an identical create that lands first.
register_setting("concurrent_account_creates", 0)
ACCOUNTS = "service_accounts"  # "<project number>/<email>" → ServiceAccount
ACCOUNT_ID = re.compile(r"^[a-z]([-a-z0-9]{4,28}[a-z0-9])$")


def _key(number: str, email: str) -> str:
    return f"{number}/{email}"


def create(state: EmulatorState, project_ref: str, body: dict[str, Any]) -> dict[str, Any]:
    account_id = body.get("accountId", "")
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
        raise errors.invalid_argument(
            "Invalid account id: 6-30 lowercase letters, digits and hyphens, starting with a letter.",
            "account_id",
        )
    with state.store.transaction():
        project = require_project(state, project_ref, "iam.googleapis.com")
        number = project_number(project)
        email = f"{account_id}@{project['projectId']}.iam.gserviceaccount.com"
        taken = state.store.get(ACCOUNTS, _key(number, email)) is not None
        if not taken and state.take_one("concurrent_account_creates"):
            _store_account(state, project, number, email, body)  # the concurrent create, first
            taken = True
        if not taken:
            return _store_account(state, project, number, email, body)
    raise errors.already_exists(  # outside the transaction: a concurrent create stays
        f"Service account {account_id} already exists within project projects/{project['projectId']}."
    )


def _store_account(
    state: EmulatorState, project: dict[str, Any], number: str, email: str, body: dict[str, Any]
) -> dict[str, Any]:
    with state.store.transaction():
        details = body.get("serviceAccount") or {}
        unique_id = str(state.store.next_number("service_account_unique_id", 104_000_000_000_000_001))
        account = {
            "name": f"projects/{project['projectId']}/serviceAccounts/{email}",
            "projectId": project["projectId"],
            "uniqueId": unique_id,
            "email": email,
            "displayName": details.get("displayName", ""),
            "description": details.get("description", ""),
            "oauth2ClientId": unique_id,
        }
        account["etag"] = etag_of(account)
        state.store.put(ACCOUNTS, _key(number, email), account)
    return account


def get(state: EmulatorState, project_ref: str, account_ref: str) -> dict[str, Any]:
    """`account_ref` is the email or the unique id, as IAM accepts both."""
    project = require_project(state, project_ref, "iam.googleapis.com")
    for account in state.store.list(ACCOUNTS, project_number(project) + "/"):
        if account_ref in (account["email"], account["uniqueId"]):
            return account
    raise errors.not_found(f"Unknown service account: projects/{project_ref}/serviceAccounts/{account_ref}")


def list_accounts(state: EmulatorState, project_ref: str) -> list[dict[str, Any]]:
    project = require_project(state, project_ref, "iam.googleapis.com")
    return state.store.list(ACCOUNTS, project_number(project) + "/")
