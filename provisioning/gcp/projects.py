"""Cloud Resource Manager v3: projects and their IAM policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from google.api_core import exceptions as core_exceptions
from google.iam.v1 import iam_policy_pb2, policy_pb2

from provisioning.gcp.clients import Clients
from provisioning.gcp.lazy import lazy_module
from provisioning.gcp.operations import OperationRef
from provisioning.gcp.retry import rerun_on_concurrent_change

if TYPE_CHECKING:
    from google.cloud import resourcemanager_v3
else:
    resourcemanager_v3 = lazy_module("google.cloud.resourcemanager_v3")


@dataclass(frozen=True)
class ProjectInfo:
    project_id: str
    name: str  # projects/NUMBER
    parent: str
    state: str  # ACTIVE, DELETE_REQUESTED, ...
    display_name: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> str:
        return self.name.removeprefix("projects/")


def get_project(clients: Clients, project_id: str) -> ProjectInfo | None:
    """The project, or None when it does not exist or the caller cannot see it.

    Google answers 403 (not 404) for a project id nobody can see, including one still being created, so
    both mean None here; `create_project` then tells "taken" (ALREADY_EXISTS) from "free".
    """

    def read() -> resourcemanager_v3.Project | None:
        try:
            return clients.projects.get_project(name=f"projects/{project_id}")
        except (core_exceptions.NotFound, core_exceptions.Forbidden):
            return None

    project = clients.call(read, f"read project {project_id}", project=project_id)
    if project is None:
        return None
    return ProjectInfo(
        project_id=project.project_id,
        name=project.name,
        parent=project.parent,
        state=resourcemanager_v3.Project.State(project.state).name,
        display_name=project.display_name,
        labels=dict(project.labels),
    )


def create_project(
    clients: Clients, project_id: str, parent: str | None, display_name: str | None, labels: dict[str, str]
) -> OperationRef | None:
    """Start creating the project; None when the id exists already (an attempt whose reply was lost, an
    earlier run, or someone else: the caller tells them apart by the labels)."""
    project = resourcemanager_v3.Project(
        project_id=project_id, parent=parent or "", display_name=display_name or project_id, labels=labels
    )
    op = clients.create(
        lambda: clients.projects.create_project(project=project),
        lambda: get_project(clients, project_id) is not None,
        f"create project {project_id}",
        project=project_id,
    )
    return OperationRef.from_gapic(op, "cloudresourcemanager") if op is not None else None


def delete_project(clients: Clients, project_id: str) -> None:
    clients.call(
        lambda: clients.projects.delete_project(name=f"projects/{project_id}"),
        f"delete project {project_id}",
        project=project_id,
    )


def get_iam_policy(clients: Clients, project_id: str) -> policy_pb2.Policy:
    request = iam_policy_pb2.GetIamPolicyRequest(resource=f"projects/{project_id}")
    return clients.call(
        lambda: clients.projects.get_iam_policy(request=request),
        f"read the IAM policy of {project_id}",
        project=project_id,
    )


def has_binding(policy: policy_pb2.Policy, role: str, member: str) -> bool:
    return any(b.role == role and member in b.members for b in policy.bindings)


def add_binding(clients: Clients, project_id: str, role: str, member: str) -> bool:
    """Grant `role` to `member` (read-modify-write with the policy etag, again from a fresh read when a
    concurrent change made the etag stale); False when already granted. A set whose reply was lost is read
    back, not sent again (`Clients.create`)."""
    return rerun_on_concurrent_change(lambda: _add_binding_once(clients, project_id, role, member))


def _add_binding_once(clients: Clients, project_id: str, role: str, member: str) -> bool:
    def grant() -> bool:
        policy = get_iam_policy(clients, project_id)
        if has_binding(policy, role, member):
            return False
        for binding in policy.bindings:
            if binding.role == role:
                binding.members.append(member)
                break
        else:
            policy.bindings.add(role=role, members=[member])
        request = iam_policy_pb2.SetIamPolicyRequest(resource=f"projects/{project_id}", policy=policy)
        clients.projects.set_iam_policy(request=request)
        return True

    granted = clients.create(
        grant,
        lambda: has_binding(get_iam_policy(clients, project_id), role, member),
        f"grant {role} to {member} on {project_id}",
        project=project_id,
    )
    return granted is not False
