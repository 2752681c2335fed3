"""The environment spec: the only input format, shared by the CLI engine, doctor/plan and the Pulumi program.

Pure: parsing and validation only. A bad spec raises `SpecError` naming the field, the bad value and a valid
example, before any API is called. One module a part of the spec (project, maas, endpoints, caller,
guardrails; environment holds them all), and load reads a file into them.

The names below are the spec's public API, imported as `provisioning.spec.X` by some sixty modules of
provisioning/, infra/, tests/ and bench/; everything else is imported from the module that defines it.
"""

from provisioning.spec.endpoints import EndpointSpec
from provisioning.spec.environment import EnvironmentSpec
from provisioning.spec.load import load_spec, parse_spec

__all__ = ["EndpointSpec", "EnvironmentSpec", "load_spec", "parse_spec"]
