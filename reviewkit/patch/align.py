"""Align a diff rebuilt from a quote with the real patch it quotes.

A quote loses lines, whitespace and sometimes whole hunks; the patch mail of
the same thread still has them. Matching each quoted line to the original
hunk's lines (whitespace-insensitive, in order: the longest common
subsequence per hunk) gives every quoted line its true numbers, even where
the quote dropped a line (the seed drops a blank context line).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

from reviewkit.model import DiffLine, FileDiff, Hunk, Patch
from reviewkit.patch.lines import normalise


def _header_cut(h: Hunk) -> bool:
    """Whether the quote cut the hunk's header: numbered 0, or only from
    the quote (see :func:`reviewkit.patch.tolerant.parse_diff_items`)."""
    return h.numbered_from_quote or not (h.old_start or h.new_start)


def _key(line: DiffLine) -> str:
    return line.kind + normalise(line.text)


def find_file(patch: Patch, quoted: FileDiff) -> FileDiff | None:
    """The file of ``patch`` a quoted file shows; None if absent.

    By path; a quote that starts at a hunk header names no file
    (``replies/010_v16-15-duyck-compaction-helper.eml``): then the file
    holding a hunk with the same header, else the most lines in common.
    """
    path = quoted.path
    if path:
        return next((f for f in patch.files if path in (f.new_path, f.old_path)), None)
    best, score = None, 0
    for f in patch.files:
        for h in quoted.hunks:
            found = find_hunk(h, f)
            n = len(found[1]) if found else 0
            if found and not _header_cut(h) and (f.hunks[found[0]].old_start, f.hunks[found[0]].new_start) == (
                    h.old_start, h.new_start):
                n += 1000
            if n > score:
                best, score = f, n
    return best


# The keys of a hunk's lines, by identity (the hunk kept alongside so an id
# is never reused): a quoted hunk whose header was cut is matched against
# every hunk of the original, 295 matches over threads/lru-lock-v16.mbox.
_KEYS: dict[int, tuple[Hunk, list[str], frozenset[str]]] = {}
_KEYS_MAX = 4096


def _keys_of(h: Hunk) -> tuple[list[str], frozenset[str]]:
    hit = _KEYS.get(id(h))
    if hit is None or hit[0] is not h:
        if len(_KEYS) >= _KEYS_MAX:
            _KEYS.clear()
        keys = [_key(x) for x in h.lines]
        hit = _KEYS[id(h)] = (h, keys, frozenset(keys))
    return hit[1], hit[2]


def _matches(a: Hunk, b: Hunk) -> list[tuple[int, int]]:
    """Pairs (i, j): a.lines[i] matches b.lines[j], in order."""
    ka, sa = _keys_of(a)
    kb, sb = _keys_of(b)
    if sa.isdisjoint(sb):
        return []  # no line in common: no matching block
    sm = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    pairs: list[tuple[int, int]] = []
    for blk in sm.get_matching_blocks():
        pairs.extend((blk.a + k, blk.b + k) for k in range(blk.size))
    return pairs


def find_hunk(quoted: Hunk, original: FileDiff) -> tuple[int, list[tuple[int, int]]] | None:
    """The original hunk a quoted hunk shows.

    The one with the same header; for a quote that lost its header, the one
    with most lines in common.

    Returns:
        ``(index in original.hunks, matched line pairs)``, or None when no
        hunk shares a line with it.
    """
    cut = _header_cut(quoted)
    for k, h in enumerate(original.hunks):
        if not cut and (h.old_start, h.new_start) == (quoted.old_start, quoted.new_start):
            return k, _matches(quoted, h)
    if not cut:
        # A header no hunk of the original has: another version of the
        # change (threads/lru-lock-v16.mbox: Alex Shi quotes his reworked
        # 16/22 diff in a reply); its own header numbers it.
        return None
    best: tuple[int, list[tuple[int, int]]] | None = None
    for k, h in enumerate(original.hunks):
        pairs = _matches(quoted, h)
        if pairs and (best is None or len(pairs) > len(best[1])):
            best = (k, pairs)
    return best


def align_hunk(quoted: Hunk, original: Hunk, pairs: list[tuple[int, int]]) -> Hunk:
    """Renumber ``quoted`` from ``original``.

    Matched lines take the original's numbers. An unmatched run between two
    matches takes the numbers of the original's unmatched run at the same
    place when both runs are as long (a line the quote mangled); otherwise
    its lines get None.
    """
    new_no: dict[int, DiffLine] = {i: original.lines[j] for i, j in pairs}
    # pair up unmatched runs of equal length between consecutive matches
    bounds = [(-1, -1)] + pairs + [(len(quoted.lines), len(original.lines))]
    for (i0, j0), (i1, j1) in zip(bounds, bounds[1:]):
        if i1 - i0 > 1 and i1 - i0 == j1 - j0 and (i0, j0) != (-1, -1):
            for k in range(1, i1 - i0):
                q, o = quoted.lines[i0 + k], original.lines[j0 + k]
                if q.kind == o.kind:
                    new_no[i0 + k] = o
    lines = []
    for i, q in enumerate(quoted.lines):
        orig = new_no.get(i)
        lines.append(replace(q, old_no=orig.old_no if orig else None, new_no=orig.new_no if orig else None))
    dropped = len(original.lines) > len(pairs)
    out = replace(quoted, lines=tuple(lines), snipped=quoted.snipped or dropped)
    if _header_cut(quoted):
        out = replace(out, old_start=original.old_start, old_len=original.old_len,
                      new_start=original.new_start, new_len=original.new_len,
                      header_context=original.header_context, numbered_from_quote=False)
    return out


def align_patch(quoted: Patch, original: Patch) -> Patch:
    """Give each line of a rebuilt patch the numbers of the original patch.

    Files or hunks the original does not hold keep the numbers their hunk
    headers gave. A hunk whose header was cut (numbered 0) that matches
    nothing in its file is looked for in the original's other files: the
    reviewer may have cut the next file's header with it
    (replies/013_v16-18-duyck-lruvec-lock-followup.eml).
    """
    files: list[FileDiff] = []
    moved: dict[str, list[Hunk]] = {}
    for f in quoted.files:
        of = find_file(original, f)
        if of is None:
            files.append(f)
            continue
        if not f.path:
            f = replace(f, old_path=of.old_path, new_path=of.new_path)
        hunks = []
        for h in f.hunks:
            found = find_hunk(h, of)
            if found and found[1]:
                hunks.append(align_hunk(h, of.hunks[found[0]], found[1]))
                continue
            if _header_cut(h):
                elsewhere = _find_elsewhere(h, original, of)
                if elsewhere is not None:
                    other, k, pairs = elsewhere
                    moved.setdefault(other.path, []).append(align_hunk(h, other.hunks[k], pairs))
                    continue
            hunks.append(h)
        files.append(replace(f, hunks=tuple(hunks),
                             old_blob=f.old_blob or of.old_blob, new_blob=f.new_blob or of.new_blob))
    for path, hunks in moved.items():
        of = next(x for x in original.files if x.path == path)
        at = next((i for i, x in enumerate(files) if x.path == path), None)
        if at is None:
            files.append(replace(of, hunks=tuple(hunks)))
        else:
            files[at] = replace(files[at], hunks=files[at].hunks + tuple(hunks))
    return replace(quoted, files=tuple(files))


def _find_elsewhere(h: Hunk, original: Patch, skip: FileDiff
                    ) -> tuple[FileDiff, int, list[tuple[int, int]]] | None:
    best = None
    for of in original.files:
        if of is skip:
            continue
        found = find_hunk(h, of)
        # most of the quoted lines must be there, or it is another diff
        if found and len(found[1]) * 2 > len(h.lines) and (
                best is None or len(found[1]) > len(best[2])):
            best = (of, found[0], found[1])
    return best


@dataclass(frozen=True)
class HunkScore:
    """How many hunks of a rebuilt patch carry the original's numbers."""

    total: int
    correct: int
    misses: tuple[str, ...]


