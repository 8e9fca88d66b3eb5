"""The text of a message: MIME parts, transfer encodings, charsets, HTML."""

from __future__ import annotations

import email.errors
import re
from dataclasses import dataclass, field
from email.message import Message as EmailMessage

from reviewkit.mail.charset import decode_bytes, find_codec
from reviewkit.mail.flowed import unflow
from reviewkit.model import Attachment

_PATCH_TYPES = ("text/x-patch", "text/x-diff", "text/diff", "text/x-patch-file", "application/x-patch")
_PATCH_NAME = re.compile(r"\.(?:patch|diff)$", re.IGNORECASE)
# Parts that carry no words of the writer: signatures, vCards.
_SILENT_TYPES = (
    "application/pgp-signature",
    "application/pgp-keys",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
)
# Scripts sent as application/* are text all the same (linux-pwm archive:
# gen_pwm.sh as application/x-shellscript).
_TEXTUAL = ("application/x-shellscript", "application/x-sh", "application/x-python", "application/x-perl")
# A tag ends at the next ">" and holds no "<": with "[^>]*", a run of "<"
# was rescanned from each of them (quadratic).
_TAG = re.compile(r"<[^<>]*>")
_DROP_OPEN = re.compile(r"<(script|style|head)\b", re.IGNORECASE)
_DROP_CLOSE = {tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in ("script", "style", "head")}
_BREAK_HTML = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d|/pre)\b[^<>]*>", re.IGNORECASE)
_KNOWN_CTE = ("", "7bit", "8bit", "binary", "quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue")
_BASE64_DEFECTS = (
    email.errors.InvalidBase64PaddingDefect,
    email.errors.InvalidBase64CharactersDefect,
    email.errors.InvalidBase64LengthDefect,
)


@dataclass
class BodyParts:
    """What the MIME walk found: body text, kept attachments, notes."""

    texts: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def find_body(msg: EmailMessage) -> tuple[str, tuple[Attachment, ...], list[str]]:
    """Find and decode the text of a parsed message.

    The inline text/plain parts make the body (joined by a blank line when
    there are several); HTML is ignored when text/plain exists
    (samples/patchwork/0019-multipart-patch.mbox). text/x-patch and
    text/x-diff parts, and parts named ``*.patch``/``*.diff``, become
    attachments.

    Returns:
        ``(body, attachments, notes)``; body line ends are ``\\n``. When only
        HTML exists its tags are stripped and a note says so. Never raises:
        decoding problems become notes.
    """
    parts = BodyParts()
    _walk(msg, parts, depth=0)
    if parts.texts:
        body = "\n\n".join(parts.texts) if len(parts.texts) > 1 else parts.texts[0]
    elif parts.html:
        body = "\n\n".join(strip_html(h) for h in parts.html)
        parts.notes.append("no text/plain part; the HTML part was stripped of tags")
    else:
        body = ""
    return body, tuple(parts.attachments), parts.notes


def _walk(part: EmailMessage, parts: BodyParts, depth: int) -> None:
    ctype = part.get_content_type()
    if part.is_multipart():
        if depth > 20:
            parts.notes.append("MIME nesting deeper than 20 levels; inner parts skipped")
            return
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, EmailMessage):  # always, from the parser
                    _walk(sub, parts, depth + 1)
        return
    filename = _filename(part)
    # str(): a value holding raw 8-bit bytes comes back as a Header object
    disposition = str(part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    is_patch = ctype in _PATCH_TYPES or bool(filename and _PATCH_NAME.search(filename))
    if is_patch:
        text = decode_part(part, parts.notes)
        parts.attachments.append(Attachment(filename=filename or "", content_type=ctype, text=text))
        return
    if ctype == "text/plain" and disposition != "attachment":
        parts.texts.append(decode_part(part, parts.notes, flowed=True))
    elif ctype == "text/plain" and not parts.texts and depth == 0:
        parts.texts.append(decode_part(part, parts.notes, flowed=True))
    elif ctype == "text/html" and disposition != "attachment":
        parts.html.append(decode_part(part, parts.notes))
    elif depth == 0 and ctype.startswith("text/"):
        # A single-part message of another text type (text/enriched, or a
        # mistyped text/x-something): its text is still the body.
        parts.texts.append(decode_part(part, parts.notes, flowed=True))
    elif (ctype.startswith("text/") and ctype != "text/html") or ctype in _TEXTUAL:
        # Other text parts (a log, a .c file, a patch sent as .txt) are kept:
        # what the writer sent must not vanish.
        parts.attachments.append(Attachment(filename=filename or "", content_type=ctype, text=decode_part(part, parts.notes)))
    elif ctype not in _SILENT_TYPES:
        parts.notes.append(f"attachment {filename or '(unnamed)'} ({ctype}) is not text; not shown")


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # malformed RFC 2231 parameters; the name is only a hint
        return None
    if name is None:
        return None
    return str(name)


def decode_part(part: EmailMessage, notes: list[str], *, flowed: bool = False) -> str:
    """Decode one leaf part: transfer encoding, charset, line ends, flowed.

    Returns:
        The text with ``\\n`` line ends. Broken base64 or an unknown
        transfer encoding or charset gives the best text and a note in
        ``notes``; never raises.
    """
    raw = payload_bytes(part, notes)
    charset = part.get_content_charset()
    if charset and find_codec(charset) is None:
        notes.append(f"unknown charset {charset!r}; decoded by guess")
    text, guess = decode_bytes(raw, charset)
    if guess:
        label = charset if charset and find_codec(charset) else "UTF-8"
        notes.append(f"body is not valid {label}; decoded as {guess}")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if flowed and "format=flowed" in _squash(part.get("Content-Type", "")):
        delsp = "delsp=yes" in _squash(part.get("Content-Type", ""))
        text = unflow(text, delsp=delsp)
    return text


def _squash(value: object) -> str:
    return str(value).lower().replace(" ", "").replace('"', "")


def payload_bytes(part: EmailMessage, notes: list[str]) -> bytes:
    """The part's content with the transfer encoding undone.

    Returns:
        The bytes. Unknown encodings give the raw bytes (and a note);
        broken base64 gives what can be decoded (and a note).
    """
    cte = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    before = len(part.defects)
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return b""
    if cte not in _KNOWN_CTE:
        notes.append(f"unknown Content-Transfer-Encoding {cte[:40]!r}; body taken as it is")
    elif cte == "base64" and any(isinstance(d, _BASE64_DEFECTS) for d in part.defects[before:]):
        # samples/patchwork/base64err.mbox
        notes.append("broken base64 body; decoded what could be read")
    return data


def _drop_elements(text: str) -> str:
    """``text`` without its script, style and head elements. A tag that is
    never closed after some point is not searched for again: each open tag
    scanning to the end for its close was quadratic."""
    out: list[str] = []
    pos = 0
    unclosed: set[str] = set()
    for m in _DROP_OPEN.finditer(text):
        tag = m.group(1).lower()
        if m.start() < pos or tag in unclosed:
            continue
        close = _DROP_CLOSE[tag].search(text, m.end())
        if close is None:
            unclosed.add(tag)
            continue
        out.append(text[pos : m.start()])
        pos = close.end()
    out.append(text[pos:])
    return "".join(out)


def strip_html(text: str) -> str:
    """Crude HTML to text: drop tags, turn block ends into line breaks."""
    text = _drop_elements(text)
    text = _BREAK_HTML.sub("\n", text)
    text = _TAG.sub("", text)
    import html  # its entity table only for an HTML-only mail, not on every run

    return html.unescape(text)
