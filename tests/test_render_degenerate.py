"""Every renderer on what truncated and hostile mail leaves: hunks cut short
or with no lines, functions no hunk shows, comments and findings whose
anchors point at nothing. Nothing may index past what it was given, and no
comment may be lost (tests/outputs.py).

Found by fuzzing: tests/data/fuzz-found/indexerror-layout.eml and
probes/min-02-empty-hunk-indexerror (a hunk with no lines raised
IndexError in render/layout.py after part of the review was printed).
"""

from __future__ import annotations

import dataclasses

import pytest

from reviewkit.model import Anchor, ChangedFunction, Function, FunctionStatus, FunctionView, Side
from reviewkit.model.review import Review
from tests.outputs import find_lost_lines, render_outputs
from tests.test_render_model import PATCH_ID, REPLY_ID, sample_review


def _with_hunks(review: Review, make) -> Review:  # type: ignore[no-untyped-def]
    patch = review.patches[0]
    fd = patch.files[0]
    fd = dataclasses.replace(fd, hunks=tuple(make(fd.hunks)))
    return dataclasses.replace(review, patches=(dataclasses.replace(patch, files=(fd,)),))


def _empty_hunks(review: Review) -> Review:
    return _with_hunks(review, lambda hs: [dataclasses.replace(h, lines=()) for h in hs])


def _cut_hunks(review: Review) -> Review:
    return _with_hunks(review, lambda hs: [dataclasses.replace(h, lines=h.lines[:1]) for h in hs])


def _no_hunks(review: Review) -> Review:
    return _with_hunks(review, lambda hs: [])


def _no_files(review: Review) -> Review:
    patch = review.patches[0]
    return dataclasses.replace(review, patches=(dataclasses.replace(patch, files=()),))


def _lost_anchors(review: Review) -> Review:
    """Anchors on a hunk index, file, side and line the patch does not have."""
    bad = [Anchor("mm/mlock.c", Side.NEW, 10**9, 99, "> gone"), Anchor("not/in/patch.c", Side.OLD, 3, 0, ""),
           Anchor("", Side.NEW, None, None, ""), Anchor("mm/mlock.c", Side.OLD, -5, -1, "> x", "nowhere")]
    comments = dict(review.comments)
    comments[REPLY_ID] = tuple(dataclasses.replace(c, anchor=bad[k % len(bad)])
                               for k, c in enumerate(comments[REPLY_ID]))
    findings = tuple(dataclasses.replace(f, line=10**9, file="not/in/patch.c", function="nowhere")
                     for f in review.findings)
    return dataclasses.replace(review, comments=comments, findings=findings)


def _functions_without_hunks(review: Review) -> Review:
    """The code map names functions of other files and lines no hunk shows."""
    cm = review.codemaps[0]
    far = FunctionView(Function("far_away", "mm/other.c", Side.NEW, 5000, 5100), "", None)
    extra = ChangedFunction("far_away", "mm/other.c", FunctionStatus.CHANGED, None, far, frozenset({5050}))
    return dataclasses.replace(review, codemaps=(dataclasses.replace(cm, functions=cm.functions + (extra,)),))


def _no_codemap(review: Review) -> Review:
    return dataclasses.replace(review, codemaps=())


CASES = [_empty_hunks, _cut_hunks, _no_hunks, _no_files, _lost_anchors, _functions_without_hunks, _no_codemap]


@pytest.mark.parametrize("degrade", CASES, ids=lambda f: f.__name__.strip("_"))
def test_every_renderer_copes_and_loses_no_comment(degrade) -> None:  # type: ignore[no-untyped-def]
    review = degrade(sample_review())
    outputs = render_outputs(review)
    assert find_lost_lines(review, outputs) == []
    assert PATCH_ID in outputs["json"]


def test_every_degradation_at_once() -> None:
    review = sample_review()
    for degrade in (_cut_hunks, _lost_anchors, _functions_without_hunks):
        review = degrade(review)
    assert find_lost_lines(review) == []
