"""``read_messages``: every raw message of the inputs, streamed."""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from reviewkit.errors import InputError
from reviewkit.model import RawMessage
from reviewkit.source.inbox import find_epochs, read_inbox
from reviewkit.source.mbox import is_separator, parse_mbox
from reviewkit.source.sniff import InputKind, sniff

STDIN = "-"
_HEAD = 64 * 1024
# Marks the origin of a message cut short by a truncated compressed input,
# so that the mail stage can warn about it.
TRUNCATED = " (truncated)"


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
    if not p.exists():
        raise InputError(f"{path}: no such file or directory")
    if not os.access(p, os.R_OK):
        raise InputError(f"{path}: cannot read (permission denied)")
    if p.is_dir():
        if not _is_maildir(p) and not find_epochs(p):
            raise InputError(f"{path}: a directory that is neither a maildir nor a public-inbox archive")
    elif p.is_file() and p.stat().st_size == 0:
        raise InputError(f"{path}: empty file")


def _read_one(path: str) -> Iterator[RawMessage]:
    if path == STDIN:
        data = sys.stdin.buffer.read()
        if not data.strip():
            raise InputError("-: standard input is empty")
        yield from _read_stream(io.BytesIO(data), "<stdin>")
        return
    p = Path(path)
    if p.is_dir():
        if _is_maildir(p):
            yield from _read_maildir(p, path)
        else:
            count = 0
            for data, commit in read_inbox(p):
                count += 1
                yield RawMessage(data=data, origin=f"archive:{commit}")
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


def _read_stream(f: BinaryIO, name: str) -> Iterator[RawMessage]:
    """Read one file-like input (seekable) by what its first bytes show."""
    head = f.read(_HEAD)
    if not head.strip():
        raise InputError(f"{name}: empty file")
    f.seek(0)
    kind = sniff(head)
    if kind is InputKind.GZIP:
        yield from _read_gzip(f, name)
    elif kind is InputKind.ARCHIVE_PAGE:
        yield RawMessage(data=f.read(), origin=name, archive_page=True)
    elif kind is InputKind.MBOX:
        yield from _read_mbox(f, name)
    else:
        raise InputError(f"{name}: holds no mail (not an mbox, message, archive page or gzip)")


def _read_gzip(f: BinaryIO, name: str) -> Iterator[RawMessage]:
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as z:
            head = z.read(_HEAD)
    except (OSError, EOFError, zlib.error):
        head = _salvage_gzip_head(f)
    f.seek(0)
    kind = sniff(head)
    if kind is InputKind.GZIP or kind is InputKind.NOT_MAIL:
        raise InputError(f"{name}: gzip data that holds no mail")
    z = gzip.GzipFile(fileobj=f, mode="rb")
    if kind is InputKind.ARCHIVE_PAGE:
        data, truncated = _read_tolerant(z)
        yield RawMessage(data=data, origin=name + (TRUNCATED if truncated else ""), archive_page=True)
        return
    yield from _read_mbox(z, name)  # type: ignore[arg-type]


def _salvage_gzip_head(f: BinaryIO) -> bytes:
    # A truncated .gz still holds readable data up to the cut.
    f.seek(0)
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return d.decompress(f.read(_HEAD), _HEAD)
    except zlib.error:
        return b""


def _read_tolerant(z: BinaryIO) -> tuple[bytes, bool]:
    parts = []
    try:
        while chunk := z.read(1 << 20):
            parts.append(chunk)
    except (OSError, EOFError, zlib.error):
        return b"".join(parts), True
    return b"".join(parts), False


class _Lines:
    """Lines of a stream that stop quietly where a compressed stream breaks."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.broken = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self.f
        except (OSError, EOFError, zlib.error):
            self.broken = True


def _read_mbox(f: BinaryIO, name: str) -> Iterator[RawMessage]:
    lines = _Lines(f)
    count = 0
    for data, _ in parse_mbox(lines):
        count += 1
        origin = f"{name}#{count}"
        yield RawMessage(data=data, origin=origin + (TRUNCATED if lines.broken else ""))
    if not count:
        raise InputError(f"{name}: holds no mail")


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
            data = file.read_bytes()
        except OSError as err:
            raise InputError(f"{file}: cannot read ({err.strerror})") from None
        first, _, rest = data.partition(b"\n")
        if is_separator(first):
            data = rest
        if data.strip():
            yield RawMessage(data=data, origin=str(file))
