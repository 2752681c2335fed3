"""`provision apply`: bring an environment to what its spec says, as a DAG of idempotent, resumable steps.

Which steps and what each waits on is provisioning/step_graph.py (pure, shared with `provision plan`); this
module holds what each step does. Every step reads first and mutates only what is missing, so a second apply
mutates nothing. Operation names are saved in the state file the moment they exist; a re-run after a crash
waits on them instead of starting again.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from provisioning import hf_token
from provisioning.catalog import load_catalog
from provisioning.desired import apis as desired_apis
from provisioning.desired import caller as desired_caller
from provisioning.desired import model_access as desired_access
from provisioning.desired import project as desired_project
from provisioning.doctor.offline import refuse_blocking_findings
from provisioning.engine import budget, federation, serving
from provisioning.engine.context import StepContext
from provisioning.engine.dag import DagResult, Step, run_dag
from provisioning.engine.events import Reporter
from provisioning.engine.labels import keep_expiry, ours, resource_labels, same_ignoring_expiry
from provisioning.engine.locking import LockOptions
from provisioning.engine.state import DEFAULT_DIR, locked_state
from provisioning.errors import BadInputError, ProvisionError
from provisioning.gcp import billing, iam, lazy, operations, projects, services, vertex
from provisioning.gcp.clients import Clients
from provisioning.gcp.connection import Connection
from provisioning.gcp.errors import register_secret
from provisioning.identity import CALLER_ROLE, BudgetArgs
from provisioning.outputs import Outputs, Target, endpoint_base_url, maas_base_url, write_outputs
from provisioning.spec import EnvironmentSpec
from provisioning.step_graph import apply_steps

CLAIM_WAIT_S = 120.0  # how long an invisible, taken project id may take to appear as ours


def default_outputs_path(project_id: str) -> Path:
    return Path(DEFAULT_DIR) / f"{project_id}.outputs.json"


@dataclass
class ApplyResult:
    project: str
    dag: DagResult
    outputs_path: Path | None = None
    state_location: str = ""
    summaries: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.dag.ok


@dataclass
class Apply(StepContext):
    """The steps of one apply, in the context they share (provisioning/engine/context.py)."""

    # -- steps -------------------------------------------------------------------------------------------
    def step_project(self) -> str:
        spec = self.spec.project
        pending = self.state.operation("project")
        found = projects.get_project(self.clients, self.project)
        if found is not None and found.state != "ACTIVE":
            raise pending_deletion(self.project, found.state)
        if found is None and pending is None:
            if spec.adopt:
                raise ProvisionError(
                    f"project {self.project} does not exist (adopt: true)",
                    "adopt only takes over an existing project",
                    "set adopt: false with a parent and billing_account to create it, or fix project.id",
                )
            body = desired_project.project(self.spec, self.now)
            assert body is not None  # not adopted
            ref = projects.create_project(
                self.clients, body["projectId"], body.get("parent"), body["displayName"], body["labels"]
            )
            if ref is None:
                return self._claim_existing_project()
            self.state.save_operation("project", ref)
            self.state.set("created_project", True)
            pending = ref
        if pending is not None:
            self.finish("project", pending, f"create project {self.project}")
            self.state.set("created_project", True)
            return "created"
        assert found is not None
        if spec.adopt:
            return "adopted"
        if self.state.get("created_project") or ours(found.labels, self.spec):
            return "exists (ours)"
        raise ProvisionError(
            f"project {self.project} exists and was not created by provision for {self.spec.environment}",
            f"its labels are {found.labels or 'empty'}",
            "set project.adopt: true to manage it anyway, or choose another project.id",
        )

    def _claim_existing_project(self) -> str:
        """The id is taken but invisible: either our own creation from a run killed before it saved the
        operation (it becomes visible, with our labels, when done) or someone else's project."""
        start = time.monotonic()
        while time.monotonic() - start < min(self.deadline_s, CLAIM_WAIT_S):
            found = projects.get_project(self.clients, self.project)
            if found is not None and ours(found.labels, self.spec):
                self.state.set("created_project", True)
                return "created (resumed)"
            time.sleep(0.1)
        raise ProvisionError(
            f"project id {self.project} is already taken",
            "project ids are global; this one belongs to a project the caller cannot see",
            "choose another project.id in the spec",
        )

    def step_billing(self) -> str:
        body = desired_project.billing_info(self.spec)
        wanted = body["billingAccountName"] if body else None
        info = billing.get_billing_info(self.clients, self.project)
        if wanted is None or info.billing_account == wanted:
            if info.billing_enabled:
                return f"enabled ({info.billing_account})"
            if wanted is None:
                raise ProvisionError(
                    f"billing is not enabled on {self.project}",
                    "the spec adopts the project without naming a billing account",
                    f"set project.billing_account, or `gcloud billing projects link {self.project} "
                    "--billing-account ACCOUNT_ID`",
                )
        account = billing.get_billing_account(self.clients, wanted)
        if account is None or not account.open:
            state = "cannot be read by the caller" if account is None else "is closed"
            raise ProvisionError(
                f"billing account {wanted} {state}",
                "a project can only be billed to an open account the caller can use (Billing Account User)",
                "reopen it or pick another: https://console.cloud.google.com/billing ; "
                "`gcloud billing accounts list` shows the open ones",
            )
        billing.link_billing(self.clients, self.project, wanted)
        confirmed = billing.get_billing_info(self.clients, self.project)
        if not confirmed.billing_enabled:
            raise ProvisionError(
                f"billing still disabled on {self.project} after linking {wanted}",
                "Cloud Billing accepted the link but reports billingEnabled=false",
                f"check https://console.cloud.google.com/billing/linkedaccount?project={self.project}",
            )
        return f"linked {wanted}"

    def step_apis(self) -> str:
        for key in sorted(k for k in self.state.get("operations", {}) if k.startswith("apis:")):
            ref = self.state.operation(key)
            if ref is not None:
                self.finish(key, ref, f"enable APIs on {self.project}")
        enabled = services.enabled_services(self.clients, self.project)
        missing = [api for api in desired_apis.service_ids(self.spec) if api not in enabled]
        if not missing:
            return "all enabled"
        refs = []
        for index, batch in enumerate(services.batches(missing)):
            ref = services.batch_enable(self.clients, self.project, batch)
            self.state.save_operation(f"apis:{index}", ref)
            refs.append((f"apis:{index}", ref))
        for key, ref in refs:
            self.finish(key, ref, f"enable APIs on {self.project}")
        return f"enabled {len(missing)} ({len(refs)} call{'s' if len(refs) > 1 else ''})"

    def step_maas(self, name: str) -> str:
        use = next(u for u in desired_access.enablements(self.spec) if u.used_by == f"maas:{name}")
        publisher_model, location = use.publisher_model, use.location
        done: dict[str, str] = self.state.get("maas", {})
        if done.get(name) == publisher_model:
            return "enabled (recorded)"
        if use.accept_eula and not vertex.eula_accepted(
            self.clients, self.project, location, publisher_model
        ):
            vertex.accept_eula(self.clients, self.project, location, publisher_model)
        result = vertex.enable_model(self.clients, self.project, location, publisher_model)
        if result == "ENABLEMENT_STATE_FAILED":
            raise ProvisionError(
                f"Model Garden could not enable {publisher_model} for {self.project}",
                f"enableModel answered {result}",
                "open the model's page in Model Garden and complete its prerequisites: "
                f"https://console.cloud.google.com/vertex-ai/model-garden?project={self.project}",
            )
        self.state.put("maas", name, publisher_model)
        return "enabled"

    def step_endpoint(self, name: str) -> str:
        endpoint = next(e for e in self.spec.endpoints if e.name == name)
        summary = serving.ensure_endpoint(self, endpoint)
        labelled = self._label_models(self.state.get("endpoints", {})[name].get("models", []))
        return summary + (f"; labelled {labelled} model(s)" if labelled else "")

    def _label_models(self, models: list[str]) -> int:
        """Model Garden's deploy takes no model labels: set ours on the models it created."""
        wanted = resource_labels(self.spec, self.now)
        labelled = 0
        for model in models:
            current = vertex.get_model_labels(self.clients, model)
            if current is not None and not same_ignoring_expiry(current, wanted):
                vertex.set_model_labels(self.clients, model, keep_expiry(current, wanted))
                labelled += 1
        return labelled

    def step_caller(self) -> str:
        body = desired_caller.service_account(self.spec)
        account_id, account = body["accountId"], body["serviceAccount"]
        created = False
        raced = ""
        if iam.get_service_account(self.clients, self.project, account_id) is None:
            made = iam.create_service_account(
                self.clients, self.project, account_id, account["displayName"], account["description"]
            )
            if made is None:  # ALREADY_EXISTS, or found on read-back after a lost reply
                raced = self._existing_caller(account_id, account["description"])
            else:
                created = True
        binding = desired_caller.project_binding(self.spec)
        [member] = binding["members"]
        granted = projects.add_binding(self.clients, self.project, binding["role"], member)
        if created or granted:
            summary = (
                f"{'created' if created else 'exists'}, {CALLER_ROLE} {'granted' if granted else 'held'}"
            )
        else:
            summary = f"exists with {CALLER_ROLE}"
        return summary + raced

    def _existing_caller(self, account_id: str, description: str) -> str:
        """The create found the account there already (another apply of this spec won the race, or our own
        create took effect with its reply lost): it is read back and used when it is ours."""
        found = iam.get_service_account(self.clients, self.project, account_id)
        if found is None or found.get("description") != description:
            raise ProvisionError(
                f"service account {account_id} was created in {self.project} by someone else meanwhile",
                "its create was answered ALREADY_EXISTS, and its description is "
                f"{found.get('description') if found else 'unreadable'!r}, not ours",
                "pick another caller.service_account_id, or delete that account if it is a leftover",
            )
        return " (created concurrently by another run; read back)"

    def step_budget(self) -> str:
        return budget.ensure_budget(self)

    def step_workload_identity(self) -> str:
        summary, provider = federation.ensure_federation(self)
        self.state.set("workload_identity_provider", provider)
        return summary

    def step_outputs(self) -> str:
        api_endpoint = self.clients.connection.api_endpoint
        catalog = load_catalog()
        targets = []
        for model in self.spec.maas_models:
            offer = catalog.models[model.name].maas
            assert offer is not None
            location = self.spec.maas_location(model)
            targets.append(
                Target(
                    name=model.name,
                    kind="maas",
                    base_url=maas_base_url(self.project, location, api_endpoint),
                    model=offer.model,
                )
            )
        recorded: dict[str, dict[str, str]] = self.state.get("endpoints", {})
        for endpoint in self.spec.endpoints:
            record = recorded[endpoint.name]
            region = record.get("region") or self.spec.endpoint_region(endpoint)
            targets.append(
                Target(
                    name=endpoint.name,
                    kind="endpoint",
                    framework=endpoint.framework,
                    base_url=endpoint_base_url(
                        self.project, region, record["endpoint_id"], record.get("dedicated_dns"), api_endpoint
                    ),
                    model="",
                    endpoint_id=record["endpoint_id"],
                    dedicated_dns=record.get("dedicated_dns") or None,
                    region=region,
                )
            )
        federation_outputs = {}
        if self.spec.caller.workload_identity is not None:  # what google-github-actions/auth takes
            federation_outputs["workload_identity_provider"] = self.state.get("workload_identity_provider")
        outputs = Outputs(
            project=self.project,
            region=self.spec.region,
            caller_service_account=iam.service_account_email(
                self.spec.caller.service_account_id, self.project
            ),
            targets=targets,
            **federation_outputs,
        )
        self.outputs_path.parent.mkdir(parents=True, exist_ok=True)
        write_outputs(outputs, self.outputs_path)
        return f"wrote {self.outputs_path}"

    def steps(self) -> list[Step]:
        """The spec's step graph (provisioning/step_graph.py), each step bound to its runner here."""
        runners: dict[str, Callable[..., str]] = {
            "project": self.step_project,
            "billing": self.step_billing,
            "apis": self.step_apis,
            "maas": self.step_maas,
            "endpoint": self.step_endpoint,
            "caller": self.step_caller,
            "budget": self.step_budget,
            "workload_identity": self.step_workload_identity,
            "outputs": self.step_outputs,
        }
        steps = []
        for node in apply_steps(self.spec):
            run = runners[node.kind]
            steps.append(
                Step(node.id, functools.partial(run, node.subject) if node.subject else run, node.after)
            )
        return steps


