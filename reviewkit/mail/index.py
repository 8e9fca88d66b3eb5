"""The index of an input: where each message is and what its head says
(Message-ID, threading headers, subject, date), and the units the input is
reviewed in, one after the other, in bounded memory.

A **unit** is a set of threads that the pipeline never links to any other:
the messages joined by Message-ID, In-Reply-To and References (every id
named, also of a message the input lacks: orphans that answer the same
missing mail share a thread; an id and the ids its copies may be renamed
to, ``<a@x#dup2>``), a reply without threading headers with the
postings whose subject or title it carries (where :func:`build_threads`
may place it), and the numbered postings without a Message-ID of their
own (``git format-patch`` files, which :func:`reviewkit.pipeline.find_series`
puts in one series). The review of a unit alone is the review of those
threads in the whole input, but for one fallback that looks across
threads: a reply with no patch above it in its thread is matched to a patch
of the same title in its unit only (in an archive, a title is shared by
every version of a series, and the first patch of that title anywhere is
rarely the one answered).

The index of the linux-pwm archive (23,541 messages) is built in one pass
over the heads (:func:`reviewkit.mail.parse_threading`), 8 MB of text (2 MB
compressed), and kept in the cache under the input's identity (each file's
path, size and modification time, each epoch's refs), checked on load.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from reviewkit.cache import Entry
from reviewkit.mail.parse import parse_threading
from reviewkit.mail.subject import parse_subject
from reviewkit.mail.thread import dedupe_base, is_lonely, subject_keys
from reviewkit.source import Input, Part, PartKind, Place

FORMAT = 2  # the layout of a cached index; raise it when that changes
# An input of fewer messages is indexed again on each run (a few
# milliseconds): the cache keeps what is worth keeping.
CACHE_MIN = 500


class IndexEntry(NamedTuple):
    """One message: its place in the input and what its head says;
    ``position``: its number in input order (from 0)."""

    place: Place
    msgid: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    timestamp: float | None
    own_msgid: bool = True  # False: made up (the mail had none)
    position: int = 0


class MailIndex:
    """The messages of an input and its units, kept as the text of its
    cache entry: a line per message, the lines of a unit together, the
    units in order. A run that reads one thread (``--msgid``) finds its
    line by a byte search and decodes that unit's lines alone: the index of
    the linux-pwm archive is 8 MB of text, 30 MB as Python records.

    ``len()``: the number of units; ``messages``: of messages.
    """

    def __init__(self, parts: Sequence[Part], text: bytes, starts: Sequence[int], messages: int) -> None:
        self.parts = tuple(parts)
        self.text = text
        self.starts = list(starts)  # where each unit's lines begin in ``text``
        self.messages = messages

    def __len__(self) -> int:
        return len(self.starts)

    def entries(self, unit: int) -> list[IndexEntry]:
        """The messages of ``unit``, in input order."""
        end = self.starts[unit + 1] if unit + 1 < len(self.starts) else len(self.text)
        return [_decode_line(line) for line in self.text[self.starts[unit]:end - 1].split(b"\n")]

    def places(self, unit: int) -> list[Place]:
        """Where the messages of ``unit`` are, in input order."""
        return [e.place for e in self.entries(unit)]

    def size(self, unit: int) -> int:
        end = self.starts[unit + 1] if unit + 1 < len(self.starts) else len(self.text)
        return self.text.count(b"\n", self.starts[unit], end)

    def find(self, msgid: str) -> int | None:
        """The unit of the message ``msgid`` (any case, brackets or not)."""
        exact = f"<{msgid.strip().strip('<>')}>".encode("utf-8", "surrogateescape")
        at = self.text.find(b"\n" + exact + b"\t")
        if at < 0 and self.text.startswith(exact + b"\t"):
            at = 0
        if at >= 0:
            return bisect.bisect_right(self.starts, at + 1) - 1
        wanted = _bare(msgid)
        for unit in range(len(self)):
            if any(_bare(e.msgid) == wanted for e in self.entries(unit)):
                return unit
        return None

    def select(self, *, msgids: Sequence[str] = (), subject: str | None = None,
               since: float | None = None) -> list[int]:
        """The units (in order) that hold a message with one of ``msgids``,
        whose subjects contain ``subject`` (any case), with a message dated
        ``since`` (seconds since the epoch) or later; all when none is given."""
        units = sorted({u for m in msgids if (u := self.find(m)) is not None}) if msgids else range(len(self))
        if subject is None and since is None:
            return list(units)
        text = subject.lower() if subject else None
        out = []
        for n in units:
            entries = self.entries(n)
            if text is not None and not any(text in e.subject.lower() for e in entries):
                continue
            if since is not None and not any(e.timestamp is not None and e.timestamp >= since for e in entries):
                continue
            out.append(n)
        return out

    def missing(self, msgids: Sequence[str]) -> list[str]:
        """Those of ``msgids`` no message of the input has."""
        return [m for m in msgids if self.find(m) is None]


def _bare(msgid: str) -> str:
    return msgid.strip().strip("<>").lower()


# A line of the index: the fields of an IndexEntry, tab-separated. A
# Message-ID holds no blank (reviewkit/mail/headers.py), nor does a subject
# with its blanks squashed; a place's key (a maildir's file) is JSON.
def _encode_line(e: IndexEntry) -> bytes:
    place = e.place
    fields = (e.msgid, str(e.position), str(place.part), json.dumps(place.key), str(place.start), str(place.end),
              str(place.number), "" if e.timestamp is None else repr(e.timestamp), "1" if e.own_msgid else "0",
              e.in_reply_to or "", " ".join(e.references), e.subject)
    return "\t".join(fields).encode("utf-8", "surrogateescape") + b"\n"


def _decode_line(line: bytes) -> IndexEntry:
    (msgid, position, part, key, start, end, number, timestamp, own, in_reply_to, references,
     subject) = line.decode("utf-8", "surrogateescape").split("\t")
    return IndexEntry(Place(int(part), json.loads(key), int(start), int(end), int(number)), msgid, in_reply_to or None,
                      tuple(references.split()), subject, float(timestamp) if timestamp else None, own == "1",
                      int(position))


def build_index(source: Input, *, on_message: Callable[[int], None] | None = None) -> MailIndex:
    """Read every message's head once and find the units.

    Args:
        source: the input; scanned here (its spools, if any, are filled).
        on_message: called with the count of messages read so far, now
            and then (a progress display).

    Raises:
        InputError: the input cannot be read or holds no mail.
    """
    entries = []
    for n, (place, raw) in enumerate(source.scan()):
        t = parse_threading(raw)
        entries.append(IndexEntry(place, t.msgid, t.in_reply_to, t.references, t.subject, t.timestamp,
                                  t.own_msgid, n))
        if on_message is not None and n % 256 == 0:
            on_message(n)
    if on_message is not None:
        on_message(len(entries))
    starts = []
    lines = []
    size = 0
    for unit in find_units(entries):
        starts.append(size)
        for i in unit:
            lines.append(_encode_line(entries[i]))
            size += len(lines[-1])
    return MailIndex(source.parts, b"".join(lines), starts, len(entries))


# Not a Message-ID (no angle brackets): the node that joins the numbered
# postings without a Message-ID of their own into one unit.
_UNSENT = "unsent postings"


def find_units(entries: Sequence[IndexEntry]) -> list[list[int]]:
    """The units of ``entries`` (see the module), each its positions in
    input order, the units by their first message's date (then position).
    """
    parent: list[int] = []
    ids: dict[str, int] = {}

    def node(key: str) -> int:
        n = ids.get(key)
        if n is None:
            n = ids[key] = len(parent)
            parent.append(n)
        return n

    def find(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    nodes = [node(e.msgid) for e in entries]
    for i, e in enumerate(entries):
        base = dedupe_base(e.msgid)
        if base is not None:
            union(nodes[i], node(base))
    lonely_keys: set[str] = set()
    lonely = []
    for i, e in enumerate(entries):
        if e.in_reply_to or e.references:
            for ref in (e.in_reply_to, *e.references):
                if ref:
                    union(nodes[i], node(ref))
            continue
        series = parse_subject(e.subject)
        if not e.own_msgid and series.total:
            union(nodes[i], node(_UNSENT))
        if is_lonely(e.in_reply_to, e.references, series):
            keys = [k for k in subject_keys(e.subject, series) if k]
            lonely.append((i, keys))
            lonely_keys.update(keys)
    if lonely:
        for i, keys in lonely:
            for key in keys:
                union(nodes[i], node("\0" + key))
        for i, e in enumerate(entries):
            series = parse_subject(e.subject)
            if not series.is_reply:
                for key in subject_keys(e.subject, series):
                    if key in lonely_keys:
                        union(nodes[i], node("\0" + key))
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(nodes):
        groups.setdefault(find(n), []).append(i)

    def first(unit: list[int]) -> tuple[float, int]:
        stamps = [t for i in unit if (t := entries[i].timestamp) is not None]
        return (min(stamps) if stamps else math.inf, unit[0])

    return sorted(groups.values(), key=first)


# --------------------------------------------------------------------------
# kept between runs


def load_index(source: Input, *, on_message: Callable[[int], None] | None = None) -> MailIndex:
    """The index of ``source``: from the cache when an entry made from the
    same input is there and reads back whole, else built (and kept when
    the input is large and can be read again by another run: not standard
    input, not gzip data).

    ``source`` can read its messages by place afterwards either way.
    """
    key = source.key()
    entry = Entry.named("index", hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()) \
        if key is not None else None
    if entry is not None:
        payload = entry.read()
        index = decode_index(payload) if payload is not None else None
        if index is not None:
            source.use_parts(index.parts)
            return index
    index = build_index(source, on_message=on_message)
    if entry is not None and not source.spooled and index.messages >= CACHE_MIN:
        entry.write(encode_index(index))
    return index


def encode_index(index: MailIndex) -> bytes:
    """The index as the bytes of its cache entry: a JSON line (the format,
    the parts, where each unit begins), then the index's text."""
    head = {"format": FORMAT, "parts": [[p.kind.value, p.path, p.name, p.broken, p.count] for p in index.parts],
            "starts": index.starts, "messages": index.messages}
    return zlib.compress(json.dumps(head, ensure_ascii=False).encode("utf-8", "surrogateescape") + b"\n"
                         + index.text, 1)


def decode_index(payload: bytes) -> MailIndex | None:
    """The index kept in ``payload``; None when it is not one this version
    writes (the entry is then made again). Its lines are decoded when
    they are read; a line that does not decode then is a bug, not damage
    (the cache entry's checksum held)."""
    try:
        data = zlib.decompress(payload)
        end = data.index(b"\n")
        head = json.loads(data[:end].decode("utf-8", "surrogateescape"))
        if head.get("format") != FORMAT:
            return None
        parts = tuple(Part(PartKind(k), str(path), str(name), bool(broken), int(count))
                      for k, path, name, broken, count in head["parts"])
        starts = [int(s) for s in head["starts"]]
        messages = int(head["messages"])
    except (ValueError, TypeError, KeyError, AttributeError, zlib.error):
        return None
    text = data[end + 1:]
    if starts != sorted(starts) or (starts and (starts[0] != 0 or starts[-1] >= len(text))) or \
            text.count(b"\n") != messages or (text and not text.endswith(b"\n")):
        return None
    return MailIndex(parts, text, starts, messages)


__all__ = ["CACHE_MIN", "IndexEntry", "MailIndex", "build_index", "decode_index", "encode_index", "find_units",
           "load_index"]
