"""The progress model without a terminal emulator: rows fit the console width whatever the names, a row that
finishes shows its outcome's mark, and `waiting()` (issue 12's lock wait) draws one live line with a timer."""

from __future__ import annotations

import io
import time

from rich.console import Console

from provisioning.progress import Board, waiting


def _console(width: int) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, force_terminal=True, color_system=None), buffer


def _lines(buffer: io.StringIO) -> list[str]:
    """The last frame of each row: rich redraws in place, so split on carriage returns and cursor moves."""
    text = buffer.getvalue().replace("\x1b[2K", "").replace("\x1b[1A", "\n").replace("\r", "\n")
    return [line for line in text.split("\n") if line.strip() and "\x1b" not in line]


def test_long_labels_and_messages_are_ellipsized_to_the_width() -> None:
    console, buffer = _console(80)
    with Board(console) as board:
        board.start("budget:" + "b" * 90, "x" * 200)
        board.finish("budget:" + "b" * 90, "ok", "created " + "y" * 200)
    lines = _lines(buffer)
    assert lines and all(len(line) <= 80 for line in lines), lines
    assert lines[-1].startswith("✓ budget:bbb") and "…" in lines[-1] and lines[-1].endswith("0:00:00")


def test_waiting_shows_one_line_with_its_message_and_a_timer() -> None:
    console, buffer = _console(100)
    with waiting("waiting for the lock held by alice@host (pid 42)", console) as row:
        time.sleep(0.6)
        row.update("waiting for the lock held by alice@host (pid 42), 2nd try")
        time.sleep(0.6)
    shown = [line for line in _lines(buffer) if "waiting for the lock" in line]
    assert shown and all(line.rstrip().endswith(("0:00:00", "0:00:01")) for line in shown), shown
    assert any("2nd try" in line for line in shown)
