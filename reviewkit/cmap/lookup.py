"""Which function holds a line, once the code map is built: the function
of each hunk and of each reviewer comment's anchor, and the per-function
table of ``reviewkit functions``.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter

from reviewkit.model import CodeMap, Comment, DiffLine, FileDiff, Function, FunctionStatus, Patch, ScopeKind, Side


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

    def covers(self, file: str) -> bool:
        """True when the code map holds a scope of ``file`` (either side)."""
        return (file, Side.OLD) in self.entries or (file, Side.NEW) in self.entries

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
    """``patch`` with ``Hunk.function`` and ``DiffLine.function`` filled.

    A hunk's function is the one its changes fall in (a struct such as
    ``struct foo`` or ``#define X`` when they are in no function; None at
    file scope). A line's is the scope holding it on its side, None between
    the scopes of a file the code map covers; a line of a file it does not
    cover, or without a number, gets its hunk's.
    """
    index = _CodeIndex(codemap)
    files = []
    for fd in patch.files:
        covered = index.covers(fd.path)
        hunks = []
        for h in fd.hunks:
            function = _hunk_scope(index, fd.path, h)
            lines = tuple(dataclasses.replace(dl, function=_line_scope(index, fd.path, dl, function) if covered
                                              else function) for dl in h.lines)
            hunks.append(dataclasses.replace(h, function=function, lines=lines))
        files.append(dataclasses.replace(fd, hunks=tuple(hunks)))
    return dataclasses.replace(patch, files=tuple(files))


def _line_scope(index: _CodeIndex, file: str, dl: DiffLine, unnumbered: str | None) -> str | None:
    old_side = dl.kind == "-" or dl.new_no is None
    num = dl.old_no if old_side else dl.new_no
    if num is None:
        return unnumbered
    found = index.find(file, Side.OLD if old_side else Side.NEW, num)
    return found[1] if found is not None else None


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
    ("start-end" or None), source ("exact", "placed" with its offset, or
    "fragment"), added/removed line counts and parse-error lines."""
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
                "source": ("fragment" if not complete else
                           f"placed {cf.placed:+d}" if cf.mode == "placed" and cf.placed is not None else cf.mode),
                "added": len(cf.added_lines),
                "removed": len(cf.removed_lines),
                "parse_errors": sorted({*(cf.old.parse_errors if cf.old else ()), *(cf.new.parse_errors if cf.new else ())}),
            }
        )
    return out
