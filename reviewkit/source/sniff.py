"""Tell what an input holds by its content, never by its file name."""

from __future__ import annotations

import enum
import re



class InputKind(enum.Enum):
    MBOX = "mbox"  # one or more messages, with or without "From " lines
    ARCHIVE_PAGE = "archive-page"  # a list-archive page saved as text
    GZIP = "gzip"
    NOT_MAIL = "not-mail"


GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"  # editors on other systems save mail with one

# An RFC 5322 header field: a name of printable ASCII but ':' and a colon.
_HEADER = re.compile(rb"^[!-9;-~]+:")
# Fields at least one of which a real message head shows early on.
_MAIL_FIELDS = re.compile(
    rb"^(?:from|date|subject|message-id|to|cc|received|return-path|delivered-to|"
    rb"in-reply-to|references|mime-version|content-type|x-[!-9;-~]*|list-[!-9;-~]*|"
    rb"sender|reply-to|user-agent|dkim-signature|arc-[!-9;-~]*|authentication-results):",
    re.IGNORECASE,
)


def sniff(head: bytes) -> InputKind:
    """Classify the first bytes (a few KiB) of an input.

    Returns:
        GZIP for gzip data; MBOX for an mbox or a bare RFC 822 message (a
        ``.eml`` or a ``git format-patch`` file); ARCHIVE_PAGE for a saved
        list-archive page (subject line, blank line, ``From:``/``Date:``
        lines, body); NOT_MAIL for anything else, binary data included.
    """
    if head.startswith(GZIP_MAGIC):
        return InputKind.GZIP
    text = head.removeprefix(BOM).lstrip(b"\r\n")
    lines = text.splitlines()
    if not lines:
        return InputKind.NOT_MAIL
    if lines[0].startswith(b"From ") and b"\0" not in lines[0]:
        return InputKind.MBOX
    if is_archive_page(lines):
        return InputKind.ARCHIVE_PAGE
    if _looks_like_headers(lines):
        return InputKind.MBOX
    return InputKind.NOT_MAIL


def is_archive_page(lines: list[bytes]) -> bool:
    """Tell whether ``lines`` open like a saved list-archive page.

    The seed (tests/data/corpus/seed-duyck-mlock-v16-16.txt) shows the shape:
    the subject on the first line, a blank line, ``From: Name`` and
    ``Date: ...`` lines, then the body. A real message head has no blank
    line after its first header.
    """
    if len(lines) < 3 or not lines[0].strip() or lines[1].strip():
        return False
    if b"\0" in lines[0]:
        return False
    fields = [ln for ln in lines[2:8] if ln.strip()][:3]
    names = {f.split(b":", 1)[0].strip().lower() for f in fields if b":" in f}
    return b"from" in names and (b"date" in names or b"subject" in names)


def _looks_like_headers(lines: list[bytes]) -> bool:
    # The first line must be a header field, and among the first lines of
    # the head there must be a field that mail carries; this turns away
    # binary data and prose that happens to start with "Word:".
    if not _HEADER.match(lines[0]):
        return False
    for line in lines[:60]:
        if not line.strip():
            break
        if b"\0" in line:
            return False
        if _MAIL_FIELDS.match(line):
            return True
    return False
