"""Split an mbox byte stream into messages.

Works line by line on a binary stream, so an mbox of any size is read with
the memory of one message. Handles mboxo and mboxrd: a ``>From `` (with any
number of ``>``) at the start of a body line is unescaped by one level, as
mboxrd writers escape every such line (mboxo escapes only ``From ``, and
unescaping ``>From `` there is the usual, accepted loss).

Bounded by design: a line is read in pieces of at most :data:`LINE_PIECE`
bytes, so a 2 GB line (tests/data/fuzz-found/probes/min-12-gzip-bombs) is
never held whole, and a message keeps at most :data:`MAX_MESSAGE` bytes; the
rest up to the next separator is skipped, and the message says it was cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO, NamedTuple

# Far above any mail a list delivers (vger refuses messages over a few
# hundred KB); a message longer is cut there.
MAX_MESSAGE = 16 << 20
LINE_PIECE = 1 << 20

# A separator is "From " + an envelope sender + a ctime-like date. Only such
# lines split messages: a body line such as "From the docs, ..." must not
# (git format-patch writes "From <sha> Mon Sep 17 00:00:00 2001", public-inbox
# exports write "From mboxrd@z Thu Jan  1 00:00:00 1970").
_SEPARATOR = re.compile(
    rb"^From \S*\s+"
    rb"(?:[A-Z][a-z]{2},?\s+)?"  # weekday
    rb"(?:[A-Z][a-z]{2}\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2})\s+"  # month day / day month
    rb"(?:\d{4}\s+)?"  # year before the time (rare writers)
    rb"\d{1,2}:\d{2}(?::\d{2})?"
)
_ESCAPED_FROM = re.compile(rb"^>+From ")


class MboxMessage(NamedTuple):
    """One message of an mbox stream.

    ``start``/``end``: the bytes of the stream it was read from, its
    separator line included (for the first message, from the start of the
    stream): :func:`parse_mbox` over those bytes alone gives this message
    again, which is how a message is read a second time
    (reviewkit/source/reader.py).
    """

    data: bytes
    had_separator: bool
    cut: bool  # longer than the bound: the first bytes are kept
    start: int
    end: int


def is_separator(line: bytes) -> bool:
    """Tell whether ``line`` is an mbox ``From `` separator line.

    Returns:
        True for ``From sender ctime-date`` lines, False for any other line,
        including body lines that merely start with "From ".
    """
    return line.startswith(b"From ") and _SEPARATOR.match(line) is not None


def read_pieces(f: BinaryIO) -> Iterator[bytes]:
    """The lines of a binary stream with their line ends, a line longer
    than :data:`LINE_PIECE` in several pieces."""
    return iter(lambda: f.readline(LINE_PIECE), b"")


def parse_mbox(lines: Iterable[bytes], *, max_message: int = MAX_MESSAGE) -> Iterator[MboxMessage]:
    """Yield the messages of an mbox stream.

    Args:
        lines: the stream's lines with their line ends; a long line may come
            in pieces (:func:`read_pieces`): only a piece that follows a line
            end starts a line.
        max_message: the bytes a message keeps; the rest is skipped.

    Returns:
        An iterator of MboxMessage, ``cut`` true when the message was
        longer than ``max_message``. A stream whose
        first line with text is not a ``From `` line is one bare RFC 822
        message, yielded whole with ``had_separator`` False. Separator lines
        are dropped, ``>From `` lines of an mbox unescaped. Blank messages
        are skipped, so nothing is yielded for an input without text.
    """
    chunk = bytearray()  # one buffer: a list of short lines costs ten times their bytes
    blank_end = 0  # the length of the blank line the chunk ends with, else 0
    cut = False
    had_separator = False
    first = True
    bare: bool | None = None  # known at the first line with text
    at_start = True
    start = pos = 0  # where the message began, and where this line begins, in the stream
    for line in lines:
        here, pos = pos, pos + len(line)
        starts, at_start = at_start, line.endswith(b"\n")
        if not starts:  # the rest of a long line
            if len(chunk) + len(line) > max_message:
                cut = True
            else:
                chunk += line
                blank_end = 0
            continue
        if first and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]  # a UTF-8 byte order mark from an editor
        first = False
        if bare is None and line.strip():
            # The first line of an mbox is its separator whatever follows
            # "From ": patchwork's fuzz mails (samples/patchwork/refshdr.mbox)
            # open with a mangled "From ste016". A stream that opens with
            # anything else is one bare message (an .eml): a body line
            # "From bot@example.com Mon Jan  1 00:00:00 2024" is its text
            # (tests/data/fuzz-found/probes/min-05-from-line-in-eml-comment-lost),
            # and a ">From " line is not an escape.
            bare = not line.startswith(b"From ")
            if not bare:
                had_separator = True
                continue
        if bare is False:
            if line.startswith(b"From ") and _SEPARATOR.match(line):
                data = _finish(chunk, blank_end)
                if data.strip():
                    yield MboxMessage(data, had_separator, cut, start, here)
                chunk, blank_end, cut, start = bytearray(), 0, False, here
                continue
            if line.startswith(b">") and _ESCAPED_FROM.match(line):
                line = line[1:]
        if len(chunk) + len(line) > max_message:
            cut = True
            continue
        chunk += line
        blank_end = len(line) if line in (b"\n", b"\r\n") else 0
    data = _finish(chunk, blank_end)
    if data.strip():
        yield MboxMessage(data, had_separator, cut, start, pos)


def _finish(chunk: bytearray, blank_end: int) -> bytes:
    # The blank line before the next separator belongs to the mbox format,
    # not to the message.
    return bytes(chunk[: len(chunk) - blank_end])
