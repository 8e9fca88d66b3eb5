"""One owner per fact: each fact below is parsed in one place, and the
stages after it read the result instead of parsing again.

Each test gives the cases on which the former copies disagreed.
"""

from __future__ import annotations

import pytest

from reviewkit.mail.subject import parse_subject
from reviewkit.rules import patch_format as pf

# --------------------------------------------------------------------------
# subject tags: reviewkit/mail/subject.py


@pytest.mark.parametrize(
    "subject, version, index, total, reply, title",
    [
        ("[PATCH 1 of 2] mm: x", None, 1, 2, False, "mm: x"),  # Mercurial's numbering
        ("[PATCH] 3/5 mm: x", None, 3, 5, False, "mm: x"),  # the count outside the brackets
        ("Vs: [PATCH] mm: x", None, None, None, True, "mm: x"),  # Finnish "Re:"
        ("Re[2]: [PATCH v2 1/3] mm: x", 2, 1, 3, True, "mm: x"),
        ("[PATCH RFC-v2] mm: x", 2, None, None, False, "mm: x"),
        ("[PATCH]", None, None, None, False, ""),  # nothing after the tags
    ],
)
def test_subject_tags_have_one_parser(subject, version, index, total, reply, title) -> None:
    s = parse_subject(subject)
    assert (s.version, s.index, s.total, s.is_reply, s.title) == (version, index, total, reply, title)
    assert s.is_patch_tag
    # the format rules read the subject with the mail stage's parser
    assert pf.parse_subject is parse_subject


def test_the_format_checks_read_the_tags_the_mail_stage_reads() -> None:
    # "[PATCH] 3/5": the count is no part of the summary, which has its prefix
    assert pf.find_subject_problems("[PATCH] 3/5 mm: x") == []
    # "[PATCH RFC-v2]" is a v2: it needs a changelog
    v2 = parse_subject("[PATCH RFC-v2] mm: x").version
    assert [f.rule for f in pf.find_changelog_problems(v2, "")] == ["RK505"]
    # "[PATCH 1 of 2]" is numbered: two patches and no cover letter
    found = pf.find_numbering_problems([pf.Posted("[PATCH 1 of 2] mm: x", True),
                                        pf.Posted("[PATCH 2 of 2] mm: y", True)])
    assert [f.message for f in found] == ["a series of 2 patches without a 0/2 cover letter"]
    assert [f.message for f in pf.find_subject_problems("[PATCH]")] == ["the subject has no summary after the tags"]
    # "[RFC] mm: x" posts a patch for comment
    assert pf.find_subject_problems("[RFC] mm: x") == []
