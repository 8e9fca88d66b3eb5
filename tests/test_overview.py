"""The overview stage: a series at a glance, findings once per cause, and the
filters of ``review`` and ``summary``.

On tests/data/corpus/threads/lru-lock-v16.mbox (the v16 "per memcg
lru_lock" series: cover letter, 22 patches, 43 replies) and on records made
by hand.
"""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from reviewkit.config import Config
from reviewkit.errors import InputError
from reviewkit.model import (
    Confidence,
    Finding,
    Message,
    MessageKind,
    Posting,
    Series,
    Severity,
    find_questions,
)
from reviewkit.model.review import PatchStatus
from reviewkit.overview import (
    Selection,
    diff_start,
    first_sentence,
    link_for,
    parse_patch_range,
    select_review,
)
from reviewkit.pipeline import build_review
from reviewkit.rules.engine import merge_findings
from tests.conftest import CORPUS

SERIES = CORPUS / "threads" / "lru-lock-v16.mbox"
COVER_ID = "<1594429136-20002-1-git-send-email-alex.shi@linux.alibaba.com>"
P16_ID = "<1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com>"
DUYCK_REPORT = "<CAKgT0UcKVyTXQ=tGv_uMV+fSvoH_-cuG9zA_zhE+S8Ou11gt=w@mail.gmail.com>"


@pytest.fixture(scope="module")
def review():
    return build_review([str(SERIES)], config=Config())


def test_the_series_opens_with_its_cover_letter(review) -> None:
    [series] = review.overview.series
    assert (series.title, series.version, series.total) == ("per memcg lru_lock", 16, 22)
    assert [d.index for d in series.patches] == list(range(23))
    cover = series.patches[0]
    assert cover.is_cover and cover.msgid == COVER_ID
    assert cover.cover_text.startswith("The new version which bases on v5.8-rc4.")
    assert cover.cover_tail.startswith("Alex Shi (20):") and "25 files changed" in cover.cover_tail
    # Duyck's regression report answers the cover letter: series-level discussion
    assert review.overview.homes[DUYCK_REPORT] == COVER_ID
    [report] = [c for c in cover.review_comments if c.comment.msgid == DUYCK_REPORT]
    assert report.gist == ("I think I am seeing a regression with this patch set when I run the "
                           "will-it-scale/page_fault3 test.")
    # Hugh Dickins' fix-up answers the cover letter too: his proposal, not a patch
    assert not [p for p in review.patches if p.msgid != P16_ID and p.source.value == "quoted"]
    hugh = [c for c in cover.review_comments if c.comment.author == "Hugh Dickins"]
    assert any(c.diff_at is not None for c in hugh)
    assert cover.link == "https://lore.kernel.org/r/1594429136-20002-1-git-send-email-alex.shi@linux.alibaba.com"


def test_each_patch_line(review) -> None:
    by_index = {d.index: d for d in review.overview.patches}
    p16 = by_index[16]
    assert p16.reviewers == ("Alexander Duyck",) and p16.status is PatchStatus.CHANGES_REQUESTED
    assert len(p16.review_comments) == 9 and any(c.by_author for c in p16.comments)
    assert ("mm/mlock.c", "munlock_vma_page", "changed") in p16.functions
    assert ("mm/mlock.c", "__munlock_isolate_lru_page", "removed") in p16.functions
    assert all(name != "lruvec" and not name.startswith("struct") for _, name, _ in by_index[18].functions)
    assert by_index[5].status is PatchStatus.REVIEWED
    assert [(t.key, t.name) for t in by_index[5].trailers] == [("Reviewed-by", "Kirill A. Shutemov")]
    assert by_index[2].status is PatchStatus.NO_REVIEW and not by_index[2].comments
    # every comment of every reply has exactly one home
    homed = [c.comment for d in review.overview.patches for c in d.comments]
    own = [c for m in review.messages if m.msgid != COVER_ID for c in review.comments.get(m.msgid, ())]
    assert sorted(map(id, homed)) == sorted(map(id, own))


def test_rk505_at_most_once_for_the_series(review) -> None:
    assert len([f for f in review.findings if f.rule == "RK505"]) <= 1
    postings = [Posting(_mail(i), None) for i in range(3)]
    series = {p.message.msgid: tuple(postings) for p in postings}
    found = [Finding("RK505", "patch-format", Severity.WARNING, Confidence.HIGH, "", None, None,
                     "v2 without a changelog", msgid=p.message.msgid) for p in postings[1:]]
    found.append(Finding("RK501", "patch-format", Severity.WARNING, Confidence.HIGH, "", None, None,
                         "the summary has no subsystem prefix", msgid="<m1>"))
    found.append(Finding("RK501", "patch-format", Severity.WARNING, Confidence.HIGH, "", None, None,
                         "the summary has no subsystem prefix", msgid="<m2>"))
    merged = merge_findings(found, series, ["RK505"])
    # RK505 is about the series: once, on the cover letter; RK501 on each mail
    assert [(f.rule, f.msgid) for f in merged] == [("RK505", "<m0>"), ("RK501", "<m1>"), ("RK501", "<m2>")]


def _mail(i: int) -> Message:
    return Message(f"<m{i}>", f"[PATCH v2 {i}/2] x", "A", "a@x", "", None, None, (), Series(2, i, 2),
                   MessageKind.COVER if i == 0 else MessageKind.PATCH, "")


