"""Map a patch's hunks to the functions they touch, on both sides.

:func:`map_functions` reads each file's two sides (see
:mod:`reviewkit.cmap.sources`), finds the scopes on each with tree-sitter and
gives every hunk line its enclosing function, struct, macro or file scope.
Each function the patch touches becomes a :class:`ChangedFunction` with both
sides' span, source and CFG. Functions that a hunk only shows as context are
listed too, with status UNCHANGED and no CFG, so that
:func:`~reviewkit.cmap.lookup.function_at` answers for every line a hunk
shows; struct and macro scopes have no CFG.

Each side's spans come from :mod:`reviewkit.cmap.spans`, each function's
source and CFG from :mod:`reviewkit.cmap.views`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from reviewkit.cmap.cfg import CfgTooLarge
from reviewkit.cmap.macros import CLEANUP_MARKERS
from reviewkit.cmap.sources import find_side_texts
from reviewkit.cmap.spans import Scope, SideMap, build_side_map
from reviewkit.cmap.views import function_view
from reviewkit.config import Config
from reviewkit.model import ChangedFunction, CodeMap, FileDiff, FunctionStatus, Patch, ScopeKind, Side


@dataclass
class _Touched:
    """What the hunks show of one function (or struct, macro) on each side."""

    old: Scope | None = None
    new: Scope | None = None
    added: set[int] = field(default_factory=set)  # new-side numbers of its + lines
    removed: set[int] = field(default_factory=set)  # old-side numbers of its - lines

    def note(self, side: Side, sc: Scope, changed: int | None) -> None:
        """``sc`` shows it on ``side``; ``changed``: the number of a line
        the patch adds (new side) or removes (old side) there."""
        if side is Side.OLD:
            self.old = self.old or sc
            lines = self.removed
        else:
            self.new = self.new or sc
            lines = self.added
        if changed is not None:
            lines.add(changed)


def _file_changes(fd: FileDiff, old: SideMap | None, new: SideMap | None, exact: bool) -> tuple[list[ChangedFunction], list[str]]:
    warnings: list[str] = []
    path = fd.path
    touched: dict[tuple[ScopeKind, str, int], _Touched] = {}
    order: list[tuple[ScopeKind, str, int]] = []

    ordinals: dict[int, int] = {}
    for smap in (old, new):
        if smap is None:
            continue
        seen: Counter[tuple[ScopeKind, str]] = Counter()
        for sc in smap.scopes:
            ordinals[id(sc)] = seen[(sc.fn.kind, sc.fn.name)]
            seen[(sc.fn.kind, sc.fn.name)] += 1

    def nth(smap: SideMap, sc: Scope) -> int:
        # `#ifdef CONFIG_SMP` / `#else` define the same name twice
        # (activate_page in mm/swap.c, 111_v16-10-22): pair them in order
        return ordinals[id(sc)]

    def entry(sc: Scope, smap: SideMap) -> _Touched:
        key = (sc.fn.kind, sc.fn.name, nth(smap, sc))
        if key not in touched:
            touched[key] = _Touched()
            order.append(key)
        return touched[key]

    unknown_lines: list[str] = []
    for hi, h in enumerate(fd.hunks):
        for dl in h.lines:
            for side, smap, no, mark in ((Side.OLD, old, dl.old_no, "-"), (Side.NEW, new, dl.new_no, "+")):
                if dl.kind not in " " + mark or no is None or smap is None:
                    continue
                found = smap.scope_at(no)
                if found is not None:
                    entry(found, smap).note(side, found, no if dl.kind == mark else None)
                elif dl.kind == mark and smap.in_unknown(no):
                    unknown_lines.append(f"hunk {hi + 1} {side.value} line {no}")
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
        o: Scope | None = e.old or _find(old, kind, name, index)
        n: Scope | None = e.new or _find(new, kind, name, index)
        if kind is ScopeKind.FUNCTION and n is None and name in renames:
            # a renamed function is one changed function, under its new name
            other = (kind, renames[name], index)
            if other in touched:
                merged.add(other)
                e.added |= touched[other].added
                n = touched[other].new
            else:
                n = _find(new, kind, renames[name], index)
            if n is not None:
                name = n.fn.name
        added = frozenset(ln for ln in e.added if n is not None and n.fn.start <= ln <= n.fn.end)
        removed = frozenset(ln for ln in e.removed if o is not None and o.fn.start <= ln <= o.fn.end)
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
            ov = function_view(old, o, status, path, want_cfg=want) if (o is not None and old is not None) else None
            nv = function_view(new, n, status, path, want_cfg=want) if (n is not None and new is not None) else None
        except CfgTooLarge as err:
            # neither side then: one side alone would read as a change
            warnings.append(f"{path}: {name}(): {err}: not analysed")
            ov = function_view(old, o, status, path, want_cfg=False) if (o is not None and old is not None) else None
            nv = function_view(new, n, status, path, want_cfg=False) if (n is not None and new is not None) else None
        out.append(ChangedFunction(name, path, status, ov, nv, added, removed, cleanup))
    return out, warnings


def _find(smap: SideMap | None, kind: ScopeKind, name: str, index: int) -> Scope | None:
    if smap is None:
        return None
    same = smap.same_named(kind, name)
    return same[index] if index < len(same) else None


def _shown(smap: SideMap):
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
        if not config.repo_found:
            warnings.extend(notes)
        exact = (old_text is None or old_text.exact) and (new_text is None or new_text.exact)
        if exact and repo is not None:
            exact_files += 1
        if not (fd.path.endswith((".c", ".h")) or (not fd.path and _looks_like_c(fd))):
            continue
        old = build_side_map(old_text, fd, Side.OLD) if old_text is not None else None
        new = build_side_map(new_text, fd, Side.NEW, old=old) if new_text is not None else None
        changed, notes = _file_changes(fd, old, new, exact)
        functions.extend(changed)
        warnings.extend(notes)
    return CodeMap(
        patch_msgid=patch.msgid,
        functions=tuple(functions),
        exact=bool(files) and exact_files == len(files),
        warnings=tuple(warnings),
    )
