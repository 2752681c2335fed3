"""Budget: a monthly budget on the billing account, scoped to this project, with alert thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from provisioning.errors import SpecError
from provisioning.spec import EnvironmentSpec

TYPE = "vertexbootstrap:index:Budget"


@dataclass(frozen=True)
class BudgetArgs:
    billing_account: str  # the bare id, 012345-6789AB-CDEF01
    display_name: str
    monthly_amount_usd: float
    thresholds: list[float]

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec) -> BudgetArgs | None:
        """None when the spec sets no budget."""
        if spec.budget is None:
            return None
        if spec.project.billing_account is None:
            raise SpecError(
                "budget: a budget lives on a billing account, and the spec names none",
                "project.adopt is true and project.billing_account is not set",
                "set project.billing_account to the adopted project's billing account, or remove budget",
            )
        return cls(
            billing_account=spec.project.billing_account.removeprefix("billingAccounts/"),
            display_name=f"{spec.project.id} monthly"[:60],
            monthly_amount_usd=spec.budget.monthly_amount_usd,
            thresholds=sorted(spec.budget.thresholds),
        )


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
        units, fraction = divmod(round(args.monthly_amount_usd * 100), 100)
        budget = gcp.billing.Budget(
            name,
            billing_account=args.billing_account,
            display_name=args.display_name,
            budget_filter={"projects": [pulumi.Output.concat("projects/", project_number)]},
            amount={
                "specified_amount": {
                    "currency_code": "USD",
                    "units": str(units),
                    "nanos": fraction * 10_000_000,
                }
            },
            threshold_rules=[{"threshold_percent": t} for t in args.thresholds],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )
        self.register_outputs({"budget": budget.name})