def score_hunk_numbers(rebuilt: Patch, original: Patch) -> HunkScore:
    """Count rebuilt hunks whose line numbers all equal the original's.

    A hunk counts as correct when it shares lines with an original hunk and
    every shared line has the same old and new number there (a line left
    unnumbered counts as wrong). Hunks of files the original lacks count as
    misses.

    Returns:
        A :class:`HunkScore`; ``misses`` says which hunk and why.
    """
    total = correct = 0
    misses: list[str] = []
    for f in rebuilt.files:
        of = find_file(original, f)
        for h in f.hunks:
            total += 1
            where = f"{f.path} @@ -{h.old_start} +{h.new_start}"
            found = find_hunk(h, of) if of else None
            if not found or not found[1]:
                misses.append(f"{where}: no original hunk")
                continue
            oh = of.hunks[found[0]]  # type: ignore[union-attr]
            bad = [(h.lines[i], oh.lines[j]) for i, j in found[1]
                   if (h.lines[i].old_no, h.lines[i].new_no) != (oh.lines[j].old_no, oh.lines[j].new_no)]
            if bad:
                q, o = bad[0]
                misses.append(f"{where}: {len(bad)} lines off, first {q.kind}{q.text.strip()!r} "
                              f"({q.old_no},{q.new_no}) != ({o.old_no},{o.new_no})")
            else:
                correct += 1
    return HunkScore(total, correct, tuple(misses))
