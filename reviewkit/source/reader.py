"""``read_messages``: every raw message of the inputs, streamed."""

from __future__ import annotations

import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from reviewkit.errors import InputError
from reviewkit.model import RawMessage
from reviewkit.source.mbox import MAX_MESSAGE, is_separator, parse_mbox, read_pieces
from reviewkit.source.sniff import InputKind, sniff

STDIN = "-"
_HEAD = 64 * 1024
# Why a message may be incomplete (RawMessage.cut).
CUT_SHORT = "the input was cut short"
TOO_LONG = f"the message is longer than {MAX_MESSAGE >> 20} MiB and was read up to there"
# Decompression is bounded: mail compresses some 4 to 10 times, a gzip bomb
# 1000 times (tests/data/fuzz-found/probes/min-12-gzip-bombs: 255 KB that
# grow to 256 MB, 2 MB to 2 GB). Past GUNZIP_CHECK bytes out, more than
# GUNZIP_RATIO times what went in stops the read; so does GUNZIP_MAX.
GUNZIP_CHECK = 1 << 20
GUNZIP_RATIO = 100
GUNZIP_MAX = 4 << 30


def read_messages(paths: list[str]) -> Iterator[RawMessage]:
    """Read every message of the inputs, in order, as raw bytes.

    The kind of each input is told from its content: mbox (mboxo/mboxrd),
    gzip-compressed mbox or message, maildir, single RFC 822 message
    (``.eml``, ``git format-patch`` output, with or without a ``From `` line),
    ``-`` for standard input, a saved list-archive page, or a public-inbox
    git archive (a bare git dir or a directory of ``git/N.git`` epochs).
    Several paths make one input.

    Args:
        paths: file or directory paths, or ``-``.

    Returns:
        An iterator of RawMessage. A truncated mbox gives what can be read.
        Paths are checked before the first message is read, so a missing path
        fails at once.

    Raises:
        InputError: a path does not exist, cannot be read, is empty, or holds
            no mail (binary data, an unrelated directory). One line, naming
            the path.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [str(paths)]
    for path in paths:
        _check_path(str(path))
    return _read_all([str(p) for p in paths])


def _read_all(paths: list[str]) -> Iterator[RawMessage]:
    for path in paths:
        yield from _read_one(path)


def _check_path(path: str) -> None:
    if path == STDIN:
        return
    p = Path(path)
    try:
        p.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except OSError as err:  # a name over 255 bytes, a loop of links
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from None
    if not os.access(p, os.R_OK):
        raise InputError(f"{path}: cannot read (permission denied)")
    if p.is_dir():
        # the archive reader (subprocess, threads) only for a directory:
        # an mbox or a single mail never needs it
        from reviewkit.source.inbox import find_epochs

        if not _is_maildir(p) and not find_epochs(p) and not _mail_files(p):
            raise InputError(f"{path}: a directory that is neither a maildir, a public-inbox archive nor "
                             "a directory of mail files (git format-patch -o DIR)")
    elif p.is_file() and p.stat().st_size == 0:
        raise InputError(f"{path}: empty file")


def _read_one(path: str) -> Iterator[RawMessage]:
    if path == STDIN:
        # Streamed like a file: a large mbox piped in is not held whole.
        yield from _read_stream(sys.stdin.buffer, "<stdin>", empty="-: standard input is empty")
        return
    p = Path(path)
    if p.is_dir():
        if _is_maildir(p):
            yield from _read_maildir(p, path)
        elif (files := _mail_files(p)):
            # git format-patch -o outgoing/: a series, one file a mail, in
            # the order of the names (0000-cover-letter.patch first)
            for file in files:
                yield from _read_one(str(file))
        else:
            from reviewkit.source.inbox import read_inbox

            count = 0
            for data, commit, long in read_inbox(p):
                count += 1
                yield RawMessage(data=data, origin=f"archive:{commit}", cut=TOO_LONG if long else "")
            if not count:
                raise InputError(f"{path}: the public-inbox archive holds no messages")
        return
    try:
        with open(p, "rb") as f:
            yield from _read_stream(f, path)
    except PermissionError:
        raise InputError(f"{path}: cannot read (permission denied)") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as err:  # an I/O error half-way through a file
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from None


class _Replay(io.RawIOBase):
    """A stream whose first bytes were read ahead (to sniff) and are served again."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_head(f: BinaryIO) -> bytes:
    # read() on a pipe may return less than asked: gather up to _HEAD bytes.
    parts: list[bytes] = []
    size = 0
    while size < _HEAD:
        chunk = f.read(_HEAD - size)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _read_stream(f: BinaryIO, name: str, *, empty: str | None = None) -> Iterator[RawMessage]:
    """Read one byte stream by what its first bytes show; no seeking needed."""
    head = _read_head(f)
    if not head.strip():
        raise InputError(empty or f"{name}: empty file")
    stream = io.BufferedReader(_Replay(head, f), buffer_size=_HEAD)
    kind = sniff(head)
    if kind is InputKind.GZIP:
        yield from _read_gzip(stream, name)
    elif kind is InputKind.ARCHIVE_PAGE:
        yield _read_page(stream, name)
    elif kind is InputKind.MBOX:
        yield from _read_mbox(stream, name)
    else:
        raise InputError(f"{name}: holds no mail (not an mbox, message, archive page or gzip)")


