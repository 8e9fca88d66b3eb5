"""A hand-built Review for the render tests, and tests of the layout plan.

The sample follows the shape of the mlock v16 16/22 review
(threads/mlock-v16-16.mbox): a patch mail, a reply with comments anchored on
diff lines, a general comment, a question the author answers and one left
open, a Reviewed-by from a second reviewer, and findings.
"""

from __future__ import annotations

import dataclasses

from reviewkit.model import (
    Anchor,
    ChangedFunction,
    CodeMap,
    Comment,
    Confidence,
    DiffLine,
    FileDiff,
    Finding,
    Function,
    FunctionStatus,
    FunctionView,
    Hunk,
    Message,
    MessageKind,
    Patch,
    PatchSource,
    Series,
    Severity,
    Side,
    Thread,
    Trailer,
)
from reviewkit.model.review import Review
from reviewkit.cmap import annotate
from reviewkit.overview import build_overview
from reviewkit.render.layout import build_layout, function_sections

PATCH_ID = "patch-16@example.org"
REPLY_ID = "reply-duyck@example.org"
ANSWER_ID = "answer-shi@example.org"
ACK_ID = "ack-kirill@example.org"
SERIES = Series(version=16, index=16, total=22, is_patch_tag=True,
                title="mm/mlock: reorder isolation sequence during munlock")
REPLY_SERIES = Series(version=16, index=16, total=22, is_patch_tag=True, is_reply=True, title=SERIES.title)


def msg(msgid: str, author: str, email: str, date: str, kind: MessageKind, *, parent: str | None = None,
        subject: str | None = None, series: Series = REPLY_SERIES, body: str = "") -> Message:
    return Message(
        msgid=msgid, subject=subject or f"Re: [PATCH v16 16/22] {SERIES.title}", author=author, email=email,
        date=date, timestamp=None, in_reply_to=parent, references=(parent,) if parent else (), series=series,
        kind=kind, body=body)


def hunks() -> tuple[Hunk, ...]:
    h1 = Hunk(162, 6, 162, 7, "static void __munlock_isolation_failed(struct page *page)", (
        DiffLine(" ", "unsigned int munlock_vma_page(struct page *page)", 162, 162),
        DiffLine(" ", "{", 163, 163),
        DiffLine(" ", "\tint nr_pages;", 164, 164),
        DiffLine("+", "\tbool clearlru = false;", None, 165),
        DiffLine(" ", "\tpg_data_t *pgdat = page_pgdat(page);", 165, 166),
        DiffLine(" ", "", 166, 167),
        DiffLine(" ", "\t/* For try_to_munlock() and to serialize with page migration */", 167, 168),
    ), function="munlock_vma_page")
    h2 = Hunk(189, 8, 171, 9, "unsigned int munlock_vma_page(struct page *page)", (
        DiffLine(" ", "\tVM_BUG_ON_PAGE(PageTail(page), page);", 189, 171),
        DiffLine(" ", "", 190, 172),
        DiffLine("+", "\tget_page(page);", None, 173),
        DiffLine("+", "\tclearlru = TestClearPageLRU(page);", None, 174),
        DiffLine(" ", "\tspin_lock_irq(&pgdat->lru_lock);", 191, 175),
        DiffLine("-", "\tif (__munlock_isolate_lru_page(page, true)) {", 192, None),
        DiffLine("+", "\tif (clearlru) {", None, 176),
        DiffLine(" ", "\t\tspin_unlock_irq(&pgdat->lru_lock);", 193, 177),
        DiffLine(" ", "}", 194, 178),
        DiffLine(" ", "", 195, 179),
        DiffLine(" ", "static void __munlock_pagevec(struct pagevec *pvec, struct zone *zone)", 196, 180),
    ), function="munlock_vma_page")
    return h1, h2


def codemap() -> CodeMap:
    def view(side: Side, start: int, end: int) -> FunctionView:
        return FunctionView(Function("munlock_vma_page", "mm/mlock.c", side, start, end), "", None)

    def view2(side: Side, start: int, end: int) -> FunctionView:
        return FunctionView(Function("__munlock_pagevec", "mm/mlock.c", side, start, end), "", None)

    return CodeMap(PATCH_ID, (
        ChangedFunction("munlock_vma_page", "mm/mlock.c", FunctionStatus.CHANGED,
                        view(Side.OLD, 162, 194), view(Side.NEW, 162, 178),
                        frozenset({165, 173, 174, 176}), frozenset({192})),
        ChangedFunction("__munlock_pagevec", "mm/mlock.c", FunctionStatus.UNCHANGED,
                        view2(Side.OLD, 196, 240), view2(Side.NEW, 180, 224)),
    ), exact=False, warnings=("mm/mlock.c: built from hunk fragments",))


