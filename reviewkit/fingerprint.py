"""Stable fingerprints of findings: the same finding on the next version of
a patch gets the same one.

A fingerprint is made of what the finding is about, never of where the
line happens to be: the rule, the file, the function, and the normalised
text of the statement at the finding's line (its whitespace collapsed). A
finding on the commit message uses the line of the commit message instead
of a statement, with the patch's title for the file; one on a cover letter
uses the cover letter's line. Findings that share all of that (two
misspelled words on one line) are told apart by their order.

So a hunk that moves down by forty lines keeps its fingerprints, and so
does a patch that comes back as ``[PATCH v17 15/21]`` after
``[PATCH v16 16/22]`` (tests/test_rules_fingerprint.py, on the two versions of
the lru_lock series); a finding on a statement the new version rewrote
gets a new one.

The pipeline stamps every finding once, right after the rules ran
(:func:`stamp_findings`); a dismissal names a fingerprint
(``reviewkit dismiss``, :mod:`reviewkit.dismissals`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Sequence

from reviewkit.model import CodeMap, Finding, Message, MessageKind, Patch, find_line_text, normalise_statement

# Bumped when the recipe changes: fingerprints of one scheme are never
# compared with another's.
SCHEME = "1"
LENGTH = 16  # hex digits: 64 bits
PATTERN = re.compile(rf"^[0-9a-f]{{{LENGTH}}}$")


def _mail_line(patch: Patch | None, message: Message | None, line: int | None) -> str:
    """Line ``line`` of the commit message, or of a cover letter's body."""
    if line is None or line < 1:
        return ""
    if patch is not None:
        text = patch.commit_message
    elif message is not None:
        text = message.body
    else:
        return ""
    lines = text.split("\n")
    return lines[line - 1] if line <= len(lines) else ""


def _scope(f: Finding, patch: Patch | None, codemap: CodeMap | None, message: Message | None) -> tuple[str, str]:
    """(the place, the statement or mail line) a finding is about."""
    if f.file:
        return f.file, find_line_text(patch, codemap, f.file, f.line)
    if message is not None and message.kind is MessageKind.COVER:
        # a cover letter's title changes between versions ("per memcg
        # lru_lock" in v16, "per memcg lru lock" in v17): its lines do not
        return "cover letter", _mail_line(None, message, f.line)
    title = message.series.title if message is not None else patch.subject if patch is not None else ""
    return f"commit message: {title}", _mail_line(patch, message, f.line)


def build_fingerprint(parts: Sequence[str]) -> str:
    """The fingerprint of ``parts``: the first :data:`LENGTH` hex digits of
    their SHA-256, with the scheme, joined by a separator no part holds."""
    joined = "\x1f".join((SCHEME, *(p.replace("\x1f", " ") for p in parts)))
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:LENGTH]


def stamp_findings(findings: Sequence[Finding], *, patch: Patch | None, codemap: CodeMap | None,
                   message: Message | None = None) -> list[Finding]:
    """``findings`` (of one mail) with their ``fingerprint`` set.

    Args:
        findings: what the rules found over one patch mail or cover letter
            (or one patch rebuilt from a quote).
        patch, codemap: the patch and its code map (None for a cover letter).
        message: the mail, for the title of its patch and a cover letter's
            lines.

    Returns:
        The findings in the same order, each with its fingerprint.
    """
    keys: list[tuple[str, ...]] = []
    for f in findings:
        place, text = _scope(f, patch, codemap, message)
        keys.append((f.rule, place, f.function or "", normalise_statement(text)))
    # the n-th finding of one key, in line order, whatever order the rules
    # gave them in
    order = sorted(range(len(findings)), key=lambda i: (findings[i].line or 0, findings[i].message))
    seen: dict[tuple[str, ...], int] = {}
    nth = [0] * len(findings)
    for i in order:
        nth[i] = seen.get(keys[i], 0)
        seen[keys[i]] = nth[i] + 1
    return [dataclasses.replace(f, fingerprint=build_fingerprint((*keys[i], str(nth[i]))))
            for i, f in enumerate(findings)]


__all__ = ["LENGTH", "PATTERN", "build_fingerprint", "stamp_findings"]
