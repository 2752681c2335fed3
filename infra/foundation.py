"""Foundation: the project (created, or adopted as is) and every API the spec needs, enabled."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from infra.labels import base_labels
from provisioning.spec import EnvironmentSpec

TYPE = "vertexbootstrap:index:Foundation"


@dataclass(frozen=True)
class FoundationArgs:
    project_id: str
    display_name: str
    adopt: bool
    parent: str | None
    billing_account: str | None
    labels: dict[str, str]
    apis: list[str] = field(default_factory=list)

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec) -> FoundationArgs:
        project = spec.project
        return cls(
            project_id=project.id,
            display_name=project.display_name or project.id,
            adopt=project.adopt,
            parent=project.parent,
            billing_account=project.billing_account,
            labels=base_labels(spec),
            apis=spec.required_apis(),
        )


class Foundation(pulumi.ComponentResource):
    """Outputs `project_id` and `project_number`; `service(api)` is what Vertex resources must depend on."""

    project_id: pulumi.Output[str]
    project_number: pulumi.Output[str]

    def __init__(self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.adopt:
            # An adopted project is used as it is: never created, never deleted, never relabelled.
            self.project_id = pulumi.Output.from_input(args.project_id)
            found = gcp.organizations.get_project_output(
                project_id=args.project_id, opts=pulumi.InvokeOptions(parent=self)
            )
            self.project_number = found.number
        else:
            project = gcp.organizations.Project(
                args.project_id,
                project_id=args.project_id,
                name=args.display_name,
                org_id=_parent_number(args.parent, "organizations"),
                folder_id=_parent_number(args.parent, "folders"),
                billing_account=_bare_billing_id(args.billing_account),
                labels=args.labels,
                auto_create_network=False,
                # `pulumi destroy` stops the spending resources and leaves the project (and its data) alone.
                deletion_policy="ABANDON",
                opts=child,
            )
            self.project_id = project.project_id
            self.project_number = project.number
        self._services = {
            api: gcp.projects.Service(
                api.removesuffix(".googleapis.com"),
                project=self.project_id,
                service=api,
                disable_on_destroy=False,
                opts=child,
            )
            for api in args.apis
        }
        self.register_outputs(
            {
                "project_id": self.project_id,
                "project_number": self.project_number,
                "apis": list(self._services),
            }
        )

    def service(self, api: str) -> gcp.projects.Service:
        return self._services[api]


def _parent_number(parent: str | None, kind: str) -> str | None:
    """`organizations/123` → org_id 123; `folders/456` → folder_id 456 (the provider wants the number)."""
    if parent is None or not parent.startswith(kind + "/"):
        return None
    return parent.partition("/")[2]


def _bare_billing_id(account: str | None) -> str | None:
    """The spec keeps `billingAccounts/X`; the provider wants `X`."""
    return account.removeprefix("billingAccounts/") if account else None
