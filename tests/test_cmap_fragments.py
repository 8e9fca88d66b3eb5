"""Function maps built from quoted diff fragments (no git tree), on real mail."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from reviewkit.cmap import function_at, map_functions
from reviewkit.config import Config
from reviewkit.mail import parse_message
from reviewkit.model import Finding, FunctionStatus, Patch, Side
from reviewkit.patch import rebuild_quoted
from reviewkit.pipeline import build_review
from reviewkit.source import read_messages

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "data" / "corpus"
SEED_PAGE = ROOT / "threads" / "seed-duyck-mlock-v16-16.txt"
POSTING = CORPUS / "patches" / "117_v16-16-22-patch-posting.eml"


@cache
def quoted(path: Path) -> Patch:
    patch = rebuild_quoted(parse_message(next(iter(read_messages([str(path)])))))
    assert patch is not None
    return patch


def spans(patch: Patch) -> dict[str, tuple]:
    cm = map_functions(patch, config=Config())
    return {
        cf.name: (
            cf.status,
            (cf.old.function.start, cf.old.function.end) if cf.old else None,
            (cf.new.function.start, cf.new.function.end) if cf.new else None,
            cf.new.function.complete if cf.new else None,
        )
        for cf in cm.functions
    }


def verdicts(findings: tuple[Finding, ...]) -> set[tuple[str, str | None, int | None]]:
    # a diff rebuilt from a quote gets no patch-format verdicts
    return {(f.rule, f.function, f.line) for f in findings if f.category != "patch-format"}


def test_seed_hunk_split_by_comments_maps_whole_function():
    # The archive page lost all indentation and Duyck's comments split the
    # __munlock_pagevec hunk (new 289-339) into runs; `}` at new line 310
    # closes an `if`, so the lines after his comment stay in the function.
    got = spans(quoted(SEED_PAGE))
    status, old, new, complete = got["__munlock_pagevec"]
    assert status is FunctionStatus.CHANGED
    assert old == (297, 330) and new == (289, 339)
    assert complete is False  # the function goes on past the hunk
    cm = map_functions(quoted(SEED_PAGE), config=Config())
    for line in (310, 312, 328, 330, 333, 334, 336, 339):  # putback:, local_irq_*
        assert function_at(cm, "mm/mlock.c", Side.NEW, line) == "__munlock_pagevec", line


def test_seed_page_findings_equal_the_postings():
    page = build_review([str(SEED_PAGE)], config=Config())
    posting = build_review([str(POSTING)], config=Config())
    want = verdicts(posting.findings)
    assert ("RK302", "__munlock_pagevec", 334) in want  # what the fix must not lose
    assert verdicts(page.findings) == want
