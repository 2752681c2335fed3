"""Secrets are masked in everything we print or write, without eating the words around short dev tokens."""

from __future__ import annotations

import json

from provisioning.gcp.errors import redact, register_secret
from redaction import REDACTED, fingerprint, mask, mask_all, secrets_in

LONG = "ya29.a0AfB_byC-long-access-token-value"


def test_long_secret_is_masked_anywhere_even_inside_other_text() -> None:
    assert mask(f"Authorization: Bearer {LONG}", [LONG]) == f"Authorization: Bearer {REDACTED}"
    assert mask(f"x{LONG}y", [LONG]) == f"x{REDACTED}y"


def test_short_secret_is_masked_only_where_it_stands_alone() -> None:
    text = "Bearer tok1; token=tok1&x=1 tok10 stock1 'tok1'"
    assert mask(text, ["tok1"]) == f"Bearer {REDACTED}; token={REDACTED}&x=1 tok10 stock1 '{REDACTED}'"


def test_longest_secret_wins_when_one_contains_another() -> None:
    shorter = LONG[:20]
    assert mask(LONG, [shorter, LONG]) == REDACTED


def test_mask_all_walks_nested_values_and_leaves_other_types() -> None:
    data = {"a": [f"Bearer {LONG}", {"b": f"x {LONG} y"}], "n": 3, "t": ("hf_shorttok",)}
    masked = mask_all(data, {LONG, "hf_shorttok"})
    assert json.dumps(masked).count(REDACTED) == 3 and masked["n"] == 3
    assert LONG not in json.dumps(masked)


def test_registered_secrets_are_masked_in_error_messages() -> None:
    register_secret("hf_registered_secret_value")
    assert redact("401 for token hf_registered_secret_value") == f"401 for token {REDACTED}"


def test_secrets_in_finds_hugging_face_tokens_by_shape_and_secret_fields_by_name() -> None:
    body = {
        "modelConfig": {"huggingFaceAccessToken": "short"},
        "env": [{"name": "HF_TOKEN", "value": "hf_abcdefgh1234"}],
        "note": "token=hf_ZYXWVUTS9876; not a token: chf_abcdefgh1234 or hf_short",
    }
    assert secrets_in(body) == {"short", "hf_abcdefgh1234", "hf_ZYXWVUTS9876"}
    masked = mask_all(body, secrets_in(body))
    assert secrets_in(masked) == {REDACTED} and masked["note"].startswith(f"token={REDACTED};")
    assert fingerprint("hf_abcdefgh1234") != fingerprint("hf_abcdefgh1235")
    assert "hf_" not in fingerprint("hf_abcdefgh1234")
