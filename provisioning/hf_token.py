"""Which environment variable a spec may name as `hf_token_env`, and what its value must look like.

Specs come from many teams, and the variable a spec names is read on the operator's machine and sent to
Vertex AI as the deployment's Hugging Face token. So a spec must not be able to name a credential the
operator holds for something else (the Google access token, cloud keys, CI tokens): the name is refused in
spec validation, and at apply time the value must look like a Hugging Face token (`hf_` then letters,
digits or `_`) and must not be the Google access token the run itself uses. Pure: no I/O.
"""

from __future__ import annotations

from provisioning.errors import BadInputError
from redaction import HF_TOKEN

# Families of variables that hold credentials for something other than Hugging Face.
REFUSED_PREFIXES = ("CLOUDSDK_", "GOOGLE_", "GCLOUD_", "AWS_", "AZURE_", "PULUMI_", "ACTIONS_")
REFUSED_NAMES = frozenset(
    {"GOOGLE_APPLICATION_CREDENTIALS", "GITHUB_TOKEN", "GH_TOKEN", "CI_JOB_TOKEN", "OPENAI_API_KEY"}
)
TOKENS_PAGE = "https://huggingface.co/settings/tokens"


def refused_variable(name: str) -> str | None:
    """Why `name` may not be a spec's `hf_token_env`, or None when it may."""
    if name in REFUSED_NAMES or name.startswith(REFUSED_PREFIXES):
        return (
            f"{name} holds a credential for another service; a spec may not send it to Vertex AI as a "
            "Hugging Face token (refused: "
            f"{', '.join(p + '*' for p in REFUSED_PREFIXES)}, {', '.join(sorted(REFUSED_NAMES))})"
        )
    return None


def _fix(variable: str) -> str:
    return f"export {variable}=hf_... (a read token from {TOKENS_PAGE}), or name another variable in the spec"


def _access_token_refused(endpoint: str, variable: str) -> BadInputError:
    return BadInputError(
        f"endpoint {endpoint}: hf_token_env {variable} is refused",
        f"{variable} holds the Google access token this run uses; it would be sent to Vertex AI as the "
        "deployment's Hugging Face token",
        _fix(variable),
    )


def check_token(endpoint: str, variable: str, value: str, access_token_variable: str | None = None) -> str:
    """The token read from `variable` for endpoint `endpoint`, checked before any API call: `BadInputError`
    (exit 2) when the variable is refused, is the one the Google access token comes from, or its value does
    not look like a Hugging Face token. The value itself is never put in a message."""
    what = f"endpoint {endpoint}: hf_token_env {variable} is refused"
    fix = _fix(variable)
    if variable == access_token_variable:
        raise _access_token_refused(endpoint, variable)
    reason = refused_variable(variable)
    if reason:
        raise BadInputError(what, reason, fix)
    if not HF_TOKEN.fullmatch(value):
        raise BadInputError(
            what,
            f"its value ({len(value)} characters) does not look like a Hugging Face token: those start with "
            "hf_ followed by letters, digits or _",
            fix,
        )
    return value


def check_not_access_token(tokens: dict[str, tuple[str, str]], access_token: str) -> None:
    """Refuse a Hugging Face token (endpoint → (variable, value)) that is the Google access token itself
    (one read from a file, say): checked once that token is known, before any API call."""
    for endpoint, (variable, value) in tokens.items():
        if value == access_token:
            raise _access_token_refused(endpoint, variable)
