"""Hunks to functions from the hunks alone, on the real v16 postings."""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

import pytest

from reviewkit.cmap import annotate, annotate_comments, function_at, functions_report, map_functions
from reviewkit.cmap.graph import graph_of
from reviewkit.cmap.lookup import hunk_functions, scope_at
from reviewkit.config import Config
from reviewkit.mail import parse_message
from reviewkit.model import Anchor, Comment, FunctionStatus, NodeKind, Patch, ScopeKind, Side
from reviewkit.patch import parse_patch
from reviewkit.source import read_messages

DATA = Path(__file__).parent / "data"
PATCHES = DATA / "corpus" / "patches"
SEED = PATCHES / "117_v16-16-22-patch-posting.eml"
GOLDEN = DATA / "cmap" / "v16-hunk-functions.tsv"


@cache
def posting(path: Path) -> Patch | None:
    return parse_patch(parse_message(next(iter(read_messages([str(path)])))))


@pytest.fixture(scope="module")
def seed():
    patch = posting(SEED)
    return patch, map_functions(patch, config=Config())


def test_seed_hunks_map_to_their_functions(seed):
    patch, cm = seed
    assert not cm.exact and cm.warnings == ()
    hunks = annotate(patch, cm).files[0].hunks
    # the second hunk's header names __munlock_isolation_failed, git's wrong guess
    assert hunks[1].header_context.startswith("static void __munlock_isolation_failed")
    assert [h.function for h in hunks] == [
        "__munlock_isolate_lru_page",
        "munlock_vma_page",
        "munlock_vma_page",
        "__munlock_pagevec",
    ]


@pytest.mark.parametrize(
    "line, name",
    [(178, "munlock_vma_page"), (179, "munlock_vma_page"), (199, "munlock_vma_page"), (207, "munlock_vma_page"),
     (298, "__munlock_pagevec"), (310, "__munlock_pagevec")],
)
def test_seed_new_lines(seed, line, name):
    _patch, cm = seed
    assert function_at(cm, "mm/mlock.c", Side.NEW, line) == name


def test_seed_old_lines_and_file_scope(seed):
    _patch, cm = seed
    assert function_at(cm, "mm/mlock.c", Side.OLD, 109) == "__munlock_isolate_lru_page"
    assert function_at(cm, "mm/mlock.c", Side.OLD, 214) == "munlock_vma_page"  # `unlock_out:`
    # the comment above the removed function is at file scope
    assert function_at(cm, "mm/mlock.c", Side.OLD, 106) is None
    assert function_at(cm, "mm/mlock.c", Side.NEW, 5000) is None
    assert function_at(cm, "mm/other.c", Side.NEW, 178) is None


