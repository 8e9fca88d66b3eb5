"""The versions stage on the v16 -> v17 "per memcg lru_lock" series.

tests/data/versions/v16-v17-fates.tsv is a table made by reading both
versions by hand: every reviewer comment on the lock/refcount patches
(13, 15, 16, 18, 19, 20, 21 of v16), the status judged, the status
reviewkit gives, and why. The tests hold reviewkit to its column and the
two columns to 90% agreement.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from reviewkit.config import load_config
from reviewkit.model import Side
from reviewkit.model.review import (
    AnswerKind,
    CommentScope,
    FindingStatus,
    FunctionDelta,
    LinkKind,
    Review,
    Verdict,
)
from reviewkit.pipeline import build_review
from reviewkit.versions.answers import classify_answer
from tests.conftest import CORPUS

V16 = CORPUS / "threads" / "lru-lock-v16.mbox"
V17 = Path(__file__).parent / "data" / "versions" / "lru-lock-v17.mbox"
TABLE = Path(__file__).parent / "data" / "versions" / "v16-v17-fates.tsv"
TABLE_PATCHES = (13, 15, 16, 18, 19, 20, 21)


@pytest.fixture(scope="module")
def review() -> Review:
    return build_review([str(V16), str(V17)], config=load_config(None))


def _table() -> list[dict[str, str]]:
    lines = [line for line in TABLE.read_text(encoding="utf-8").split("\n") if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _status(fate) -> str:  # type: ignore[no-untyped-def]
    if fate.verdict is Verdict.ANSWERED:
        return f"{fate.verdict.value}/{fate.answer.value}"
    return fate.verdict.value


def _index(review: Review, msgid: str) -> int | None:
    return next(m.series.index for m in review.messages if m.msgid == msgid)


def test_the_table_holds_every_comment_on_the_lock_patches(review: Review) -> None:
    rows = _table()
    assert len(rows) == 30
    keyed = {(r["msgid"], int(r["body_start"])): r for r in rows}
    assert len(keyed) == len(rows)
    fates = {(f.comment.msgid, f.comment.body_start): f for f in review.versions.comments}
    on_lock_patches = {k for k, f in fates.items() if f.old_version == 16 and _index(review, f.patch) in TABLE_PATCHES}
    assert on_lock_patches == set(keyed)
    # Duyck's six comments on 16/22 are there
    duyck_16 = [r for r in rows if r["patch"] == "16/22"
                and r["msgid"] == "<CAKgT0Udcry01samXT54RkurNqFKnVmv-686ZFHF+iw4b+12T_A@mail.gmail.com>"]
    assert len(duyck_16) == 6


def test_reviewkit_gives_its_column_and_agrees_with_the_judgement(review: Review) -> None:
    fates = {(f.comment.msgid, f.comment.body_start): f for f in review.versions.comments}
    rows = _table()
    for r in rows:
        fate = fates[(r["msgid"], int(r["body_start"]))]
        assert f"{_index(review, fate.patch)}/22" == r["patch"]
        file, _, line = r["where"].rpartition(":")
        assert (fate.comment.anchor.file, fate.comment.anchor.line) == (file, int(line))
        assert _status(fate) == r["reviewkit"], (r["where"], r["comment"], fate.evidence)
        assert r["reasoning"].strip()
    agree = sum(1 for r in rows if r["judged"] == r["reviewkit"])
    assert agree / len(rows) >= 0.9, agree


def test_every_v16_patch_has_its_successor_or_a_reason(review: Review) -> None:
    [series] = review.versions.series
    assert [v.version for v in series.versions] == [16, 17]
    assert [len(v.patches) for v in series.versions] == [22, 21]
    assert series.versions[0].date == "Sat, 11 Jul 2020 08:58:34 +0800"
    [step] = series.steps
    by_old = {link.old_index: link for link in step.links if link.old}
    assert sorted(by_old) == list(range(1, 23))
    for n in range(1, 23):
        link = by_old[n]
        assert link.reason
        assert (link.new is None) == (link.kind is LinkKind.DROPPED)
    dropped = by_old[16]
    assert dropped.kind is LinkKind.DROPPED
    assert "removes 'mm/mlock: reorder isolation sequence during munlock'" in dropped.reason
    renamed = by_old[17]
    assert renamed.kind is LinkKind.RENAMED and renamed.new_index == 16
    assert renamed.new_title == "mm/swap: serialize memcg changes in pagevec_lru_move_fn"
    # 14 and 15 swapped places: one of them is named as moved
    assert (by_old[14].new_index, by_old[15].new_index) == (15, 14)
    assert "moved" in by_old[14].reason + by_old[15].reason
    for n in range(18, 23):
        assert by_old[n].kind is LinkKind.SAME_TITLE and by_old[n].new_index == n - 1
    # every v17 patch is someone's successor
    assert {link.new_index for link in step.links if link.new} == set(range(1, 22))
    assert not [link for link in step.links if link.kind is LinkKind.ADDED]


def test_range_diff_per_pair(review: Review) -> None:
    [step] = review.versions.series[0].steps
    by_old = {link.old_index: link for link in step.links if link.old}
    relock = by_old[19].range_diff
    assert not relock.same
    assert "-+\t\t\tstruct lruvec *pre_lruvec = lruvec;" in relock.lines
    assert "++\t\t\tstruct lruvec *prev_lruvec = lruvec;" in relock.lines
    assert "## include/linux/memcontrol.h ##" in relock.lines  # the relock helpers moved in
    deltas = {(f.file, f.name): f.delta for f in relock.functions}
    assert deltas[("mm/swap.c", "release_pages")] is FunctionDelta.CHANGED
    # the same diff rebased: nothing but the numbers changed
    assert by_old[20].range_diff.same and by_old[20].range_diff.lines == ()
    # 07/22: only the commit message changed (Kirill Shutemov's typo)
    typo = by_old[7].range_diff
    assert typo.same and "-BTW, it looks better to have BUG() or soem warning set in the wrong" in typo.commit_message
    # 13/22: the __isolate_lru_page() hunk left the patch
    assert by_old[13].range_diff.hunks_moved == 1


def test_carried_comment_lands_on_its_line_in_v17(review: Review) -> None:
    fate = next(f for f in review.versions.comments if "pre_lruvec" in f.comment.text)
    assert fate.target is not None
    assert (fate.target.file, fate.target.side) == ("mm/swap.c", Side.NEW)
    assert fate.target.function == "release_pages"
    assert fate.target.quoted == "+\t\t\tif (prev_lruvec != lruvec)"
    v17_18 = next(p for p in review.patches if p.msgid == fate.successor)
    line = next(dl for f in v17_18.files for h in f.hunks for dl in h.lines if dl.text == "\t\t\tif (prev_lruvec != lruvec)")
    assert fate.target.line == line.new_no


# --------------------------------------------------------------------------
# where users see it: review (terminal, markdown), summary (both forms,
# text and JSON), and the filters


def _pre_lruvec(review: Review):  # type: ignore[no-untyped-def]
    """Duyck's "pre_lruvec" comment on v16 19/22, carried to v17 18/21."""
    return next(f for f in review.versions.comments if "pre_lruvec" in f.comment.text)


