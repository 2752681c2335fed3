"""Every example in docs/emulator.md runs: each `python -m emulator ...` line starts an emulator (on a free
port, state in a temporary folder) that announces its address, and each `http` block is sent to the
emulator's admin API and accepted, the settings it sets read back."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import httpx
import pytest

from emulator.testing import EmulatorProcess

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "emulator.md"


def _blocks(kind: str) -> list[str]:
    blocks, current, inside = [], [], False
    for line in DOC.read_text().splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append("\n".join(current))
            inside, current = line == f"```{kind}", []
        elif inside:
            current.append(line)
    return blocks


START_LINES = [line.split("  #")[0].strip() for block in _blocks("sh") for line in block.splitlines()]
HTTP_BLOCKS = _blocks("http")


def test_the_page_has_examples() -> None:
    assert len(START_LINES) >= 4 and len(HTTP_BLOCKS) >= 8


@pytest.mark.parametrize("line", START_LINES)
def test_each_start_line_starts_an_emulator(line: str, tmp_path: Path) -> None:
    words = shlex.split(line)
    assert words[:3] == ["python", "-m", "emulator"], line
    args = words[3:]
    args[args.index("--port") + 1] = "0"  # 8790 may be taken on this machine
    if "--state" in args:
        args[args.index("--state") + 1] = str(tmp_path / args[args.index("--state") + 1])
    if "--seed" in args:
        args[args.index("--seed") + 1] = str(ROOT / args[args.index("--seed") + 1])
    args.remove("--port")
    args.remove("0")
    with EmulatorProcess.start(*args) as emulator:
        assert httpx.get(f"{emulator.url}/_emulator/health", timeout=10).json() == {"status": "ok"}
        if "--lro-scale" in args:
            scale = float(args[args.index("--lro-scale") + 1])
            assert httpx.get(f"{emulator.url}/_emulator/config", timeout=10).json()["lro_scale"] == scale


@pytest.mark.parametrize("block", HTTP_BLOCKS)
def test_each_admin_example_is_accepted(block: str, emulator_env: EmulatorProcess) -> None:
    request, _, body = block.partition("\n")
    method, path = request.split()
    document = json.loads(body) if body.strip() else None
    reply = httpx.request(method, f"{emulator_env.url}{path}", json=document, timeout=10)
    assert reply.status_code == 200, reply.text
    if path == "/_emulator/config":
        assert {k: reply.json()[k] for k in document} == document
    if path == "/_emulator/faults":
        assert len(reply.json()["rules"]) == len(document["rules"])
        emulator_env.set_faults([])
