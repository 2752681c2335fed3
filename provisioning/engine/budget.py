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


def find_budgets(clients: Clients, account: str, display_name: str) -> list[dict[str, Any]]:
    """The budgets on `account` with this display name (more than one only if an older version of this
    tool re-sent a create whose reply was lost)."""
    return [b for b in budgets.list_budgets(clients, account) if b.get("displayName") == display_name]


def settle_budget(clients: Clients, account: str, display_name: str) -> dict[str, Any] | None:
    """Our one budget, after deleting any twin. The budget id is the server's, so two applies that share no
    state (two laptops) can each create one; every run keeps the same one (the smallest name) and deletes
    the rest, and since each creator settles after its own create, the last to settle sees them all."""
    same = sorted(find_budgets(clients, account, display_name), key=lambda b: str(b["name"]))
    for twin in same[1:]:
        budgets.delete_budget(clients, str(twin["name"]), missing_ok=True)  # another run may delete it too
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
    current = settle_budget(run.clients, account, args.display_name)
    amount = f"${args.monthly_amount_usd:g}/month"
    if current is None:
        budgets.create_budget(run.clients, account, wanted)
        kept = settle_budget(run.clients, account, args.display_name)
        return f"created {amount} ({kept['name'] if kept else 'deleted meanwhile'})"
    fields = drift(current, wanted)
    if not fields:
        return f"exists: {amount}"
    budgets.patch_budget(run.clients, str(current["name"]), wanted, fields)
    return f"updated {', '.join(fields)}: {amount}"
