"""Every command shown in README.md is executed (or, for tools that need real Google Cloud, checked).

Each `## ` section's fenced code blocks are read in order:
- `provision ...` runs against a freshly reset emulator (one per section), in a temporary folder holding
  a copy of examples/, with PROVISION_API_ENDPOINT, a fake Google token and a fake HF_TOKEN; it must exit 0;
- `export NAME=...` sets NAME (to a fake) for the following commands;
- `pulumi config set KEY VALUE` must name a key of Pulumi.example.yaml, and a specFile must load and build a
  resource graph (infra.graph.resource_graph); other `pulumi` lines must match PULUMI_COMMANDS (the CLI
  cannot be installed here, so they are checked against that table, not run); the process
  substitution `<(pulumi stack output --json)` is replaced by the outputs `provision apply` writes for the
  configured spec (the same contract) so the `provision smoke` line runs;
- `gcloud ...` lines are listed and excluded (they need real Google Cloud); `make ...` must be a Makefile
  target.
A README line of any other shape fails the test, so nothing shown goes unchecked.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from emulator.testing import EmulatorProcess
from infra.graph import resource_graph, run_program
from provisioning.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# The Pulumi CLI is not installable here, so README lines are checked against Pulumi's documented commands
# (pulumi.com/docs/iac/cli/commands/), copied by hand: command words -> (flags it may take, positional
# arguments allowed). This catches a typo or an unknown command, not a change in Pulumi's CLI.
PULUMI_COMMANDS: dict[tuple[str, ...], tuple[frozenset[str], int]] = {
    ("login",): (frozenset({"--local"}), 1),  # no argument: Pulumi Cloud; else a backend URL
    ("stack", "init"): (frozenset({"--secrets-provider"}), 1),
    ("stack", "output"): (frozenset({"--json"}), 1),
    ("preview",): (frozenset(), 0),
    ("up",): (frozenset({"--yes"}), 0),
}
BACKEND_URL = re.compile(r"^(file://|gs://|s3://|azblob://|https://)\S+$")
GCLOUD_EXCLUDED = (
    "needs real Google Cloud (an account and a browser login); not runnable against the emulator"
)
STACK_OUTPUT = "<(pulumi stack output --json)"


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)


def readme_sections() -> list[Section]:
    sections: list[Section] = [Section("(top)")]
    fenced = False
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced and line.strip():
            sections[-1].lines.append(line.split("  #")[0].strip())
        elif line.startswith("## "):
            sections.append(Section(line[3:].strip()))
    return [s for s in sections if s.lines]


SECTIONS = readme_sections()


def _makefile_targets() -> set[str]:
    return set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))


def _check_pulumi(words: list[str], config: dict[str, str]) -> None:
    if words[1:3] == ["config", "set"]:
        key, value = words[3], words[4]
        namespace, _, name = key.partition(":")
        example = yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]
        project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]
        assert namespace == project and key in example, f"{key} is not a config key of Pulumi.example.yaml"
        config[name] = value
        if name == "specFile":
            assert resource_graph(load_spec(ROOT / value)), f"{value} builds no resource"
        return
    command = next((c for c in PULUMI_COMMANDS if tuple(words[1 : 1 + len(c)]) == c), None)
    assert command is not None, f"unknown pulumi command {words}"
    flags_allowed, positional_allowed = PULUMI_COMMANDS[command]
    rest = words[1 + len(command) :]
    flags = [w.partition("=")[0] for w in rest if w.startswith("-")]
    positional = [w for w in rest if not w.startswith("-")]
    assert set(flags) <= flags_allowed, f"unknown flag for pulumi {' '.join(command)}: {words}"
    assert len(positional) <= positional_allowed, f"too many arguments: {words}"
    if command == ("login",):
        assert not (flags and positional), f"--local and a backend URL together: {words}"
        assert all(BACKEND_URL.match(p) for p in positional), f"not a Pulumi backend URL: {words}"


def _run_provision(line: str, env: dict[str, str], cwd: Path, config: dict[str, str]) -> None:
    if STACK_OUTPUT in line:
        spec = config["specFile"]  # set by a `pulumi config set` line above
        apply = f"provision apply --spec {spec} --outputs pulumi-stack-outputs.json"
        _run_provision(apply, env, cwd, config)
        line = line.replace(STACK_OUTPUT, "pulumi-stack-outputs.json")
    args = shlex.split(line)[1:]
    done = subprocess.run(
        [sys.executable, "-m", "provisioning", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"`{line}` exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )


@pytest.mark.parametrize("section", SECTIONS, ids=[s.title for s in SECTIONS])
def test_every_command_of_the_section_runs(
    section: Section, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    emulator.reset()
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {
        **os.environ,
        "PROVISION_API_ENDPOINT": emulator.url,
        "CLOUDSDK_AUTH_ACCESS_TOKEN": "ya29.fake-token-for-the-emulator",
        "HF_TOKEN": "hf_fake_token_for_the_emulator",
        "COLUMNS": "200",
    }
    config: dict[str, str] = {}
    excluded: list[str] = []
    for line in section.lines:
        words = shlex.split(line)
        if words[0] == "provision":
            _run_provision(line, env, tmp_path, config)
        elif words[0] == "export":
            name = words[1].partition("=")[0]
            env[name] = env.get(name) or "fake-value-for-the-emulator"
        elif words[0] == "pulumi":
            _check_pulumi(words, config)
        elif words[0] == "gcloud":
            excluded.append(f"{line[:60]}... : {GCLOUD_EXCLUDED}")
        elif words[0] == "make":
            assert words[1] in _makefile_targets(), f"`{line}`: no such Makefile target"
        else:
            raise AssertionError(f"README line of unknown kind in {section.title!r}: {line}")
    print("\n".join(excluded))


def test_the_readme_shows_every_path_and_the_stack_outputs_it_documents_exist() -> None:
    titles = [s.title for s in SECTIONS]
    for path in ("laptop", "Pulumi", "many teams", "CI"):
        assert any(path in t for t in titles), f"no README section for {path}"
    documented = set(re.findall(r"^\| `([a-z_]+)(?:\[\]\.[a-z_]+)?` \|", README.read_text(), re.MULTILINE))
    _, outputs = run_program(load_spec(ROOT / "examples/ci.yaml"))  # ci.yaml sets workload identity
    assert set(outputs) <= documented, f"stack outputs missing from the README: {set(outputs) - documented}"
    target_keys = {k for t in outputs["targets"] for k in t}
    documented_target_keys = set(
        re.findall(r"^\| `targets\[\]\.([a-z_]+)` \|", README.read_text(), re.MULTILINE)
    )
    assert target_keys <= documented_target_keys, target_keys - documented_target_keys


@pytest.mark.parametrize(
    "line",
    [
        "pulumi login --locale",
        "pulumi login ftp://host/state",
        "pulumi login --local gs://BUCKET",
        "pulumi up --yess",
        "pulumi destroy",
        "pulumi stack init dev extra",
    ],
)
def test_the_pulumi_line_check_rejects_unknown_commands_and_flags(line: str) -> None:
    with pytest.raises(AssertionError):
        _check_pulumi(shlex.split(line), {})


def test_the_pulumi_section_shows_a_local_and_a_cloud_backend() -> None:
    lines = next(s.lines for s in SECTIONS if "Pulumi" in s.title)
    logins = {line for line in lines if line.startswith("pulumi login")}
    assert "pulumi login --local" in logins  # local state
    assert "pulumi login" in logins  # Pulumi Cloud
    assert any(line.startswith("pulumi login gs://") for line in logins)  # self-managed GCS state
