"""Cloud Billing v1: the account a project is linked to, whether billing is on, whether an account is open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from google.api_core import exceptions as core_exceptions

from provisioning.gcp.clients import Clients
from provisioning.gcp.lazy import lazy_module

if TYPE_CHECKING:
    from google.cloud import billing_v1
else:
    billing_v1 = lazy_module("google.cloud.billing_v1")


@dataclass(frozen=True)
class BillingInfo:
    project_id: str
    billing_account: str  # billingAccounts/XXXXXX-XXXXXX-XXXXXX, "" when unlinked
    billing_enabled: bool


@dataclass(frozen=True)
class BillingAccountInfo:
    name: str
    open: bool
    display_name: str = ""


def get_billing_info(clients: Clients, project_id: str) -> BillingInfo:
    info = clients.call(
        lambda: clients.billing.get_project_billing_info(name=f"projects/{project_id}"),
        f"read the billing info of {project_id}",
        project=project_id,
    )
    return BillingInfo(project_id, info.billing_account_name, bool(info.billing_enabled))


def get_billing_account(clients: Clients, account: str) -> BillingAccountInfo | None:
    """The account, or None when it does not exist or the caller cannot see it."""

    def read() -> billing_v1.BillingAccount | None:
        try:
            return clients.billing.get_billing_account(name=account)
        except (core_exceptions.NotFound, core_exceptions.Forbidden):
            return None

    found = clients.call(read, f"read billing account {account}")
    if found is None:
        return None
    return BillingAccountInfo(found.name, bool(found.open_), found.display_name)


def link_billing(clients: Clients, project_id: str, account: str) -> BillingInfo:
    info = billing_v1.ProjectBillingInfo(billing_account_name=account)
    updated = clients.call(
        lambda: clients.billing.update_project_billing_info(
            name=f"projects/{project_id}", project_billing_info=info
        ),
        f"link {project_id} to {account}",
        project=project_id,
    )
    return BillingInfo(project_id, updated.billing_account_name, bool(updated.billing_enabled))