def pending_deletion(project: str, state: str) -> ProvisionError:
    """A project in DELETE_REQUESTED answers reads but refuses most calls (PERMISSION_DENIED): say why."""
    return ProvisionError(
        f"project {project} is pending deletion ({state})",
        "it was deleted (`provision destroy --delete-project` or `gcloud projects delete`) and stays in a "
        "30-day recovery window, where it can be read but not used; its id stays taken",
        f"`gcloud projects undelete {project}`, then run apply again; or choose another project.id",
    )


def check_deadline(seconds: float | None) -> float:
    """`--deadline`: a positive number of seconds, or the default (exit 2 before any call otherwise)."""
    if seconds is None:
        return operations.DEFAULT_DEADLINE_S
    if not seconds > 0:  # also refuses NaN
        raise BadInputError(
            f"--deadline {seconds:g}: must be a positive number of seconds",
            "it bounds each wait on a long-running operation",
            "e.g. --deadline 3600, or leave it out for the default of 3 hours",
        )
    return seconds


def preflight(spec: EnvironmentSpec, access_token_variable: str | None = None) -> dict[str, tuple[str, str]]:
    """Check local inputs before any API call: nothing doctor calls blocking without a read, a budget has a
    billing account, every named HF token variable is set, is not where the Google access token comes from,
    and holds something shaped like a Hugging Face token. Returns endpoint name → (variable, token)."""
    refuse_blocking_findings(spec)
    BudgetArgs.from_spec(spec)  # a budget with no billing account to put it on
    tokens = {}
    for endpoint in spec.endpoints:
        if endpoint.hf_token_env:
            value = os.environ.get(endpoint.hf_token_env, "").strip()
            register_secret(value)
            if not value:
                raise BadInputError(
                    f"endpoint {endpoint.name}: environment variable {endpoint.hf_token_env} is not set",
                    "the spec names it as hf_token_env (the Hugging Face token for gated weights)",
                    f"export {endpoint.hf_token_env}=hf_... (a read token from https://huggingface.co/settings/tokens)",
                )
            hf_token.check_token(endpoint.name, endpoint.hf_token_env, value, access_token_variable)
            tokens[endpoint.name] = (endpoint.hf_token_env, value)
    return tokens


