"""The spec's monthly budget: one Cloud Billing budget on the billing account, scoped to the project, found
again by its display name (which carries the project id) and updated when the amount or thresholds differ."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioning.desired import budget as desired_budget
from provisioning.gcp import budgets, projects
from provisioning.identity import BudgetArgs

if TYPE_CHECKING:
    from provisioning.engine.context import StepContext
    from provisioning.gcp.clients import Clients


def _money(budget: dict[str, Any]) -> tuple[str, int, int]:
    money = (budget.get("amount") or {}).get("specifiedAmount") or {}
    return str(money.get("currencyCode", "")), int(money.get("units") or 0), int(money.get("nanos") or 0)


def drift(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """The update-mask paths on which `current` differs from `wanted` (only what we set is compared)."""
    fields = []
    if _money(current) != _money(wanted):
        fields.append("amount")
    if sorted(float(r.get("thresholdPercent", 0)) for r in current.get("thresholdRules", [])) != sorted(
        float(r["thresholdPercent"]) for r in wanted["thresholdRules"]
    ):
        fields.append("thresholdRules")
    if (current.get("budgetFilter") or {}).get("projects") != wanted["budgetFilter"]["projects"]:
        fields.append("budgetFilter.projects")
    return fields


def find_budget(clients: Clients, account: str, display_name: str) -> dict[str, Any] | None:
    same = [b for b in budgets.list_budgets(clients, account) if b.get("displayName") == display_name]
    return same[0] if same else None


def ensure_budget(run: StepContext) -> str:
    args = BudgetArgs.from_spec(run.spec)
    if args is None:
        return "no budget in the spec"
    account = f"billingAccounts/{args.billing_account}"
    found_project = projects.get_project(run.clients, run.project)
    assert found_project is not None  # the project step made sure it exists
    wanted = desired_budget.budget(run.spec, found_project.number)
    assert wanted is not None  # args is not None
    current = find_budget(run.clients, account, args.display_name)
    amount = f"${args.monthly_amount_usd:g}/month"
    if current is None:
        created = budgets.create_budget(run.clients, account, wanted)
        return f"created {amount} ({created.get('name', '')})"
    fields = drift(current, wanted)
    if not fields:
        return f"exists: {amount}"
    budgets.patch_budget(run.clients, str(current["name"]), wanted, fields)
    return f"updated {', '.join(fields)}: {amount}"
