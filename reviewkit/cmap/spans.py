"""Function spans on one side of one file: which function, struct or macro
holds each line the patch shows.

With the whole file (a git tree's blob) tree-sitter gives every scope.
From the hunks alone, each run of shown lines is parsed on its own, and a
run inside a function whose opening line is not shown goes on with the
function the hunk left open before a gap, or is named by the hunk header's
function context. That context is git's guess from the lines above the
hunk and often wrong: in
tests/data/corpus/patches/117_v16-16-22-patch-posting.eml the second hunk's
header names ``__munlock_isolation_failed`` while its lines are in
``munlock_vma_page``, whose opening line the hunk shows. So the context is
used only for lines before any function start the hunk shows, and only when
those lines are inside a function (an unmatched ``}`` or body statements).
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass, field

from reviewkit.cmap.braces import LABEL, closes, close_comment, depth_after, function_end, is_code, is_indented, reopen_comment, unindented_body
from reviewkit.cmap.functions import FunctionBody, index_scopes, name_from_header
from reviewkit.cmap.parse import parse_c
from reviewkit.cmap.sources import SideText
from reviewkit.model import FileDiff, Function, ScopeKind, Side

# Top-level statement kinds that cannot stand at file scope: a run of lines
# holding one is inside a function body even when the mail lost its indent.
_BODY_ONLY = frozenset(
    {
        "if_statement",
        "for_statement",
        "while_statement",
        "do_statement",
        "return_statement",
        "goto_statement",
        "labeled_statement",
        "switch_statement",
        "case_statement",
        "break_statement",
        "continue_statement",
    }
)
_BODY_EXPR = frozenset({"assignment_expression", "update_expression"})


@dataclass
class Scope:
    fn: Function
    closed: bool = True  # its closing brace is shown
    body: FunctionBody | None = None  # where its CFG comes from (exact/visible header)
    headless: bool = False  # opening line not shown: named by the hunk header
    # brace depth after its last shown line (1: the body's own level) while
    # it is open; for a headless scope, the least depth its lines allow
    depth: int | None = None


@dataclass
class SideMap:
    side: Side
    text: SideText
    scopes: list[Scope] = field(default_factory=list)
    unknown: list[tuple[int, int]] = field(default_factory=list)  # inside a function of unknown name
    indented: bool = True  # the lines kept their indentation
    renames: dict[str, str] = field(default_factory=dict)  # old name -> new name (new side only)
    starts: list[int] = field(default_factory=list)  # scopes[i].fn.start, kept sorted with scopes

    def add(self, sc: Scope) -> None:
        i = bisect.bisect_right(self.starts, sc.fn.start)
        self.starts.insert(i, sc.fn.start)
        self.scopes.insert(i, sc)

    def set_scopes(self, scopes: list[Scope]) -> None:
        self.scopes = sorted(scopes, key=lambda s: s.fn.start)
        self.starts = [s.fn.start for s in self.scopes]

    def before(self, line: int) -> Scope | None:
        """The scope that starts last before ``line``."""
        i = bisect.bisect_left(self.starts, line)
        return self.scopes[i - 1] if i else None

    def scope_at(self, line: int) -> Scope | None:
        # top-level scopes do not nest; a struct and the variable it
        # declares may share lines, so look back a few
        i = bisect.bisect_right(self.starts, line)
        for sc in reversed(self.scopes[max(0, i - 4) : i]):
            if sc.fn.start <= line <= sc.fn.end:
                return sc
        return None

    def same_named(self, kind: ScopeKind, name: str) -> list[Scope]:
        return [s for s in self.scopes if s.fn.kind is kind and s.fn.name == name]

    def in_unknown(self, line: int) -> bool:
        return any(a <= line <= b for a, b in self.unknown)


def _hunk_ranges(fd: FileDiff, side: Side) -> list[tuple[int, int, str]]:
    """(first, last, header context) of each hunk's shown lines on ``side``."""
    out = []
    for h in fd.hunks:
        nos = [
            (dl.old_no if side is Side.OLD else dl.new_no)
            for dl in h.lines
            if dl.kind in (" -" if side is Side.OLD else " +")
        ]
        shown = [n for n in nos if n is not None]
        if shown:
            out.append((min(shown), max(shown), h.header_context))
    return out


def _body_statements(tree, first: int, last: int) -> bool:
    """Whether the top level of ``tree`` holds, between lines first..last,
    a statement that only a function body can hold."""
    stack = list(tree.root_node.children)
    while stack:
        n = stack.pop()
        row = n.start_point.row + 1
        if n.end_point.row + 1 < first or row > last:
            continue
        if n.type == "ERROR":
            stack.extend(n.children)
            continue
        if first <= row <= last:
            if n.type in _BODY_ONLY:
                return True
            if n.type == "expression_statement" and any(c.type in _BODY_EXPR for c in n.named_children):
                return True
    return False


def _segments(visible: frozenset[int]) -> list[tuple[int, int]]:
    """Runs of consecutive shown line numbers, in order."""
    out: list[tuple[int, int]] = []
    for no in sorted(visible):
        if out and no == out[-1][1] + 1:
            out[-1] = (out[-1][0], no)
        else:
            out.append((no, no))
    return out


