"""`provision validate`: check a spec offline."""

from __future__ import annotations

from provisioning.commands.console import guarded, out_console
from provisioning.commands.options import JsonOption, SpecOption


def validate(spec: SpecOption, json_output: JsonOption = False) -> None:
    """Validate a spec file offline (no API calls): exit 0 when valid, 2 with the problems otherwise.

    Example: provision validate --spec examples/dev.yaml"""

    def run() -> None:
        from provisioning.spec import load_spec  # pydantic and the catalog: not for --version

        env = load_spec(spec)
        if json_output:
            out_console.print_json(data={"spec": str(spec), "valid": True, "project": env.project.id})
        else:
            out_console.print(f"[green]valid[/]: {spec} (project {env.project.id}, region {env.region})")

    guarded(run)
