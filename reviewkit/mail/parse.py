"""``parse_message``: raw bytes to a decoded Message."""

from __future__ import annotations

import email
import email.errors
import re
from email.message import Message as EmailMessage
from typing import NamedTuple

from reviewkit.mail.body import find_body
from reviewkit.mail.charset import decode_bytes
from reviewkit.mail.headers import (
    MIME_FIELDS,
    decode_header_value,
    parse_author,
    parse_msgid,
    parse_msgids,
    parse_timestamp,
    read_head,
    split_head,
)
from reviewkit.mail.subject import parse_subject
from reviewkit.model import Attachment, Message, MessageKind, RawMessage, Series

# A diff at the start of a line (quoted diffs start with ">", so they do not
# count): git, unified (--- / +++ / @@), or CVS (Index: + ====).
_GIT_DIFF = re.compile(r"^diff --git \S", re.MULTILINE)
_UNIFIED = re.compile(r"^--- \S.*\n\+\+\+ \S.*\n@@+ -\d", re.MULTILINE)
_CVS = re.compile(r"^Index: \S.*\n={20,}", re.MULTILINE)
_PAGE_FIELD = re.compile(r"^([A-Za-z-]+):[ \t]*(.*)$")


def parse_message(raw: RawMessage) -> Message:
    """Decode one raw message.

    Args:
        raw: bytes and origin from the source stage.

    Returns:
        The Message: decoded headers and body (``\\n`` line ends), author,
        timestamp (None when the date cannot be read), series tags, kind,
        attachments. Whatever had to be guessed is in ``warnings``. Never
        raises on bad mail: a message the parser cannot read at all gives an
        OTHER message with its bytes decoded as the body and a warning.
    """
    notes: list[str] = []
    if raw.cut:
        notes.append(f"{raw.cut}; this message may be incomplete")
    try:
        if raw.archive_page:
            return _parse_page(raw, notes)
        return _parse_mail(raw, notes)
    except Exception as err:  # noqa: BLE001
        # Last resort: one hostile message must never stop a run over an
        # archive (23,541 messages in ../shared/archives); the warning keeps
        # the failure visible.
        notes.append(f"could not parse the message ({type(err).__name__}: {err}); its raw text is the body")
        text, _ = decode_bytes(raw.data, None)
        return _build(
            raw,
            notes,
            msgid=_synthetic_id("unparsed", raw.data, notes),
            subject="",
            author_value="",
            date="",
            in_reply_to=None,
            references=(),
            body=text.replace("\r\n", "\n"),
            attachments=(),
        )


def _parse_mail(raw: RawMessage, notes: list[str]) -> Message:
    # A byte order mark would turn the first header into body text.
    data = raw.data.removeprefix(b"\xef\xbb\xbf")
    fields, body_at = split_head(data)
    head = _mail_head(fields, notes)
    msg = _one_part(fields, data, body_at) or email.message_from_bytes(data)
    msgid = head.msgid or _synthetic_id("no-msgid", raw.data, notes)
    body, attachments, body_notes = find_body(msg)
    notes.extend(body_notes)
    for defect in msg.defects[:3]:
        if isinstance(defect, (email.errors.StartBoundaryNotFoundDefect, email.errors.CloseBoundaryNotFoundDefect)):
            notes.append(f"broken MIME structure: {type(defect).__name__}")
    return _build(
        raw,
        notes,
        msgid=msgid,
        subject=head.subject,
        author_value=head.author_value,
        date=head.date,
        in_reply_to=head.in_reply_to,
        references=head.references,
        body=body,
        attachments=attachments,
    )


class _Head(NamedTuple):
    """The values of a mail's head, decoded; ``msgid`` None when it has none."""

    msgid: str | None
    subject: str
    author_value: str
    date: str
    in_reply_to: str | None
    references: tuple[str, ...]


def _one_part(fields: dict[str, str], data: bytes, body_at: int | None) -> EmailMessage | None:
    """The message as ``email.message_from_bytes`` gives it, when it is of
    one part (not multipart/*, not message/*): its MIME fields (all that
    reviewkit/mail/body.py reads) and its body, taken whole. That parser
    reads a message line by line, a third of the time of a whole review
    of the linux-pwm archive with the rules off; most mail is of one part.
    None for any other message."""
    if body_at is None:
        return None
    msg = EmailMessage()
    for name in MIME_FIELDS:
        if name in fields:
            msg.set_raw(name, fields[name])
    if msg.get_content_maintype() in ("multipart", "message"):
        return None
    msg.set_payload(data[body_at:].decode("ascii", "surrogateescape"))
    return msg


def _mail_head(headers: dict[str, str], notes: list[str] | None) -> _Head:
    return _Head(
        msgid=parse_msgid(headers.get("message-id")),
        subject=decode_header_value(headers.get("subject", ""), notes),
        author_value=decode_header_value(headers.get("from", ""), notes),
        date=decode_header_value(headers.get("date", ""), None),
        in_reply_to=parse_msgid(headers.get("in-reply-to")),
        references=parse_msgids(headers.get("references")),
    )


class Threading(NamedTuple):
    """What threads and dates a message, as :func:`parse_message` gives it;
    ``own_msgid`` False when its msgid is made up (:func:`has_own_msgid`)."""

    msgid: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    timestamp: float | None
    own_msgid: bool = True