def test_layout_carries_the_v16_comment_under_its_v17_line(review: Review) -> None:
    from reviewkit.render.layout import build_layout

    fate = _pre_lruvec(review)
    view = next(v for v in build_layout(review).patches if v.patch.msgid == fate.successor)
    [row] = [r for fv in view.files for h in fv.hunks for r in h.rows
             if any(f is fate for _, f in r.earlier)]
    assert (row.line.new_no, row.line.text) == (fate.target.line, "\t\t\tif (prev_lruvec != lruvec)")
    # the vN patch's own review is not carried onto itself
    old = next(v for v in build_layout(review).patches if v.patch.msgid == fate.patch)
    assert not old.earlier and not any(r.earlier for fv in old.files for h in fv.hunks for r in h.rows)


@pytest.mark.parametrize("width", [80, 120])
def test_terminal_shows_the_carried_comment_with_its_status(review: Review, width: int) -> None:
    import io

    from rich.console import Console

    from reviewkit.render import render_text

    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    render_text(review, console)
    lines = console.file.getvalue().split("\n")
    fate = _pre_lruvec(review)
    head = f"from v16 mm/swap.c:{fate.comment.anchor.line} release_pages()"
    at = next(i for i, line in enumerate(lines) if head in line)
    # right under its v17 line (new line number, the added line)
    code = lines[at - 1]
    assert code.split()[0] == str(fate.target.line) and "if (prev_lruvec != lruvec)" in code
    block = []
    for line in lines[at:]:
        if not line.lstrip().startswith("┆"):
            break
        block.append(line.lstrip()[2:])
    said = " ".join(" ".join(block).split())
    assert "since v17: addressed (answered: agree)" in said
    assert "Alex Shi answered (agree:" in said and "So this doesn't really read right." in said
    assert all(len(line) <= width for line in lines[at:at + len(block)])