def build_side_map(text: SideText, fd: FileDiff, side: Side, *, old: SideMap | None = None) -> SideMap:
    """The scopes of one side. For the new side built from the hunks,
    ``old`` (the old side's map) lets hunk-header contexts, which name the
    old side's functions, follow a function the patch renames."""
    smap = SideMap(side, text)
    lines = list(text.lines)
    if text.exact:
        source = ("\n".join(lines) + "\n").encode("utf-8", "replace")
        tree = parse_c(source)
        scopes, bodies = index_scopes(tree, source, file=fd.path, side=side)
        body_at = {b.function.start: b for b in bodies}
        smap.set_scopes(
            [Scope(fn, True, body_at.get(fn.start) if fn.kind is ScopeKind.FUNCTION else None) for fn in scopes]
        )
        return smap

    visible = text.visible or frozenset()
    smap.indented = is_indented(lines)
    # Whether the lines kept their indentation is judged hunk by hunk: an
    # archive page strips it from every line (the seed), a mailer may
    # re-flow one quoted hunk and not the next. A hunk showing no code line
    # that says either way counts as indented when the file's lines are.
    ranges = _hunk_ranges(fd, side)
    hunk_indent = [
        (a, b, is_indented(lines[a - 1 : b]) or (smap.indented and not unindented_body(lines[a - 1 : b])))
        for a, b, _ctx in ranges
    ]

    hunk_starts = [a for a, _b, _ind in hunk_indent]

    def indented_at(no: int) -> bool:
        i = bisect.bisect_right(hunk_starts, no) - 1
        if i >= 0 and no <= hunk_indent[i][1]:
            return hunk_indent[i][2]
        return smap.indented

    # Each run of shown lines is parsed on its own (rows kept by padding):
    # parsed as one text, braces that the gaps cut off pair up across them
    # and one function swallows the next ones (119_v16-18-22: a function of
    # include/linux/memcontrol.h spanned lines 427-1298).
    trees = []
    for first, last in _segments(visible):
        # parsed alone: rows are line - first
        shown = close_comment(reopen_comment(lines[first - 1 : last]))
        seg = ("\n".join(shown) + "\n").encode("utf-8", "replace")
        tree = parse_c(seg)
        trees.append((first, last, tree))
        seg_scopes = len(smap.scopes)
        for fn in index_scopes(tree, seg, file=fd.path, side=side)[0]:
            fn = dataclasses.replace(fn, start=fn.start + first - 1, end=fn.end + first - 1)
            if not first <= fn.start <= last:
                continue
            end = min(fn.end, last)
            span = lines[fn.start - 1 : end]
            # only a column-0 `}` closes a function in kernel style; without
            # indentation (archives), balanced braces do
            closed = bool(span) and (span[-1].startswith("}") if indented_at(end) else closes(span))
            # an unclosed function goes on past what the hunks show
            f = dataclasses.replace(fn, end=end, complete=closed or fn.kind is not ScopeKind.FUNCTION)
            smap.scopes.append(Scope(f, closed, None, depth=None if closed else depth_after(span, 0)))
        _add_open_aggregates(smap, lines, first, last, seg_scopes)
    smap.set_scopes(smap.scopes)

    renames = smap.renames = _renames(fd, old, smap) if old is not None else {}
    # shown lines outside every such scope, run by run within a hunk
    claimed: set[int] = set()
    for sc in smap.scopes:
        claimed.update(range(sc.fn.start, sc.fn.end + 1))
    for first, last, ctx in ranges:
        # a hunk's numbers are mail text: "@@ -1,999999999 ..." walked a
        # billion numbers no shown line has (tests/data/fuzz-found/campaign)
        last = min(last, len(lines))
        no = first
        while no <= last:
            if no in claimed or no not in visible:
                no += 1
                continue
            run_start = no
            while no <= last and no not in claimed and no in visible:
                no += 1
            parsed = next(((t, a) for a, b, t in trees if a <= run_start <= b), None)
            _claim_run(
                smap, lines, parsed, run_start, no - 1,
                hunk_first=first, context=ctx, renames=renames, indented=indented_at(run_start),
            )
    return smap


def _add_open_aggregates(smap: SideMap, lines: list[str], first: int, last: int, since: int) -> None:
    """Structs, unions and enums whose opening line the run first..last
    shows and whose closing brace it does not: tree-sitter reads no
    definition there (``struct lruvec {`` at include/linux/mmzone.h:251 in
    replies/023_v17-17-duyck-open-coded-abort.eml, the hunk ending three
    members later). Each goes on to the run's end. ``smap.scopes[since:]``
    are the scopes found in the run."""
    taken = [(sc.fn.start, sc.fn.end) for sc in smap.scopes[since:]]
    for no in range(first, last + 1):
        m = _AGGREGATE.match(lines[no - 1])
        if m is None or lines[no - 1][:1].isspace() or any(a <= no <= b for a, b in taken):
            continue
        if closes(lines[no - 1 : last]):
            continue
        fn = Function(f"{m.group(1)} {m.group(2)}", "", smap.side, no, last, ScopeKind.STRUCT, complete=False)
        smap.scopes.append(Scope(fn, False, None))
        return


