"""One side of a changed function: its span, source text and CFG.

From a git tree's blob the function's own tree-sitter node gives the CFG.
A fragment (a function the hunks show in part) is parsed from its shown
lines, each run with its comments repaired and the braces of blocks opened
above the first line or left open after the last one balanced, so that a
partial body still parses as one.
"""

from __future__ import annotations

import dataclasses

from reviewkit.cmap.braces import brace_deltas, close_comment, close_statement, is_code, reopen_comment, unclosed, unmatched_closers
from reviewkit.cmap.sources import GAP_MARKER
from reviewkit.cmap.cfg import build_cfg
from reviewkit.cmap.functions import index_scopes
from reviewkit.cmap.parse import body_error_lines, parse_c
from reviewkit.cmap.spans import Scope, SideMap
from reviewkit.model import Cfg, Function, FunctionStatus, FunctionView, ScopeKind, Window


def function_view(smap: SideMap, sc: Scope, status: FunctionStatus, file: str, *, want_cfg: bool) -> FunctionView:
    fn = dataclasses.replace(sc.fn, status=status, file=file)
    lines = list(smap.text.lines[fn.start - 1 : fn.end])
    source_text = "\n".join(lines)
    cfg: Cfg | None = None
    errors: tuple[int, ...] = ()
    if fn.kind is ScopeKind.FUNCTION:
        cfg, errors = _cfg_for(smap, sc, fn, lines, want_cfg=want_cfg)
    window = None
    visible = smap.text.visible
    if visible is not None:
        shown = frozenset(n for n in range(fn.start, fn.end + 1) if n in visible)
        window = Window(head=not sc.headless, tail=sc.closed, visible=shown)
    return FunctionView(fn, source_text, cfg, errors, window, smap.text.placed)


def _reopen_gap_blocks(text_lines: list[str], first: int, visible: frozenset[int], *, last_closes: bool,
                       headless: bool) -> None:
    """Blocks opened on lines a gap hides get their ``{`` back, in place.

    A run of shown lines after a gap may sit inside a block whose opening
    line the gap hides (``if (...) {`` not shown, then ``of_node_put(x);
    }`` shown): without its ``{`` the run's ``}`` would close the function
    and what follows would fall outside it. The braces go on the gap's last
    line, which is blank, so every line keeps its number.
    """
    runs = []
    k = 0
    while k < len(text_lines):
        if first + k in visible:
            start = k
            while k < len(text_lines) and first + k in visible:
                k += 1
            runs.append((start, k))
        else:
            k += 1
    # a headless fragment starts inside the body, below any block its
    # first run closes (those get their braces with the body's own)
    level = 1 + unmatched_closers(text_lines[runs[0][0] : runs[0][1]]) if headless and runs else 0
    for idx, (a, b) in enumerate(runs):
        deltas = brace_deltas(text_lines[a:b])
        last_code = max((j for j in range(b - a) if is_code(text_lines[a + j])), default=-1)
        need = 0
        cur = level
        for j, (low, delta) in enumerate(deltas):
            # only the function's own closing brace, on the last line shown, may reach depth 0
            floor = 0 if (idx == len(runs) - 1 and last_closes and j == last_code) else 1
            if idx > 0 and cur + need + low < floor:
                need = floor - (cur + low)
            cur += delta
        if need and a > 0 and not text_lines[a - 1].strip() or need and a > 0 and text_lines[a - 1].strip() == GAP_MARKER:
            text_lines[a - 1] = text_lines[a - 1] + " " + "{" * need
        level = cur + need


def _cfg_for(smap: SideMap, sc: Scope, fn: Function, lines: list[str], *, want_cfg: bool):
    fragment = not fn.complete
    if sc.body is not None and smap.text.exact:
        b = sc.body
        node = b.node.child_by_field_name("body") if b.node.type == "function_definition" else b.node
        errors = body_error_lines(node or b.node, line_offset=b.line_offset)
        cfg = build_cfg(b.node, b.source, name=fn.name, side=smap.side, line_offset=b.line_offset) if want_cfg else None
        return cfg, errors
    # a fragment: parse the function's own lines, balancing the braces
    # of blocks opened above the first line shown
    # each run of shown lines in the function may start inside a comment,
    # and one in the body may end inside a call or a condition
    visible = smap.text.visible
    text_lines = list(lines)
    k = 0
    while k < len(text_lines):
        no = fn.start + k
        if visible is None or (no in visible and (k == 0 or no - 1 not in visible)):
            end = k
            while end < len(text_lines) and (visible is None or fn.start + end in visible):
                end += 1
            run = close_comment(reopen_comment(text_lines[k:end]))
            if visible is not None and (sc.headless or unclosed(text_lines[:k] + run) > 0):
                # in the body (a header cut by a gap stays a header)
                run = close_statement(run)
            text_lines[k:end] = run
            k = end
        k += 1
    if visible is not None:
        _reopen_gap_blocks(text_lines, fn.start, visible, last_closes=sc.closed, headless=sc.headless)
    if sc.headless and text_lines:
        # the rest of a header whose first line is not shown
        # (`\tvoid (*move_fn)(...))` then `{`: 119_v16-18-22, mm/swap.c:206)
        brace = next((k for k, ln in enumerate(text_lines) if ln.rstrip() == "{"), None)
        if brace is not None and not any(is_code(ln) and ln.startswith(("\t", " ")) is False for ln in text_lines[:brace]):
            text_lines[:brace] = [""] * brace
    # Balance the braces: blocks opened above the first line shown get their
    # "{" (a headless fragment's statements also go in a block of their own:
    # a `for` at the top level of a tree does not parse, 120_v16-19-22
    # mm/mlock.c), blocks still open after the last line shown their "}".
    opening = (unmatched_closers(text_lines) + 1) if sc.headless else 0
    depth = opening + sum(delta for _low, delta in brace_deltas(text_lines))
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
