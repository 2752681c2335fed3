"""The planted-secret run (issue 16): a distinctive operator access token, a Hugging Face token, and a token
in each credential variable a spec may not name, through validate, doctor, plan, apply (JSON and rich), smoke,
reap, destroy, and apply attempts whose spec names a refused variable.

Each planted token is searched in every request (path, query, body) and reply the emulator logged, in
every stdout/stderr, and in every file the runs wrote (state, outputs, reports) and the emulator's own log:
0 occurrences. The HF token reaches the Model Garden deploy request, where it belongs, and only it: the
request log masks it and lists its fingerprint on that entry alone. (The access token travels only in the
Authorization header, which the request log does not record.) A refused spec exits 2
with no request at all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.testing import EmulatorProcess
from redaction import fingerprint
from tests.reliability.support import HF_TOKEN_ENV, PROJECT, dev_spec, run_cli, write_dev_spec

pytestmark = pytest.mark.e2e

OPERATOR_TOKEN = "ya29.PLANTED-operator-access-token-5c81e0"
HF_TOKEN = "hf_PLANTEDhuggingfacetoken0a7d93c2"
# A token (not shaped like a Hugging Face one) in every refused variable family, each told apart.
PLANTED = {
    "CLOUDSDK_AUTH_ACCESS_TOKEN": OPERATOR_TOKEN,
    "CLOUDSDK_CORE_ACCOUNT_TOKEN": "PLANTED-cloudsdk-2f9e",
    "GOOGLE_APPLICATION_CREDENTIALS": "PLANTED-google-adc-8b1d",
    "GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.PLANTED-google-oauth-44aa",
    "GCLOUD_ACCESS_TOKEN": "PLANTED-gcloud-0c3f",
    "AWS_SECRET_ACCESS_KEY": "PLANTED-aws-secret-91be",
    "AZURE_CLIENT_SECRET": "PLANTED-azure-secret-7e20",
    "PULUMI_ACCESS_TOKEN": "pul-PLANTED-pulumi-3d5a",
    "GITHUB_TOKEN": "ghp_PLANTEDgithubtoken6f01",
    "GH_TOKEN": "gho_PLANTEDghcli77c2",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "PLANTED-actions-oidc-a4e9",
    "ACTIONS_RUNTIME_TOKEN": "PLANTED-actions-runtime-5b38",
    "OPENAI_API_KEY": "sk-PLANTED-openai-1d6c",
    "CI_JOB_TOKEN": "PLANTED-ci-job-0e4f",
    "TEAM_SECRET": "PLANTED-not-an-hf-token-c0ffee",  # allowed name, refused value
}
SECRETS = {**PLANTED, HF_TOKEN_ENV: HF_TOKEN}


def _write_spec(directory: Path, name: str, hf_token_env: str) -> Path:
    spec = dev_spec()
    spec["endpoints"][0]["hf_token_env"] = hf_token_env
    path = directory / name
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def _occurrences(text: str) -> dict[str, int]:
    return {variable: text.count(secret) for variable, secret in SECRETS.items() if secret in text}


def test_planted_secrets_appear_nowhere_but_their_destination(
    emulator_env: EmulatorProcess, tmp_path: Path
) -> None:
    emulator_env.configure(record_bodies=True)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, **SECRETS}
    spec = str(write_dev_spec(work))
    outputs = str(work / ".provision" / f"{PROJECT}.outputs.json")
    printed: list[str] = []

    def run(*argv: str, codes: tuple[int, ...]) -> None:
        result = run_cli(*argv, cwd=work, env=env)
        assert result.returncode in codes, f"{argv}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        printed.append(result.stdout + result.stderr)

    refused = [*(v for v in PLANTED if v != "TEAM_SECRET"), "TEAM_SECRET"]
    for variable in refused:  # before anything exists, and again once it does
        bad = str(_write_spec(work, f"refused-{variable}.yaml", variable))
        before = len(emulator_env.requests())
        run("apply", "--spec", bad, "--json", codes=(2,))
        assert len(emulator_env.requests()) == before, f"{variable}: a refused spec made API calls"
    run("validate", "--spec", spec, codes=(0,))
    run("doctor", "--spec", spec, codes=(0, 1))
    run("doctor", "--spec", spec, "--json", codes=(0, 1))
    run("plan", "--spec", spec, codes=(0, 1))
    run("plan", "--spec", spec, "--json", codes=(0, 1))
    run("apply", "--spec", spec, "--json", codes=(0,))
    run("apply", "--spec", spec, codes=(0,))
    for variable in refused:
        before = len(emulator_env.requests())
        run("apply", "--spec", str(work / f"refused-{variable}.yaml"), codes=(2,))
        assert len(emulator_env.requests()) == before, f"{variable}: a refused spec made API calls"
    run("smoke", "--outputs", outputs, "--json-file", "report.json", "--junit", "report.xml", codes=(0,))
    run("reap", "--spec", spec, "--dry-run", "--json", codes=(0,))
    run("destroy", "--spec", spec, "--json", "--yes", codes=(0,))
    run("destroy", "--spec", spec, "--delete-project", "--yes", codes=(0,))

    found: dict[str, dict[str, int]] = {}
    for index, text in enumerate(printed):
        if hits := _occurrences(text):
            found[f"output of run {index}"] = hits
    written = [p for p in work.rglob("*") if p.is_file()]
    assert {"report.json", "report.xml", f"{PROJECT}.state.json"} <= {p.name for p in written}
    for path in [*written, emulator_env.log_path]:
        if hits := _occurrences(path.read_text(encoding="utf-8", errors="replace")):
            found[str(path)] = hits
    log = emulator_env.requests()
    assert log and all("request_body" in entry for entry in log)
    deploys = 0
    for entry in log:
        request: Any = {k: entry[k] for k in ("method", "path", "query", "request_body")}
        if hits := _occurrences(json.dumps(request)):
            found[f"request {entry['method']} {entry['path']}"] = hits
        if fingerprint(HF_TOKEN) in entry.get("redacted", []):
            if entry["path"].endswith(":deploy"):
                deploys += 1  # the token's own destination: modelConfig.huggingFaceAccessToken
            else:
                found[f"HF token sent to {entry['method']} {entry['path']}"] = {HF_TOKEN_ENV: 1}
        if hits := _occurrences(
            json.dumps(entry.get("response_body")) + json.dumps(entry.get("response_stream"))
        ):
            found[f"reply to {entry['method']} {entry['path']}"] = hits
    assert found == {}, found
    assert deploys == 1  # the HF token did reach where it belongs, once
    print(  # the figures for the record (pytest -s)
        f"planted {len(SECRETS)} secrets; searched {len(printed)} outputs, {len(written) + 1} files, "
        f"{len(log)} logged requests and replies; occurrences outside their destination: {len(found)}; "
        f"HF token in deploy bodies: {deploys}"
    )