def comments() -> dict[str, tuple[Comment, ...]]:
    duyck = ("Alexander Duyck", "alexander.duyck@example.com", "Fri, 17 Jul 2020 13:30:00 -0700")
    shi = ("Alex Shi", "alex.shi@example.com", "Sat, 18 Jul 2020 10:00:00 +0800")
    return {
        REPLY_ID: (
            Comment(REPLY_ID, *duyck, "I don't think this get_page() call needs to be up here.\n"
                    "It could be left down before we delete the page from the LRU list.", 40,
                    Anchor("mm/mlock.c", Side.NEW, 173, 1, "> +\tget_page(page);", "munlock_vma_page"),
                    quoted_text="> +\tget_page(page);", quoted_author="Alex Shi"),
            Comment(REPLY_ID, *duyck, "What do we gain by moving the bit test up here?", 45,
                    Anchor("mm/mlock.c", Side.NEW, 174, 1, "> +\tclearlru = TestClearPageLRU(page);",
                           "munlock_vma_page"),
                    quoted_text="> +\tclearlru = TestClearPageLRU(page);", quoted_author="Alex Shi"),
            Comment(REPLY_ID, *duyck, "You could just place the get_page() call here.", 52,
                    Anchor("mm/mlock.c", Side.NEW, 176, 1, "> +\tif (clearlru) {", "munlock_vma_page"),
                    quoted_text="> +\tif (clearlru) {", quoted_author="Alex Shi"),
            Comment(REPLY_ID, *duyck, "Why is the old helper gone?", 60,
                    Anchor("mm/mlock.c", Side.OLD, 192, 1, "> -\tif (__munlock_isolate_lru_page(page, true)) {",
                           "munlock_vma_page"),
                    quoted_text="> -\tif (__munlock_isolate_lru_page(page, true)) {", quoted_author="Alex Shi"),
            Comment(REPLY_ID, *duyck, "Overall the ordering looks odd to me; see above.", 70, None),
        ),
        ANSWER_ID: (
            Comment(ANSWER_ID, *shi, "The bit test guards against a race with release_pages.", 8,
                    None, quoted_text="> What do we gain by moving the bit test up here?",
                    quoted_author="Alexander Duyck"),
        ),
        ACK_ID: (),
    }


def findings() -> tuple[Finding, ...]:
    return (
        Finding("RK201", "get-put-placement", Severity.WARNING, Confidence.MEDIUM, "mm/mlock.c",
                "munlock_vma_page", 173,
                "get_page(page) is taken before the branch that keeps it; the other paths put it again",
                suggestion="move get_page(page) into the `if (clearlru)` branch; the put_page() calls go away",
                rationale="an early get forces a put on every path that does not keep the page",
                msgid=PATCH_ID),
        Finding("RK602", "spelling", Severity.INFO, Confidence.HIGH, "mm/mlock.c", None, 500,
                "'tempary' may be misspelled: 'temporary'", msgid=PATCH_ID),
    )


def sample_review() -> Review:
    patch_msg = msg(PATCH_ID, "Alex Shi", "alex.shi@example.com", "Sat, 11 Jul 2020 08:58:30 +0800",
                    MessageKind.PATCH, subject=f"[PATCH v16 16/22] {SERIES.title}", series=SERIES)
    reply = msg(REPLY_ID, "Alexander Duyck", "alexander.duyck@example.com", "Fri, 17 Jul 2020 13:30:00 -0700",
                MessageKind.REPLY, parent=PATCH_ID)
    answer = msg(ANSWER_ID, "Alex Shi", "alex.shi@example.com", "Sat, 18 Jul 2020 10:00:00 +0800",
                 MessageKind.REPLY, parent=REPLY_ID)
    ack = msg(ACK_ID, "Kirill A. Shutemov", "kirill@example.net", "Sun, 19 Jul 2020 09:00:00 +0300",
              MessageKind.REPLY, parent=PATCH_ID)
    thread = Thread(PATCH_ID, (patch_msg, reply, answer, ack),
                    parents={REPLY_ID: PATCH_ID, ANSWER_ID: REPLY_ID, ACK_ID: PATCH_ID},
                    depth={PATCH_ID: 0, REPLY_ID: 1, ANSWER_ID: 2, ACK_ID: 1})
    patch = Patch(PATCH_ID, PatchSource.MAIL, f"[PATCH v16 16/22] {SERIES.title}",
                  "This patch reorders the isolation steps during munlock.\n\n"
                  "Signed-off-by: Alex Shi <alex.shi@example.com>\n", "", " mm/mlock.c | 93 ++++----\n",
                  (FileDiff("mm/mlock.c", "mm/mlock.c", "228ba5a8e0a5", "0bdde88b4438", hunks()),),
                  trailers=(Trailer("Signed-off-by", "Alex Shi", "alex.shi@example.com", PATCH_ID, False),))
    # as the pipeline hands it to render: each line knows its function
    patch = annotate(patch, codemap())
    review = Review(
        threads=(thread,), patches=(patch,), comments=comments(), codemaps=(codemap(),), findings=findings(),
        warnings=("threads/sample.mbox#2: charset 'x-unknown' read as latin-1",),
        trailers={PATCH_ID: patch.trailers, REPLY_ID: (),
                  ANSWER_ID: (), ACK_ID: (Trailer("Acked-by", "Kirill A. Shutemov", "kirill@example.net",
                                                   ACK_ID, False),)},
        reviews={REPLY_ID: PATCH_ID, ANSWER_ID: PATCH_ID, ACK_ID: PATCH_ID},
    )
    # as the pipeline hands it to render: with its overview
    return dataclasses.replace(review, overview=build_overview(review))


