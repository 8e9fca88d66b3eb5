"""Map a patch's hunks to the functions they touch, on both sides.

:func:`map_functions` reads each file's two sides (see
:mod:`reviewkit.cmap.sources`), finds the scopes on each with tree-sitter and
gives every hunk line its enclosing function, struct, macro or file scope.
Each function the patch touches becomes a :class:`ChangedFunction` with both
sides' span, source and CFG. Functions that a hunk only shows as context are
listed too, with status UNCHANGED and no CFG, so that :func:`function_at`
answers for every line a hunk shows; struct and macro scopes have no CFG.

From the hunks alone (no git tree) a function whose opening line is not
shown is named by the hunk header's function context, which is git's guess
from the lines above the hunk and often wrong: in
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
from collections import Counter
from dataclasses import dataclass, field

from reviewkit.cmap.cfg import CfgTooLarge, build_cfg
from reviewkit.cmap.functions import FunctionBody, index_scopes, name_from_header
from reviewkit.cmap.macros import CLEANUP_MARKERS
from reviewkit.cmap.parse import body_error_lines, parse_c
from reviewkit.cmap.sources import GAP_MARKER, SideText, find_side_texts
from reviewkit.config import Config
from reviewkit.model import (
    Cfg,
    ChangedFunction,
    CodeMap,
    Comment,
    FileDiff,
    Function,
    FunctionStatus,
    FunctionView,
    Patch,
    ScopeKind,
    Side,
)

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
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*:\s*(?:/[*/].*)?$")


@dataclass
class _Scope:
    fn: Function
    closed: bool = True  # its closing brace is shown
    body: FunctionBody | None = None  # where its CFG comes from (exact/visible header)
    headless: bool = False  # opening line not shown: named by the hunk header
    # brace depth after its last shown line (1: the body's own level) while
    # it is open; for a headless scope, the least depth its lines allow
    depth: int | None = None


@dataclass
class _SideMap:
    side: Side
    text: SideText
    scopes: list[_Scope] = field(default_factory=list)
    unknown: list[tuple[int, int]] = field(default_factory=list)  # inside a function of unknown name
    indented: bool = True  # the lines kept their indentation
    renames: dict[str, str] = field(default_factory=dict)  # old name -> new name (new side only)
    starts: list[int] = field(default_factory=list)  # scopes[i].fn.start, kept sorted with scopes

    def add(self, sc: _Scope) -> None:
        i = bisect.bisect_right(self.starts, sc.fn.start)
        self.starts.insert(i, sc.fn.start)
        self.scopes.insert(i, sc)

    def set_scopes(self, scopes: list[_Scope]) -> None:
        self.scopes = sorted(scopes, key=lambda s: s.fn.start)
        self.starts = [s.fn.start for s in self.scopes]

    def before(self, line: int) -> _Scope | None:
        """The scope that starts last before ``line``."""
        i = bisect.bisect_left(self.starts, line)
        return self.scopes[i - 1] if i else None

    def scope_at(self, line: int) -> _Scope | None:
        # top-level scopes do not nest; a struct and the variable it
        # declares may share lines, so look back a few
        i = bisect.bisect_right(self.starts, line)
        for sc in reversed(self.scopes[max(0, i - 4) : i]):
            if sc.fn.start <= line <= sc.fn.end:
                return sc
        return None

    def same_named(self, kind: ScopeKind, name: str) -> list[_Scope]:
        return [s for s in self.scopes if s.fn.kind is kind and s.fn.name == name]

    def in_unknown(self, line: int) -> bool:
        return any(a <= line <= b for a, b in self.unknown)


# --------------------------------------------------------------------------
# lexical helpers


# what _brace_deltas stops at: the rest of a line is skipped in one search
_BRACE_SPECIAL = re.compile(r"[{}\"'/]")


def _brace_deltas(lines: list[str]) -> list[tuple[int, int]]:
    """Per line: (lowest brace depth reached relative to the line's start,
    depth change over the line), skipping comments, strings and chars.
    Block comments spanning lines are followed."""
    out = []
    in_comment = False
    special = _BRACE_SPECIAL.search  # jump from one character that matters to the next
    for line in lines:
        depth = low = 0
        i, n = 0, len(line)
        while i < n:
            if in_comment:
                end = line.find("*/", i)
                if end < 0:
                    break
                in_comment = False
                i = end + 2
                continue
            m = special(line, i)
            if m is None:
                break
            i = m.start()
            ch = line[i]
            if ch == "/":
                if line.startswith("/*", i):
                    in_comment = True
                    i += 2
                    continue
                if line.startswith("//", i):
                    break
            elif ch == "\"" or ch == "'":
                j = i + 1
                while j < n and line[j] != ch:
                    j += 2 if line[j] == "\\" else 1
                i = j + 1
                continue
            elif ch == "{":
                depth += 1
            else:
                depth -= 1
                low = min(low, depth)
            i += 1
        out.append((low, depth))
    return out


def _indented(lines: list[str]) -> bool:
    """Whether the lines kept their indentation. Archives strip it
    (tests/data/corpus/seed-duyck-mlock-v16-16.txt: context lines at
    column 0, ``+``/``-`` lines one space in), so one space does not count."""
    # the cheap test first: a side rebuilt from the hunks is mostly blank
    # lines up to the hunks' numbers (thousands for mm/vmscan.c)
    return any(ln.startswith(("\t", "  ")) and _is_code(ln) for ln in filter(None, lines))


def _unindented_body(lines: list[str]) -> bool:
    """Whether code lines sit at column 0 inside braces opened in ``lines``:
    a sign the indentation was stripped even if one line kept some."""
    level = 0
    for ln, (_low, delta) in zip(lines, _brace_deltas(lines)):
        if level > 0 and _is_code(ln) and not _LABEL.match(ln) and not ln.startswith(("}", "{", " ", "\t")):
            return True
        level = max(0, level + delta)
    return False


def _function_end(lines: list[str], first: int, indented: bool, depth: int | None = None) -> tuple[int | None, bool]:
    """Where a block whose opening is above ``lines`` closes (numbered
    from ``first``) and whether a brace closes it: (None, True) when it does
    not close in them; (line, False) for a ``)`` at column 0, the end of a
    macro call such as ``TRACE_EVENT(...)`` (105_v16-04-22,
    include/trace/events/compaction.h), not of a function.

    Kernel style closes a function with a ``}`` at column 0, so with the
    indentation kept that line is the end (a ``}`` deeper in only closes a
    block: 102_v16-01-22's hunk at mm/vmscan.c:1883 starts three blocks
    deep). Without indentation, the end is where the brace depth first
    reaches its lowest point; when ``depth``, the depth the lines start at
    (the body's own level is 1), is known from the lines shown above them
    in the same hunk, only if that point leaves the body: in the seed's
    last hunk the quote resumes after a comment with ``}`` closing the
    ``for`` loop, not ``__munlock_pagevec``.
    """
    if indented:
        for k, ln in enumerate(lines):
            if ln.startswith("}"):
                return first + k, True
            if ln.startswith(")"):
                return first + k, False
        return None, True
    level = lowest = 0
    where = None
    for k, (low, delta) in enumerate(_brace_deltas(lines)):
        if level + low < lowest:
            lowest, where = level + low, first + k
        level += delta
    if depth is not None and depth + lowest > 0:
        return None, True
    return where, True


def _depth_after(lines: list[str], depth: int) -> int:
    """The brace depth after ``lines`` when they start at ``depth``."""
    return depth + sum(delta for _low, delta in _brace_deltas(lines))


def _closes(lines: list[str]) -> bool:
    """Whether a function whose opening line is ``lines[0]`` closes within them."""
    depth = opened = 0
    for low, delta in _brace_deltas(lines):
        if delta > 0 or depth + delta > 0:
            opened = 1
        depth += delta
        if opened and depth <= 0:
            return True
    return False


def _reopen_comment(lines: list[str]) -> list[str]:
    """A run of shown lines that starts inside a block comment (a hunk
    beginning at ``\t * only when the page is being freed``, 116_v16-15-22
    mm/vmscan.c) gets its ``/*`` back on the first line, for parsing only,
    so that the comment's words are not read as code."""
    first = next((k for k, ln in enumerate(lines) if ln.strip()), None)
    if first is None or not lines[first].lstrip().startswith("*"):
        return lines
    text = "\n".join(lines[first:])
    close, open_ = text.find("*/"), text.find("/*")
    if close < 0 or (0 <= open_ < close):
        return lines
    return [*lines[:first], "/*" + lines[first], *lines[first + 1 :]]


def _close_comment(lines: list[str]) -> list[str]:
    """A run of shown lines that ends inside a block comment gets a ``*/``
    on its last line, for parsing only (119_v16-18-22 mm/vmscan.c:2705)."""
    if not lines:
        return lines
    text = "\n".join(lines)
    if text.rfind("/*") > text.rfind("*/"):
        return [*lines[:-1], lines[-1] + " */"]
    return lines


def _unmatched_closers(lines: list[str]) -> int:
    depth = lowest = 0
    for low, delta in _brace_deltas(lines):
        lowest = min(lowest, depth + low)
        depth += delta
    return -lowest


def _is_code(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith(("/*", "*", "//", "#")) and s != GAP_MARKER


# --------------------------------------------------------------------------
# one side of one file


def _hunk_ranges(fd: FileDiff, side: Side) -> list[tuple[int, int, str]]:
    """(first, last, header context) of each hunk's shown lines on ``side``."""
    out = []
    for h in fd.hunks:
        nos = [
            (dl.old_no if side is Side.OLD else dl.new_no)
            for dl in h.lines
            if dl.kind in (" -" if side is Side.OLD else " +")
        ]
        nos = [n for n in nos if n is not None]
        if nos:
            out.append((min(nos), max(nos), h.header_context))
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