def test_seed_changed_functions(seed):
    _patch, cm = seed
    by_name = {cf.name: cf for cf in cm.functions}
    removed = by_name["__munlock_isolate_lru_page"]
    assert removed.status is FunctionStatus.REMOVED and removed.new is None
    assert (removed.old.function.start, removed.old.function.end) == (109, 122)
    assert removed.removed_lines == frozenset(range(109, 123))
    assert removed.old.cfg is not None and removed.old.function.complete

    mvp = by_name["munlock_vma_page"]
    assert mvp.status is FunctionStatus.CHANGED
    assert (mvp.old.function.start, mvp.old.function.end) == (181, 219)
    assert (mvp.new.function.start, mvp.new.function.end) == (162, 211)
    assert {165, 178, 179, 183, 184, 199} <= mvp.added_lines
    assert 194 not in mvp.added_lines  # a context line
    assert {200, 201, 214, 215, 217} <= mvp.removed_lines
    # lines 167-170 (new) are not shown: gap marked, function incomplete
    assert not mvp.new.function.complete and "lines not shown" in mvp.new.source
    assert mvp.new.source.splitlines()[0] == "unsigned int munlock_vma_page(struct page *page)"
    assert not mvp.file_uses_cleanup

    # the new side's CFG: get_page at 178, an early return under !TestClearPageMlocked
    cfg = mvp.new.cfg
    get = next(n for n in cfg.nodes if n.text == "get_page(page);")
    assert get.line == 178
    ret = next(n for n in cfg.nodes if n.kind is NodeKind.RETURN and n.text == "return 0;")
    assert ret.line == 191
    cond = next(n for n in cfg.nodes if n.kind is NodeKind.CONDITION and n.text == "!TestClearPageMlocked(page)")
    assert cond.line == 182
    # the old side's gotos reach their labels
    old = mvp.old.cfg
    labels = {n.label: n.id for n in old.nodes if n.kind is NodeKind.LABEL}
    assert set(labels) == {"unlock_out", "out"}
    gotos = [n for n in old.nodes if n.kind is NodeKind.GOTO]
    assert {e.dst for g in gotos for e in graph_of(old).successors(g.id)} == set(labels.values())

    pv = by_name["__munlock_pagevec"]
    assert pv.status is FunctionStatus.CHANGED
    assert pv.new.function.start == 289 and not pv.new.function.complete  # opening line not shown
    loops = [n for n in pv.new.cfg.nodes if n.kind is NodeKind.LOOP]
    assert [n.text for n in loops] == ["i < nr"]
    putback = next(n for n in pv.new.cfg.nodes if n.kind is NodeKind.LABEL)
    assert putback.label == "putback" and putback.line == 328 and putback.loop_depth == 1


def test_seed_hunk_functions(seed):
    patch, cm = seed
    fd = patch.files[0]
    first = hunk_functions(cm, fd, fd.hunks[0])
    assert first[FunctionStatus.REMOVED] == ["__munlock_isolate_lru_page"]
    assert hunk_functions(cm, fd, fd.hunks[3])[FunctionStatus.CHANGED] == ["__munlock_pagevec"]


def test_annotate_comments(seed):
    _patch, cm = seed
    base = Comment("<m>", "R", "r@x", "", "Move get_page() into the branch.", 0, None)
    on_new = dataclasses.replace(base, anchor=Anchor("mm/mlock.c", Side.NEW, 178, 2, "+\tget_page(page);"))
    on_old = dataclasses.replace(base, anchor=Anchor("mm/mlock.c", Side.OLD, 110, 0, "-{"))
    no_line = dataclasses.replace(base, anchor=Anchor("mm/mlock.c", Side.NEW, None, 1, ""))
    general = base
    out = annotate_comments((on_new, on_old, no_line, general), cm)
    assert [c.anchor.function if c.anchor else None for c in out] == [
        "munlock_vma_page",
        "__munlock_isolate_lru_page",
        None,
        None,
    ]
    assert [c.text for c in out] == [base.text] * 4


def test_functions_report(seed):
    _patch, cm = seed
    rows = {r["name"]: r for r in functions_report(cm)}
    assert rows["munlock_vma_page"] == {
        "file": "mm/mlock.c",
        "name": "munlock_vma_page",
        "kind": "function",
        "status": "changed",
        "old": "181-219",
        "new": "162-211",
        "source": "fragment",
        "added": len(next(cf for cf in cm.functions if cf.name == "munlock_vma_page").added_lines),
        "removed": 11,
        "parse_errors": [],
    }
    assert rows["__munlock_isolate_lru_page"]["new"] is None
    assert rows["__munlock_isolate_lru_page"]["status"] == "removed"


def _golden() -> list[tuple[str, str, int, int, str | None]]:
    rows = []
    for line in GOLDEN.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        num, path, old, new, name = line.split("\t")[:5]
        rows.append((num, path, int(old), int(new), None if name == "-" else name))
    assert len(rows) > 100
    return rows


