"""Budget: a monthly budget on the billing account, scoped to this project, with alert thresholds.

The body is provisioning/desired/budget.py's, the one `provision apply` creates; its project filter names the
project by number, known once the project exists, so the body is an Output of that number.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import pulumi
import pulumi_gcp as gcp

from provisioning.desired import budget as desired_budget
from provisioning.identity import BudgetArgs
from provisioning.spec import EnvironmentSpec

TYPE = "vertexbootstrap:index:Budget"
__all__ = ["TYPE", "Budget", "BudgetArgs"]


def _required(body: dict[str, Any] | None) -> dict[str, Any]:
    assert body is not None  # the program registers a Budget only when the spec sets one
    return body


class Budget(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        spec: EnvironmentSpec,
        project_number: pulumi.Output[str],
        after: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`after`: the billingbudgets Service."""
        super().__init__(TYPE, name, None, opts)
        account = desired_budget.parent(spec)
        assert account is not None
        body = project_number.apply(partial(desired_budget.budget, spec)).apply(_required)
        budget = gcp.billing.Budget(
            name,
            billing_account=account.removeprefix("billingAccounts/"),
            display_name=body.apply(lambda b: b["displayName"]),
            budget_filter=body.apply(lambda b: {"projects": b["budgetFilter"]["projects"]}),
            amount=body.apply(
                lambda b: {
                    "specified_amount": {
                        "currency_code": b["amount"]["specifiedAmount"]["currencyCode"],
                        "units": b["amount"]["specifiedAmount"]["units"],
                        "nanos": b["amount"]["specifiedAmount"]["nanos"],
                    }
                }
            ),
            threshold_rules=body.apply(
                lambda b: [{"threshold_percent": r["thresholdPercent"]} for r in b["thresholdRules"]]
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )
        self.register_outputs({"budget": budget.name})
