"""Cloud Billing Budget API v1 state and rules: budgets per billing account, named
`billingAccounts/ACCOUNT/budgets/UUID`.

Rules kept from Google's reference: the account must be one the caller can see; `amount` is required and
its currency must be the account's; `budgetFilter.projects` entries are `projects/NUMBER` (numbers, not ids);
each threshold rule has a positive `thresholdPercent`. Reads fill the defaults Google reports
(creditTypesTreatment INCLUDE_ALL_CREDITS, calendarPeriod MONTH, spendBasis CURRENT_SPEND).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from emulator import errors, update_mask
from emulator.services.billing.models import ACCOUNTS, get_account
from emulator.services.resourcemanager.models import etag_of
from emulator.state import EmulatorState

BUDGETS = "budgets"  # "<account name>/budgets/<id>" → Budget
PROJECT_FILTER = re.compile(r"^projects/\d+$")
UPDATABLE = ("displayName", "budgetFilter", "amount", "thresholdRules", "notificationsRule", "ownershipScope")
SCHEMA = "billingbudgets.v1#GoogleCloudBillingBudgetsV1Budget"


def _check(state: EmulatorState, account: str, budget: dict[str, Any]) -> None:
    money = (budget.get("amount") or {}).get("specifiedAmount")
    if not budget.get("amount"):
        raise errors.invalid_argument("Budget amount must be set.", "budget.amount")
    if money is not None:
        currency = (state.store.get(ACCOUNTS, account) or {}).get("currencyCode", "USD")
        if money.get("currencyCode", currency) != currency:
            raise errors.invalid_argument(
                f"The budget currency must match the billing account currency ({currency}).",
                "budget.amount.specified_amount.currency_code",
            )
    for project in (budget.get("budgetFilter") or {}).get("projects", []):
        if not PROJECT_FILTER.match(str(project)):
            raise errors.invalid_argument(
                f"Invalid project '{project}' in budget_filter.projects: use projects/{{project_number}}.",
                "budget.budget_filter.projects",
            )
    for index, rule in enumerate(budget.get("thresholdRules") or []):
        if not isinstance(rule.get("thresholdPercent"), int | float) or rule["thresholdPercent"] <= 0:
            raise errors.invalid_argument(
                "threshold_percent must be a positive number.", f"budget.threshold_rules[{index}]"
            )


def _with_defaults(budget: dict[str, Any]) -> dict[str, Any]:
    filters = budget.setdefault("budgetFilter", {})
    filters.setdefault("creditTypesTreatment", "INCLUDE_ALL_CREDITS")
    if "customPeriod" not in filters:
        filters.setdefault("calendarPeriod", "MONTH")
    for rule in budget.get("thresholdRules") or []:
        rule.setdefault("spendBasis", "CURRENT_SPEND")
    budget["etag"] = etag_of({k: v for k, v in budget.items() if k != "etag"})
    return budget


def create(state: EmulatorState, account: str, body: dict[str, Any]) -> dict[str, Any]:
    get_account(state, account)
    _check(state, account, body)
    name = f"{account}/budgets/{uuid.uuid4()}"
    budget = _with_defaults({**{k: body[k] for k in UPDATABLE if k in body}, "name": name})
    state.store.put(BUDGETS, name, budget)
    return budget


def get(state: EmulatorState, name: str) -> dict[str, Any]:
    budget = state.store.get(BUDGETS, name)
    if budget is None:
        raise errors.not_found(f"Budget {name} not found.")
    return budget


def list_budgets(state: EmulatorState, account: str) -> list[dict[str, Any]]:
    get_account(state, account)
    return state.store.list(BUDGETS, f"{account}/budgets/")


def patch(state: EmulatorState, name: str, body: dict[str, Any], mask: str) -> dict[str, Any]:
    """Replace the fields in `updateMask` (top-level or dotted); without a mask, the fields the body sets."""
    masked = update_mask.mask_paths(mask, SCHEMA, UPDATABLE, body)
    with state.store.transaction():
        budget = get(state, name)
        if body.get("etag") and body["etag"] != budget["etag"]:
            raise errors.ApiError("ABORTED", "The budget was modified concurrently; read it and retry.")
        update_mask.apply_masked(budget, body, masked)
        _check(state, name.split("/budgets/")[0], budget)
        budget = _with_defaults(budget)
        state.store.put(BUDGETS, name, budget)
    return budget


def delete(state: EmulatorState, name: str) -> None:
    if not state.store.delete(BUDGETS, name):
        raise errors.not_found(f"Budget {name} not found.")
