"""RK509: a cover letter sent with the text its template asks to replace.

The template markers are data (``rules/data/cover-templates.txt``, in the
format of ``style-markers.txt``); this module only matches them.
"""

from __future__ import annotations

import functools
from typing import Iterator

from reviewkit.model import Confidence, Finding, Message, Patch, Severity
from reviewkit.quotes.patchmail import find_cover_text
from reviewkit.rules.registry import rule
from reviewkit.rules.spelling import DATA
from reviewkit.rules.style import Marker, parse_markers


@functools.cache
def template_markers() -> tuple[Marker, ...]:
    text = (DATA / "cover-templates.txt").read_text(encoding="utf-8")
    return parse_markers(text, "cover-templates.txt")


def find_template_text(subject: str, body: str) -> list[Finding]:
    """RK509 findings for each template marker left in ``subject`` or in
    ``body`` (a cover letter's own words; line numbers count from 1)."""
    out = []
    for marker in template_markers():
        if marker.pattern.search(subject):
            out.append(_finding(f"the subject still says {marker.says}", None, "subject"))
        for n, line in enumerate(body.split("\n"), 1):
            if marker.pattern.search(line):
                out.append(_finding(f"the cover letter still says {marker.says}", n, "text"))
                break
    return out


def _finding(message: str, line: int | None, what: str) -> Finding:
    return Finding("RK509", "patch-format", Severity.ERROR, Confidence.HIGH, "", None, line, message,
                   suggestion=f"write the series' {'title' if what == 'subject' else 'description'} in place of "
                   "the template text (git send-email --annotate, or b4 prep --edit-cover)",
                   rationale="a cover letter is the series' description for reviewers and the merge commit")


@rule("RK509", category="patch-format", severity=Severity.ERROR)
def unedited_template(patch: Patch | None, message: Message | None) -> Iterator[Finding]:
    """A cover letter still holds the text its template asks to replace.

    What it flags:
        A cover letter (``0/N``) whose subject or text still holds
        ``*** SUBJECT HERE ***`` or ``*** BLURB HERE ***`` (what
        ``git format-patch --cover-letter`` writes) or b4's ``EDITME``.

    Why it matters:
        The list receives a series with no title and no description;
        reviewers and the maintainer's merge commit have nothing to go by.

    Example:
        RK509: Subject: [PATCH 0/3] *** SUBJECT HERE ***
        Okay: Subject: [PATCH 0/3] mm: per memcg lru lock

    Suggested change:
        Edit the cover letter before sending: ``git send-email --annotate``,
        or ``b4 prep --edit-cover``.

    Knowledge used:
        The placeholders of git format-patch and b4
        (``rules/data/cover-templates.txt``).

    Limits:
        Only the known placeholders; a cover letter left empty is the
        changelog and subject checks' business.
    """
    if patch is not None or message is None:
        return
    yield from find_template_text(message.subject, find_cover_text(message.body))