def test_one_cause_one_finding_with_all_its_lines() -> None:
    def leak(line: int, fn: str = "f") -> Finding:
        return Finding("RK101", "lock-pairing", Severity.ERROR, Confidence.HIGH, "a.c", fn, line,
                       f"a path leaves {fn}() at line {line} with x->lock still held", msgid="<p>")

    merged = merge_findings([leak(12), leak(20), leak(31), leak(7, "g")], {})
    assert [(f.function, f.line, f.lines) for f in merged] == [("f", 12, (12, 20, 31)), ("g", 7, ())]


def test_questions_gists_and_proposals() -> None:
    assert find_questions("Why not?\nOK.\n> quoted?\nx = a ? b : c;") == ("Why not?",)
    assert first_sentence("Hi Alex,\n\nI think this is wrong. And more.") == "I think this is wrong."
    assert first_sentence("Reviewed-by: Kirill A. Shutemov <k@x>") == "Reviewed-by: Kirill A. Shutemov <k@x>"
    assert diff_start("see:\n\n@@ -1,2 +1,3 @@ f\n a\n+b") == 2
    assert diff_start("no diff -- just prose") is None
    assert link_for("<a b>c@x>", "https://lore.kernel.org/r/") == "https://lore.kernel.org/r/a%20b%3Ec@x"


@pytest.mark.parametrize("spec, want", [("16", (16, 16, None)), ("16/22", (16, 16, 22)), ("3-5", (3, 5, None)),
                                        ("0", (0, 0, None)), (" 1 - 2 / 22 ", (1, 2, 22))])
def test_patch_ranges(spec: str, want: tuple) -> None:
    r = parse_patch_range(spec)
    assert (r.low, r.high, r.total) == want


@pytest.mark.parametrize("spec", ["x", "5-3", "16/", "-1"])
def test_a_bad_patch_range_is_a_usage_error(spec: str) -> None:
    with pytest.raises(InputError):
        parse_patch_range(spec)
    result = CliRunner().invoke(app, ["review", "--patch", spec, str(SERIES)])
    assert result.exit_code == 2 and result.stderr.startswith("reviewkit: --patch")


def test_filters_narrow_the_review(review) -> None:
    one = select_review(review, Selection(patches=(parse_patch_range("16/22"),)))
    assert [p.msgid for p in one.patches] == [P16_ID]
    assert [d.index for d in one.overview.patches] == [16] and one.overview.selected
    assert {f.msgid for f in one.findings} == {P16_ID}
    kept = {m for m, cs in one.comments.items() if cs}
    assert kept and all(review.overview.homes[m] == P16_ID for m in kept)

    cover = select_review(review, Selection(patches=(parse_patch_range("0"),)))
    assert [d.msgid for d in cover.overview.patches] == [COVER_ID] and not cover.patches

    commented = select_review(review, Selection(only_commented=True))
    assert [d.index for d in commented.overview.patches] == [0, 5, 6, 7, 13, 14, 15, 16, 18, 19, 20, 21]

    kirill = select_review(review, Selection(authors=("shutemov",)))
    assert [d.index for d in kirill.overview.patches] == [5, 6, 7, 14]
    assert {c.author for cs in kirill.comments.values() for c in cs} == {"Kirill A. Shutemov"}

    report = select_review(review, Selection(msgids=(DUYCK_REPORT.strip("<>"),)))
    assert [d.msgid for d in report.overview.patches] == [COVER_ID]
    assert [m for m, cs in report.comments.items() if cs] == [DUYCK_REPORT]

    findings = select_review(review, Selection(findings_only=True))
    assert not any(findings.comments.values())
    assert all(d.findings for d in findings.overview.patches)
    p16 = next(p for p in findings.patches if p.msgid == P16_ID)
    lines = {f.line for f in findings.findings if f.msgid == P16_ID and f.file}
    assert all(any(dl.new_no in lines for dl in h.lines) for fd in p16.files for h in fd.hunks)
    assert select_review(review, Selection()) is review


def test_reviewed_with_fixes_requested() -> None:
    """A trailer given in a mail that also asks for changes on the code."""
    from tests.test_render_model import ACK_ID, REPLY_ID, sample_review
    from reviewkit.overview import build_overview

    review = sample_review()
    assert review.overview.patches[0].status is PatchStatus.REVIEWED
    ack = dataclasses.replace(review.comments[REPLY_ID][0], msgid=ACK_ID, body_start=50)
    review = dataclasses.replace(review, comments={**review.comments, ACK_ID: (ack,)})
    assert build_overview(review).patches[0].status is PatchStatus.REVIEWED_CHANGES


def test_summary_of_the_series_fits_a_reply() -> None:
    """The summary a maintainer pastes into a mail: short, the regression
    report under the cover letter, plain text with no markdown escapes."""
    md = CliRunner().invoke(app, ["summary", str(SERIES)]).stdout
    lines = md.split("\n")
    assert len(lines) < 150
    cover = lines.index("## 0/22 per memcg lru_lock (cover letter)")
    report = next(n for n, line in enumerate(lines) if "I think I am seeing a regression" in line)
    first = next(n for n, line in enumerate(lines) if line.startswith("## 1/22"))
    assert cover < report < first and lines[report].startswith("- Alexander Duyck")
    assert "pgdat->lru_lock" in CliRunner().invoke(app, ["summary", "--full", str(SERIES)]).stdout
    text = CliRunner().invoke(app, ["summary", "--format", "text", str(SERIES)]).stdout
    assert max(len(line) for line in text.split("\n") if "://" not in line) <= 72
    assert "\\" not in text and "**" not in text and "`" not in text
    assert "I think I am seeing a regression with this patch set" in " ".join(text.split())
