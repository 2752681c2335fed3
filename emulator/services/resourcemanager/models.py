"""Cloud Resource Manager v3 state and rules: projects (by id or number), organizations, project IAM policies.

`find_project(state, "acme-dev")` and `find_project(state, "123456789012")` both work; `require_project()`
is the guard other services call (403 CONSUMER_INVALID as Google answers for an unknown or deleted consumer
project). Project documents are the wire shape (cloudresourcemanager.v3 Project) plus internal keys starting
with "_".
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from emulator import errors
from emulator.errors import ApiError
from emulator.operations import crm_operation_name, finisher, timestamp
from emulator.seed import seed_section
from emulator.state import EmulatorState, register_setting
from emulator.update_mask import apply_masked, mask_paths

PROJECTS = "projects"
NUMBERS = "project_numbers"  # number → project id
POLICIES = "iam_policies"  # project number → Policy
FIRST_PROJECT_NUMBER = 100_000_000_001
PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
# Project.displayName in the cloudresourcemanager.v3 discovery document: "When present it must be between 4
# to 30 characters. Allowed characters are: lowercase and uppercase letters, numbers, hyphen, single-quote,
# double-quote, space, and exclamation point."
DISPLAY_NAME = re.compile(r"^[A-Za-z0-9\-'\" !]{4,30}$")
PARENT = re.compile(r"^(organizations|folders)/\d{1,19}$")
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
DEFAULT_OWNER = "user:emulator-admin@example.com"


def wire(project: dict[str, Any]) -> dict[str, Any]:
    """The project as Google sends it: no bookkeeping keys, and empty fields (no labels) left out."""
    return {key: value for key, value in project.items() if not key.startswith("_") and value not in ("", {})}


def etag_of(document: dict[str, Any]) -> str:
    """A content hash, base64 (the form Google's etags take)."""
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).digest()
    return base64.b64encode(digest[:12]).decode()


def _lookup(state: EmulatorState, id_or_number: str) -> dict[str, Any] | None:
    store = state.store
    if id_or_number.isdigit():
        index = store.get(NUMBERS, id_or_number)
        if index is None:
            return None
        id_or_number = index["projectId"]
    project = store.get(PROJECTS, id_or_number)
    if project is not None and project.get("_operation"):
        state.operations.get(project["_operation"])  # finishes the create when it is due
        project = store.get(PROJECTS, id_or_number)
    return project


def find_project(state: EmulatorState, id_or_number: str) -> dict[str, Any] | None:
    """The project (wire and internal fields) once its creation finished, whatever its state; else None."""
    project = _lookup(state, id_or_number)
    if project is None or project.get("_operation"):
        return None
    return project


def require_project(state: EmulatorState, id_or_number: str, service: str = "") -> dict[str, Any]:
    """An ACTIVE project, or the 403 Google gives for an unknown or deleted consumer project."""
    project = find_project(state, id_or_number)
    if project is None or project["state"] != "ACTIVE":
        metadata = {"consumer": f"projects/{id_or_number}"}
        if service:
            metadata["service"] = service
        raise ApiError(
            "PERMISSION_DENIED",
            f"Permission denied on resource project {id_or_number}.",
            [errors.error_info("CONSUMER_INVALID", metadata)],
        )
    return project


def project_number(project: dict[str, Any]) -> str:
    return project["name"].split("/", 1)[1]


def caller_cannot_see() -> ApiError:
    """What CRM answers for a project that does not exist (it does not reveal existence)."""
    return errors.permission_denied("The caller does not have permission")


def _check_labels(labels: Any) -> dict[str, str]:
    if not isinstance(labels, dict):
        raise errors.invalid_argument("labels must be a map of strings", "labels")
    if len(labels) > 64:
        raise errors.invalid_argument("A project can have at most 64 labels.", "labels")
    for key, value in labels.items():
        if not LABEL_KEY.match(key) or not isinstance(value, str) or not LABEL_VALUE.match(value):
            raise errors.invalid_argument(
                f"Label '{key}' is invalid: keys start with a lowercase letter; keys and values use "
                "lowercase letters, digits, '_' and '-', at most 63 characters.",
                f"labels.{key}",
            )
    return dict(labels)


def _check_display_name(name: Any) -> None:
    if not isinstance(name, str) or not DISPLAY_NAME.match(name):
        raise errors.invalid_argument(
            f"Display name '{str(name)[:40]}' is invalid: 4 to 30 characters, letters, digits, hyphen, "
            "single-quote, double-quote, space or exclamation point.",
            "project.display_name",
        )