_AGGREGATE = re.compile(r"^\s*(?:typedef\s+)?(struct|union|enum)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{")


def _context_scope(context: str) -> tuple[ScopeKind, str | None]:
    """What a hunk header's context names: a function, or a struct
    (``struct zone {``, 104_v16-03-22 include/linux/mmzone.h)."""
    m = _AGGREGATE.match(context)
    if m:
        return ScopeKind.STRUCT, f"{m.group(1)} {m.group(2)}"
    return ScopeKind.FUNCTION, name_from_header(context)


def _renames(fd: FileDiff, old: SideMap, new: SideMap) -> dict[str, str]:
    """Old name -> new name of functions whose header line the patch
    changes (``compaction_deferred`` -> ``compaction_should_defer`` in
    105_v16-04-22): a removed header paired with an added one in the same
    hunk, in order."""
    out: dict[str, str] = {}
    old_at = {s.fn.start: s.fn.name for s in old.scopes if s.fn.kind is ScopeKind.FUNCTION}
    new_at = {s.fn.start: s.fn.name for s in new.scopes if s.fn.kind is ScopeKind.FUNCTION}
    for h in fd.hunks:
        olds = [old_at[dl.old_no] for dl in h.lines if dl.kind == "-" and dl.old_no in old_at]
        news = [new_at[dl.new_no] for dl in h.lines if dl.kind == "+" and dl.new_no in new_at]
        for a, b in zip(olds, news):
            if a != b:
                out[a] = b
    return out


def _claim_run(
    smap: SideMap,
    lines: list[str],
    seg: tuple[object, int] | None,
    start: int,
    end: int,
    *,
    hunk_first: int,
    context: str,
    renames: dict[str, str],
    indented: bool,
) -> None:
    """Give the unclaimed lines start..end a function when they are inside
    one whose opening line is not shown. ``seg`` is the tree of the run of
    shown lines they are in and that run's first line; ``indented`` says
    whether the hunk kept its indentation."""
    prev = smap.before(start)
    if prev is not None and prev.fn.end >= start:
        prev = None
    open_fn = prev if prev is not None and prev.fn.kind is ScopeKind.FUNCTION and not prev.closed else None
    # A run that follows a gap in the same hunk (the reviewer's words or a
    # cut split the quote) goes on with the function the hunk left open
    # there: the seed's __munlock_pagevec hunk resumes after a comment.
    visible = smap.text.visible or frozenset()
    goes_on = (
        open_fn is not None
        and open_fn.fn.end >= hunk_first
        and not any(no in visible for no in range(open_fn.fn.end + 1, start))
    )
    if start != hunk_first and not goes_on:
        return  # after something the hunk shows closing: file scope
    kind, name = _context_scope(context) if start == hunk_first else (ScopeKind.FUNCTION, None)
    if name is None and open_fn is not None:
        kind, name = ScopeKind.FUNCTION, open_fn.fn.name
    name = renames.get(name, name) if name is not None else None
    run = lines[start - 1 : end]
    depth = open_fn.depth if goes_on and open_fn is not None else None
    closing, by_brace = function_end(run, start, indented, depth)
    if not by_brace:
        return  # the end of a macro call's arguments: not a function
    # labels sit at column 0 inside bodies (`putback:`, 119_v16-18-22 mm/mlock.c)
    code = [ln for ln in run if is_code(ln) and not LABEL.match(ln)]
    if code and code[0].startswith(("\t", "  ")) and code[0].rstrip().endswith(";") and code[0].count(")") > code[0].count("("):
        # the tail of a declaration begun above (`\t\t\t  unsigned int
        # nr_pages);` under `extern void lru_note_cost(...`, 106_v16-05-22
        # include/linux/swap.h): judge by what follows it
        code = code[1:]
    inside = (
        closing is not None
        # without indentation, brace balance across the hunk's runs is
        # the only evidence, and it says the function is still open
        or (goes_on and not indented and depth is not None)
        or (bool(code) and (code[0].startswith(("\t", "  ")) or code[0].rstrip() == "{"))
        or (seg is not None and _body_statements(seg[0], start - seg[1] + 1, end - seg[1] + 1))
    )
    if not inside:
        return
    last = closing if closing is not None else end
    if closing is not None:
        after = None
    elif depth is not None:
        after = depth_after(run, depth)
    else:
        # a headless run that does not close starts at the body's level
        # or deeper: count from the least
        after = depth_after(run, 1)
    if name is None:
        smap.unknown.append((start, last))
        return
    if kind is ScopeKind.FUNCTION and open_fn is not None and open_fn.fn.name == name:
        open_fn.fn = dataclasses.replace(open_fn.fn, end=last, complete=False)
        open_fn.closed = closing is not None
        open_fn.depth = after
        return
    fn = Function(name, "", smap.side, start, last, kind, complete=False)
    smap.add(Scope(fn, closing is not None, None, headless=True, depth=after))
