"""Each patch of vN linked to its successor in vN+1, or the reason it has none.

Patches are matched first by title, then, for the rest, by how alike they
are: title words, files, functions, and the changed lines themselves
(renamed patches keep most of their code); a patch still unmatched is the
one left in its place when their titles or lines are alike. A vN patch with no successor
whose changed lines are mostly in one vN+1 patch was merged into it;
otherwise it was dropped (the vN+1 cover letter often says so, and is
quoted). A vN+1 patch with no predecessor made mostly of lines of one vN
patch was split from it; otherwise it is new. Linked pairs whose order
changed relative to the others are reported as moved.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from reviewkit.model import Patch
from reviewkit.model.review import LinkKind, PatchLink
from reviewkit.patch.lines import normalise
from reviewkit.versions.series import jaccard, norm_title, title_tokens

# A changed line shorter than this ("}", "+") says nothing about where it
# came from.
MIN_LINE = 4
# Renamed: this alike at least (0..1), see _alike.
ALIKE = 0.45
# Merged or split: this share of a patch's changed lines is in the other,
# and at least this many lines (two lines say little about where a patch went).
CONTAINED = 0.6
CONTAINED_LINES = 3


class Posted(NamedTuple):
    """A patch as posted in one version."""

    msgid: str
    number: int | None  # its N of [PATCH N/M]
    title: str
    patch: Patch


def changed_lines(patch: Patch) -> frozenset[str]:
    """The patch's ``+``/``-`` lines with marker, whitespace removed."""
    return frozenset(dl.kind + t for f in patch.files for h in f.hunks for dl in h.lines
                     if dl.kind in "+-" and len(t := normalise(dl.text)) >= MIN_LINE)


def _functions(patch: Patch) -> frozenset[tuple[str, str]]:
    return frozenset((f.path, dl.function) for f in patch.files for h in f.hunks for dl in h.lines
                     if dl.kind in "+-" and dl.function)


def _files(patch: Patch) -> frozenset[str]:
    return frozenset(f.path for f in patch.files)


def _alike(a: Posted, b: Posted, lines: dict[str, frozenset[str]]) -> tuple[float, str]:
    """How alike two patches of different titles are (0..1), and why."""
    fa, fb = _files(a.patch), _files(b.patch)
    if fa and fb and not fa & fb:
        return 0.0, ""
    t = jaccard(title_tokens(a.title), title_tokens(b.title))
    fn = jaccard(_functions(a.patch), _functions(b.patch))
    ln = jaccard(lines[a.msgid], lines[b.msgid])
    if t < 0.5 and ln < 0.3:
        return 0.0, ""
    score = 0.35 * t + 0.15 * jaccard(fa, fb) + 0.15 * fn + 0.35 * ln
    why = (f"title changed ({t:.0%} of its words kept); {len(fa & fb)} of {len(fa | fb)} files, "
           f"{fn:.0%} of the functions and {ln:.0%} of the changed lines alike")
    return score, why


def _label(p: Posted, version: int, total: int | None) -> str:
    return f"v{version} {p.number}/{total}" if p.number is not None and total else f"v{version} '{p.title}'"


def _cover_says(cover: str, title: str) -> str:
    """The line of the cover letter naming ``title`` ("" when none)."""
    want = norm_title(title)
    if not want:
        return ""
    for line in cover.split("\n"):
        if want in norm_title(line):
            return " ".join(line.split())
    flat = norm_title(cover)
    at = flat.find(want)
    return flat[max(0, at - 60):at + len(want) + 20] if at >= 0 else ""


def _moved(pairs: list[tuple[int, int]]) -> set[int]:
    """The pairs (old index, new index), by position, that left the
    longest run kept in order: the ones reordered."""
    if not pairs:
        return set()
    n = len(pairs)
    best = [1] * n
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if pairs[j][1] < pairs[i][1] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    i = max(range(n), key=lambda k: best[k])
    keep = set()
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return set(range(n)) - keep