def create_project(state: EmulatorState, body: dict[str, Any], *, seeded: bool = False) -> dict[str, Any]:
    """Validate and record a project; returns the CreateProject operation (finished at once when seeded)."""
    project_id = body.get("projectId", "")
    if not isinstance(project_id, str) or not PROJECT_ID.match(project_id):
        raise errors.invalid_argument(
            f"Project id '{project_id}' is invalid: 6 to 30 characters, lowercase letters, digits or "
            "hyphens, starting with a letter and not ending with a hyphen.",
            "project.project_id",
        )
    parent = body.get("parent", "")
    if parent:
        if not PARENT.match(parent):
            raise errors.invalid_argument(f"Parent '{parent}' is invalid.", "project.parent")
        if parent.startswith("organizations/") and state.store.get("organizations", parent) is None:
            raise errors.permission_denied(f"The caller does not have permission on parent {parent}")
    display_name = body.get("displayName") or project_id
    _check_display_name(display_name)
    labels = _check_labels(body.get("labels", {}))
    store = state.store
    with store.transaction():
        if store.get(PROJECTS, project_id) is not None:
            raise errors.already_exists("Requested entity already exists")
        number = str(store.next_number("project_number", FIRST_PROJECT_NUMBER))
        now = timestamp(state.now())
        project: dict[str, Any] = {
            "name": f"projects/{number}",
            "projectId": project_id,
            "state": "ACTIVE",
            "displayName": display_name,
            "createTime": now,
            "updateTime": now,
            "labels": labels,
        }
        if parent:
            project["parent"] = parent
        project["etag"] = etag_of(project)
        store.put(NUMBERS, number, {"projectId": project_id})
        store.put(POLICIES, number, _policy([{"role": "roles/owner", "members": [DEFAULT_OWNER]}]))
        if seeded:
            store.put(PROJECTS, project_id, project)
            return {}
        name = crm_operation_name()
        store.put(PROJECTS, project_id, {**project, "_operation": name})
        return state.operations.start(
            name=name,
            kind="project.create",
            finisher="crm.create_project",
            args={"projectId": project_id},
            response_type="google.cloud.resourcemanager.v3.Project",
            metadata_type="google.cloud.resourcemanager.v3.CreateProjectMetadata",
            metadata={"createTime": now, "gettable": True},
        )


