"""Budget: a monthly budget on the billing account, scoped to this project, with alert thresholds."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp

from provisioning.identity import BudgetArgs

TYPE = "vertexbootstrap:index:Budget"
__all__ = ["TYPE", "Budget", "BudgetArgs"]


class Budget(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        args: BudgetArgs,
        project_number: pulumi.Input[str],
        after: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`after`: the billingbudgets Service."""
        super().__init__(TYPE, name, None, opts)
        units, nanos = args.units_and_nanos
        budget = gcp.billing.Budget(
            name,
            billing_account=args.billing_account,
            display_name=args.display_name,
            budget_filter={"projects": [pulumi.Output.concat("projects/", project_number)]},
            amount={
                "specified_amount": {
                    "currency_code": "USD",
                    "units": str(units),
                    "nanos": nanos,
                }
            },
            threshold_rules=[{"threshold_percent": t} for t in args.thresholds],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )
        self.register_outputs({"budget": budget.name})