def _build_side_map(text: SideText, fd: FileDiff, side: Side, *, old: _SideMap | None = None) -> _SideMap:
    """The scopes of one side. For the new side built from the hunks,
    ``old`` (the old side's map) lets hunk-header contexts, which name the
    old side's functions, follow a function the patch renames."""
    smap = _SideMap(side, text)
    lines = list(text.lines)
    if text.exact:
        source = ("\n".join(lines) + "\n").encode("utf-8", "replace")
        tree = parse_c(source)
        scopes, bodies = index_scopes(tree, source, file=fd.path, side=side)
        body_at = {b.function.start: b for b in bodies}
        smap.set_scopes(
            [_Scope(fn, True, body_at.get(fn.start) if fn.kind is ScopeKind.FUNCTION else None) for fn in scopes]
        )
        return smap

    visible = text.visible or frozenset()
    smap.indented = _indented(lines)
    # Whether the lines kept their indentation is judged hunk by hunk: an
    # archive page strips it from every line (the seed), a mailer may
    # re-flow one quoted hunk and not the next. A hunk showing no code line
    # that says either way counts as indented when the file's lines are.
    ranges = _hunk_ranges(fd, side)
    hunk_indent = [
        (a, b, _indented(lines[a - 1 : b]) or (smap.indented and not _unindented_body(lines[a - 1 : b])))
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
        shown = _close_comment(_reopen_comment(lines[first - 1 : last]))
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
            closed = bool(span) and (span[-1].startswith("}") if indented_at(end) else _closes(span))
            # an unclosed function goes on past what the hunks show
            f = dataclasses.replace(fn, end=end, complete=closed or fn.kind is not ScopeKind.FUNCTION)
            smap.scopes.append(_Scope(f, closed, None, depth=None if closed else _depth_after(span, 0)))
        _add_open_aggregates(smap, lines, first, last, seg_scopes)
    smap.set_scopes(smap.scopes)

    renames = smap.renames = _renames(fd, old, smap) if old is not None else {}
    # shown lines outside every such scope, run by run within a hunk
    claimed = set()
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
            seg = next(((t, a) for a, b, t in trees if a <= run_start <= b), None)
            _claim_run(
                smap, lines, seg, run_start, no - 1,
                hunk_first=first, context=ctx, renames=renames, indented=indented_at(run_start),
            )
    return smap


def _add_open_aggregates(smap: _SideMap, lines: list[str], first: int, last: int, since: int) -> None:
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
        if _closes(lines[no - 1 : last]):
            continue
        fn = Function(f"{m.group(1)} {m.group(2)}", "", smap.side, no, last, ScopeKind.STRUCT, complete=False)
        smap.scopes.append(_Scope(fn, False, None))
        return


_AGGREGATE = re.compile(r"^\s*(?:typedef\s+)?(struct|union|enum)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{")


def _context_scope(context: str) -> tuple[ScopeKind, str | None]:
    """What a hunk header's context names: a function, or a struct
    (``struct zone {``, 104_v16-03-22 include/linux/mmzone.h)."""
    m = _AGGREGATE.match(context)
    if m:
        return ScopeKind.STRUCT, f"{m.group(1)} {m.group(2)}"
    return ScopeKind.FUNCTION, name_from_header(context)


def _renames(fd: FileDiff, old: _SideMap, new: _SideMap) -> dict[str, str]:
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
    smap: _SideMap,
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
    closing, by_brace = _function_end(run, start, indented, depth)
    if not by_brace:
        return  # the end of a macro call's arguments: not a function
    # labels sit at column 0 inside bodies (`putback:`, 119_v16-18-22 mm/mlock.c)
    code = [ln for ln in run if _is_code(ln) and not _LABEL.match(ln)]
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
        after = _depth_after(run, depth)
    else:
        # a headless run that does not close starts at the body's level
        # or deeper: count from the least
        after = _depth_after(run, 1)
    if name is None:
        smap.unknown.append((start, last))
        return
    if kind is ScopeKind.FUNCTION and open_fn is not None and open_fn.fn.name == name:
        open_fn.fn = dataclasses.replace(open_fn.fn, end=last, complete=False)
        open_fn.closed = closing is not None
        open_fn.depth = after
        return
    fn = Function(name, "", smap.side, start, last, kind, complete=False)
    smap.add(_Scope(fn, closing is not None, None, headless=True, depth=after))


# --------------------------------------------------------------------------
# views and CFGs


def _view(smap: _SideMap, sc: _Scope, status: FunctionStatus, file: str, *, want_cfg: bool) -> FunctionView:
    fn = dataclasses.replace(sc.fn, status=status, file=file)
    lines = list(smap.text.lines[fn.start - 1 : fn.end])
    source_text = "\n".join(lines)
    cfg: Cfg | None = None
    errors: tuple[int, ...] = ()
    if fn.kind is ScopeKind.FUNCTION:
        cfg, errors = _cfg_for(smap, sc, fn, lines, want_cfg=want_cfg)
    return FunctionView(fn, source_text, cfg, errors)


def _cfg_for(smap: _SideMap, sc: _Scope, fn: Function, lines: list[str], *, want_cfg: bool):
    fragment = not fn.complete
    if sc.body is not None and smap.text.exact:
        b = sc.body
        node = b.node.child_by_field_name("body") if b.node.type == "function_definition" else b.node
        errors = body_error_lines(node or b.node, line_offset=b.line_offset)
        cfg = build_cfg(b.node, b.source, name=fn.name, side=smap.side, line_offset=b.line_offset) if want_cfg else None
        return cfg, errors
    # a fragment: parse the function's own lines, balancing the braces
    # of blocks opened above the first line shown
    # each run of shown lines in the function may start inside a comment
    visible = smap.text.visible
    text_lines = list(lines)
    k = 0
    while k < len(text_lines):
        no = fn.start + k
        if visible is None or (no in visible and (k == 0 or no - 1 not in visible)):
            end = k
            while end < len(text_lines) and (visible is None or fn.start + end in visible):
                end += 1
            text_lines[k:end] = _close_comment(_reopen_comment(text_lines[k:end]))
            k = end
        k += 1
    if sc.headless and text_lines:
        # the rest of a header whose first line is not shown
        # (`\tvoid (*move_fn)(...))` then `{`: 119_v16-18-22, mm/swap.c:206)
        brace = next((k for k, ln in enumerate(text_lines) if ln.rstrip() == "{"), None)
        if brace is not None and not any(_is_code(ln) and ln.startswith(("\t", " ")) is False for ln in text_lines[:brace]):
            text_lines[:brace] = [""] * brace
    # Balance the braces: blocks opened above the first line shown get their
    # "{" (a headless fragment's statements also go in a block of their own:
    # a `for` at the top level of a tree does not parse, 120_v16-19-22
    # mm/mlock.c), blocks still open after the last line shown their "}".
    opening = (_unmatched_closers(text_lines) + 1) if sc.headless else 0
    depth = opening + sum(delta for _low, delta in _brace_deltas(text_lines))
    if text_lines and opening:
        text_lines[0] = "{" * opening + text_lines[0]
    if depth > 0:
        text_lines.append("}" * depth)
    source = ("\n".join(text_lines) + "\n").encode("utf-8", "replace")
    tree = parse_c(source)
    node = tree.root_node
    if not sc.headless:
        _scopes, bodies = index_scopes(tree, source, file=fn.file, side=smap.side)
        match = next((b for b in bodies if b.function.name == fn.name), None)
        if match is not None and match.source is source:
            node = match.node
    body = node.child_by_field_name("body") if node.type == "function_definition" else node
    errors = body_error_lines(body or node, line_offset=fn.start - 1, fragment=fragment)
    cfg = None
    if want_cfg:
        cfg = build_cfg(node, source, name=fn.name, side=smap.side, line_offset=fn.start - 1, complete=not fragment)
        if cfg.nodes[Cfg.EXIT].line != fn.end:  # not the closing braces added above
            exit_node = dataclasses.replace(cfg.nodes[Cfg.EXIT], line=fn.end)
            cfg = dataclasses.replace(cfg, nodes=(cfg.nodes[0], exit_node, *cfg.nodes[2:]))
    return cfg, errors


# --------------------------------------------------------------------------
# the patch


def _file_changes(fd: FileDiff, old: _SideMap | None, new: _SideMap | None, exact: bool) -> tuple[list[ChangedFunction], list[str]]:
    warnings: list[str] = []
    path = fd.path
    touched: dict[tuple[ScopeKind, str, int], dict] = {}
    order: list[tuple[ScopeKind, str, int]] = []

    ordinals: dict[int, int] = {}
    for smap in (old, new):
        if smap is None:
            continue
        seen: Counter[tuple[ScopeKind, str]] = Counter()
        for sc in smap.scopes:
            ordinals[id(sc)] = seen[(sc.fn.kind, sc.fn.name)]
            seen[(sc.fn.kind, sc.fn.name)] += 1

    def nth(smap: _SideMap, sc: _Scope) -> int:
        # `#ifdef CONFIG_SMP` / `#else` define the same name twice
        # (activate_page in mm/swap.c, 111_v16-10-22): pair them in order
        return ordinals[id(sc)]

    def entry(sc: _Scope, smap: _SideMap) -> dict:
        key = (sc.fn.kind, sc.fn.name, nth(smap, sc))
        if key not in touched:
            touched[key] = {"old": None, "new": None, "added": set(), "removed": set(), "first": None}
            order.append(key)
        return touched[key]

    unknown_lines: list[str] = []
    for hi, h in enumerate(fd.hunks):
        for dl in h.lines:
            if dl.kind in " -" and dl.old_no is not None and old is not None:
                sc = old.scope_at(dl.old_no)
                if sc is not None:
                    e = entry(sc, old)
                    e["old"] = e["old"] or sc
                    if dl.kind == "-":
                        e["removed"].add(dl.old_no)
                elif dl.kind == "-" and old.in_unknown(dl.old_no):
                    unknown_lines.append(f"hunk {hi + 1} old line {dl.old_no}")
            if dl.kind in " +" and dl.new_no is not None and new is not None:
                sc = new.scope_at(dl.new_no)
                if sc is not None:
                    e = entry(sc, new)
                    e["new"] = e["new"] or sc
                    if dl.kind == "+":
                        e["added"].add(dl.new_no)
                elif dl.kind == "+" and new.in_unknown(dl.new_no):
                    unknown_lines.append(f"hunk {hi + 1} new line {dl.new_no}")
    if unknown_lines:
        warnings.append(
            f"{path}: changed lines inside a block whose opening line the hunks do not show and the hunk header does not name "
            f"({', '.join(unknown_lines[:3])}{', ...' if len(unknown_lines) > 3 else ''})"
        )
    added_nos = {dl.new_no for h in fd.hunks for dl in h.lines if dl.kind == "+"}
    removed_nos = {dl.old_no for h in fd.hunks for dl in h.lines if dl.kind == "-"}
    cleanup = any(
        CLEANUP_MARKERS.search(line) for smap in (old, new) if smap is not None for line in _shown(smap)
    )
    out: list[ChangedFunction] = []
    renames = new.renames if new is not None else {}
    merged = set()
    for key in order:
        if key in merged:
            continue
        e = touched[key]
        kind, name, index = key
        o: _Scope | None = e["old"] or _find(old, kind, name, index)
        n: _Scope | None = e["new"] or _find(new, kind, name, index)
        if kind is ScopeKind.FUNCTION and n is None and name in renames:
            # a renamed function is one changed function, under its new name
            other = (kind, renames[name], index)
            if other in touched:
                merged.add(other)
                e["added"] |= touched[other]["added"]
                n = touched[other]["new"]
            else:
                n = _find(new, kind, renames[name], index)
            if n is not None:
                name = n.fn.name
        added = frozenset(ln for ln in e["added"] if n is not None and n.fn.start <= ln <= n.fn.end)
        removed = frozenset(ln for ln in e["removed"] if o is not None and o.fn.start <= ln <= o.fn.end)
        if o is not None and n is not None:
            status = FunctionStatus.CHANGED if (added or removed) else FunctionStatus.UNCHANGED
        elif n is not None:
            # from the hunks alone, "added" needs the opening line among the + lines
            status = FunctionStatus.ADDED if (exact or old is None or n.fn.start in added_nos) else FunctionStatus.CHANGED
        elif o is not None:
            status = (
                FunctionStatus.REMOVED if (exact or new is None or o.fn.start in removed_nos) else FunctionStatus.CHANGED
            )
        else:
            continue
        want = status is not FunctionStatus.UNCHANGED
        try:
            ov = _view(old, o, status, path, want_cfg=want) if (o is not None and old is not None) else None
            nv = _view(new, n, status, path, want_cfg=want) if (n is not None and new is not None) else None
        except CfgTooLarge as err:
            # neither side then: one side alone would read as a change
            warnings.append(f"{path}: {name}(): {err}: not analysed")
            ov = _view(old, o, status, path, want_cfg=False) if (o is not None and old is not None) else None
            nv = _view(new, n, status, path, want_cfg=False) if (n is not None and new is not None) else None
        out.append(ChangedFunction(name, path, status, ov, nv, added, removed, cleanup))
    return out, warnings


def _find(smap: _SideMap | None, kind: ScopeKind, name: str, index: int) -> _Scope | None:
    if smap is None:
        return None
    same = smap.same_named(kind, name)
    return same[index] if index < len(same) else None


def _shown(smap: _SideMap):
    vis = smap.text.visible
    lines = smap.text.lines
    if vis is None:
        yield from lines
        return
    # by the shown numbers: a side rebuilt from the hunks is mostly blank
    # lines up to them (thousands for mm/vmscan.c)
    for no in sorted(vis):
        if 1 <= no <= len(lines):
            yield lines[no - 1]


def _looks_like_c(fd: FileDiff) -> bool:
    """Whether a file diff whose path the quote cut holds C: lines ending
    a statement or a block (replies/062_leds-tlc5928-jaillet-missing-unlock.eml
    quotes a new driver from its first function on, every header cut)."""
    code = [dl.text.strip() for h in fd.hunks for dl in h.lines if dl.text.strip()]
    if not any(ln.endswith((";", "{")) for ln in code):
        return False
    # statements, blocks, conditions, argument lists, comments, directives
    # (replies/003: a hunk of deactivate_file_page whose "diff --git" was cut)
    c_like = sum(ln.endswith((";", "{", "}", ")", ",", "*/")) or ln.startswith(("*", "/*", "//", "#")) for ln in code)
    return c_like * 3 >= len(code) * 2


def map_functions(patch: Patch, *, config: Config) -> CodeMap:
    """What each hunk of ``patch`` touches, function by function.

    Returns:
        A CodeMap: ``exact`` when every file with hunks had both sides from
        the git tree (``config.repo``); ``warnings`` say why a tree did not
        help and where lines could not be placed. Never raises on bad code
        or a bad tree: it falls back to the hunks.
    """
    from reviewkit.cmap.sources import check_repo

    warnings: list[str] = []
    repo = config.repo
    if repo is not None:
        problem = check_repo(repo)
        if problem is not None:
            warnings.append(f"--repo {problem}; using the hunks")
            repo = None
    functions: list[ChangedFunction] = []
    exact_files = 0
    files = [fd for fd in patch.files if fd.hunks]
    for fd in files:
        old_text, new_text, notes = find_side_texts(fd, repo=repo)
        warnings.extend(notes)
        exact = (old_text is None or old_text.exact) and (new_text is None or new_text.exact)
        if exact and repo is not None:
            exact_files += 1
        if not (fd.path.endswith((".c", ".h")) or (not fd.path and _looks_like_c(fd))):
            continue
        old = _build_side_map(old_text, fd, Side.OLD) if old_text is not None else None
        new = _build_side_map(new_text, fd, Side.NEW, old=old) if new_text is not None else None
        changed, notes = _file_changes(fd, old, new, exact)
        functions.extend(changed)
        warnings.extend(notes)
    return CodeMap(
        patch_msgid=patch.msgid,
        functions=tuple(functions),
        exact=bool(files) and exact_files == len(files),
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------
# lookups


class _CodeIndex:
    """The scopes of a code map by file and side, sorted, for many lookups
    (a patch of thousands of hunks must not cost hunks x functions)."""

    def __init__(self, codemap: CodeMap) -> None:
        entries: dict[tuple[str, Side], list[tuple[int, int, Function, str]]] = {}
        for cf in codemap.functions:
            for side, view in ((Side.OLD, cf.old), (Side.NEW, cf.new)):
                if view is not None:
                    fn = view.function
                    entries.setdefault((cf.file, side), []).append((fn.start, fn.end, fn, cf.name))
        self.entries = {k: sorted(v, key=lambda e: e[0]) for k, v in entries.items()}
        self.starts = {k: [e[0] for e in v] for k, v in self.entries.items()}

    def find(self, file: str, side: Side, line: int) -> tuple[Function, str] | None:
        """(the scope on that side, the name the code map gives it) or None."""
        key = (file, side)
        entries = self.entries.get(key)
        if not entries:
            return None
        i = bisect.bisect_right(self.starts[key], line)
        for start, end, fn, name in reversed(entries[max(0, i - 4) : i]):
            if start <= line <= end:
                return fn, name
        return None


def scope_at(codemap: CodeMap, file: str, side: Side, line: int) -> Function | None:
    """The scope (function, struct or macro) of ``file`` that holds ``line``
    on ``side``, among those the patch shows; None for file scope or a line
    the code map does not cover. (For many lookups, see :func:`annotate`.)"""
    found = _CodeIndex(codemap).find(file, side, line)
    return found[0] if found is not None else None


def function_at(codemap: CodeMap, file: str, side: Side, line: int) -> str | None:
    """The name of the function holding ``line`` of ``file`` on ``side``;
    None outside functions (file scope, struct, macro) or when unknown.
    On the old side a renamed function has its old name."""
    fn = scope_at(codemap, file, side, line)
    return fn.name if fn is not None and fn.kind is ScopeKind.FUNCTION else None


def _hunk_scope(index: _CodeIndex, file: str, hunk) -> str | None:
    """The function the hunk's changes fall in (most changed lines; a
    function before a struct or macro); None when all are at file scope.
    A renamed function goes by its new name."""
    counts: Counter[tuple[int, str]] = Counter()
    for dl in hunk.lines:
        if dl.kind == "+" and dl.new_no is not None:
            found = index.find(file, Side.NEW, dl.new_no)
        elif dl.kind == "-" and dl.old_no is not None:
            found = index.find(file, Side.OLD, dl.old_no)
        else:
            continue
        if found is not None:
            fn, name = found
            counts[(0 if fn.kind is ScopeKind.FUNCTION else 1, _label(fn.kind, name))] += 1
    if not counts:
        return None
    best_rank = min(rank for rank, _ in counts)
    return max((c, -i, name) for i, ((rank, name), c) in enumerate(counts.items()) if rank == best_rank)[2]


def _label(kind: ScopeKind, name: str) -> str:
    return f"#define {name}" if kind is ScopeKind.MACRO else name


def annotate(patch: Patch, codemap: CodeMap) -> Patch:
    """``patch`` with ``Hunk.function`` filled: the function the hunk's
    changes fall in (a struct such as ``struct foo`` or ``#define X`` when
    they are in no function; None at file scope)."""
    index = _CodeIndex(codemap)
    files = []
    for fd in patch.files:
        hunks = tuple(dataclasses.replace(h, function=_hunk_scope(index, fd.path, h)) for h in fd.hunks)
        files.append(dataclasses.replace(fd, hunks=hunks))
    return dataclasses.replace(patch, files=tuple(files))


def annotate_comments(comments, codemap: CodeMap) -> tuple[Comment, ...]:
    """Comments with ``Anchor.function`` filled where the anchor has a file
    and a line inside a function the code map covers; others are returned
    unchanged."""
    index = _CodeIndex(codemap)
    out = []
    for c in comments:
        a = c.anchor
        # a quote that cut every diff header leaves the file unnamed ("")
        if a is not None and a.line is not None and (a.file or a.hunk is not None):
            found = index.find(a.file, a.side, a.line)
            if found is not None and found[0].kind is ScopeKind.FUNCTION:
                c = dataclasses.replace(c, anchor=dataclasses.replace(a, function=found[0].name))
        out.append(c)
    return tuple(out)


def hunk_functions(codemap: CodeMap, fd: FileDiff, hunk) -> dict[FunctionStatus, list[str]]:
    """The functions one hunk adds, removes, changes (and only shows), by status."""
    names: dict[FunctionStatus, list[str]] = {}
    for cf in codemap.functions:
        if cf.file != fd.path:
            continue
        shown = False
        for dl in hunk.lines:
            for view, no in ((cf.old, dl.old_no), (cf.new, dl.new_no)):
                if view is not None and no is not None and view.function.start <= no <= view.function.end:
                    shown = True
        if shown and cf.name not in names.setdefault(cf.status, []):
            names[cf.status].append(cf.name)
    return names


def functions_report(codemap: CodeMap) -> list[dict]:
    """One dict per function (or struct/macro) the patch shows, for
    ``reviewkit functions``: file, name, kind, status, old and new span
    ("start-end" or None), source ("exact" or "fragment"), added/removed
    line counts and parse-error lines."""
    out = []
    for cf in codemap.functions:
        view = cf.new or cf.old
        complete = all(v.function.complete for v in (cf.old, cf.new) if v is not None)
        out.append(
            {
                "file": cf.file,
                "name": cf.name,
                "kind": view.function.kind.value if view is not None else ScopeKind.FUNCTION.value,
                "status": cf.status.value,
                "old": f"{cf.old.function.start}-{cf.old.function.end}" if cf.old else None,
                "new": f"{cf.new.function.start}-{cf.new.function.end}" if cf.new else None,
                "source": "exact" if codemap.exact and complete else "fragment",
                "added": len(cf.added_lines),
                "removed": len(cf.removed_lines),
                "parse_errors": sorted({*(cf.old.parse_errors if cf.old else ()), *(cf.new.parse_errors if cf.new else ())}),
            }
        )
    return out