def test_markdown_shows_the_carried_comment_with_its_status(review: Review) -> None:
    from reviewkit.render import render_markdown

    md = render_markdown(review)
    fate = _pre_lruvec(review)
    head = f"From v16 (`mm/swap.c:{fate.comment.anchor.line} release_pages()`), since v17: **addressed (answered: agree)**"
    assert head in md
    after = md[md.index(head):]
    assert after.index("So this doesn't really read right.") < after.index("## ")


def test_summary_says_what_became_of_the_v16_review(review: Review) -> None:
    from reviewkit.render import build_summary, build_summary_json

    short = build_summary(review)
    part = short[short.index("**Since v16 (was 19/22; same title)**"):].split("\n\n")[0].split("\n")
    assert part[0] == "**Since v16 (was 19/22; same title)**: comments on v16: 2 addressed"
    assert part[1].startswith("- Alexander Duyck (`pagevec_lru_move_fn():220`): So looking at this")
    assert part[2] == ("- Alexander Duyck (`release_pages():866`): So this doesn't really read right. — "
                       "addressed (answered: agree)")
    # the open ones first: 18/22's two open comments lead its list
    p18 = short[short.index("**Since v16 (was 18/22; same title)**"):].split("\n\n")[0].split("\n")
    assert "comments on v16: 5 addressed, 1 answered-not-changed, 2 open" in p18[0]
    assert p18[1].endswith("— **open**") and p18[2].endswith("— **open**")
    # the dropped patch says so, with its comments
    assert "**Dropped in v17 (the v17 cover letter says: removes 'mm/mlock: reorder isolation sequence during " \
           "munlock')**: comments on v16: 9 moot" in short
    # the plain text form, 72 columns
    plain = build_summary(review, plain=True)
    assert "Since v16 (was 19/22; same title): comments on v16: 2 addressed" in " ".join(plain.split())
    assert all(len(line) <= 72 or "://" in line for line in plain.split("\n"))
    # the archive form: every v16 comment verbatim with its fate
    full = build_summary(review, full=True)
    assert "### Since v16\n\nFrom v16 19/22 (same title)." in full
    assert "### Dropped in v17" in full
    doc = build_summary_json(review)
    [entry] = [p for p in doc["patches"] if p["msgid"] == _pre_lruvec(review).successor]
    assert entry["since"]["from_version"] == 16 and entry["since"]["counts"] == [{"verdict": "addressed", "count": 2}]


def test_filters_narrow_the_carried_review(review: Review) -> None:
    from reviewkit.overview import Selection, parse_patch_range, select_review

    fate = _pre_lruvec(review)
    one = select_review(review, Selection(patches=(parse_patch_range("18/21"),)))
    assert one.versions is not None and {f.successor for f in one.versions.comments} == {fate.successor}
    assert len(one.versions.comments) == 2
    assert not select_review(review, Selection(findings_only=True)).versions.comments


