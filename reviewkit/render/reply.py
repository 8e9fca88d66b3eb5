"""A draft inline reply to one posting, as a reviewer writes it by hand.

``reviewkit reply THREAD --msgid ID``: a mail with ``Subject: Re: ...``,
``In-Reply-To`` and ``References`` (ready for ``git send-email`` or a mail
client's editor), whose body is the ``On <date>, <author> wrote:``
attribution, the patch quoted with ``> `` and trimmed to the hunks that
have something to say, and each finding in plain words under its line.
Findings on the commit message come under the quoted line of the commit
message; the rest (on the patch as a whole, or on lines no hunk shows)
open the mail, above the attribution.

The draft never adds a trailer (``Reviewed-by:`` ...): giving one is the
reviewer's decision, not the tool's. It carries no ``From:``, ``Date:`` or
``Message-ID:``: the mail client or ``git send-email`` sets them.
"""

from __future__ import annotations

import email.policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Sequence

from reviewkit.model import Finding, Message, Patch
from reviewkit.render.quoting import quote_line, quote_patch, wrap_prose
from reviewkit.render.safe import safe_plain


def finding_words(f: Finding) -> list[str]:
    """A finding as a reviewer says it: what is wrong, then what to do,
    wrapped as mail prose."""
    lines = wrap_prose(f.message)
    if f.suggestion:
        lines += [""] + wrap_prose("Suggested change: " + f.suggestion)
    return lines


def _header(value: str) -> str:
    # a header value from mail is one line: a folded or hostile subject
    # must not open a header of its own
    return " ".join(safe_plain(value).split())


def _address(name: str, addr: str) -> Address | None:
    """The author as a ``To:`` address, quoted as the name needs ("Shutemov,
    Kirill"); None when the address is unusable."""
    try:
        return Address(display_name=_header(name), addr_spec=_header(addr)) if addr.strip() else None
    except (ValueError, IndexError, HeaderParseError):
        return None


def _reply_subject(subject: str) -> str:
    subject = _header(subject)
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}"


def _commit_lines(text: str, findings: Sequence[Finding]) -> tuple[list[str], list[Finding]]:
    """The commit message (or cover letter) lines that hold a finding,
    quoted, with ``[...]`` where lines are left out; the findings below
    each. Returns (lines, the findings with no line to go under)."""
    lines = text.split("\n")
    at: dict[int, list[Finding]] = {}
    rest: list[Finding] = []
    for f in findings:
        if f.line is not None and 1 <= f.line <= len(lines):
            at.setdefault(f.line, []).append(f)
        else:
            rest.append(f)
    out: list[str] = []
    last = 0
    for n in sorted(at):
        if n != last + 1:
            out.append("> [...]")
        out.append(quote_line(lines[n - 1]))
        for f in at[n]:
            out += ["", *finding_words(f), ""]
        last = n
    if at and last != len(lines):
        out.append("> [...]")
    return out, rest


def _first_paragraph(text: str) -> list[str]:
    para: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            if para:
                break
            continue
        para.append(line)
    return [quote_line(line) for line in para]


def render_reply(message: Message, patch: Patch | None, findings: Sequence[Finding]) -> str:
    """The draft reply to ``message`` as the text of a mail (headers, a
    blank line, the body), UTF-8, ``\\n`` line ends.

    Args:
        message: the posting replied to (a patch mail or a cover letter).
        patch: its patch (None for a cover letter).
        findings: the findings on it that are shown (not dismissed).

    Returns:
        The mail. With no finding, the body quotes the first paragraph of
        the commit message for the reviewer to start from.
    """
    general = [f for f in findings if not f.file]
    on_code = [f for f in findings if f.file]
    text = patch.commit_message if patch is not None else message.body
    quoted_msg, preamble = _commit_lines(text, general)
    quoted_diff, unplaced = quote_patch(patch, on_code, finding_words) if patch is not None else ([], on_code)
    preamble += unplaced

    body: list[str] = []
    for f in preamble:
        where = f"{f.file}:{f.line}" if f.file and f.line else f.file
        body += [*wrap_prose((f"{where}: " if where else "") + f.message), *(
            [""] + wrap_prose("Suggested change: " + f.suggestion) if f.suggestion else []), ""]
    author = f"{message.author} <{message.email}>" if message.author and message.email else (
        message.author or message.email or "you")
    body.append(_header(f"On {message.date}, {author} wrote:") if message.date else _header(f"{author} wrote:"))
    if quoted_msg or quoted_diff:
        body += quoted_msg
        if quoted_msg and quoted_diff:
            body.append("")
        body += quoted_diff
    else:
        body += _first_paragraph(text)
    while body and not body[-1]:
        body.pop()

    # headers on one line each up to RFC 5322's limit: mail clients and
    # git send-email unfold folded ones, but a reader of the file need not
    mail = EmailMessage(policy=email.policy.default.clone(linesep="\n", max_line_length=998))
    to = _address(message.author, message.email)
    if to is not None:
        mail["To"] = to
    mail["Subject"] = _reply_subject(message.subject)
    mail["In-Reply-To"] = _header(message.msgid)
    refs = [_header(r) for r in (*message.references, message.msgid) if r.strip()]
    mail["References"] = " ".join(dict.fromkeys(refs))
    mail.set_content("\n".join(body) + "\n", charset="utf-8", cte="8bit")
    return mail.as_string()


__all__ = ["finding_words", "render_reply"]