def test_every_hunk_of_the_v16_postings_maps():
    """Every C hunk of the 23 postings gets the function it changes."""
    expected = _golden()
    got = []
    for path in sorted(PATCHES.glob("*.eml")):
        patch = posting(path)
        if patch is None:  # the cover letter
            assert path.name.startswith("101_")
            continue
        cm = map_functions(patch, config=Config())
        assert not cm.warnings, (path.name, cm.warnings)
        for fd in annotate(patch, cm).files:
            if fd.path.endswith((".c", ".h")):
                got += [(path.name[:3], fd.path, h.old_start, h.new_start, h.function) for h in fd.hunks]
    assert got == expected


def test_every_changed_line_has_a_scope_or_is_file_scope():
    """A changed code line outside every scope must look like file scope."""
    for path in sorted(PATCHES.glob("1*.eml")):
        patch = posting(path)
        if patch is None:
            continue
        cm = map_functions(patch, config=Config())
        for fd in patch.files:
            if not fd.path.endswith((".c", ".h")):
                continue
            for h in fd.hunks:
                for dl in h.lines:
                    if dl.kind == " ":
                        continue
                    side, no = (Side.NEW, dl.new_no) if dl.kind == "+" else (Side.OLD, dl.old_no)
                    if scope_at(cm, fd.path, side, no) is not None:
                        continue
                    text = dl.text
                    file_scope = (
                        not text.strip()
                        or text.lstrip().startswith(("/*", "*", "//", "#"))
                        or text[:1] not in (" ", "\t")  # column 0: declarations, macro calls
                        or text.rstrip().endswith(");")  # a declaration's continuation
                        or text.strip() == ")"
                        # page-flags.h: `PAGEFLAG(LRU, lru, PF_HEAD) ...` continued on the next line
                        or re.fullmatch(r"\s+[A-Z][A-Z0-9_]*\(.*\)\s*", text) is not None
                    )
                    assert file_scope, (path.name, fd.path, no, text)


def test_changed_function_views_have_cfgs():
    for path in sorted(PATCHES.glob("1*.eml")):
        patch = posting(path)
        if patch is None:
            continue
        for cf in map_functions(patch, config=Config()).functions:
            for view in (cf.old, cf.new):
                if view is None:
                    continue
                fn = view.function
                assert fn.name == cf.name or cf.status is FunctionStatus.CHANGED
                assert fn.start <= fn.end and fn.file == cf.file
                if fn.kind is ScopeKind.FUNCTION and cf.status is not FunctionStatus.UNCHANGED:
                    assert view.cfg is not None, (path.name, cf.name)
                    assert view.cfg.nodes[0].kind is NodeKind.ENTRY
                    assert all(fn.start <= n.line <= fn.end + 1 for n in view.cfg.nodes), (path.name, cf.name)
                else:
                    assert view.cfg is None
            assert all(cf.new.function.start <= ln <= cf.new.function.end for ln in cf.added_lines)
            assert all(cf.old.function.start <= ln <= cf.old.function.end for ln in cf.removed_lines)


def test_seed_archive_page_without_indentation():
    """The seed page lost its leading tabs; the reply's anchors still map."""
    from reviewkit.pipeline import build_review

    review = build_review([str(DATA / "corpus" / "seed-duyck-mlock-v16-16.txt")], config=Config())
    cm = review.codemaps[0]
    assert not cm.exact
    anchored = sorted(
        (c.anchor.line, c.anchor.function)
        for cs in review.comments.values()
        for c in cs
        if c.anchor is not None and c.anchor.line is not None
    )
    assert anchored == [
        (178, "munlock_vma_page"),
        (179, "munlock_vma_page"),
        (199, "munlock_vma_page"),
        (207, "munlock_vma_page"),
        (298, "__munlock_pagevec"),
        (310, "__munlock_pagevec"),
    ]
    mvp = next(cf for cf in cm.functions if cf.name == "munlock_vma_page")
    assert (mvp.new.function.start, mvp.new.function.end) == (162, 211)
    texts = [n.text for n in mvp.new.cfg.nodes]
    assert "get_page(page);" in texts and "return nr_pages - 1;" in texts