def apply_spec(
    spec: EnvironmentSpec,
    connection: Connection,
    reporter: Reporter,
    *,
    state_path: str | os.PathLike[str] | None = None,
    outputs_path: str | os.PathLike[str] | None = None,
    deadline_s: float = operations.DEFAULT_DEADLINE_S,
    clients: Clients | None = None,
    lock: LockOptions = LockOptions(),
) -> ApplyResult:
    """Apply one environment, holding its lock. Raises BadInputError before any API call when local inputs
    are wrong. `state_path`: a file or gs://BUCKET/PREFIX (default: the spec's `state:`, else local)."""
    tokens = preflight(spec, getattr(connection.token_source, "variable", None))
    access_token = connection.token_source.token()  # an unreadable token file is bad input: exit 2, no call
    register_secret(access_token)
    hf_token.check_not_access_token(tokens, access_token)
    connection.check_reachable()
    if spec.endpoints:  # the endpoint steps reach Vertex only after the project, billing and API steps
        lazy.preload("google.cloud.aiplatform_v1", "google.cloud.aiplatform_v1beta1")
    outputs_file = Path(outputs_path) if outputs_path else default_outputs_path(spec.project.id)
    own_clients = clients is None
    clients = clients or Clients(connection)
    hf_tokens = {name: value for name, (_, value) in tokens.items()}
    try:
        with locked_state(spec, state_path, connection, lock) as state:
            run = Apply(spec, clients, state, reporter, outputs_file, deadline_s, hf_tokens)
            result = run_dag(run.steps(), reporter)
    finally:
        if own_clients:
            clients.close()
    return ApplyResult(
        spec.project.id, result, outputs_file if result.ok else None, state.location, dict(result.summaries)
    )