def link_patches(old: Sequence[Posted], new: Sequence[Posted], *, old_version: int, new_version: int,
                 old_total: int | None, new_total: int | None, new_cover: str = "",
                 complete: bool = True) -> list[PatchLink]:
    """Link the patches of two versions (see the module docstring).

    Args:
        old, new: the patches of vN and vN+1, in index order.
        new_cover: the text of the vN+1 cover letter ("" when none).
        complete: False when the vN+1 input holds only some of its patches
            (a ``check`` of one format-patch file): a vN patch with no
            successor is then not called dropped.

    Returns:
        One link per vN patch (its successor, or merged, dropped) and one
        per vN+1 patch with no predecessor (split or added), in vN order
        then vN+1 order.
    """
    lines = {p.msgid: changed_lines(p.patch) for p in [*old, *new]}
    pair: dict[int, tuple[int, str, LinkKind]] = {}  # old position -> (new position, why, kind)
    free_new = list(range(len(new)))
    by_title: dict[str, list[int]] = {}
    for j in free_new:
        by_title.setdefault(norm_title(new[j].title), []).append(j)
    for i, p in enumerate(old):
        js = by_title.get(norm_title(p.title))
        if js:
            pair[i] = (js.pop(0), "same title", LinkKind.SAME_TITLE)
    free_new = [j for j in range(len(new)) if j not in {v[0] for v in pair.values()}]
    scored = []
    for i, p in enumerate(old):
        if i in pair:
            continue
        for j in free_new:
            score, why = _alike(p, new[j], lines)
            if score >= ALIKE:
                scored.append((score, i, j, why))
    used: set[int] = set()
    for score, i, j, why in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if i in pair or j in used:
            continue
        pair[i] = (j, why, LinkKind.RENAMED)
        used.add(j)
    # A patch left in the same place with a like title or like lines is the
    # same patch rewritten, even when its file was renamed with it (linux-pwm:
    # v5 2/4 "pwm: starfive: Add PWM driver support" became v6 2/4 "pwm:
    # opencores: Add PWM driver support", drivers/pwm/pwm-starfive.c ->
    # pwm-opencores.c).
    taken = {v[0] for v in pair.values()}
    for i, p in enumerate(old):
        if i in pair or p.number is None:
            continue
        place = next((k for k, q in enumerate(new) if k not in taken and q.number == p.number), None)
        if place is None:
            continue
        t = jaccard(title_tokens(p.title), title_tokens(new[place].title))
        ln = jaccard(lines[p.msgid], lines[new[place].msgid])
        if t >= 0.5 or ln >= 0.3:
            pair[i] = (place, f"title changed ({t:.0%} of its words kept); in its place, with {ln:.0%} of the changed "
                          "lines alike", LinkKind.RENAMED)
            taken.add(place)
    linked_new = {v[0] for v in pair.values()}

    ordered = sorted(pair.items())
    moved = _moved([(i, j) for i, (j, _, _) in ordered])
    moved_old = {ordered[k][0] for k in moved}

    links: list[PatchLink] = []
    for i, p in enumerate(old):
        if i in pair:
            j, why, kind = pair[i]
            q = new[j]
            if i in moved_old:
                why += (f"; moved: {_label(p, old_version, old_total)} is now {_label(q, new_version, new_total)}, "
                        "out of the order of the others")
            links.append(PatchLink(kind, p.msgid, q.msgid, p.number, q.number, p.title, q.title, why))
            continue
        mine = lines[p.msgid]
        best = max(((len(mine & lines[q.msgid]), j) for j, q in enumerate(new)), default=(0, -1))
        if len(mine) >= CONTAINED_LINES and best[0] / len(mine) >= CONTAINED:
            q = new[best[1]]
            why = f"{best[0]} of its {len(mine)} changed lines are in {_label(q, new_version, new_total)}"
            if best[1] in linked_new:
                links.append(PatchLink(LinkKind.MERGED, p.msgid, q.msgid, p.number, q.number, p.title, q.title, why))
            else:  # its code under a new title
                linked_new.add(best[1])
                links.append(PatchLink(LinkKind.RENAMED, p.msgid, q.msgid, p.number, q.number, p.title, q.title,
                                       "title changed; " + why))
            continue
        if not complete:
            continue
        said = _cover_says(new_cover, p.title)
        if said:
            why = f"the v{new_version} cover letter says: {said}"
        elif best[1] >= 0 and mine:
            why = (f"no v{new_version} patch holds it (the most alike, {_label(new[best[1]], new_version, new_total)},"
                   f" has {best[0]} of its {len(mine)} changed lines)")
        else:
            why = f"no v{new_version} patch holds it"
        links.append(PatchLink(LinkKind.DROPPED, p.msgid, None, p.number, None, p.title, "", why))
    for j, q in enumerate(new):
        if j in linked_new:
            continue
        mine = lines[q.msgid]
        best = max(((len(mine & lines[p.msgid]), i) for i, p in enumerate(old)), default=(0, -1))
        if len(mine) >= CONTAINED_LINES and best[0] / len(mine) >= CONTAINED:
            p = old[best[1]]
            links.append(PatchLink(LinkKind.SPLIT, p.msgid, q.msgid, p.number, q.number, p.title, q.title,
                                   f"{best[0]} of its {len(mine)} changed lines come from "
                                   f"{_label(p, old_version, old_total)}"))
            continue
        said = _cover_says(new_cover, q.title)
        why = f"the v{new_version} cover letter says: {said}" if said else f"no v{old_version} patch holds it"
        links.append(PatchLink(LinkKind.ADDED, None, q.msgid, None, q.number, "", q.title, why))
    return links