@finisher("crm.create_project")
def _finish_create(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    project = state.store.get(PROJECTS, args["projectId"])
    if project is None:
        raise errors.not_found(f"Project {args['projectId']} disappeared while being created.")
    project.pop("_operation", None)
    state.store.put(PROJECTS, project["projectId"], project)
    return wire(project)


def delete_project(state: EmulatorState, id_or_number: str) -> dict[str, Any]:
    """Soft delete (state DELETE_REQUESTED, as Google keeps a project 30 days); returns the operation."""
    with state.store.transaction():
        project = find_project(state, id_or_number)
        if project is None or project["state"] != "ACTIVE":
            raise caller_cannot_see()
        now = timestamp(state.now())
        project.update(state="DELETE_REQUESTED", deleteTime=now)
        return _save_changed(state, project, now, "project.delete", "DeleteProjectMetadata")


def _save_changed(
    state: EmulatorState,
    project: dict[str, Any],
    now: str,
    kind: str,
    metadata: str,
    base_seconds: float | None = None,
) -> dict[str, Any]:
    """Store a changed project (updateTime `now`, new etag) and start the operation returning its snapshot."""
    project["updateTime"] = now
    project["etag"] = etag_of(wire({**project, "etag": ""}))
    state.store.put(PROJECTS, project["projectId"], project)
    return state.operations.start(
        name=crm_operation_name(),
        kind=kind,
        finisher="crm.project_snapshot",
        args={"projectId": project["projectId"]},
        response_type="google.cloud.resourcemanager.v3.Project",
        metadata_type=f"google.cloud.resourcemanager.v3.{metadata}",
        base_seconds=base_seconds,
    )


@finisher("crm.project_snapshot")
def _project_snapshot(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    project = state.store.get(PROJECTS, args["projectId"])
    if project is None:
        raise errors.not_found(f"Project {args['projectId']} not found.")
    return wire(project)


def update_project(
    state: EmulatorState, id_or_number: str, body: dict[str, Any], mask: str
) -> dict[str, Any]:
    """PATCH with an updateMask over displayName and labels (the mutable fields); a masked field the body
    leaves empty is cleared (displayName is optional). Returns the operation."""
    masked = mask_paths(mask, "cloudresourcemanager.v3#Project", ("displayName", "labels"), body)
    with state.store.transaction():
        project = require_project(state, id_or_number)
        apply_masked(project, body, masked)
        if "displayName" in project:
            _check_display_name(project["displayName"])
        _check_labels(project.get("labels", {}))
        now = timestamp(state.now())
        return _save_changed(state, project, now, "project.update", "UpdateProjectMetadata", base_seconds=1.0)


_QUERY_TERM = re.compile(r"^(?P<field>[A-Za-z_.\-]+)[:=](?P<value>.+)$")


def search_projects(state: EmulatorState, query: str) -> list[dict[str, Any]]:
    """`query` as Google's: space-separated terms `id:X`, `projectId:X`, `name:X`, `parent:organizations/N`,
    `parent.id:N`, `displayName:X`, `state:ACTIVE`, `labels.KEY:VALUE`; all must hold."""
    terms = []
    for term in query.split():
        match = _QUERY_TERM.match(term)
        if not match:
            raise errors.invalid_argument(f"Invalid query term '{term}'.", "query")
        terms.append((match["field"], match["value"].strip("\"'")))
    results = []
    for project in state.store.list(PROJECTS):
        if project.get("_operation"):
            continue
        if all(_matches(project, field, value) for field, value in terms):
            results.append(wire(project))
    return results


def _matches(project: dict[str, Any], field: str, value: str) -> bool:
    if field in ("id", "projectId", "project_id"):
        return project["projectId"] == value
    if field == "name":
        return value in (project["projectId"], project.get("displayName"))
    if field in ("displayName", "display_name"):
        return project.get("displayName") == value
    if field == "parent":
        return project.get("parent") == value
    if field in ("parent.id", "parent.type"):
        parent = project.get("parent", "/")
        kind, _, number = parent.partition("/")
        return number == value if field == "parent.id" else kind.rstrip("s") == value
    if field in ("state", "lifecycleState"):
        return project["state"] == value
    if field.startswith("labels."):
        return project.get("labels", {}).get(field[len("labels.") :]) == value
    raise errors.invalid_argument(f"Unsupported query field '{field}'.", "query")


def _policy(bindings: list[dict[str, Any]]) -> dict[str, Any]:
    policy: dict[str, Any] = {"version": 1, "bindings": bindings}
    policy["etag"] = etag_of(policy)
    return policy


def get_iam_policy(state: EmulatorState, id_or_number: str) -> dict[str, Any]:
    project = find_project(state, id_or_number)
    if project is None:
        raise caller_cannot_see()
    return state.store.get(POLICIES, project_number(project)) or _policy([])


# Knobs for tests of concurrent writers: the next N project policy writes find that another writer changed
# the policy since it was read (its binding, CONCURRENT_BINDING, lands first; the write gets ABORTED).
register_setting("concurrent_project_policy_writes", 0)
CONCURRENT_BINDING = {"role": "roles/viewer", "members": ["user:concurrent-writer@example.com"]}


def set_iam_policy(state: EmulatorState, id_or_number: str, policy: Any) -> dict[str, Any]:
    """Replace the policy; a stale `etag` gets 409 ABORTED as Google's read-modify-write check does."""
    if not isinstance(policy, dict):
        raise errors.invalid_argument("policy is required", "policy")
    if state.take_one("concurrent_project_policy_writes"):
        with state.store.transaction():  # the other writer's read-modify-write, committed first
            bindings = [*get_iam_policy(state, id_or_number).get("bindings", []), CONCURRENT_BINDING]
            state.store.put(POLICIES, project_number(require_project(state, id_or_number)), _policy(bindings))
    with state.store.transaction():
        current = get_iam_policy(state, id_or_number)
        if policy.get("etag") and policy["etag"] != current["etag"]:
            raise ApiError(
                "ABORTED",
                "There were concurrent policy changes. Please retry the whole read-modify-write with "
                "exponential backoff.",
            )
        bindings = policy.get("bindings", [])
        for binding in bindings:
            if not isinstance(binding, dict) or not str(binding.get("role", "")).startswith(
                ("roles/", "projects/")
            ):
                raise errors.invalid_argument(
                    "Each binding needs a role such as roles/viewer.", "policy.bindings"
                )
            for member in binding.get("members", []):
                if not isinstance(member, str) or ":" not in member:
                    raise errors.invalid_argument(f"Invalid member '{member}'.", "policy.bindings.members")
        new = _policy(bindings)
        if "auditConfigs" in policy:
            new["auditConfigs"] = policy["auditConfigs"]
        project = require_project(state, id_or_number)
        state.store.put(POLICIES, project_number(project), new)
    return new


@seed_section("projects")
def _seed_project(state: EmulatorState, item: dict[str, Any]) -> None:
    """Seeded projects: {projectId, parent?, displayName?, labels?} plus optional billingAccountName and
    enabledServices (applied by Billing and Service Usage through their own seed hooks)."""
    if state.store.get(PROJECTS, item["projectId"]) is None:
        keys = ("projectId", "parent", "displayName", "labels")
        fields: dict[str, Any] = {key: item[key] for key in keys if key in item}
        create_project(state, fields, seeded=True)
    for hook in PROJECT_SEED_HOOKS:
        hook(state, item)


PROJECT_SEED_HOOKS: list[Callable[[EmulatorState, dict[str, Any]], None]] = []
