"""The progress model without a terminal emulator: rows fit the console width whatever the names, a row that
finishes shows its outcome's mark, and `waiting()` (issue 12's lock wait) draws one live line with a timer."""

from __future__ import annotations

import io
import time

from rich.console import Console

from provisioning.progress import Board, LogBoard, board_for, waiting


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


def _log_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=80, color_system=None), buffer  # not a terminal: a CI log, a pipe


def test_off_a_terminal_each_row_is_logged_when_it_starts_changes_and_finishes() -> None:
    console, buffer = _log_console()
    board = board_for(console)
    assert isinstance(board, LogBoard)
    with board:
        board.start("project")
        assert buffer.getvalue().splitlines()[-1].startswith("▸ project")  # shown now, not when it ends
        board.update("project", "waiting on operations/cp.1")
        board.update("project", "waiting on operations/cp.1")  # unchanged: not repeated
        board.finish("project", "ok", "created " + "x" * 100)
    lines = buffer.getvalue().splitlines()
    assert [line[0] for line in lines] == ["▸", "…", "✓"], lines
    assert lines[-1].endswith("x" * 100 + "  0:00:00")  # a log line is not cut at the console width


def test_off_a_terminal_a_long_wait_logs_a_still_running_line_with_its_timer() -> None:
    console, buffer = _log_console()
    with LogBoard(console, heartbeat_s=0.3) as board:
        board.start("endpoint:llama", "waiting on operations/42")
        time.sleep(1.5)
        board.finish("endpoint:llama", "failed", "failed: stockout")
    beats = [line for line in buffer.getvalue().splitlines() if "still waiting on operations/42" in line]
    assert len(beats) >= 3 and beats[-1].endswith("0:00:01"), beats
    assert buffer.getvalue().splitlines()[-1].startswith("✗ endpoint:llama")
    time.sleep(0.4)
    assert "still" not in buffer.getvalue().splitlines()[-1]  # nothing more once the board has stopped


def test_on_a_terminal_the_board_is_live() -> None:
    console, _ = _console(80)
    assert isinstance(board_for(console), Board)


def test_a_transient_log_board_leaves_the_outcome_to_its_caller() -> None:
    console, buffer = _log_console()
    with waiting("waiting for the lock held by alice@host (pid 42)", console):
        pass
    assert buffer.getvalue().splitlines() == [
        "▸ waiting                         waiting for the lock held by alice@host (pid 42)"
    ]