def parse_threading(raw: RawMessage) -> Threading:
    """The Message-ID, threading headers, subject and date of ``raw``,
    read from its head alone: what an index of an archive keeps of each
    message, at a tenth of the cost of :func:`parse_message` and with the
    same values (both read the head with
    :func:`reviewkit.mail.headers.read_head`).

    Returns:
        The Threading; never raises (an archive page, and a message whose
        head cannot be read, go through :func:`parse_message`).
    """
    if not raw.archive_page:
        try:
            # the values _mail_head gives, but for the author's
            headers = read_head(raw.data.removeprefix(b"\xef\xbb\xbf"))
            own = parse_msgid(headers.get("message-id"))
            msgid = own or _synthetic_id("no-msgid", raw.data, [])
            in_reply_to, references = _links(msgid, parse_msgid(headers.get("in-reply-to")),
                                             parse_msgids(headers.get("references")))
            subject = decode_header_value(headers.get("subject", ""), None)
            date = decode_header_value(headers.get("date", ""), None)
            return Threading(msgid, in_reply_to, references, " ".join(subject.split()), parse_timestamp(date),
                             own is not None)
        except Exception:  # noqa: BLE001  (parse_message says what went wrong)
            pass
    m = parse_message(raw)
    return Threading(m.msgid, m.in_reply_to, m.references, m.subject, m.timestamp, has_own_msgid(m))


def _links(msgid: str, in_reply_to: str | None, references: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """The threading headers without the message's own id: a message that
    names itself is no reply to itself."""
    return (None if in_reply_to == msgid else in_reply_to), tuple(r for r in references if r != msgid)


def _parse_page(raw: RawMessage, notes: list[str]) -> Message:
    """A saved list-archive page: subject line, blank, From:/Date:, body.

    The seed (tests/data/corpus/seed-duyck-mlock-v16-16.txt) has no
    Message-ID and masked addresses; its id is made from its bytes so that
    the same page always gets the same one.
    """
    text, guess = decode_bytes(raw.data, None)
    if guess:
        notes.append(f"page is not valid UTF-8; decoded as {guess}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    subject = lines[0].strip()
    fields: dict[str, str] = {}
    i = 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines):
        match = _PAGE_FIELD.match(lines[i])
        if not match or not lines[i].strip():
            break
        fields.setdefault(match.group(1).lower(), match.group(2).strip())
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    body = "\n".join(lines[i:])
    msgid = parse_msgid(fields.get("message-id"))
    if msgid is None:
        msgid = f"<archive-page-{_sha1_12(raw.data)}@reviewkit>"
        notes.append(f"{NO_MSGID} on the archive page; using {msgid}")
    return _build(
        raw,
        notes,
        msgid=msgid,
        subject=fields.get("subject", subject) if not subject else subject,
        author_value=fields.get("from", ""),
        date=fields.get("date", ""),
        in_reply_to=parse_msgid(fields.get("in-reply-to")),
        references=parse_msgids(fields.get("references")),
        body=body,
        attachments=(),
    )


def _sha1_12(data: bytes) -> str:
    # imported here: hashlib loads OpenSSL (2 ms of every run), and only
    # a message without a Message-ID needs it
    import hashlib

    return hashlib.sha1(data).hexdigest()[:12]


# The note on a message that had no Message-ID of its own (git format-patch
# writes none): its msgid is made up, and names it in no archive.
NO_MSGID = "no Message-ID"


def _synthetic_id(kind: str, data: bytes, notes: list[str]) -> str:
    msgid = f"<{kind}-{_sha1_12(data)}@reviewkit>"
    notes.append(f"{NO_MSGID}; using {msgid}")
    return msgid


def has_own_msgid(msg: Message) -> bool:
    """False when the msgid of ``msg`` is made up (it had none)."""
    return not any(w.startswith(NO_MSGID) for w in msg.warnings)


def _build(
    raw: RawMessage,
    notes: list[str],
    *,
    msgid: str,
    subject: str,
    author_value: str,
    date: str,
    in_reply_to: str | None,
    references: tuple[str, ...],
    body: str,
    attachments: tuple[Attachment, ...],
) -> Message:
    name, addr = parse_author(author_value)
    timestamp = parse_timestamp(date)
    if date and timestamp is None:
        notes.append(f"unreadable Date: {date[:60]!r}")
    series = parse_subject(subject)
    in_reply_to, references = _links(msgid, in_reply_to, references)
    return Message(
        msgid=msgid,
        subject=" ".join(subject.split()),
        author=name,
        email=addr,
        date=date,
        timestamp=timestamp,
        in_reply_to=in_reply_to,
        references=references,
        series=series,
        kind=find_kind(series, body, attachments),
        body=body,
        origin=raw.origin,
        attachments=attachments,
        warnings=tuple(dict.fromkeys(notes)),
    )


def has_diff(text: str) -> bool:
    """Tell whether ``text`` holds an unquoted diff (git, unified or CVS)."""
    if "\n" not in text:
        return False
    return bool(_GIT_DIFF.search(text) or _UNIFIED.search(text) or _CVS.search(text))


def find_kind(series: Series, body: str, attachments: tuple[Attachment, ...]) -> MessageKind:
    """What a message is, from its subject tags and its content.

    A reply is REPLY even when it carries code of its own (corpus replies
    002 and 010 post unquoted diffs); ``0/N`` is a cover letter; a
    non-reply with a diff in its body or an attachment is a PATCH.

    Returns:
        The MessageKind; OTHER when nothing else fits.
    """
    if series.is_reply:
        return MessageKind.REPLY
    if series.index == 0 and series.total:
        return MessageKind.COVER
    if has_diff(body) or any(has_diff(a.text) for a in attachments):
        return MessageKind.PATCH
    return MessageKind.OTHER
