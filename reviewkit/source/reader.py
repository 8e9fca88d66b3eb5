"""``read_messages``: every raw message of the inputs, streamed; ``Input``:
the same messages read once in order and again by place."""

from __future__ import annotations

import dataclasses
import enum
import io
import os
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from reviewkit.errors import InputError
from reviewkit.model import RawMessage
from reviewkit.source.mbox import MAX_MESSAGE, is_separator, parse_mbox, read_pieces
from reviewkit.source.sniff import InputKind, sniff
from reviewkit.source.tempdir import temporary_dir

if TYPE_CHECKING:
    from reviewkit.source.inbox import CatFile

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


class PartKind(enum.Enum):
    """How the messages of a part of an input are read again."""

    MBOX = "mbox"  # an mbox or a single message: each message a range of bytes
    PAGE = "page"  # a saved list-archive page: one message, the whole file
    EPOCH = "epoch"  # a public-inbox epoch: each message by its commit
    MAILDIR = "maildir"  # each message a file


@dataclass(frozen=True)
class Part:
    """One part of an input: a file, a spooled stream, an epoch, a maildir.

    ``path``: what is read again (for standard input and for gzip data, the
    spool of what was read: the decompressed stream); ``name``: how the
    messages' origins name it. ``broken``: the compressed stream ended
    early, so its last message is cut short; ``count``: its messages (an
    mbox: to know the last one).
    """

    kind: PartKind
    path: str
    name: str
    broken: bool = False
    count: int = 0


class Place(NamedTuple):
    """Where a message of an input is, to read it again (:meth:`Input.read`).

    ``part``: the index of its Part; ``key``: an archive message's commit, a
    maildir message's file; ``start``/``end``: an mbox message's bytes;
    ``number``: its number in the mbox (its origin: ``x.mbox#3``).
    """

    part: int
    key: str = ""
    start: int = 0
    end: int = 0
    number: int = 0


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
    source = Input(paths)
    return (raw for _, raw in source.scan())


