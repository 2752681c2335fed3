"""The vendored discovery documents (emulator/data/discovery/) are what `make discovery` makes from the
installed google-api-python-client: an upgrade that changes a schema or a method fails here."""

from __future__ import annotations

import pytest

from emulator.discovery import METHOD_APIS, VENDORED_DIR
from emulator.discovery_vendor import render


@pytest.mark.parametrize("api", METHOD_APIS)
def test_vendored_document_matches_the_installed_client(api: str) -> None:
    vendored = (VENDORED_DIR / f"{api}.json").read_text()
    assert vendored == render(api), f"{api}: the vendored copy is stale; run `make discovery`"


def test_the_folder_holds_only_the_emulated_apis() -> None:
    assert {path.stem for path in VENDORED_DIR.glob("*.json")} == set(METHOD_APIS)
