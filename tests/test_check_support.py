"""Readers shared by the check tests: a mail file to (Message, Patch) through
the real stages (source, mail, patch)."""

from __future__ import annotations

from pathlib import Path

from reviewkit.mail import parse_message
from reviewkit.model import Message, Patch
from reviewkit.patch import parse_patch
from reviewkit.source import read_messages

ROOT = Path(__file__).resolve().parent
PATCHES = ROOT / "data" / "corpus" / "patches"
CHECK = ROOT / "data" / "check"


def load(path: Path) -> list[tuple[Message, Patch | None]]:
    """Every mail of ``path`` with its parsed patch (None for a cover letter)."""
    out = []
    for raw in read_messages([str(path)]):
        message = parse_message(raw)
        out.append((message, parse_patch(message)))
    return out


def patch_117() -> Path:
    return next(PATCHES.glob("117_*.eml"))


def test_the_seed_posting_reads_as_one_patch() -> None:
    [(message, patch)] = load(patch_117())
    assert message.author == "Alex Shi" and message.email == "alex.shi@linux.alibaba.com"
    assert patch is not None
    assert [f.path for f in patch.files] == ["mm/mlock.c"]
    assert sum(dl.kind == "+" for h in patch.files[0].hunks for dl in h.lines) == 51
