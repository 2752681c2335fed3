"""What both engines build for a spec's caller federation and budget: the pure parts (names, the condition,
the principal set, the budget's amount), shared by `provision apply` and the Pulumi program so the two cannot
drift apart.

GitHub's OIDC issuer is multi-tenant: every repository on GitHub gets tokens from it, so a provider without
an attribute condition would let any repository impersonate the caller. Google requires a condition for such
providers (iam.v1 discovery document, `WorkloadIdentityPoolProvider.attributeCondition`: "multi-tenant
identity providers (such as GitHub or Terraform Cloud) require an attribute_condition"); ours admits exactly
one repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.errors import SpecError
from provisioning.spec import EnvironmentSpec

CALLER_ROLE = "roles/aiplatform.user"
WIF_ROLE = "roles/iam.workloadIdentityUser"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
ATTRIBUTE_MAPPING = {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository"}
POOL_DISPLAY_NAME = "GitHub Actions"


@dataclass(frozen=True)
class GithubFederation:
    repository: str  # OWNER/REPO, validated by the spec
    pool_id: str
    provider_id: str

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec) -> GithubFederation | None:
        wif = spec.caller.workload_identity
        return cls(wif.github_repository, wif.pool_id, wif.provider_id) if wif else None

    @property
    def condition(self) -> str:
        return f'assertion.repository == "{self.repository}"'

    def pool_name(self, project_number: str) -> str:
        return f"projects/{project_number}/locations/global/workloadIdentityPools/{self.pool_id}"

    def provider_name(self, project_number: str) -> str:
        """What google-github-actions/auth takes as `workload_identity_provider`."""
        return f"{self.pool_name(project_number)}/providers/{self.provider_id}"

    def member_for_pool(self, pool_name: str) -> str:
        """The principal set of this repository's workflows in `pool_name` (projects/NUMBER/locations/...)."""
        return f"principalSet://iam.googleapis.com/{pool_name}/attribute.repository/{self.repository}"


@dataclass(frozen=True)
class BudgetArgs:
    billing_account: str  # the bare id, 012345-6789AB-CDEF01
    display_name: str
    monthly_amount_usd: float
    thresholds: list[float]

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec) -> BudgetArgs | None:
        """None when the spec sets no budget; SpecError when there is no billing account to put it on."""
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

    @property
    def units_and_nanos(self) -> tuple[int, int]:
        """The amount as google.type.Money's whole units and nanos (cents precision)."""
        units, cents = divmod(round(self.monthly_amount_usd * 100), 100)
        return units, cents * 10_000_000
