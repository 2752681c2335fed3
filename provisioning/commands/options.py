"""The options several commands share, and what their values become: a Connection, the lock settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from provisioning.commands.console import err_console
from provisioning.gcp.connection import Connection

if TYPE_CHECKING:
    from provisioning.engine.events import Reporter
    from provisioning.engine.locking import LockOptions

SpecOption = Annotated[Path, typer.Option("--spec", help="Environment spec (YAML).", show_default=False)]
ApiEndpointOption = Annotated[
    str | None,
    typer.Option(
        "--api-endpoint",
        envvar="PROVISION_API_ENDPOINT",
        help="Point every Google API host at this base URL (the emulator's), e.g. http://127.0.0.1:8790.",
    ),
]
AccessTokenFileOption = Annotated[
    Path | None,
    typer.Option("--access-token-file", help="File holding a Google access token (else env, else ADC)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output (JSON).")]
YesOption = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Do it without asking (required where nobody can answer, e.g. CI)."),
]
ProbeMaasOption = Annotated[
    bool,
    typer.Option(
        "--probe-maas",
        help="Send one 1-token chat call per MaaS model to learn whether it is enabled (no read API exists).",
    ),
]

# -- engine: apply / destroy / reap (logic in provisioning/engine) -------------------------------------------
OutputsOption = Annotated[Path | None, typer.Option("--outputs", help="Write the outputs JSON here.")]
StateOption = Annotated[
    str | None,
    typer.Option(
        "--state",
        help="State: a file, or gs://BUCKET/PREFIX shared by a team (default: the spec's state:, else "
        ".provision/<project>.state.json).",
    ),
]
LockTimeoutOption = Annotated[
    float | None,
    typer.Option("--lock-timeout", help="Seconds to wait for another run's lock on the environment (60)."),
]
LockTtlOption = Annotated[
    float | None,
    typer.Option(
        "--lock-ttl", help="Seconds a killed run's gs:// lock stays valid (300; refreshed while running)."
    ),
]
ShardOption = Annotated[
    str | None, typer.Option("--shard", help="K/N: only the K-th of N shards of a folder --spec.")
]


def connection_for(api_endpoint: str | None, access_token_file: Path | None) -> Connection:
    return Connection.from_settings(api_endpoint, str(access_token_file) if access_token_file else None)


def lock_settings(
    reporter: Reporter, json_output: bool, timeout: float | None, ttl: float | None
) -> LockOptions:
    """`--lock-timeout` / `--lock-ttl` checked (exit 2), and the "waiting for the lock" line."""
    from provisioning.engine.lock_wait import lock_options
    from provisioning.engine.locking import check_lock_options

    timeout_s, ttl_s = check_lock_options(timeout, ttl)
    return lock_options(
        reporter, timeout_s, ttl_s, live=not json_output, echo=None if json_output else err_console
    )
