"""git's ``sendemail-validate`` hook: what one ``git send-email`` run shares
between the calls of the hook, and the hook file itself.

git runs the hook once per mail, each time a new process with one file
(``$1``), before it sends anything. The cover letter comes first; the
patches after it need it (its changelog counts for every patch of the
series). So the hook remembers the cover letter of the run it is called
from, in an entry of the cache directory (reviewkit/cache.py), for a few
minutes.

Which run: the ``git send-email`` process above this one. git up to 2.41
runs the hook from send-email's own process; later versions through a
``git hook run`` child. On Linux the hook walks up its ancestors (in
``/proc``) to the process whose command line names ``send-email`` and
keys the entry on its pid and start time, so that two runs (or a run and
one long after it with a recycled pid) never share one; elsewhere the
parent's pid is the key. ``GIT_SENDEMAIL_FILE_COUNTER=1`` (git 2.42 and
later) starts a run afresh. A cover letter is used only for the patches of
its own series (same version and total).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from reviewkit.cache import Entry, prune
from reviewkit.errors import InputError

KIND = "sendemail"
TTL = 600  # seconds a remembered cover letter is good for: git validates every mail before sending one
HOOK_NAME = "sendemail-validate"
MARK = "# written by reviewkit install-hook"


def _proc_stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of ``pid`` from ``/proc``; None off Linux."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = data[data.rfind(")") + 2:].split()
    try:
        return int(fields[1]), fields[19]  # ppid, starttime (fields 4 and 22 of proc(5))
    except (IndexError, ValueError):
        return None


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def run_key() -> str:
    """A key for the ``git send-email`` run this process is part of."""
    pid = os.getppid()
    for _ in range(8):
        stat = _proc_stat(pid)
        if stat is None:
            break
        if b"send-email" in _cmdline(pid):
            return f"{pid}-{stat[1]}"
        if stat[0] <= 1:
            break
        pid = stat[0]
    return f"ppid{os.getppid()}"


class SeriesMemory:
    """The cover letter of one ``git send-email`` run, across hook calls."""

    def __init__(self, key: str) -> None:
        self.entry = Entry.named(KIND, key)

    @classmethod
    def for_this_run(cls) -> "SeriesMemory":
        prune(KIND, TTL)
        memory = cls(run_key())
        if os.environ.get("GIT_SENDEMAIL_FILE_COUNTER") == "1":
            memory.forget()  # the first mail of a run: nothing to recall
        return memory

    def remember(self, cover: bytes) -> None:
        self.entry.write(cover)

    def recall(self) -> bytes | None:
        return self.entry.read(max_age=TTL)

    def forget(self) -> None:
        if self.entry.path is not None:
            try:
                self.entry.path.unlink()
            except OSError:
                pass


# --------------------------------------------------------------------------
# the hook file


def reviewkit_command() -> list[str]:
    """How to run this reviewkit again from a hook, by absolute paths: its
    console script, else this interpreter with ``-m reviewkit`` (a hook
    runs without the user's virtual environment on PATH)."""
    script = Path(sys.argv[0])
    if script.name == "reviewkit" and script.is_file():
        return [str(script.resolve())]
    beside = Path(sys.executable).with_name("reviewkit")
    if beside.is_file():
        return [str(beside)]
    return [str(Path(sys.executable).resolve()), "-m", "reviewkit"]


def hook_text(command: list[str], options: list[str]) -> str:
    """The hook script: ``reviewkit check --hook --quiet`` on each mail."""
    line = " ".join(shlex.quote(w) for w in [*command, "check", "--hook", "--quiet", "--no-color", *options])
    return (f"#!/bin/sh\n{MARK}\n"
            "# The pre-send checklist of each mail git send-email is about to send ($1);\n"
            "# a non-zero exit aborts the send (git send-email --no-validate skips it).\n"
            f'exec {line} "$1"\n')


def hooks_dir(where: Path) -> Path:
    """The hooks directory of the git tree at ``where`` (``core.hooksPath``
    and linked worktrees honoured).

    Raises:
        InputError: ``where`` is in no git tree, or git is not installed.
    """
    try:
        proc = subprocess.run(["git", "rev-parse", "--git-path", "hooks"], cwd=where, capture_output=True,
                              text=True, check=False)
    except OSError as err:
        raise InputError(f"cannot run git: {err.strerror}") from None
    if proc.returncode != 0:
        raise InputError(f"{where}: not in a git tree ({proc.stderr.strip().splitlines()[-1] if proc.stderr else ''})")
    path = Path(proc.stdout.strip())
    return path if path.is_absolute() else where.resolve() / path


def install_hook(where: Path, *, options: list[str], force: bool = False) -> Path:
    """Write the ``sendemail-validate`` hook of the git tree at ``where``.

    Returns:
        The hook's path.

    Raises:
        InputError: not a git tree; a hook of someone else's is there (and
            ``force`` is off); the file cannot be written.
    """
    path = hooks_dir(where) / HOOK_NAME
    if path.exists() and not force:
        try:
            ours = MARK in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            ours = False
        if not ours:
            raise InputError(f"{path}: a hook is already there; --force replaces it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(hook_text(reviewkit_command(), options), encoding="utf-8")
        path.chmod(0o755)
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror}") from None
    return path


__all__ = ["SeriesMemory", "hook_text", "hooks_dir", "install_hook", "reviewkit_command", "run_key"]
