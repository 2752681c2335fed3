"""CallerIdentity: the service account applications call models as, with roles/aiplatform.user only.

No keys, ever: CI reaches it through Workload Identity Federation (a GitHub OIDC provider whose
attribute_condition admits exactly one repository), people through impersonation or their own ADC.
Values come from provisioning/desired/caller.py and wif.py, the bodies `provision apply` sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from provisioning.desired import caller as desired_caller
from provisioning.desired import wif
from provisioning.identity import CALLER_ROLE, WIF_ROLE, GithubFederation
from provisioning.spec import EnvironmentSpec

TYPE = "vertexbootstrap:index:CallerIdentity"
__all__ = ["CALLER_ROLE", "TYPE", "WIF_ROLE", "CallerIdentity", "CallerIdentityArgs"]


@dataclass(frozen=True)
class CallerIdentityArgs:
    account: dict[str, Any]  # the serviceAccounts.create body
    role: str  # the one project role it gets
    github: GithubFederation | None
    pool: dict[str, Any] | None  # the workloadIdentityPools.create body

    @property
    def service_account_id(self) -> str:
        return str(self.account["accountId"])

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec) -> CallerIdentityArgs:
        return cls(
            account=desired_caller.service_account(spec),
            role=desired_caller.project_binding(spec)["role"],
            github=GithubFederation.from_spec(spec),
            pool=wif.pool(spec),
        )


class CallerIdentity(pulumi.ComponentResource):
    """Outputs `email` and, with federation, `workload_identity_provider`.

    The provider name is what google-github-actions/auth takes as `workload_identity_provider`.
    """

    email: pulumi.Output[str]
    workload_identity_provider: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: CallerIdentityArgs,
        project_id: pulumi.Input[str],
        after: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`after`: the iam Service (the account cannot be created before the API is on)."""
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = gcp.serviceaccount.Account(
            args.service_account_id,
            project=project_id,
            account_id=args.service_account_id,
            display_name=args.account["serviceAccount"]["displayName"],
            description=args.account["serviceAccount"]["description"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )
        gcp.projects.IAMMember(
            f"{args.service_account_id}-aiplatform-user",
            project=project_id,
            role=args.role,
            member=account.member,
            opts=child,
        )
        self.email = account.email
        self.workload_identity_provider = None
        if args.github and args.pool:
            self.workload_identity_provider = self._federate(
                args.github, args.pool, project_id, account, after
            )
        self.register_outputs(
            {"email": self.email, "workload_identity_provider": self.workload_identity_provider}
        )

    def _federate(
        self,
        github: GithubFederation,
        pool_body: dict[str, Any],
        project_id: pulumi.Input[str],
        account: gcp.serviceaccount.Account,
        after: Sequence[pulumi.Resource],
    ) -> pulumi.Output[str]:
        pool = gcp.iam.WorkloadIdentityPool(
            github.pool_id,
            project=project_id,
            workload_identity_pool_id=github.pool_id,
            display_name=pool_body["displayName"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )
        body = wif.provider(github)
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{github.pool_id}-{github.provider_id}",
            project=project_id,
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=github.provider_id,
            attribute_mapping=body["attributeMapping"],
            # Without a condition any GitHub repository could mint tokens in this pool.
            attribute_condition=body["attributeCondition"],
            oidc={"issuer_uri": body["oidc"]["issuerUri"]},
            opts=pulumi.ResourceOptions(parent=self),
        )
        gcp.serviceaccount.IAMMember(
            f"{github.pool_id}-{github.provider_id}-impersonates",
            service_account_id=account.name,
            role=WIF_ROLE,
            member=pool.name.apply(github.member_for_pool),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return provider.name
