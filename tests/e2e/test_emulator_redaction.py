"""The emulator's request log (`record_bodies`) never holds a secret in clear: a Hugging Face token sent in a
Model Garden deploy body, or any `hf_...` token anywhere in a body, is recorded as [REDACTED], with a
fingerprint beside it so a test can still tell which token arrived."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from emulator.testing import EmulatorProcess
from tests.e2e.vertex_support import ONE_L4, PARENT, deploy_and_wait, rest, seed_project

pytestmark = pytest.mark.e2e

DEPLOY_TOKEN = "hf_DeployTokenPlanted0123456789abcd"
ENV_TOKEN = "hf_EnvTokenInAContainerSpec98765"
ODD_TOKEN = "not-shaped-like-hf-0042"  # a secret field's value is masked whatever it looks like


def fingerprint(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]


def hugging_face_deploy(token: str) -> dict[str, Any]:
    return {
        "huggingFaceModelId": "meta-llama/Llama-3.1-8B-Instruct",
        "modelConfig": {"acceptEula": True, "huggingFaceAccessToken": token},
        "deployConfig": {"dedicatedResources": ONE_L4},
    }


def test_the_request_log_records_no_hugging_face_token_in_clear(emulator_env: EmulatorProcess) -> None:
    seed_project(emulator_env)
    deploy_and_wait(emulator_env, hugging_face_deploy(DEPLOY_TOKEN))
    rest(emulator_env, "POST", f"/v1beta1/{PARENT}:deploy", hugging_face_deploy(ODD_TOKEN))
    container = {
        "imageUri": "us-docker.pkg.dev/x/vllm:latest",
        "env": [{"name": "HF_TOKEN", "value": ENV_TOKEN}],
    }
    upload = {"model": {"displayName": "with-token", "containerSpec": container}}
    assert rest(emulator_env, "POST", f"/v1/{PARENT}/models:upload", upload).status_code == 200

    log = emulator_env.requests()
    text = json.dumps(log)
    for secret in (DEPLOY_TOKEN, ENV_TOKEN, ODD_TOKEN):
        assert secret not in text
    deploys = [entry for entry in log if entry["path"].endswith(":deploy")]
    assert [d["request_body"]["modelConfig"]["huggingFaceAccessToken"] for d in deploys] == ["[REDACTED]"] * 2
    assert [d["redacted"] for d in deploys] == [[fingerprint(DEPLOY_TOKEN)], [fingerprint(ODD_TOKEN)]]
    [uploaded] = [entry for entry in log if entry["path"].endswith("models:upload")]
    assert uploaded["request_body"]["model"]["containerSpec"]["env"][0]["value"] == "[REDACTED]"
    assert uploaded["redacted"] == [fingerprint(ENV_TOKEN)]
