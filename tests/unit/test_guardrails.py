"""One GPU-endpoint policy for both engines: `provision apply` refuses the spec `pulumi up`'s policy refuses,
with the same rule, message and fix (both come from provisioning/guardrails.py)."""

from __future__ import annotations

import pytest

from infra.graph import resource_graph
from infra.policy import check
from provisioning.doctor.offline import refuse_blocking_findings
from provisioning.errors import BadInputError
from tests.unit.infra_helpers import NOW, spec_with


def test_a_gpu_endpoint_without_ttl_gets_the_pulumi_policy_message_from_apply() -> None:
    spec = spec_with(ttl=None)
    (violation,) = check(resource_graph(spec, now=NOW))

    with pytest.raises(BadInputError) as refused:
        refuse_blocking_findings(spec)

    assert refused.value.exit_code == 2
    assert f"{violation.rule}:llama-8b-vllm: {violation.message}" in refused.value.why
    assert f"fix: {violation.fix}" in refused.value.why


def test_the_same_spec_with_a_ttl_passes_both() -> None:
    spec = spec_with()
    assert check(resource_graph(spec, now=NOW)) == []
    refuse_blocking_findings(spec)
