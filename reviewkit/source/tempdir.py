"""Temporary directories that go away however the run ends.

A directory is removed when its ``with`` block ends (by its ``finally``
when the reader stops or raises), and at exit for a run cut short by
SIGINT or SIGTERM. SIGTERM's default action ends the process on the spot,
with no ``finally`` and no ``atexit``; while such a directory exists,
SIGTERM (when nothing else handles it) raises SystemExit(143) instead, so
the process unwinds (tests/data/fuzz-found/probes: ``reviewkit-inbox-*``
directories were left behind in /tmp).
"""

from __future__ import annotations

import atexit
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Directories alive in this process: what the exit handler removes.
_LIVE: set[Path] = set()


@contextmanager
def temporary_dir(prefix: str) -> Iterator[Path]:
    """A new directory under the system's temporary directory, removed
    when the block ends, at exit, or on SIGTERM."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if not _LIVE:
        atexit.register(_remove_all)
    _LIVE.add(path)
    try:
        with _sigterm_unwinds():
            yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        _LIVE.discard(path)


def _remove_all() -> None:
    for path in list(_LIVE):
        shutil.rmtree(path, ignore_errors=True)
    _LIVE.clear()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM raises SystemExit while inside, if it has its default action
    and this is the main thread (only it can take a handler)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is _exit_on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


__all__ = ["temporary_dir"]