class Input:
    """The messages of some paths, read once in order (:meth:`scan`) and
    again by place (:meth:`read`): how an archive is reviewed thread by
    thread in bounded memory.

    Files, maildirs and archives are read again where they are; standard
    input and gzip data cannot be, so with ``reread`` the first pass keeps
    what it reads (decompressed) in a spool file, in a temporary directory
    removed by :meth:`close` (or at exit).

    Args:
        paths: as :func:`read_messages` takes them; checked at once.
        reread: keep what :meth:`read` needs of standard input and gzip data.

    Raises:
        InputError: a path is missing or unreadable (see :func:`read_messages`).
    """

    def __init__(self, paths: Sequence[str] | str, *, reread: bool = False) -> None:
        if isinstance(paths, (str, os.PathLike)):
            paths = [str(paths)]
        self.paths = [str(p) for p in paths]
        for path in self.paths:
            _check_path(path)
        self.parts: list[Part] = []
        self._reread = reread
        self._stack = ExitStack()
        self._spools: Path | None = None
        self._catfiles: dict[int, CatFile] = {}
        self._files: dict[int, BinaryIO] = {}

    @classmethod
    def of_parts(cls, parts: Sequence[Part]) -> "Input":
        """An input to read again by place in another process than the one
        that scanned it (whose spools must still exist)."""
        source = cls([])
        source.use_parts(parts)
        return source

    def __enter__(self) -> "Input":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the readers and remove the spools."""
        for f in self._files.values():
            f.close()
        self._files.clear()
        self._catfiles.clear()
        self._stack.close()
        self._spools = None

    @property
    def spooled(self) -> bool:
        """Some of what was scanned lives only in this run's spools."""
        return self._spools is not None

    def use_parts(self, parts: Sequence[Part]) -> None:
        """Read by place with the parts of an earlier scan of the same
        input (its index, kept in the cache), without scanning again."""
        self.parts = list(parts)

    def key(self) -> str | None:
        """What names this input's content, for a cache of what is built
        from it: each path with its size and modification time (an
        archive: the state of its refs); None for standard input."""
        keys = []
        for path in self.paths:
            if path == STDIN:
                return None
            p = Path(path)
            try:
                if p.is_dir():
                    from reviewkit.source.inbox import epoch_state, find_epochs

                    if _is_maildir(p):
                        stamps = [str((p / d).stat().st_mtime_ns) for d in ("cur", "new") if (p / d).is_dir()]
                    elif (files := _mail_files(p)):
                        stamps = [f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files]
                    else:
                        stamps = [f"{e.name}:{epoch_state(e)}" for e in find_epochs(p)]
                    keys.append(f"{p.resolve()}:{','.join(stamps)}")
                else:
                    st = p.stat()
                    keys.append(f"{p.resolve()}:{st.st_size}:{st.st_mtime_ns}")
            except OSError:
                return None
        return "\n".join(keys)

    # ---------------------------------------------------------------- scan

    def scan(self) -> Iterator[tuple[Place, RawMessage]]:
        """Every message of the input, in order, with its place."""
        self.parts = []
        for path in self.paths:
            yield from self._scan_path(path)

    def _add(self, part: Part) -> int:
        self.parts.append(part)
        return len(self.parts) - 1

    def _spool(self) -> tuple[BinaryIO, str] | None:
        """A new spool file and its path when reading again is wanted, else None."""
        if not self._reread:
            return None
        if self._spools is None:
            self._spools = self._stack.enter_context(temporary_dir("reviewkit-spool-"))
        fd, path = tempfile.mkstemp(dir=self._spools, suffix=".mbox")
        spool = os.fdopen(fd, "wb")
        self._stack.callback(spool.close)
        return spool, path

    def _scan_path(self, path: str) -> Iterator[tuple[Place, RawMessage]]:
        if path == STDIN:
            # Streamed like a file: a large mbox piped in is not held whole.
            yield from self._scan_stream(sys.stdin.buffer, "<stdin>", None, empty="-: standard input is empty")
            return
        p = Path(path)
        if p.is_dir():
            if _is_maildir(p):
                n = self._add(Part(PartKind.MAILDIR, os.path.abspath(path), path))
                files = _maildir_files(p)
                if not files:
                    raise InputError(f"{path}: the maildir holds no messages")
                for file in files:
                    raw = _read_maildir_file(file)
                    if raw is not None:
                        yield Place(n, key=str(file)), raw
            elif (files := _mail_files(p)):
                # git format-patch -o outgoing/: a series, one file a mail, in
                # the order of the names (0000-cover-letter.patch first)
                for file in files:
                    yield from self._scan_path(str(file))
            else:
                from reviewkit.source.inbox import find_epochs, read_epoch

                count = 0
                for repo in find_epochs(p):
                    n = self._add(Part(PartKind.EPOCH, os.path.abspath(repo), path))
                    for data, commit, long in read_epoch(repo):
                        count += 1
                        yield Place(n, key=commit), _archive_message(data, commit, long)
                if not count:
                    raise InputError(f"{path}: the public-inbox archive holds no messages")
            return
        try:
            with open(p, "rb") as f:
                yield from self._scan_stream(f, path, path)
        except PermissionError:
            raise InputError(f"{path}: cannot read (permission denied)") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory") from None
        except OSError as err:  # an I/O error half-way through a file
            raise InputError(f"{path}: cannot read ({err.strerror or err})") from None

    def _scan_stream(self, f: BinaryIO, name: str, file: str | None, *,
                     empty: str | None = None) -> Iterator[tuple[Place, RawMessage]]:
        """Read one byte stream by what its first bytes show; no seeking
        needed. ``file``: the file it is, to read again (None: a pipe)."""
        head = _read_head(f)
        if not head.strip():
            raise InputError(empty or f"{name}: empty file")
        stream: BinaryIO = io.BufferedReader(_Replay(head, f), buffer_size=_HEAD)
        kind = sniff(head)
        gunzip = None
        if kind is InputKind.GZIP:
            gunzip = _Gunzip(stream, name)
            stream = io.BufferedReader(gunzip, buffer_size=_HEAD)
            head = _read_head(stream)
            if not head.strip():
                if gunzip.broken:
                    raise InputError(f"{name}: gzip data that cannot be decompressed")
                raise InputError(f"{name}: empty file (inside gzip)")
            kind = sniff(head)
            if kind is InputKind.GZIP or kind is InputKind.NOT_MAIL:
                raise InputError(f"{name}: gzip data that holds no mail")
            stream = io.BufferedReader(_Replay(head, stream), buffer_size=_HEAD)
        elif kind is InputKind.NOT_MAIL:
            raise InputError(f"{name}: holds no mail (not an mbox, message, archive page or gzip)")
        spooled = self._spool() if gunzip is not None or file is None else None
        spool = None
        if spooled is not None:
            spool, file = spooled
            stream = io.BufferedReader(_Tee(stream, spool), buffer_size=_HEAD)
        page = kind is InputKind.ARCHIVE_PAGE
        n = self._add(Part(PartKind.PAGE if page else PartKind.MBOX, os.path.abspath(file) if file else "", name))

        def broken() -> bool:
            return gunzip is not None and gunzip.broken

        if page:
            raw = _read_page(stream, name, broken=broken)
            if spool is not None:
                spool.flush()
            self.parts[n] = dataclasses.replace(self.parts[n], broken=broken(), count=1)
            yield Place(n, number=1), raw
            return
        count = 0
        for count, (raw, start, end) in enumerate(_read_mbox(stream, name, broken=broken), 1):
            yield Place(n, start=start, end=end, number=count), raw
        if spool is not None:
            spool.flush()
        # known once the stream has ended: read again only after the scan
        self.parts[n] = dataclasses.replace(self.parts[n], broken=broken(), count=count)

    # ---------------------------------------------------------------- read

    def read(self, places: Iterable[Place]) -> Iterator[RawMessage]:
        """The messages at ``places``, in that order, as :meth:`scan` gave
        them (origin and cut included).

        Raises:
            InputError: a file changed or went away since the scan.
        """
        batch: list[Place] = []
        for place in places:
            if batch and (place.part != batch[0].part or self.parts[place.part].kind is not PartKind.EPOCH):
                yield from self._read_batch(batch)
                batch = []
            batch.append(place)
        if batch:
            yield from self._read_batch(batch)

    def _read_batch(self, places: list[Place]) -> Iterator[RawMessage]:
        n = places[0].part
        part = self.parts[n]
        if part.kind is PartKind.EPOCH:
            for data, commit, long in self._catfile(n).messages([p.key for p in places]):
                yield _archive_message(data, commit, long)
        elif part.kind is PartKind.MAILDIR:
            for place in places:
                raw = _read_maildir_file(Path(place.key))
                if raw is not None:
                    yield raw
        elif part.kind is PartKind.PAGE:
            try:
                with open(part.path, "rb") as f:
                    yield _read_page(f, part.name, broken=lambda: part.broken)
            except OSError as err:
                raise InputError(f"{part.name}: cannot read again ({err.strerror or err})") from None
        else:
            for place in places:
                yield self._read_mbox_message(n, place)

    def _catfile(self, n: int) -> "CatFile":
        if n not in self._catfiles:
            from reviewkit.source.inbox import CatFile, readable_git_dir

            repo = Path(self.parts[n].path)
            git_dir = self._stack.enter_context(readable_git_dir(repo))
            self._catfiles[n] = self._stack.enter_context(CatFile(repo, git_dir))
        return self._catfiles[n]

    def _read_mbox_message(self, n: int, place: Place) -> RawMessage:
        part = self.parts[n]
        try:
            f = self._files.get(n)
            if f is None:
                f = self._files[n] = open(part.path, "rb")
            f.seek(place.start)
            region = io.BufferedReader(_Limited(f, place.end - place.start), buffer_size=_HEAD)
            found = next(parse_mbox(read_pieces(region)), None)
        except OSError as err:
            raise InputError(f"{part.name}: cannot read again ({err.strerror or err})") from None
        if found is None:
            raise InputError(f"{part.name}: changed while it was read (message {place.number} is gone)")
        cut = TOO_LONG if found.cut else (CUT_SHORT if part.broken and place.number == part.count else "")
        return RawMessage(data=found.data, origin=f"{part.name}#{place.number}", cut=cut)


