"""A real terminal for tests of what people see: the command runs in a detached tmux session of a fixed size
(its own tmux server, on a socket in the test's tmp folder), and `capture()` returns the screen as tmux drew
it, wrapped lines joined, so a row wider than the terminal shows as a line longer than `width`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ELAPSED = re.compile(r"(\d+):(\d\d):(\d\d)\s*$")  # rich's TimeElapsedColumn, at the end of a live row

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")


def elapsed_s(line: str) -> int:
    """The elapsed timer at the end of a live row, in seconds."""
    found = ELAPSED.search(line)
    assert found, f"no elapsed timer at the end of {line!r}"
    hours, minutes, seconds = (int(g) for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds


class Terminal:
    def __init__(
        self, folder: Path, command: list[str], env: dict[str, str], width: int, height: int
    ) -> None:
        self.socket = folder / "tmux.sock"
        self.exit_file = folder / "exit-code"
        self.width = width
        script = folder / "run.sh"
        exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env.items())
        script.write_text(
            f"{exports}cd {shlex.quote(str(folder))}\n{shlex.join(command)}\n"
            f"echo $? > {shlex.quote(str(self.exit_file))}\nsleep 600\n"
        )
        self._tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), f"sh {script}")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, timeout=30, check=True
        )
        return done.stdout

    def type(self, text: str) -> None:
        """Type `text` and press Enter."""
        self._tmux("send-keys", "-t", "t", text, "Enter")

    def capture(self) -> list[str]:
        return self._tmux("capture-pane", "-p", "-J", "-t", "t").rstrip("\n").splitlines()

    def wait_for(self, seen: Callable[[list[str]], bool], timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture()
            if seen(screen):
                return screen
            ended = self.exit_file.exists() and self.exit_file.read_text().strip()
            assert not ended and time.monotonic() < deadline, "not seen; the screen:\n" + "\n".join(screen)
            time.sleep(0.2)

    def exit_code(self, timeout: float = 120.0) -> int:
        deadline = time.monotonic() + timeout
        while not self.exit_file.exists() or not self.exit_file.read_text().strip():
            assert time.monotonic() < deadline, "the command did not end; the screen:\n" + "\n".join(
                self.capture()
            )
            time.sleep(0.2)
        return int(self.exit_file.read_text())

    def close(self) -> None:
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True, timeout=30)


def row(screen: list[str], label: str) -> str:
    """The live row whose label starts with `label` (after the spinner or mark)."""
    found = [line for line in screen if line[2:].startswith(label)]
    assert found, f"no row for {label!r}; the screen:\n" + "\n".join(screen)
    return found[0]


def provision_terminal(folder: Path, *args: str, width: int = 120, height: int = 40) -> Terminal:
    """`python -m provisioning ARGS` in a terminal, with the emulator environment of the fixtures."""
    names = ("PROVISION_API_ENDPOINT", "CLOUDSDK_AUTH_ACCESS_TOKEN", "HF_TOKEN", "PATH")
    env = {name: os.environ[name] for name in names if name in os.environ}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return Terminal(folder, [sys.executable, "-m", "provisioning", *args], env, width, height)
