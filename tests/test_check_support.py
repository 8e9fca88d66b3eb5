"""Test-local readers for the check tests: a patch mail to (Message, Patch).

The real stages (``reviewkit.mail.parse_message``, ``reviewkit.patch.parse_patch``)
are used when they exist; these small readers stand in for them otherwise,
so the check tests exercise the checks and not the parsers.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import mailbox
from pathlib import Path

import pytest

from reviewkit.model import (
    DiffLine,
    FileDiff,
    Hunk,
    Message,
    MessageKind,
    Patch,
    PatchSource,
)
from reviewkit.rules.patch_format import parse_subject

ROOT = Path(__file__).resolve().parent
PATCHES = ROOT / "data" / "corpus" / "patches"
CHECK = ROOT / "data" / "check"


def _split_body(body: str) -> tuple[str, str, str, str]:
    """commit message, notes, diffstat, diff text of a format-patch body."""
    lines = body.split("\n")
    diff_at = next((i for i, l in enumerate(lines) if l.startswith("diff --git ") or l.startswith("--- a/")),
                   len(lines))
    sep = next((i for i, l in enumerate(lines[:diff_at]) if l.rstrip() == "---"), diff_at)
    commit = "\n".join(lines[:sep]).rstrip("\n")
    below = lines[sep + 1:diff_at]
    stat_at = next((i for i, l in enumerate(below) if " | " in l), None)
    if stat_at is None:
        notes, stat = below, []
    else:
        end = stat_at
        while end < len(below) and below[end].strip():
            end += 1
        notes, stat = below[:stat_at], below[stat_at:end]
    return commit, "\n".join(notes).strip("\n"), "\n".join(stat), "\n".join(lines[diff_at:])


def parse_diff(text: str) -> tuple[FileDiff, ...]:
    import unidiff

    # drop the "-- " signature git send-email appends
    if "\n-- \n" in text:
        text = text[: text.rindex("\n-- \n") + 1]
    files = []
    for pf in unidiff.PatchSet(text):
        hunks = []
        for h in pf:
            lines = tuple(DiffLine(l.line_type, l.value.rstrip("\n"), l.source_line_no, l.target_line_no)
                          for l in h if l.line_type in "+- ")
            hunks.append(Hunk(h.source_start, h.source_length, h.target_start, h.target_length,
                              h.section_header, lines))
        files.append(FileDiff(pf.source_file[2:] if pf.source_file != "/dev/null" else None,
                              pf.target_file[2:] if pf.target_file != "/dev/null" else None,
                              None, None, tuple(hunks)))
    return tuple(files)


def message_from_bytes(raw: bytes, origin: str = "") -> Message:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = " ".join(str(msg.get("Subject", "")).split())
    name, addr = email.utils.parseaddr(str(msg.get("From", "")))
    part = msg.get_body(("plain",)) or msg
    body = part.get_content() if part is not None else ""
    series = parse_subject(subject)
    kind = MessageKind.COVER if series.index == 0 else MessageKind.PATCH
    return Message(msgid=str(msg.get("Message-Id", "")).strip("<> "), subject=subject, author=name, email=addr,
                   date=str(msg.get("Date", "")), timestamp=None, in_reply_to=None, references=(),
                   series=series, kind=kind, body=body.replace("\r\n", "\n"), origin=origin)


def patch_from_message(message: Message) -> Patch | None:
    commit, notes, stat, diff = _split_body(message.body)
    files = parse_diff(diff) if diff.strip() else ()
    if not files:
        return None
    return Patch(msgid=message.msgid, source=PatchSource.MAIL, subject=message.subject, commit_message=commit,
                 notes=notes, diffstat=stat, files=files)


def load(path: Path) -> list[tuple[Message, Patch | None]]:
    """Every mail of ``path`` (one mail, or an mbox when it starts with "From ")."""
    data = path.read_bytes()
    if data.startswith(b"From ") and b"\nFrom " in data:
        raws = [m.as_bytes() for m in mailbox.mbox(str(path))]
    else:
        raws = [data]
    out = []
    for i, raw in enumerate(raws):
        m = message_from_bytes(raw, f"{path.name}#{i}")
        out.append((m, patch_from_message(m)))
    return out


def patch_117() -> Path:
    return next(PATCHES.glob("117_*.eml"))


def test_reader_splits_the_seed_posting() -> None:
    [(message, patch)] = load(patch_117())
    assert message.author == "Alex Shi" and message.email == "alex.shi@linux.alibaba.com"
    assert patch is not None
    assert patch.commit_message.splitlines()[-1] == "Cc: linux-kernel@vger.kernel.org"
    assert patch.diffstat.splitlines()[0].strip().startswith("mm/mlock.c | 93")
    assert [f.path for f in patch.files] == ["mm/mlock.c"]
    assert sum(dl.kind == "+" for h in patch.files[0].hunks for dl in h.lines) == 51


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