def test_scope_answers_and_suggested_code(review: Review) -> None:
    fates = list(review.versions.comments)
    snippet = next(f for f in fates if "get_page_unless_zero_or_nonlru" in f.comment.text)
    # six code lines; "put_page(page);" is in v16 15/22 already, so five suggested
    assert (snippet.suggested, snippet.suggested_found) == (5, 0)
    assert snippet.answer is AnswerKind.QUESTION
    typo = next(f for f in fates if f.comment.text == "s/soem/some/")
    assert typo.scope is CommentScope.MESSAGE and typo.verdict is Verdict.ADDRESSED
    rename = next(f for f in fates if "pre_lruvec" in f.comment.text)
    [answer] = rename.answers
    assert answer.kind is AnswerKind.AGREE and "will rename" in answer.cues
    assert answer.author == "Alex Shi"


def test_findings_fixed_or_still_there(review: Review) -> None:
    fates = review.versions.findings
    moot = [(f.finding.rule, f.finding.file, f.finding.function, f.statement) for f in fates
            if f.status is FindingStatus.MOOT]
    assert ("RK202", "mm/mlock.c", "munlock_vma_page", "get_page(page);") in moot
    still = [(f.finding.rule, f.finding.file, f.finding.function, f.statement, f.now.line) for f in fates
             if f.status is FindingStatus.STILL and f.finding.file]
    assert ("RK104", "mm/swap.c", "__page_cache_release", "__ClearPageLRU(page);", 86) in still
    # v16 18/22 updated NR_MLOCK with irqs on (Duyck: "a path where you might
    # try to update the page state without disabling interrupts"); v17 does
    # it under the lruvec lock
    fixed = [(f.finding.rule, f.finding.file, f.finding.function, f.finding.line, f.statement) for f in fates
             if f.status is FindingStatus.FIXED and f.finding.file]
    assert ("RK303", "mm/mlock.c", "__munlock_pagevec", 334,
            "__mod_zone_page_state(zone, NR_MLOCK, delta_munlocked);") in fixed


def test_trailers_given_on_v16(review: Review) -> None:
    subjects = {m.msgid: m.series.index for m in review.messages}
    given = {subjects[p]: [(t.key, t.name) for t in ts] for p, ts in review.versions.trailers.items()}
    assert given == {n: [("Reviewed-by", "Kirill A. Shutemov")] for n in (5, 6, 7, 14)}


@pytest.mark.parametrize("text, kind, cue", [
    ("Good catch. It's better to be aligned in next version.", AnswerKind.AGREE, "Good catch"),
    ("yes, it's previous, I will rename it.", AnswerKind.AGREE, "I will"),
    ("Done.", AnswerKind.AGREE, "Done."),
    ("Fixed in v3, thanks", AnswerKind.AGREE, "Fixed in v3"),
    ("yes, it will be reproduce later.", AnswerKind.AGREE, "yes"),
    ("So I don't know how to combine them, could you make it more clear with code?", AnswerKind.QUESTION,
     "could you"),
    ("yes, I just want to a bit of sense of ceremony to remove this huge big lock. :)", AnswerKind.DISAGREE,
     "just want"),
    ("I don't agree.", AnswerKind.DISAGREE, None),
    ("It has to do in this patch", AnswerKind.DISAGREE, "has to"),
])
def test_answer_classification(text: str, kind: AnswerKind, cue: str | None) -> None:
    got, cues = classify_answer(text)
    assert got is kind
    if cue is None:
        assert cues == ()
    else:
        assert cue in cues


def test_code_in_an_answer_is_no_cue() -> None:
    # "keep" and "since" in pasted code say nothing about agreeing
    kind, cues = classify_answer("Will do.\n+\t/* keep the lock since irqs are off */\n+\tfoo();")
    assert kind is AnswerKind.AGREE and cues[0] == "Will do" and not {"keep", "since"} & set(cues)
    kind, cues = classify_answer("+\t/* keep this since ... */\n+\tbar();")
    assert kind is AnswerKind.DISAGREE and cues == ()


