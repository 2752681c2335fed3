"""Which smoke checks apply to which target: a TGI endpoint ignores `model`, so a wrong name is no error."""

from __future__ import annotations

import pytest

from provisioning.smoke.checks import SmokeOptions, names_its_model
from provisioning.smoke.targets import SmokeTarget


def target(framework: str | None, auth: str = "google") -> SmokeTarget:
    return SmokeTarget(
        name="t",
        kind="endpoint",
        base_url="http://127.0.0.1:1/v1/projects/p/locations/us-central1/endpoints/1",
        model="",
        family="open",
        catalog_model=None,
        framework=framework,
        features=frozenset(),
        auth=auth,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("framework", "auth", "level"),
    [("tgi", "google", "skip"), ("vllm", "google", "required"), (None, "none", "optional")],
)
def test_wrong_model_check_level(framework: str | None, auth: str, level: str) -> None:
    assert names_its_model(target(framework, auth), SmokeOptions())[0] == level
