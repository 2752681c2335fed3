"""Foundation: the project (created, or adopted as is) and every API the spec needs, enabled.

Values come from provisioning/desired/project.py and apis.py, the bodies `provision apply` sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pulumi
import pulumi_gcp as gcp

from provisioning.desired import apis as desired_apis
from provisioning.desired import project as desired_project
from provisioning.spec import EnvironmentSpec

TYPE = "vertexbootstrap:index:Foundation"
# Computed at creation; re-computing it on every `pulumi up` would move the expiry each time.
IGNORED = ['labels["expires-at"]']


@dataclass(frozen=True)
class FoundationArgs:
    project_id: str
    project: dict[str, Any] | None  # the projects.create body; None when adopted
    billing_info: dict[str, Any] | None
    apis: list[str] = field(default_factory=list)

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec, now: datetime) -> FoundationArgs:
        return cls(
            project_id=spec.project.id,
            project=desired_project.project(spec, now),
            billing_info=desired_project.billing_info(spec),
            apis=desired_apis.service_ids(spec),
        )


class Foundation(pulumi.ComponentResource):
    """Outputs `project_id` and `project_number`; `service(api)` is what Vertex resources must depend on."""

    project_id: pulumi.Output[str]
    project_number: pulumi.Output[str]

    def __init__(self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.project is None:
            # An adopted project is used as it is: never created, never deleted, never relabelled.
            self.project_id = pulumi.Output.from_input(args.project_id)
            found = gcp.organizations.get_project_output(
                project_id=args.project_id, opts=pulumi.InvokeOptions(parent=self)
            )
            self.project_number = found.number
        else:
            body = args.project
            account = (args.billing_info or {}).get("billingAccountName")
            project = gcp.organizations.Project(
                body["projectId"],
                project_id=body["projectId"],
                name=body["displayName"],
                org_id=_parent_number(body.get("parent"), "organizations"),
                folder_id=_parent_number(body.get("parent"), "folders"),
                billing_account=account.removeprefix("billingAccounts/") if account else None,
                labels=body["labels"],
                auto_create_network=False,
                # `pulumi destroy` stops the spending resources and leaves the project (and its data) alone.
                deletion_policy="ABANDON",
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=IGNORED),
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