def test_json_schema_doc_names_every_field(review: Review) -> None:
    import re

    from reviewkit.render import build_summary_json, render_json
    from reviewkit.render.versions import versions_json
    from tests.test_render_golden import _keys

    doc = (Path(__file__).parent.parent / "docs" / "json-schema.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)(?:\[\])?`", doc)) | set(re.findall(r"`[a-z_]+\.([a-z_]+)(?:\[\])?`", doc))
    series = versions_json(review)
    assert series["schema"] == "reviewkit.series" and series["comments"] and series["findings"]
    whole = render_json(review)
    summary = build_summary_json(review)
    assert "versions" in whole and any("since" in p for p in summary["patches"])
    for name, produced in (("reviewkit.series", series), ("reviewkit.review", whole), ("reviewkit.summary", summary)):
        assert f"`{name}`" in doc
        missing = sorted(_keys(produced) - documented)
        assert not missing, (name, missing)


# --------------------------------------------------------------------------
# check --previous, on a two-patch series written for the tests
# (tests/data/versions/demo-v1.mbox, demo-v2.mbox)

DEMO = Path(__file__).parent / "data" / "versions"


@pytest.fixture(scope="module")
def demo_items():  # type: ignore[no-untyped-def]
    from reviewkit.pipeline import build_checklist

    checklist = build_checklist([str(DEMO / "demo-v2.mbox")], config=load_config(None),
                                previous=(str(DEMO / "demo-v1.mbox"),))
    return checklist


def test_check_previous_fails_on_an_open_question(demo_items) -> None:  # type: ignore[no-untyped-def]
    from reviewkit.model import Status

    [item] = [i for i in demo_items.items if i.name == "previous-review" and "1/2" in i.patch]
    assert item.status is Status.FAIL
    assert item.where == "patch"
    [detail] = item.details
    assert detail.startswith("drivers/pwm/pwm-demo.c:45: Rob Reviewer")
    assert detail.endswith("open question: Doesn't this return with the lock held when the PWM is disabled?")
    assert demo_items.exit_code == 1


def test_check_previous_warns_on_a_dropped_trailer(demo_items) -> None:  # type: ignore[no-untyped-def]
    from reviewkit.model import Status

    [item] = [i for i in demo_items.items if i.name == "review-trailers" and "2/2" in i.patch]
    assert item.status is Status.WARN
    assert item.details == ("Reviewed-by: Ruth Reviewer <ruth@example.org> (given on v1 in <r2@example.org>)",)
    [other] = [i for i in demo_items.items if i.name == "review-trailers" and "1/2" in i.patch]
    assert other.status is Status.PASS


def test_check_previous_holds_the_changelog_against_the_changes(demo_items) -> None:  # type: ignore[no-untyped-def]
    from reviewkit.model import Status

    [item] = [i for i in demo_items.items if i.name == "changelog-match"]
    assert item.status is Status.WARN
    assert item.details == ("[PATCH v2 2/2] pwm: demo: fix a typo in a comment: its notes under '---' speak of a "
                            "change, but its diff is the same as in the previous version",)


def test_check_previous_on_lru_lock_names_the_changed_patches_the_changelog_misses() -> None:
    from reviewkit.model import Status
    from reviewkit.pipeline import build_checklist

    checklist = build_checklist([str(V17)], config=load_config(None), previous=(str(V16),))
    [item] = [i for i in checklist.items if i.name == "changelog-match"]
    assert item.status is Status.WARN
    # the v17 cover letter names mm/swap.c and mm/mlock.c: 16/21, 17/21 and
    # 18/21 are accounted for; 13, 14 and 15 changed without a word
    assert [d.split(":")[0] for d in item.details] == [
        "[PATCH v17 13/21] mm/lru", "[PATCH v17 15/21] mm/thp", "[PATCH v17 14/21] mm/compaction"]
    opened = [i for i in checklist.items if i.name == "previous-review" and i.status is not Status.PASS]
    assert [i.patch[:20] for i in opened] == ["", "[PATCH v17 13/21] mm", "[PATCH v17 17/21] mm"]
    assert any("mm/mlock.c:302: Alexander Duyck" in d for d in opened[2].details)


