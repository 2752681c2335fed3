"""The whole environment spec: the top level that holds every part, and the rules across them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import field_validator, model_validator

from provisioning.catalog import load_catalog
from provisioning.errors import BadInputError
from provisioning.spec.caller import CallerSpec
from provisioning.spec.endpoints import EndpointSpec
from provisioning.spec.fields import Labels, LabelValue, RegionName, Strict, matches
from provisioning.spec.guardrails import BudgetSpec, parse_duration
from provisioning.spec.maas import MaasModelSpec
from provisioning.spec.project import ProjectSpec
from provisioning.state_url import check_state_location

_API = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*\.googleapis\.com$")


class EnvironmentSpec(Strict):
    environment: LabelValue
    owner: LabelValue
    region: RegionName
    fallback_regions: list[RegionName] = []
    ttl: str | None = None
    project: ProjectSpec
    labels: Labels = {}
    apis: list[Annotated[str, matches(_API, "a service name such as bigquery.googleapis.com")]] = []
    maas_models: list[MaasModelSpec] = []
    endpoints: list[EndpointSpec] = []
    caller: CallerSpec = CallerSpec()
    budget: BudgetSpec | None = None
    state: str | None = None  # default for --state: a local file or gs://BUCKET/PREFIX

    @field_validator("state")
    @classmethod
    def _valid_state(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_state_location(value)
        except BadInputError as error:
            raise ValueError(f"{error.what}; {error.why}".rstrip("; ")) from None

    @field_validator("environment", "owner")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("ttl")
    @classmethod
    def _valid_ttl(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> EnvironmentSpec:
        for kind, names in (
            ("endpoints", [e.name for e in self.endpoints]),
            ("maas_models", [m.name for m in self.maas_models]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{kind}: names must be unique; repeated: {', '.join(dupes)}")
        if self.region in self.fallback_regions:
            raise ValueError(f"fallback_regions: repeats the main region {self.region}")
        return self

    @property
    def ttl_delta(self) -> timedelta | None:
        return parse_duration(self.ttl) if self.ttl else None

    def endpoint_region(self, endpoint: EndpointSpec) -> str:
        return endpoint.region or self.region

    def maas_location(self, model: MaasModelSpec) -> str:
        """Where a MaaS model is called: the spec's location, else the env region if served, else first."""
        if model.location:
            return model.location
        offer = load_catalog().models[model.name].maas
        assert offer is not None
        return self.region if self.region in offer.locations else offer.locations[0]

    def required_apis(self) -> list[str]:
        """Every service the spec needs enabled, aiplatform first, without duplicates."""
        apis = [
            "aiplatform.googleapis.com",
            "iam.googleapis.com",
            "cloudresourcemanager.googleapis.com",
            "cloudquotas.googleapis.com",  # the doctor reads GPU serving quota
        ]
        if self.caller.workload_identity is not None:
            apis += ["sts.googleapis.com", "iamcredentials.googleapis.com"]
        if self.maas_models:
            apis.append("cloudcommerceconsumerprocurement.googleapis.com")
        if self.budget:
            apis.append("billingbudgets.googleapis.com")
        for api in self.apis:
            if api not in apis:
                apis.append(api)
        return apis
