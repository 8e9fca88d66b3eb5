"""Header values: RFC 2047 words, stray 8-bit bytes, addresses, ids, dates."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from datetime import timezone
from email.utils import parseaddr, parsedate_to_datetime

from reviewkit.mail.charset import decode_bytes

_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n$")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
# Whitespace between two encoded words is not part of the text (RFC 2047 6.2).
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?[^?\s]+\?[bBqQ]\?)")
_MSGID = re.compile(r"<([^<>\s]+)>")
_Q_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")
_PAREN_ADDR = re.compile(r"[^()\s]+@[^()\s]+")


# The fields a message is threaded, dated and named by: what parse_message
# reads of the head, and all that an index of an archive reads.
HEAD_FIELDS = ("message-id", "in-reply-to", "references", "subject", "from", "date")
# The fields that say how the body is encoded (reviewkit/mail/body.py reads
# no others): a message of one part needs no more of its head.
MIME_FIELDS = ("content-type", "content-transfer-encoding", "content-disposition")
# The head as the standard library's parser (email.feedparser) delimits it:
# lines that are a field ("name:", no blank before the colon), a
# continuation (a leading blank) or a "From " envelope line; the first
# other line (the blank line, or a body line when the blank one is missing)
# ends it. Both patterns start with a newline, which the regex engine finds
# with a fast scan (a "^" in MULTILINE mode is tried at every byte).
_HEAD_END = re.compile(rb"\n(?!From |[!-9;-~]*:|[ \t])")
_HEAD_FIELD = re.compile(
    rb"\n(" + b"|".join(re.escape(f.encode()) for f in HEAD_FIELDS + MIME_FIELDS)
    + rb"):([^\n]*(?:\n[ \t][^\n]*)*)",
    re.IGNORECASE,
)
_LONE_CR = re.compile(rb"\r(?!\n)")


def read_head(data: bytes) -> dict[str, str]:
    """The raw values of the HEAD_FIELDS and MIME_FIELDS of a message,
    without parsing the rest of it (see :func:`split_head`).

    Returns:
        Lower-case field name -> value; a field the head lacks is absent.
    """
    return split_head(data)[0]


def split_head(data: bytes) -> tuple[dict[str, str], int | None]:
    """The raw values of the HEAD_FIELDS and MIME_FIELDS of a message, and
    where its body begins.

    The values are what ``email.message_from_bytes(data).raw_items()``
    gives for those fields (the first of each; folds kept; 8-bit bytes as
    surrogate escapes), read with two regex scans: parsing a whole message
    costs ten times as much, and an index of an archive (23,541 messages
    in ../shared/archives, vger heads of 5 KB) reads only these. The body
    begins after the blank line that ends the head, or at the line that
    ends it without one, as that parser has it. A head with a lone CR,
    which that parser takes for a line end
    (tests/data/fuzz-found/slow-over-60s.eml), is left to it.

    Returns:
        (lower-case field name -> value, a field the head lacks absent;
        the offset of the body in ``data``, None for a head left to the
        parser).
    """
    start = data.find(b"\n") + 1 if data.startswith(b"From ") else 0
    # the head ends at the first blank line or before: only that much is looked at
    blank = data.find(b"\n\n", start)
    stop = blank + 1 if blank >= 0 else len(data)
    crlf = data.find(b"\n\r\n", start, stop)
    head = b"\n" + data[start:crlf + 1 if crlf >= 0 else stop]
    found = _HEAD_END.search(head)
    end = found.start() if found else len(head)
    if b"\r" in head and _LONE_CR.search(head, 0, end):
        return _read_head_by_parser(data), None
    fields: dict[str, str] = {}
    for m in _HEAD_FIELD.finditer(head, 0, end):
        name = m.group(1).lower().decode("ascii")
        if name not in fields:
            fields[name] = m.group(2).decode("ascii", "surrogateescape").lstrip(" \t").rstrip("\r\n")
    # the line that ends the head: a blank one is dropped, another is the body's first
    body = min(start + end, len(data))
    if data.startswith(b"\n", body):
        body += 1
    elif data.startswith(b"\r\n", body):
        body += 2
    return fields, body


def _read_head_by_parser(data: bytes) -> dict[str, str]:
    import email

    fields: dict[str, str] = {}
    for name, value in email.message_from_bytes(data).raw_items():
        key = name.strip().lower()
        if key in HEAD_FIELDS + MIME_FIELDS and key not in fields:
            fields[key] = value if isinstance(value, str) else str(value)
    return fields


def decode_header_value(value: str, notes: list[str] | None = None) -> str:
    """Turn a raw header value into text.

    Args:
        value: the value as the parser stored it; raw 8-bit bytes arrive as
            surrogate escapes (samples/patchwork/0015-with-invalid-utf8-headers.mbox).
        notes: where to add a one-line note when a guess was needed.

    Returns:
        The unfolded, decoded value. Never raises: undecodable parts are
        decoded as cp1252 with replacement characters.
    """
    value = _FOLD.sub("", value)
    if _has_surrogates(value):
        raw = value.encode("utf-8", "surrogateescape")
        value, guessed = decode_bytes(raw, None)
        if guessed and notes is not None:
            notes.append(f"header holds bytes that are not UTF-8; decoded as {guessed}")
    if "=?" not in value:
        return value.strip()
    value = _BETWEEN_WORDS.sub(r"\1", value)
    return _ENCODED_WORD.sub(lambda m: _decode_word(m, notes), value).strip()


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _decode_word(match: re.Match[str], notes: list[str] | None) -> str:
    charset, encoding, text = match.group(1), match.group(2).upper(), match.group(3)
    charset = charset.split("*", 1)[0]  # RFC 2231 language: utf-8*en
    try:
        if encoding == "B":
            data = base64.b64decode(text + "=" * (-len(text) % 4))
        else:
            data = _Q_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), text.replace("_", " ").encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        if notes is not None:
            notes.append(f"broken encoded word in a header: {match.group(0)[:60]}")
        return match.group(0)
    decoded, guessed = decode_bytes(data, charset)
    if guessed and notes is not None:
        notes.append(f"header word in charset {charset!r} decoded as {guessed}")
    return decoded


def parse_msgid(value: str | None) -> str | None:
    """Find the message id in a Message-ID or In-Reply-To value.

    Returns:
        ``<id>`` (angle brackets kept), the first one when several are given;
        a bare token with an ``@`` gets brackets; None when there is none.
    """
    if not value:
        return None
    value = _visible_bytes(value)
    match = _MSGID.search(value)
    if match:
        return f"<{match.group(1)}>"
    for token in value.split():
        if "@" in token:
            return f"<{token.strip('<>,;')}>"
    return None


def _visible_bytes(value: str) -> str:
    """Stray 8-bit bytes of an id as ``\\xff`` text: the same bytes give the
    same id in every header, and no surrogate escape reaches the output
    (samples/patchwork/refshdr.mbox has ``\\xff\\xff\\xff\\x7f`` in References)."""
    if not _has_surrogates(value):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def parse_msgids(value: str | None) -> tuple[str, ...]:
    """All ``<id>`` tokens of a References value, in order, without repeats.

    Returns:
        A tuple of ids with brackets; empty for a missing or malformed value
        (samples/patchwork/refshdr.mbox).
    """
    if not value:
        return ()
    value = _visible_bytes(value)
    seen: dict[str, None] = {}
    for m in _MSGID.finditer(value):
        seen.setdefault(f"<{m.group(1)}>", None)
    return tuple(seen)


# The same few hundred people write most of a list (the linux-pwm archive:
# 23,541 messages, 1,900 senders); their From: values repeat.
@functools.lru_cache(maxsize=4096)
def parse_author(value: str) -> tuple[str, str]:
    """Display name and address from a From: value.

    Returns:
        ``(name, email)``. The name falls back to the address. A bare name
        with no address (archive pages: "From: Alexander Duyck" in the seed)
        gives ``(name, "")``. Masked addresses are kept as written.
    """
    value = value.strip()
    if not value:
        return "", ""
    if "@" not in value:
        return value.strip('"').strip(), ""
    name, addr = parseaddr(value)
    if "@" not in addr:
        # "Hugh Dickins (hughd@google.com)": parseaddr takes the comment
        # for the address's name.
        named = _split_paren_address(value)
        if named is not None:
            name, addr = named
            return name.strip('"').strip() or addr, addr
        return value, ""
    name = name.strip().strip('"').strip()
    return (name or addr), addr


# Hypermail pages write "Fri Jul 17 2020 - 16:31:02 EST" (the seed).
_PAGE_DATE = re.compile(r"^\s*(\w{3})\s+(\w{3})\s+(\d{1,2})\s+(\d{4})\s*-\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*(\S+)?\s*$")



def _split_paren_address(value: str) -> tuple[str, str] | None:
    """("Hugh Dickins", "hughd@google.com") for ``Hugh Dickins
    (hughd@google.com)``: the last parenthesis, at the end, holding an
    address; else None. Plain string scans: a regex with a lazy name and
    optional spaces rescanned a run of blanks from each of them."""
    value = value.rstrip()
    if not value.endswith(")"):
        return None
    open_ = value.rfind("(")
    addr = value[open_ + 1 : -1].strip()
    if open_ < 0 or not _PAREN_ADDR.fullmatch(addr):
        return None
    return value[:open_].rstrip(), addr

def parse_timestamp(value: str) -> float | None:
    """Seconds since the epoch for a Date: value.

    Returns:
        The timestamp, with zone-less dates taken as UTC; None when the date
        cannot be read.
    """
    if not value:
        return None
    match = _PAGE_DATE.match(value)
    if match:
        wd, mon, day, year, time, zone = match.groups()
        value = f"{wd}, {day} {mon} {year} {time} {zone or ''}".strip()
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return dt.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