# --------------------------------------------------------------------------


def test_layout_places_comments_on_their_lines() -> None:
    layout = build_layout(sample_review())
    [view] = layout.patches
    placed = {(r.line.old_no, r.line.new_no): [c.text.split("\n")[0] for c in r.comments]
              for fv in view.files for hv in fv.hunks for r in hv.rows if r.comments}
    assert placed == {
        (None, 173): ["I don't think this get_page() call needs to be up here."],
        # the author's answer follows the question it quotes, on its line
        (None, 174): ["What do we gain by moving the bit test up here?",
                      "The bit test guards against a race with release_pages."],
        (None, 176): ["You could just place the get_page() call here."],
        (192, None): ["Why is the old helper gone?"],
    }
    # The general comment quotes no diff line.
    assert [c.text for c in view.conversation] == ["Overall the ordering looks odd to me; see above."]
    # Every comment of the review is somewhere.
    assert len(view.comments) == sum(len(cs) for cs in sample_review().comments.values())


def test_layout_findings_and_trailers() -> None:
    [view] = build_layout(sample_review()).patches
    on_lines = [(r.line.new_no, f.rule) for fv in view.files for hv in fv.hunks for r in hv.rows
                for f in r.findings]
    assert on_lines == [(173, "RK201")]
    assert [f.rule for f in view.loose_findings] == ["RK602"]  # line 500 is not shown
    assert [(t.key, t.name) for t in view.trailers] == [("Acked-by", "Kirill A. Shutemov")]
    assert view.author == "Alex Shi" and view.version == 16


def test_function_sections_follow_the_code_map() -> None:
    import dataclasses

    [view] = build_layout(sample_review()).patches
    hv = view.files[0].hunks[1]
    # The hunk runs past the end of munlock_vma_page into __munlock_pagevec,
    # but shows only context there: no header for it.
    assert [(name, len(rows)) for name, rows in function_sections(hv)] == [("munlock_vma_page", 11)]
    # A changed line in __munlock_pagevec gets its own header; the blank
    # line between the two functions goes with it.
    rows = list(hv.rows)
    rows[-1] = dataclasses.replace(rows[-1], line=dataclasses.replace(rows[-1].line, kind="+", old_no=None))
    hv = dataclasses.replace(hv, rows=tuple(rows))
    assert [(name, [r.line.new_no for r in rows]) for name, rows in function_sections(hv)] == [
        ("munlock_vma_page", [171, 172, 173, 174, 175, None, 176, 177, 178]),  # None: the removed line
        ("__munlock_pagevec", [179, 180]),
    ]


def test_function_gap_inside_one_function_is_that_function() -> None:
    import dataclasses

    from reviewkit.render.layout import HunkView, Row

    def row(n: int, fn: str | None, kind: str = "+") -> Row:
        return Row(DiffLine(kind, f"line {n}", None, n), fn)

    hv = HunkView(hunks()[0], 0, (row(1, "f"), row(2, None), row(3, "f"), row(4, None, " "), row(5, "g")))
    assert [(name, [r.line.new_no for r in rows]) for name, rows in function_sections(hv)] == [
        ("f", [1, 2, 3]), ("g", [4, 5])]
    assert dataclasses.is_dataclass(hv)


def test_comment_without_number_is_placed_by_quoted_line() -> None:
    review = sample_review()
    c = review.comments[REPLY_ID][2]
    anchor = Anchor("mm/mlock.c", Side.NEW, None, None, ">+if (clearlru) {")  # archive page: no indent
    import dataclasses

    moved = dataclasses.replace(c, anchor=anchor)
    review = dataclasses.replace(review, comments={**review.comments, REPLY_ID: (moved,)})
    [view] = build_layout(review).patches
    [row] = [r for fv in view.files for hv in fv.hunks for r in hv.rows if r.comments]
    assert row.line.new_no == 176
