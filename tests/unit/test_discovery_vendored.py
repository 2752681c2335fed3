"""The vendored discovery documents (emulator/data/discovery/) are what `make discovery` makes from the
installed google-api-python-client: an upgrade that changes a schema or a method fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from emulator.discovery import METHOD_APIS, VENDORED_DIR
from emulator.discovery_vendor import render

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("api", METHOD_APIS)
def test_vendored_document_matches_the_installed_client(api: str) -> None:
    vendored = (VENDORED_DIR / f"{api}.json").read_text()
    assert vendored == render(api), f"{api}: the vendored copy is stale; run `make discovery`"


def test_the_folder_holds_only_the_emulated_apis() -> None:
    assert {path.stem for path in VENDORED_DIR.glob("*.json")} == set(METHOD_APIS)


def test_the_emulator_and_the_cli_run_without_google_api_python_client() -> None:
    """`make demo` installs only the runtime lock, which no longer has google-api-python-client: a run-time
    import of it creeping back would break the demo: import both with that package made unimportable."""
    script = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "googleapiclient" or name.startswith("googleapiclient."):
            raise ImportError(name + " is blocked")
sys.meta_path.insert(0, Block())
import emulator.app, provisioning.cli
from emulator import discovery
assert discovery.api_method("POST", "/v1/projects/p/locations/us-central1/endpoints") is not None
assert discovery.validate({"displayName": 7}, "aiplatform.v1#GoogleCloudAiplatformV1Endpoint")
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
