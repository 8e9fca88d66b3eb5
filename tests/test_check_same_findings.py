"""``review``, ``summary`` and ``check`` report the same findings for the
same input: the rules run once, the same way, over the same mails
(``pipeline.analyse_postings``), and each output shows all they found.

Over the real postings (tests/data/corpus/patches/, each alone and the
whole series), the broken-on-purpose patches of tests/data/check/, and the
mlock thread. The mismatched sign-off once failed ``check`` while ``review``
reported nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from reviewkit.config import Config
from reviewkit.pipeline import build_checklist, build_review
from reviewkit.render import build_summary_json, render_json
from reviewkit.render.checklist import render_checklist_json
from tests.conftest import MLOCK_THREAD
from tests.test_check_support import CHECK, PATCHES

POSTINGS = sorted(PATCHES.glob("*.eml"))
INPUTS = [[p] for p in POSTINGS] + [POSTINGS] + [[p] for p in sorted(CHECK.glob("*.patch"))] + [
    [CHECK / "series-gap.mbox"], [MLOCK_THREAD]]


def _name(paths: list[Path]) -> str:
    return paths[0].name if len(paths) == 1 else f"{len(paths)} postings"


def _shown(f: dict) -> tuple:
    return (f["rule"], f["file"], f["line"], f["message"], f["msgid"])


@pytest.mark.parametrize("paths", INPUTS, ids=[_name(p) for p in INPUTS])
def test_review_summary_and_check_report_the_same_findings(paths: list[Path]) -> None:
    names = [str(p) for p in paths]
    review = build_review(names, config=Config())
    checklist = build_checklist(names, config=Config())
    assert Counter(checklist.findings) == Counter(review.findings)

    # each output shows every one of them
    expected = Counter((f.rule, f.file, f.line, f.message, f.msgid) for f in review.findings)
    assert Counter(_shown(f) for f in render_json(review)["findings"]) == expected
    summary = build_summary_json(review)
    in_summary = [f for p in summary["patches"] for f in p["findings"]] + summary["other_findings"]
    assert Counter(_shown(f) for f in in_summary) == expected
    items = render_checklist_json(checklist)["items"]
    details = [d for i in items if i["status"] != "pass" for d in i["details"]]
    assert len(details) == len(review.findings)
    for f in review.findings:
        assert any(f.message in d for d in details), f.message


def test_the_inputs_hold_findings_of_every_kind() -> None:
    """The test above compares something: format, spelling and flow findings,
    on patches and on the cover letter."""
    review = build_review([str(p) for p in POSTINGS], config=Config())
    rules = {f.rule for f in review.findings}
    assert {"RK601", "RK602", "RK202", "RK104"} <= rules
    cover = next(m for m in review.messages if m.series.index == 0)
    assert {f.message for f in review.findings if f.msgid == cover.msgid} == {
        '"patchs" may be misspelled: patches, paths', '"modefied" may be misspelled: modified'}
    sob = build_review([str(CHECK / "mismatched-signoff.patch")], config=Config())
    assert [(f.rule, f.line) for f in sob.findings] == [("RK503", 4)]


def test_check_exit_status_follows_the_findings() -> None:
    from typer.testing import CliRunner

    from reviewkit.cli import app

    result = CliRunner().invoke(app, ["check", "--format", "json", str(CHECK / "mismatched-signoff.patch")])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["schema"] == "reviewkit.checklist" and doc["exit_code"] == 1
    review = CliRunner().invoke(app, ["review", "--format", "json", str(CHECK / "mismatched-signoff.patch")])
    assert [f["rule"] for f in json.loads(review.stdout)["findings"]] == ["RK503"]


def test_the_series_the_rules_see() -> None:
    from reviewkit.mail.subject import parse_subject
    from reviewkit.model import MessageKind, Posting
    from reviewkit.pipeline import find_series
    from tests.test_render_model import msg

    def posting(msgid: str, subject: str, parent: str | None = None) -> Posting:
        m = msg(msgid, "A", "a@example.org", "", MessageKind.PATCH, parent=parent, subject=subject,
                series=parse_subject(subject))
        return Posting(m, None)

    def groups(*postings: Posting) -> list[list[str]]:
        found = find_series(postings)
        return sorted({tuple(p.message.msgid for p in found[x.message.msgid]) for x in postings})

    # git send-email: the patches answer the cover letter
    sent = [posting("c", "[PATCH v2 0/2] t"), posting("p1", "[PATCH v2 1/2] a: b", "c"),
            posting("p2", "[PATCH v2 2/2] a: c", "c")]
    assert groups(*sent) == [("c", "p1", "p2")]
    # a v3 sent in reply to the v2 cover letter is a series of its own
    assert groups(*sent, posting("v3", "[PATCH v3] a: b", "c")) == [("c", "p1", "p2"), ("v3",)]
    # git format-patch files, not sent: no header; the numbered ones go together
    unsent = [posting("f1", "[PATCH v2 1/3] a: b"), posting("f3", "[PATCH v3 3/3] a: c"),
              posting("s", "[PATCH] a: d")]
    assert groups(*unsent) == [("f1", "f3"), ("s",)]
    # two threaded series side by side stay apart
    other = [posting("d", "[PATCH 0/1] u"), posting("q1", "[PATCH 1/1] x: y", "d")]
    assert groups(*sent, *other) == [("c", "p1", "p2"), ("d", "q1")]
