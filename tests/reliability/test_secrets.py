"""A recognisable fake access token (from a token file) and a fake Hugging Face token, through the whole flow:
doctor, plan, apply, smoke (JSON + JUnit), reap --dry-run, destroy, and the Pulumi graph.

The access token legitimately travels in the Authorization header and the HF token in the deploy request's
body (the emulator's request log shows it masked, with its fingerprint); neither may appear in our output,
in any file we write, in any other request or reply body, and in the Pulumi graph the HF token exists only
as a secret.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from infra.graph import run_program
from infra.mocks import SECRET
from infra.policy import DEPLOYMENT
from provisioning.spec import load_spec
from redaction import fingerprint
from tests.reliability.support import DEV_YAML, HF_TOKEN_ENV, PROJECT, run_cli, write_dev_spec

pytestmark = pytest.mark.e2e

ACCESS_TOKEN = "ya29.RELIABILITY-FAKE-ACCESS-TOKEN-7f3c9a"
HF_TOKEN = "hf_RELIABILITYFAKEtoken9d1e4b27"


def test_tokens_appear_nowhere_but_where_they_must(emulator_env: EmulatorProcess, tmp_path: Path) -> None:
    emulator_env.configure(record_bodies=True)
    token_file = tmp_path / "secrets" / "token"
    token_file.parent.mkdir()
    token_file.write_text(ACCESS_TOKEN + "\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    spec = str(write_dev_spec(work))
    env = {k: v for k, v in os.environ.items() if k != "CLOUDSDK_AUTH_ACCESS_TOKEN"}
    env[HF_TOKEN_ENV] = HF_TOKEN
    auth = ("--access-token-file", str(token_file))
    outputs = str(work / ".provision" / f"{PROJECT}.outputs.json")
    runs = [
        (("doctor", "--spec", spec, *auth), (0, 1)),
        (("plan", "--spec", spec, *auth), (0, 1)),
        (("apply", "--spec", spec, "--json", *auth), (0,)),
        (("apply", "--spec", spec, *auth), (0,)),  # the rich display too
        (("smoke", "--outputs", outputs, "--json-file", "report.json", "--junit", "report.xml", *auth), (0,)),
        (("reap", "--spec", spec, "--dry-run", "--json", *auth), (0,)),
        (("destroy", "--spec", spec, "--json", "--yes", *auth), (0,)),
    ]
    printed = []
    for argv, codes in runs:
        result = run_cli(*argv, cwd=work, env=env)
        assert result.returncode in codes, f"{argv[0]}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        printed.append(result.stdout + result.stderr)

    for text in printed:
        assert ACCESS_TOKEN not in text and HF_TOKEN not in text
    written = [p for p in work.rglob("*") if p.is_file()]
    assert {"report.json", "report.xml", f"{PROJECT}.state.json", f"{PROJECT}.outputs.json"} <= {
        p.name for p in written
    }
    for path in written:
        content = path.read_bytes()
        assert ACCESS_TOKEN.encode() not in content and HF_TOKEN.encode() not in content, path

    log = emulator_env.requests()
    assert log and all("request_body" in entry for entry in log)
    carried_hf = []
    for entry in log:
        request, reply = json.dumps(entry["request_body"]), json.dumps(entry["response_body"])
        assert ACCESS_TOKEN not in request + reply and HF_TOKEN not in request + reply, entry["path"]
        if fingerprint(HF_TOKEN) in entry.get("redacted", []):
            carried_hf.append(entry["path"])
    assert carried_hf and all(path.endswith(":deploy") for path in carried_hf), carried_hf


def test_pulumi_graph_holds_the_hf_token_only_as_a_secret() -> None:
    graph, outputs = run_program(load_spec(DEV_YAML), environ={HF_TOKEN_ENV: HF_TOKEN})
    assert HF_TOKEN not in json.dumps(graph, default=str) + json.dumps(outputs, default=str)
    deployments = [node for node in graph if node["type"] == DEPLOYMENT]
    assert deployments
    for node in deployments:
        assert node["inputs"]["modelConfig"]["huggingFaceAccessToken"] == SECRET
        assert "modelConfig.huggingFaceAccessToken" in node["secret_inputs"]
