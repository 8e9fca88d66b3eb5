"""Drive `reviewkit review` in a real pseudo-terminal and read the screen."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MLOCK_THREAD

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def pty_run(argv: list[str], *, columns: int = 100, env_extra: dict[str, str | None] | None = None,
            keys: bytes = b"", lines: int = 50) -> tuple[int, str]:
    """Run argv with a pty as its stdin, stdout and stderr; return its exit
    status and everything it wrote.

    No pager unless asked: ``PAGER`` is ``cat``; ``env_extra`` sets
    variables (None removes one: ``{"PAGER": None}`` leaves the default
    pager). ``keys`` are typed on the terminal once output has come, and
    again while the program waits (``b"q"`` quits ``less``).
    """
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    drop = ("NO_COLOR", "COLUMNS", "LINES", "PAGER", "REVIEWKIT_PAGER", "LESS", "LV")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines), "PAGER": "cat"})
    for key, value in (env_extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    waits = 0
    while True:
        ready, _, _ = select.select([master], [], [], 2 if keys else 60)
        if not ready:
            waits += 1
            if keys and chunks and waits < 30 and proc.poll() is None:
                os.write(master, keys)  # the program waits for the user
                continue
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


def run_in_pty(argv: list[str], *, columns: int, env_extra: dict[str, str | None]) -> str:
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


# --------------------------------------------------------------------------
# a maintainer's terminal: the pager, the overview, a patch of a series


def _series() -> Path:
    from tests.conftest import CORPUS

    return CORPUS / "threads" / "lru-lock-v16.mbox"


def test_the_review_pages_by_itself_through_less_with_colours_intact() -> None:
    """$PAGER unset: a review longer than the screen goes through
    ``less -FRX``, which passes the colours (no "ESC[34m" shown as text)."""
    import shutil

    if shutil.which("less") is None:
        pytest.skip("less is not installed")
    code, raw = pty_run([sys.executable, "-m", "reviewkit", "review", str(MLOCK_THREAD)], columns=100,
                        env_extra={"PAGER": None}, keys=b"q", lines=30)
    assert code == 0, raw[-2000:]
    assert "\x1b[" in raw, "colour reaches the terminal"
    screen = ANSI.sub("", raw)
    assert "ESC[" not in screen and "^[[" not in screen, "escape codes shown as text"
    assert "Series: mm/mlock: reorder isolation sequence during munlock" in screen
    # a pager shows a screenful and waits: not the whole review
    assert "I have the same argument here as above." not in screen


def test_a_short_output_and_no_pager_write_straight_to_the_terminal() -> None:
    code, raw = pty_run([sys.executable, "-m", "reviewkit", "review", "--no-pager", str(MLOCK_THREAD)],
                        columns=100, env_extra={"PAGER": "false"}, lines=30)
    assert code == 0 and "I have the same argument here as above." in ANSI.sub("", raw)
    # the overview alone fits: no pager even with --pager's default of auto
    code, raw = pty_run([sys.executable, "-m", "reviewkit", "rules"], columns=100, env_extra={"PAGER": "false"})
    assert code == 0 and "RK101" in raw


def test_the_overview_at_80_columns_is_one_line_a_patch() -> None:
    raw = run_in_pty([sys.executable, "-m", "reviewkit", "review", str(_series())], columns=80, env_extra={})
    screen = ANSI.sub("", raw).replace("\r", "").split("\n")
    head = screen[:screen.index("─" * 80)]
    rows = [line for line in head if re.match(r"^\s*\d+/22 ", line)]
    assert [r.split()[0] for r in rows] == [f"{n}/22" for n in range(23)]
    assert all(len(r) <= 80 for r in rows)
    assert rows[16].split()[1:3] == ["mm/mlock:", "reorder"] and "Duyck" in rows[16]
    # then the cover letter, as the cover letter
    after = screen[screen.index("─" * 80) + 1:]
    assert after[0] == "[PATCH v16 00/22] per memcg lru_lock" and after[1].startswith("cover letter by Alex Shi")


def test_one_patch_of_a_series() -> None:
    raw = run_in_pty([sys.executable, "-m", "reviewkit", "review", "--patch", "16/22", str(_series())],
                     columns=100, env_extra={})
    screen = ANSI.sub("", raw).replace("\r", "")
    subjects = re.findall(r"(?m)^\[PATCH v16 (\d+)/22\]", screen)
    assert subjects == ["16"]
    assert "I don't think this get_page() call needs to be up here." in screen
    assert "per memcg lru_lock\n" not in screen  # no cover letter


def test_a_wrapped_quote_never_reads_as_the_replier_s_words() -> None:
    import json

    doc = json.loads(subprocess.run([sys.executable, "-m", "reviewkit", "review", "--format", "json",
                                     str(_series())], capture_output=True, check=True).stdout)
    quoted = {line.lstrip("> ").rstrip() for m in doc["messages"] for c in m["comments"]
              for line in c["quoted_text"].split("\n")}
    # lines somebody wrote as their own words may show as theirs, of course
    own_words = " ".join(c["text"] for m in doc["messages"] for c in m["comments"])
    long_quotes = [q for q in quoted if len(q) > 70 and len(set(q)) > 10 and q[-25:] not in own_words]
    assert long_quotes, "the thread quotes long lines"
    raw = run_in_pty([sys.executable, "-m", "reviewkit", "review", str(_series())], columns=60, env_extra={})
    screen = ANSI.sub("", raw).replace("\r", "").split("\n")
    own = [line.strip(" │") for line in screen if line.lstrip().startswith("│") and not
           line.lstrip(" │").startswith(">")]
    for q in long_quotes:
        tail = q[-25:]
        assert not [line for line in own if tail in line], tail


def test_a_reader_that_leaves_early_is_no_failure() -> None:
    script = (f"{sys.executable} -m reviewkit review {_series()} | head -1; "
              'echo "reviewkit exit status ${PIPESTATUS[0]}"')
    code, raw = pty_run(["bash", "-c", script], columns=100, env_extra={})
    screen = ANSI.sub("", raw).replace("\r", "")
    assert code == 0
    assert "Series: per memcg lru_lock (v16, 22 patches, Alex Shi)" in screen
    status = re.search(r"reviewkit exit status (\d+)", screen)
    assert status and status.group(1) in ("0", "141"), screen[-500:]
    assert "Traceback" not in screen and "Broken pipe" not in screen and "reviewkit:" not in screen