class _Gunzip(io.RawIOBase):
    """Decompress a gzip stream (several members too) that may be cut short.

    Where the data ends early or turns corrupt, reading stops quietly and
    ``broken`` is set: everything decompressed up to there is kept (the
    standard ``gzip`` module raises and drops the block it was reading).
    Each step decompresses at most one read's worth; a stream that expands
    past the bounds above raises InputError.
    """

    def __init__(self, f: BinaryIO, name: str) -> None:
        self._f = f
        self._name = name
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._out = memoryview(b"")
        self._done = False
        self._members = 0  # members started
        self._read = 0  # compressed bytes read
        self._made = 0  # bytes decompressed
        self.broken = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self._out and not self._done:
            self._fill(len(buffer))
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _fill(self, want: int) -> None:
        fresh = False
        if self._z.unconsumed_tail:
            data = self._z.unconsumed_tail
        elif self._z.eof:
            data = self._z.unused_data or self._read_more()
            if not data.strip(b"\0"):
                self._done = True  # the end, or zero padding after the last member
                return
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
            fresh = True
        else:
            data = self._read_more()
            if not data:
                self._done = True
                self.broken = self._members > 0  # ended inside a member
                return
            fresh = self._members == 0 or fresh
        if fresh:
            self._members += 1
        try:
            out = self._z.decompress(data, max(want, 1 << 16))
        except zlib.error:
            self._done = True
            # junk after a complete member is not a cut in the mail
            self.broken = not (fresh and self._members > 1)
            return
        self._made += len(out)
        if self._made > GUNZIP_MAX or (self._made > GUNZIP_CHECK and self._made > GUNZIP_RATIO * self._read):
            raise InputError(
                f"{self._name}: the gzip data expands {self._made // max(self._read, 1)} times "
                f"({self._read:,} bytes to {self._made:,} so far; the bounds are {GUNZIP_RATIO} times "
                f"and {GUNZIP_MAX >> 30} GiB): not read further")
        self._out = memoryview(out)

    def _read_more(self) -> bytes:
        # small reads: the ratio is judged after each, so a bomb stops early
        data = self._f.read(1 << 13)
        self._read += len(data)
        return data


def _read_gzip(f: BinaryIO, name: str) -> Iterator[RawMessage]:
    gunzip = _Gunzip(f, name)
    z = io.BufferedReader(gunzip, buffer_size=_HEAD)
    head = _read_head(z)
    if not head.strip():
        if gunzip.broken:
            raise InputError(f"{name}: gzip data that cannot be decompressed")
        raise InputError(f"{name}: empty file (inside gzip)")
    kind = sniff(head)
    if kind is InputKind.GZIP or kind is InputKind.NOT_MAIL:
        raise InputError(f"{name}: gzip data that holds no mail")
    inner = io.BufferedReader(_Replay(head, z), buffer_size=_HEAD)
    if kind is InputKind.ARCHIVE_PAGE:
        yield _read_page(inner, name, broken=lambda: gunzip.broken)
        return
    yield from _read_mbox(inner, name, broken=lambda: gunzip.broken)


def _read_page(f: BinaryIO, name: str, *, broken: Callable[[], bool] = lambda: False) -> RawMessage:
    """An archive page, at most MAX_MESSAGE bytes of it."""
    data = f.read(MAX_MESSAGE)
    cut = TOO_LONG if f.read(1) else (CUT_SHORT if broken() else "")
    return RawMessage(data=data, origin=name, archive_page=True, cut=cut)


def _read_mbox(f: BinaryIO, name: str, *, broken: Callable[[], bool] = lambda: False) -> Iterator[RawMessage]:
    # One message is held back: only the last one can be cut short by a
    # broken compressed stream, and that is known once the stream has ended.
    count = 0
    held: RawMessage | None = None
    for data, _, long in parse_mbox(read_pieces(f)):
        if held is not None:
            yield held
        count += 1
        held = RawMessage(data=data, origin=f"{name}#{count}", cut=TOO_LONG if long else "")
    if held is None:
        raise InputError(f"{name}: holds no mail")
    if broken() and not held.cut:
        held = RawMessage(data=held.data, origin=held.origin, cut=CUT_SHORT)
    yield held


def _mail_files(p: Path) -> list[Path]:
    """The files directly in ``p`` whose content is mail (a message, an
    mbox, an archive page), by name; a directory of anything else gives []."""
    out = []
    try:
        entries = sorted(x for x in p.iterdir() if not x.name.startswith("."))
    except OSError:
        return []
    for x in entries:
        try:
            if not x.is_file():
                continue
            with open(x, "rb") as f:
                head = f.read(_HEAD)
        except OSError:
            continue
        if head.strip() and sniff(head) is not InputKind.NOT_MAIL:
            out.append(x)
    return out


def _is_maildir(p: Path) -> bool:
    return (p / "cur").is_dir() or (p / "new").is_dir()


def _read_maildir(p: Path, name: str) -> Iterator[RawMessage]:
    files: list[Path] = []
    for sub in ("cur", "new"):
        d = p / sub
        if d.is_dir():
            files.extend(sorted(x for x in d.iterdir() if x.is_file() and not x.name.startswith(".")))
    if not files:
        raise InputError(f"{name}: the maildir holds no messages")
    for file in files:
        try:
            with open(file, "rb") as f:
                data = f.read(MAX_MESSAGE)
                long = bool(f.read(1))
        except OSError as err:
            raise InputError(f"{file}: cannot read ({err.strerror})") from None
        first, _, rest = data.partition(b"\n")
        if is_separator(first):
            data = rest
        if data.strip():
            yield RawMessage(data=data, origin=str(file), cut=TOO_LONG if long else "")
