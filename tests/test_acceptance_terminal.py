"""Acceptance: the terminal as a user has it, through the installed entry point.

Wide (200) and narrow (60) terminals, ``--pager`` with ``PAGER=cat``,
``NO_COLOR`` and a pipe (no escape codes), ``-`` for standard input, and
usage errors (one line on stderr, exit 2, like bad input).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import CORPUS, MLOCK_THREAD
from tests.test_cli_terminal_pty import ANSI, pty_run, run_in_pty

SEED_POSTING = next((CORPUS / "patches").glob("117_*.eml"))
SGR = re.compile(r"\x1b\[[0-9;]*m")


def _cli(*args: str, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "reviewkit", *args], input=stdin, capture_output=True,
                          env=full, timeout=120)


def _pty(argv: list[str], **env: str) -> tuple[int, str]:
    """Run reviewkit with a pseudo-terminal as stdin, stdout and stderr."""
    columns = int(env.pop("COLUMNS", "100"))
    return pty_run([sys.executable, "-m", "reviewkit", *argv], columns=columns, env_extra=env)


@pytest.mark.parametrize("columns", [60, 200])
def test_review_fits_wide_and_narrow_terminals(columns: int) -> None:
    raw = run_in_pty([sys.executable, "-m", "reviewkit", "review", str(MLOCK_THREAD)], columns=columns,
                     env_extra={})
    lines = ANSI.sub("", raw).replace("\r", "").split("\n")
    # a URL is never split: its line may be longer (the terminal wraps it)
    assert max(len(line) for line in lines if "://" not in line) <= columns
    assert lines[0].startswith("Series: ") and "─" * columns in lines  # the rule spans the terminal, no more
    screen = " ".join(" ".join(line.lstrip(" │▌") for line in lines).split())
    assert "I don't think this get_page() call needs to be up here." in screen
    assert "RK202 get-put-placement" in screen
    # every diff row keeps its number columns: old and/or new line number, then the marker
    rows = [line for line in lines if re.match(r"^\d{3} ", line) or re.match(r"^ {4}\d{3} ", line)]
    assert len(rows) > 100
    assert all(re.match(r"^(\d{3}| {3}) (\d{3}| {3}) [-+ ]", row) for row in rows), rows[:5]


@pytest.mark.parametrize("columns", [60, 200])
def test_check_on_wide_and_narrow_terminals(columns: int) -> None:
    code, raw = _pty(["check", "--fail-on", "warning", str(SEED_POSTING)], COLUMNS=str(columns))
    assert code == 1
    screen = ANSI.sub("", raw).replace("\r", "")
    assert "7 passed, 1 warned, 3 failed" in screen
    assert SGR.search(raw), "a terminal gets colour"
    # the suggested block of code stays indented under its item at any width
    assert re.search(r"(?m)^ {13}if \(clearlru\) \{$", screen)


def test_pager_with_cat() -> None:
    raw = run_in_pty([sys.executable, "-m", "reviewkit", "review", "--pager", str(MLOCK_THREAD)], columns=100,
                     env_extra={"PAGER": "cat"})
    assert SGR.search(raw), "the pager gets the colours"
    screen = ANSI.sub("", raw)
    assert "I don't think this get_page() call needs to be up here." in screen
    piped = _cli("review", "--pager", str(MLOCK_THREAD), PAGER="cat")
    assert piped.returncode == 0 and b"\x1b" not in piped.stdout
    assert b"I don't think this get_page() call needs to be up here." in piped.stdout


@pytest.mark.parametrize("argv", [["review", "--pager"], ["check"]])
def test_no_color_on_a_terminal(argv: list[str]) -> None:
    path = SEED_POSTING if argv[0] == "check" else MLOCK_THREAD
    code, raw = _pty([*argv, str(path)], NO_COLOR="1", PAGER="cat")
    assert code in (0, 1) and len(raw) > 500
    assert not SGR.search(raw)


@pytest.mark.parametrize("command", ["review", "summary", "check"])
def test_a_pipe_gets_no_escape_codes(command: str) -> None:
    path = SEED_POSTING if command == "check" else MLOCK_THREAD
    proc = _cli(command, str(path), TERM="xterm-256color")
    assert proc.returncode in (0, 1)
    assert b"\x1b" not in proc.stdout and len(proc.stdout) > 500


@pytest.mark.parametrize("command", ["review", "summary", "check", "functions"])
def test_dash_reads_standard_input(command: str) -> None:
    data = MLOCK_THREAD.read_bytes()
    from_stdin = _cli(command, "-", stdin=data, COLUMNS="100")
    from_file = _cli(command, str(MLOCK_THREAD), COLUMNS="100")
    assert from_stdin.returncode == from_file.returncode, from_stdin.stderr
    # the same document; only the origin named in warnings differs
    squash = lambda b: " ".join(b.decode().replace(str(MLOCK_THREAD), "<stdin>").split())  # noqa: E731
    assert squash(from_stdin.stdout).replace("\\<stdin\\>", "<stdin>") == \
        squash(from_file.stdout).replace("\\<stdin\\>", "<stdin>")


@pytest.mark.parametrize("argv, says", [
    (["bogus"], "No such command 'bogus'"),
    (["review"], "Missing argument"),
    (["check", "--no-rules", "x"], "No such option: --no-rules"),
    (["review", "--format", "xml", "x"], "'xml' is not one of"),
])
def test_a_usage_error_is_one_line_and_exit_2(argv: list[str], says: str) -> None:
    proc = _cli(*argv)
    assert proc.returncode == 2
    assert proc.stdout == b""
    [line] = proc.stderr.decode().splitlines()
    assert line.startswith("reviewkit: ") and says in line and "-h" in line


def test_help_and_version_still_exit_0() -> None:
    assert _cli("--version").returncode == 0
    helped = _cli("review", "-h")
    assert helped.returncode == 0 and b"Usage:" in helped.stdout
    bare = _cli()
    assert bare.returncode == 2 and b"Commands:" in bare.stdout + bare.stderr


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
def test_the_patch_header_breaks_between_fields_not_inside_one(width: int) -> None:
    import io

    from rich.console import Console

    from reviewkit.config import Config
    from reviewkit.pipeline import build_review
    from reviewkit.render import render_text

    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    render_text(build_review([str(MLOCK_THREAD)], config=Config(rules=False)), console)
    lines = [line.rstrip() for line in console.file.getvalue().split("\n")]
    assert any(line.endswith("date Sat, 11 Jul 2020 08:58:50 +0800") for line in lines)
    assert any(line.startswith("author Alex Shi <alex.shi@linux.alibaba.com>") for line in lines)


def test_a_comment_header_breaks_between_name_date_and_answer() -> None:
    import io

    from rich.console import Console

    from reviewkit.config import Config
    from reviewkit.pipeline import build_review
    from reviewkit.render import render_text

    console = Console(file=io.StringIO(), width=60, color_system=None, force_terminal=False)
    render_text(build_review([str(MLOCK_THREAD)], config=Config(rules=False)), console)
    lines = [line.strip(" │") for line in console.file.getvalue().split("\n")]
    # the date of Alex Shi's answer and whom it answers, each whole on a line
    assert "Tue, 21 Jul 2020 17:26:34 +0800" in lines and "answers Alexander Duyck" in lines
    assert "Mon, 20 Jul 2020 11:51:12 -0700 answers Alex Shi" in lines  # together where they fit


def test_color_always_colours_a_pipe_and_never_keeps_a_terminal_plain() -> None:
    # the command line wins over NO_COLOR (no-color.org), for `| less -R`
    piped = _cli("review", "--color=always", str(MLOCK_THREAD), NO_COLOR="1")
    assert piped.returncode == 0 and SGR.search(piped.stdout.decode())
    code, raw = _pty(["review", "--color", "never", str(MLOCK_THREAD)])
    assert code == 0 and not SGR.search(raw) and "Series: " in raw