def _version(v: int, title: str, when: float, *, author: str = "Ann Author", email: str = "ann@example.org",
             patches: tuple[str, ...] = (), resend: bool = False):  # type: ignore[no-untyped-def]
    from reviewkit.model.review import SeriesVersion

    return SeriesVersion(v, title, author, email, "", when, None, patches or (f"<{title}-{v}-{when}>",),
                         None, resend)


def test_versions_chain_by_author_title_and_date() -> None:
    from reviewkit.versions.series import chain_versions

    day = 86400.0
    versions = [
        _version(1, "pwm: demo: add a driver", 0),
        _version(2, "pwm: demo: Add a driver", 7 * day),
        _version(2, "pwm: demo: Add a driver", 8 * day, resend=True),
        _version(3, "pwm: demo: add the driver", 20 * day),
        # another author with the same title: a series of its own
        _version(2, "pwm: demo: add a driver", 9 * day, author="Bo Other", email="bo@example.org"),
        # the same author, a like title, but posted after the v3: not its v1
        _version(1, "pwm: demo: add a driver", 30 * day),
        # "Ann Author via B4 Relay" is Ann
        _version(4, "pwm: demo: add the driver", 40 * day, author="Ann Author via B4 Relay",
                 email="devnull@example.org"),
    ]
    [chain] = chain_versions(versions, {}, {})
    assert [(v.version, v.resend, v.timestamp) for v in chain] == [
        (1, False, 0.0), (2, False, 7 * day), (2, True, 8 * day), (3, False, 20 * day), (4, False, 40 * day)]


def _patch(msgid: str, path: str, added: list[str]):  # type: ignore[no-untyped-def]
    from reviewkit.model import DiffLine, FileDiff, Hunk, Patch, PatchSource

    lines = tuple(DiffLine("+", text, None, n + 1) for n, text in enumerate(added))
    hunk = Hunk(0, 0, 1, len(lines), "", lines)
    return Patch(msgid, PatchSource.MAIL, msgid, "", "", "", (FileDiff(path, path, None, None, (hunk,)),))


def test_links_merged_split_dropped_added() -> None:
    from reviewkit.versions.link import Posted, link_patches

    a = [f"\tint a{i} = {i};" for i in range(8)]
    b = [f"\tint b{i} = {i};" for i in range(8)]
    c = [f"\tint c{i} = {i};" for i in range(8)]
    old = [Posted("<o1>", 1, "demo: add a", _patch("<o1>", "x.c", a)),
           Posted("<o2>", 2, "demo: add b", _patch("<o2>", "x.c", b)),
           Posted("<o3>", 3, "demo: add c", _patch("<o3>", "y.c", c)),
           Posted("<o4>", 4, "demo: tweak docs", _patch("<o4>", "d.txt", ["words one", "words two", "words 3"]))]
    new = [Posted("<n1>", 1, "demo: add a and b", _patch("<n1>", "x.c", a + b)),  # b folded into a
           Posted("<n2>", 2, "demo: add c, first half", _patch("<n2>", "y.c", c[:4])),
           Posted("<n3>", 3, "demo: more of c", _patch("<n3>", "y.c", c[4:])),
           Posted("<n4>", 4, "demo: an unrelated fix", _patch("<n4>", "z.c", ["\tfix();", "\tmore();", "\tdone();"]))]
    links = {(link.old, link.new): link for link in link_patches(old, new, old_version=1, new_version=2,
                                                              old_total=4, new_total=4, new_cover="")}
    kinds = {k: v.kind for k, v in links.items()}
    assert kinds[("<o1>", "<n1>")] is LinkKind.RENAMED
    assert kinds[("<o2>", "<n1>")] is LinkKind.MERGED
    assert "8 of its 8 changed lines are in v2 1/4" in links[("<o2>", "<n1>")].reason
    # "add c" went on in its place as the first half; the second half split off
    assert kinds[("<o3>", "<n2>")] is LinkKind.RENAMED
    assert kinds[("<o3>", "<n3>")] is LinkKind.SPLIT
    assert kinds[("<o4>", None)] is LinkKind.DROPPED
    assert kinds[(None, "<n4>")] is LinkKind.ADDED
