"""The spec's monthly budget: one Cloud Billing Budget API v1 `Budget` on the billing account, scoped to the
project, in USD with the spec's alert thresholds."""

from __future__ import annotations

from typing import Any

from provisioning.identity import BudgetArgs
from provisioning.spec import EnvironmentSpec


def parent(spec: EnvironmentSpec) -> str | None:
    """The billing account the budget lives on (billingAccounts/X); None without a budget."""
    args = BudgetArgs.from_spec(spec)
    return f"billingAccounts/{args.billing_account}" if args else None


def budget(spec: EnvironmentSpec, project_number: str) -> dict[str, Any] | None:
    """The `budgets.create` body; None when the spec sets no budget (SpecError without a billing account).
    The filter names the project by number, which exists only once the project does."""
    args = BudgetArgs.from_spec(spec)
    if args is None:
        return None
    units, nanos = args.units_and_nanos
    return {
        "displayName": args.display_name,
        "budgetFilter": {"projects": [f"projects/{project_number}"]},
        "amount": {"specifiedAmount": {"currencyCode": "USD", "units": str(units), "nanos": nanos}},
        "thresholdRules": [{"thresholdPercent": t} for t in args.thresholds],
    }
