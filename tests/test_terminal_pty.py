"""Drive `reviewkit review` in a real pseudo-terminal and read the screen."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys

from tests.conftest import MLOCK_THREAD

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def pty_run(argv: list[str], *, columns: int = 100, env_extra: dict[str, str] | None = None) -> tuple[int, str]:
    """Run argv with a pty as its stdin, stdout and stderr; return its exit
    status and everything it wrote."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env.update({"TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": "50", **(env_extra or {})})
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", errors="replace")


def run_in_pty(argv: list[str], *, columns: int, env_extra: dict[str, str]) -> str:
    """Run argv with a pty as its terminal; it must succeed; return what it wrote."""
    code, out = pty_run(argv, columns=columns, env_extra=env_extra)
    assert code == 0, out[-2000:]
    return out


def test_review_on_a_terminal_shows_patch_comments_and_colour() -> None:
    raw = run_in_pty([sys.executable, "-m", "reviewkit", "review", str(MLOCK_THREAD)], columns=120,
                     env_extra={})
    assert "\x1b[" in raw, "a terminal gets colour"
    screen = ANSI.sub("", raw)
    assert "mm/mlock: reorder isolation sequence during munlock" in screen
    assert "munlock_vma_page" in screen and "__munlock_pagevec" in screen
    # a reviewer comment, verbatim, with its author
    assert "I don't think this get_page() call needs to be up here." in screen
    assert "Alexander Duyck" in screen
    # the rules' findings appear with their ids
    assert re.search(r"RK\d{3}", screen)
    # lines never exceed the terminal width
    assert max(len(line) for line in screen.replace("\r", "").split("\n")) <= 120


def test_no_color_on_a_terminal_means_no_escapes() -> None:
    raw = run_in_pty([sys.executable, "-m", "reviewkit", "review", str(MLOCK_THREAD)], columns=80,
                     env_extra={"NO_COLOR": "1"})
    assert not re.search(r"\x1b\[[0-9;]*m", raw.replace("\x1b[0m", "")), "NO_COLOR leaves colour out"
    assert "I don't think this get_page() call needs to be up here." in ANSI.sub("", raw)
