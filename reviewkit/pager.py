"""Where a command's output goes: the terminal, a pager, or a file or pipe.

As git does: when standard output is a terminal and the output is longer
than the screen, it goes through a pager: ``$REVIEWKIT_PAGER``, else
``$PAGER``, else ``less -FRX``. ``LESS`` (``FRX``) and ``LV`` (``-c``) are
set for the pager when unset, so that ``less`` passes colours through and
quits by itself on a short text. A pager named ``cat`` (or empty) is no
pager. ``--pager`` pages a terminal's output of any length, ``--no-pager``
never pages.

Colour (``--color``): ``auto`` colours a terminal (and the pager that
shows on it) unless ``NO_COLOR`` is set; ``always`` colours a file or pipe
too (``reviewkit review x --color=always | less -R``); ``never`` sends no
escape codes at all. ``--no-color`` is ``--color=never``.

A file or a pipe gets unwrapped lines (the reader's tool wraps); a terminal
gets lines fitted to its width.
"""

from __future__ import annotations

import enum
import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, NamedTuple

DEFAULT_PAGER = "less -FRX"
# What git sets for its pager when the user has not (git's pager.c).
PAGER_ENV = {"LESS": "FRX", "LV": "-c"}


class ColorMode(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


class Screen(NamedTuple):
    """What standard output is: a terminal of ``width`` x ``height``, or not.

    ``color``: send colour. ``pager``: the pager command to run when the
    output is longer than ``height`` (None: write straight out).
    ``force_pager``: page whatever the length.
    """

    terminal: bool
    color: bool
    width: int
    height: int
    pager: str | None
    force_pager: bool = False


def find_screen(*, color: ColorMode, no_color: bool = False, pager: bool | None = None,
                stream: IO[str] | None = None, environ: dict[str, str] | None = None) -> Screen:
    """What ``stream`` (standard output) is, and what the options make of it.

    Args:
        color: ``--color``; ``no_color`` (``--no-color``) means never.
        pager: ``--pager`` True, ``--no-pager`` False, None: page a
            terminal's output when it is longer than the screen.
    """
    out = stream or sys.stdout
    env = os.environ if environ is None else environ
    try:
        terminal = out.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if no_color or color is ColorMode.never:
        colored = False
    elif color is ColorMode.always:
        colored = True
    else:
        colored = terminal and not env.get("NO_COLOR") and env.get("TERM") != "dumb"
    width, height = 80, 24
    if terminal:
        size = shutil.get_terminal_size((80, 24))  # COLUMNS / LINES first, as rich reads them
        width, height = size.columns, size.lines
    elif env.get("COLUMNS", "").isdigit():
        width = int(env["COLUMNS"])
    command = None
    if terminal and pager is not False:
        command = pager_command(env)
    return Screen(terminal, colored, max(width, 20), max(height, 2), command, force_pager=bool(pager))


def pager_command(environ: dict[str, str] | os._Environ) -> str | None:
    """``$REVIEWKIT_PAGER``, else ``$PAGER``, else ``less -FRX`` when ``less``
    is installed; None for ``cat``, an empty value, or no ``less``."""
    for name in ("REVIEWKIT_PAGER", "PAGER"):
        value = environ.get(name)
        if value is not None:
            value = value.strip()
            return None if value in ("", "cat") else value
    return DEFAULT_PAGER if shutil.which("less") else None


def _start_pager(pager: str, out: IO[str]) -> subprocess.Popen | None:
    """The pager's process reading what is written to its stdin, with
    PAGER_ENV's defaults in its environment; None when it cannot start."""
    out.flush()
    env = {**os.environ}
    for key, value in PAGER_ENV.items():
        env.setdefault(key, value)
    try:
        return subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env,
                                encoding=getattr(out, "encoding", None) or "utf-8", errors="replace")
    except OSError:
        return None


def _not_found(proc: subprocess.Popen, pager: str | None) -> bool:
    """Whether the shell found no such pager (exit 127); says so on stderr."""
    if proc.returncode != 127 or not pager or pager == DEFAULT_PAGER:
        return False
    sys.stderr.write(f"reviewkit: pager not found: {shlex.split(pager)[0]}\n")
    return True


def show(text: str, screen: Screen, stream: IO[str] | None = None) -> None:
    """Write ``text`` (what was rendered for ``screen``) to the terminal,
    through the pager when it is longer than the screen.

    A reader that leaves early (the user quits the pager, ``| head``) is no
    error: the rest of the text goes nowhere (BrokenPipeError is the
    caller's to handle for ``stream``).
    """
    out = stream or sys.stdout
    proc = None
    if screen.pager is not None and (screen.force_pager or text.count("\n") >= screen.height):
        proc = _start_pager(screen.pager, out)
    if proc is None:
        out.write(text)
        out.flush()
        return
    # Ctrl-C belongs to the pager while it runs (less stops a search with
    # it); this process only waits for it, as git does.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert proc.stdin is not None
        try:
            proc.stdin.write(text)
            proc.stdin.close()
        except (BrokenPipeError, OSError):  # the user quit before the end
            pass
        proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    if _not_found(proc, screen.pager):
        out.write(text)  # and show the text anyway
        out.flush()


@contextmanager
def paged(screen: Screen, stream: IO[str] | None = None) -> Iterator[IO[str]]:
    """A text stream to standard output, through the pager when ``screen``
    has one: for a text made piece by piece (an archive reviewed thread by
    thread), whose length is not known ahead, the pager starts at once, as
    git's does for ``git log`` (``less -F`` still quits by itself on a
    short text).

    Writing after the reader left raises BrokenPipeError (the caller's).
    """
    out = stream or sys.stdout
    if screen.pager is None:
        yield out
        out.flush()
        return
    proc = _start_pager(screen.pager, out)
    if proc is None:
        yield out
        out.flush()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pager's (see show)
    assert proc.stdin is not None
    try:
        yield proc.stdin
    finally:
        try:
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        proc.wait()
        signal.signal(signal.SIGINT, previous)
    _not_found(proc, screen.pager)


__all__ = ["ColorMode", "DEFAULT_PAGER", "Screen", "find_screen", "paged", "pager_command", "show"]
