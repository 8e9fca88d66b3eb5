"""The on-disk cache: what is costly to rebuild on every run, kept between runs.

``check`` runs once per patch from git's ``sendemail-validate`` hook, so
work that depends only on an installed file is done once and kept under
``$XDG_CACHE_HOME/reviewkit`` (default ``~/.cache/reviewkit``): the sorted
index of codespell's dictionary (rules/spelling.py) and the parse of
``knowledge.toml`` (rules/knowledge.py). The hook also keeps, for a few
minutes, the cover letter one ``git send-email`` run gave it
(reviewkit/hook.py): an entry named by a key of its own
(:meth:`Entry.named`), read only while it is young (``max_age``).

An entry is named after its kind and the file it was made from (path, size,
modification time), and holds a header line (cache format, reviewkit
version, kind, that key), a line with the payload's length and CRC-32, then
the payload. :meth:`Entry.read` gives the payload only when every part of
that matches; anything else (no file, a truncated or bit-flipped one,
another version's, a directory, FIFO or link in its place, no permission)
reads as a miss, and the caller rebuilds and writes the entry again. Nothing
is decoded before the checksum holds. The checksum is against damage, not
against an attacker: whoever can write the cache directory can write a
matching checksum of any kind.

Writes go to a temporary file in the same directory, renamed over the entry
(``os.replace``), so a reader sees a whole entry or none, and processes
started together (``git send-email`` on a series) only race to write the
same bytes. A cache that cannot be written is no error.
"""

from __future__ import annotations

import os
import stat
import time
import zlib
from pathlib import Path

from reviewkit import __version__

FORMAT = 1  # the layout of an entry file; raise it when that changes
MAX_BYTES = 64 << 20  # an entry larger than this is not read (the largest is 1.5 MB)
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/reviewkit``, else ``~/.cache/reviewkit``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "reviewkit"


class Entry:
    """The cache entry of ``kind`` made from the file ``source``.

    Args:
        kind: what the entry holds, a short word ("codespell"); part of the
            file name.
        source: the file the payload is made from; a change of its path,
            size or modification time makes the entry another one.
    """

    def __init__(self, kind: str, source: Path) -> None:
        self.path: Path | None = None
        self.head = b""
        try:
            st = source.stat()
        except OSError:
            return  # the caller's build reports what is wrong with the source
        key = f"{zlib.crc32(os.fsencode(source)):08x}-{st.st_size}-{st.st_mtime_ns}"
        self.path = cache_dir() / f"{kind}-{key}.cache"
        self.head = f"reviewkit-cache {FORMAT} {__version__} {kind} {key}\n".encode("utf-8")

    @classmethod
    def named(cls, kind: str, key: str) -> "Entry":
        """The entry of ``kind`` under ``key`` (word characters and ``-``),
        made from no file."""
        entry = cls.__new__(cls)
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)[:100]
        entry.path = cache_dir() / f"{kind}-{safe}.cache"
        entry.head = f"reviewkit-cache {FORMAT} {__version__} {kind} {safe}\n".encode("utf-8")
        return entry

    def read(self, max_age: float | None = None) -> bytes | None:
        """The payload last written, verified; None when there is none to
        trust, or when it was written more than ``max_age`` seconds ago."""
        if self.path is None:
            return None
        if max_age is not None:
            try:
                if time.time() - os.lstat(self.path).st_mtime > max_age:
                    return None
            except OSError:
                return None
        data = _read_regular_file(self.path)
        if data is None or not data.startswith(self.head):
            return None
        end = data.find(b"\n", len(self.head))
        if end < 0:
            return None
        payload = data[end + 1:]
        # the line as the writer wrote it, byte for byte: a flipped bit in a
        # number that still parses ("a" -> "A" in hex) is a mismatch too
        if data[len(self.head):end + 1] != _sum_line(payload):
            return None
        return payload

    def write(self, payload: bytes) -> None:
        """Store ``payload`` (atomically); a failure leaves the cache as it was."""
        if self.path is None:
            return
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
            import tempfile  # only when an entry is written: it imports random

            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(self.head)
                f.write(_sum_line(payload))
                f.write(payload)
            os.replace(tmp, self.path)
        except OSError:  # a full disk, or a directory where the entry goes
            try:
                os.unlink(tmp)
            except OSError:
                pass


def prune(kind: str, max_age: float) -> None:
    """Remove the entries of ``kind`` written more than ``max_age`` seconds
    ago (the hook's, which are worth nothing after their run)."""
    now = time.time()
    try:
        old = [e for e in os.scandir(cache_dir()) if e.name.startswith(f"{kind}-") and e.name.endswith(".cache")
               and e.is_file(follow_symlinks=False) and now - e.stat(follow_symlinks=False).st_mtime > max_age]
    except OSError:
        return
    for e in old:
        try:
            os.unlink(e.path)
        except OSError:
            pass


def _sum_line(payload: bytes) -> bytes:
    """The line between the header and the payload: its length and CRC-32."""
    return f"{len(payload)} {zlib.crc32(payload):08x}\n".encode("ascii")


def _read_regular_file(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of at most MAX_BYTES, else None.

    Looked at before it is opened, and opened without following a link and
    without blocking, so that a FIFO or a device in its place cannot hang
    the run; checked again once open, in case it was swapped in between.
    """
    try:
        if not _regular(os.lstat(path)):
            return None
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        with open(fd, "rb") as f:
            if not _regular(os.fstat(fd)):
                return None
            return f.read(MAX_BYTES + 1)
    except OSError:
        return None


def _regular(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode) and st.st_size <= MAX_BYTES


__all__ = ["Entry", "cache_dir", "prune"]