def _archive_message(data: bytes, commit: str, long: bool) -> RawMessage:
    return RawMessage(data=data, origin=f"archive:{commit}", cut=TOO_LONG if long else "")


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


def _read_page(f: BinaryIO, name: str, *, broken: Callable[[], bool] = lambda: False) -> RawMessage:
    """An archive page, at most MAX_MESSAGE bytes of it."""
    data = f.read(MAX_MESSAGE)
    cut = TOO_LONG if f.read(1) else (CUT_SHORT if broken() else "")
    return RawMessage(data=data, origin=name, archive_page=True, cut=cut)


def _read_mbox(f: BinaryIO, name: str, *, broken: Callable[[], bool] = lambda: False
               ) -> Iterator[tuple[RawMessage, int, int]]:
    """The messages of an mbox stream, each with its bytes (start, end)."""
    # One message is held back: only the last one can be cut short by a
    # broken compressed stream, and that is known once the stream has ended.
    count = 0
    held: tuple[RawMessage, int, int] | None = None
    for data, _, long, start, end in parse_mbox(read_pieces(f)):
        if held is not None:
            yield held
        count += 1
        held = RawMessage(data=data, origin=f"{name}#{count}", cut=TOO_LONG if long else ""), start, end
    if held is None:
        raise InputError(f"{name}: holds no mail")
    raw, start, end = held
    if broken() and not raw.cut:
        raw = RawMessage(data=raw.data, origin=raw.origin, cut=CUT_SHORT)
    yield raw, start, end


class _Tee(io.RawIOBase):
    """A stream that writes what is read from it into ``copy``."""

    def __init__(self, stream: BinaryIO, copy: BinaryIO) -> None:
        self._stream = stream
        self._copy = copy

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._stream.read(len(buffer))
        self._copy.write(data)
        buffer[: len(data)] = data
        return len(data)


class _Limited(io.RawIOBase):
    """The next ``size`` bytes of a stream."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._stream.read(min(len(buffer), self._left))
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


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


def _maildir_files(p: Path) -> list[Path]:
    files: list[Path] = []
    for sub in ("cur", "new"):
        d = p / sub
        if d.is_dir():
            files.extend(sorted(x for x in d.iterdir() if x.is_file() and not x.name.startswith(".")))
    return files


def _read_maildir_file(file: Path) -> RawMessage | None:
    """The message in a maildir's file; None for a blank file."""
    try:
        with open(file, "rb") as f:
            data = f.read(MAX_MESSAGE)
            long = bool(f.read(1))
    except OSError as err:
        raise InputError(f"{file}: cannot read ({err.strerror})") from None
    first, _, rest = data.partition(b"\n")
    if is_separator(first):
        data = rest
    if not data.strip():
        return None
    return RawMessage(data=data, origin=str(file), cut=TOO_LONG if long else "")
