"""A tolerant unified-diff parser for diffs that mail and people have mangled.

Input is a sequence of :class:`DiffItem`: a line of text (quote markers
already removed) with the 0-based index of the body line it came from, or a
gap: the reply's own words interrupting the quote, or a cut mark
(``[...]``, ``<snip>``). Output is the files and hunks the evidence shows,
numbered from the hunk headers, with a warning for every place where the
header counts and the lines seen disagree.

What it survives, and the real input that forced each choice:

- context lines that lost their leading space and their tabs: list-archive
  pages (``seed-duyck-mlock-v16-16.txt``: ``> spin_lock_irq(...)`` is a
  context line, ``> + bool clearlru`` an added one);
- a quoted blank context line written as a bare ``>`` or dropped entirely
  (the seed drops the blank line before ``/*`` in its last hunk);
- comments that split hunks and cut marks that drop lines or hunks;
- lines the mailer wrapped (a continuation that cannot be a diff line);
- lines the writer re-quotes further down, out of order
  (``threads/mlock-v16-16.mbox``: Alex Shi re-quotes three lines of the
  hunk inside his answer).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from reviewkit.model import DiffLine, FileDiff, FileStatus, Hunk
from reviewkit.patch import lines as L


class GapKind(enum.Enum):
    """Why the quoted diff is interrupted."""

    COMMENT = "comment"  # the writer's own lines, or text at another quote depth
    SNIP = "snip"  # an explicit cut mark: lines were left out here


@dataclass(frozen=True)
class DiffItem:
    """One line of the diff stream, or a gap in it."""

    index: int
    text: str | None = None
    gap: GapKind | None = None


# A wrapped line is a continuation only after a line long enough to have been
# wrapped: mailers wrap at 72 to 78 columns; a quote prefix takes 2 to 4.
_WRAP_MIN = 60


@dataclass
class _Raw:
    kind: str
    text: str
    index: int
    length: int  # length of the source text, for wrap detection


@dataclass
class _HunkBuild:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    context: str
    index: int
    segments: list[list[_Raw]] = field(default_factory=lambda: [[]])
    gaps: list[GapKind] = field(default_factory=list)
    lead_snip: bool = False
    pending: GapKind | None = None
    closed: bool = False  # the quote went on past this hunk's end
    headerless: bool = False  # the quote cut the hunk header: no numbers
    # old/new lines added so far: full() is asked at every line, and
    # counting the segments each time made a hunk quadratic
    n_old: int = 0
    n_new: int = 0

    def add(self, raw: _Raw) -> None:
        if self.pending is not None:
            if self.segments[-1]:
                self.segments.append([])
                self.gaps.append(self.pending)
            elif self.pending is GapKind.SNIP:
                self.lead_snip = True
            self.pending = None
        self.segments[-1].append(raw)
        if raw.kind != "+":
            self.n_old += 1
        if raw.kind != "-":
            self.n_new += 1

    def gap(self, kind: GapKind) -> None:
        if self.pending is GapKind.SNIP:
            return
        self.pending = kind

    def seen(self) -> tuple[int, int]:
        old = new = 0
        for seg in self.segments:
            for r in seg:
                if r.kind != "+":
                    old += 1
                if r.kind != "-":
                    new += 1
        return old, new

    def full(self) -> bool:
        if self.headerless:
            return False
        return self.n_old >= self.old_len and self.n_new >= self.new_len

    def last(self) -> _Raw | None:
        return self.segments[-1][-1] if self.segments[-1] else None


@dataclass
class _FileBuild:
    old_path: str | None = None
    new_path: str | None = None
    old_blob: str | None = None
    new_blob: str | None = None
    added: bool = False
    deleted: bool = False
    renamed: bool = False
    mode: bool = False
    binary: bool = False
    hunks: list[_HunkBuild] = field(default_factory=list)

    def status(self) -> FileStatus:
        if self.binary:
            return FileStatus.BINARY
        if self.added:
            return FileStatus.ADDED
        if self.deleted:
            return FileStatus.DELETED
        if self.renamed:
            return FileStatus.RENAMED
        if self.mode and not self.hunks:
            return FileStatus.MODE
        return FileStatus.MODIFIED


def _is_stripped(items: Sequence[DiffItem]) -> bool:
    """Whether the context lines lost their leading space (archive pages).

    Counts, inside hunks, lines with a leading space against lines with no
    diff marker at all; the seed has none of the first kind.
    """
    spaced = bare = 0
    in_hunk = False
    for it in items:
        t = it.text
        if t is None:
            continue
        if L.HUNK_HEADER.match(t):
            in_hunk = True
            continue
        if not in_hunk or not t:
            continue
        if L.DIFF_GIT.match(t) or L.SIGNATURE.match(t):
            in_hunk = False
            continue
        if t[0] == " ":
            spaced += 1
        elif t[0] not in "+-\\@" and not L.is_snip(t):
            bare += 1
    return bare > spaced


def parse_diff_items(items: Iterable[DiffItem]) -> tuple[tuple[FileDiff, ...], tuple[str, ...]]:
    """Parse a possibly mangled diff.

    Args:
        items: the diff's lines in body order, with gaps where the quote was
            interrupted or cut.

    Returns:
        ``(files, warnings)``. ``files`` is empty when no diff header or hunk
        header was seen. Every :class:`DiffLine` keeps its ``body_line``;
        line numbers the evidence does not give are None.
    """
    items = list(items)
    stripped = _is_stripped(items)
    files: list[_FileBuild] = []
    warnings: list[str] = []
    cur: _FileBuild | None = None
    hunk: _HunkBuild | None = None
    ended = False  # after the "-- " footer: nothing more is diff
    separator = False  # the "---" before the diffstat was seen

    def headerless_hunk(index: int) -> _HunkBuild:
        nonlocal hunk
        if cur is None:
            new_file()
        assert cur is not None
        hunk = _HunkBuild(0, 0, 0, 0, "", index, headerless=True)
        cur.hunks.append(hunk)
        return hunk

    def close_hunk(closed: bool) -> None:
        nonlocal hunk
        if hunk is not None:
            hunk.closed = closed and hunk.pending is not GapKind.SNIP
            hunk = None

    def new_file() -> _FileBuild:
        nonlocal cur
        close_hunk(True)
        cur = _FileBuild()
        files.append(cur)
        return cur

    def next_text(i: int) -> str | None:
        # by index: a slice of the rest per line made the parse quadratic
        for j in range(i + 1, len(items)):
            it = items[j]
            if it.text is not None:
                return it.text
            if it.gap is GapKind.SNIP:
                return None
        return None

    for i, it in enumerate(items):
        if it.text is None:
            if hunk is not None:
                hunk.gap(it.gap or GapKind.COMMENT)
            continue
        t = it.text.rstrip("\r")
        if ended:
            # a later "diff --git" (a second patch quoted) starts over
            if not L.DIFF_GIT.match(t):
                continue
            ended = False
        open_hunk = hunk is not None and not hunk.full()

        m = L.DIFF_GIT.match(t)
        if m:
            f = new_file()
            f.old_path, f.new_path = L.strip_path(m.group(1)), L.strip_path(m.group(2))
            continue
        m = L.HUNK_HEADER.match(t)
        if m:
            close_hunk(True)
            if cur is None:
                new_file()
            assert cur is not None
            old_len = int(m.group(2)) if m.group(2) is not None else 1
            new_len = int(m.group(4)) if m.group(4) is not None else 1
            hunk = _HunkBuild(int(m.group(1)), old_len, int(m.group(3)), new_len,
                              m.group(5).strip(), it.index)
            cur.hunks.append(hunk)
            continue
        if L.SIGNATURE.match(t) and (hunk is None or not open_hunk
                                     or L.VERSION.match(next_text(i) or "")
                                     or next_text(i) is None):
            close_hunk(True)
            ended = cur is not None
            continue
        nt = next_text(i)
        if t.startswith("--- ") and nt is not None and nt.startswith("+++ "):
            if cur is None or cur.hunks:
                new_file()
            assert cur is not None
            close_hunk(True)
            cur.old_path = L.strip_path(L.OLD_FILE.match(t).group(1))  # type: ignore[union-attr]
            if cur.old_path is None:
                cur.added = True
            continue
        if t.startswith("+++ ") and cur is not None and not cur.hunks and not open_hunk:
            m = L.NEW_FILE.match(t)
            if m:
                cur.old_path, cur.new_path = L.strip_tree_prefixes(cur.old_path, L.strip_path(m.group(1)))
                if cur.new_path is None:
                    cur.deleted = True
                continue
        if not open_hunk and cur is not None and not cur.hunks:
            m = L.INDEX.match(t)
            if m:
                cur.old_blob, cur.new_blob = m.group(1), m.group(2)
                continue
            if L.GIT_EXTENDED.match(t):
                if t.startswith("new file mode"):
                    cur.added = True
                elif t.startswith("deleted file mode"):
                    cur.deleted = True
                elif t.startswith(("old mode", "new mode")):
                    cur.mode = True
                else:
                    m = L.RENAME_FROM.match(t)
                    if m:
                        cur.renamed, cur.old_path = True, m.group(1).strip()
                    m = L.RENAME_TO.match(t)
                    if m:
                        cur.renamed, cur.new_path = True, m.group(1).strip()
                continue
            if L.BINARY.match(t):
                cur.binary = True
                continue
        if hunk is not None and hunk.pending is GapKind.SNIP and hunk.full() and _starts_hunk(t):
            close_hunk(False)  # a cut took the next hunk's header with it
        if hunk is None:
            if t.strip() == "---":
                separator = True
            # Added lines quoted without their hunk header (the reviewer cut
            # it: replies/062_leds-tlc5928-jaillet-missing-unlock.eml). A
            # changelog's "- item" must not start a hunk: only "+" lines
            # after the "---" separator, or holding a tab, do.
            # A function's first line holds no tab; the line after it does
            # (replies/064_leds-ktd202x-jaillet-of-node-put.eml starts at
            # "+static int ktd202x_setup_led_rgb(struct ktd202x *chip, ...").
            follow = items[i + 1].text if i + 1 < len(items) else None
            if _starts_hunk(t) and (separator or "\t" in t
                                    or (follow is not None and _starts_hunk(follow) and "\t" in follow)):
                hunk = headerless_hunk(it.index)
            else:
                continue  # commit message, notes, diffstat, text between files
        if L.NO_NEWLINE.match(t):
            continue
        if L.is_snip(t):
            hunk.gap(GapKind.SNIP)
            continue
        raw = _classify(t, it.index, stripped, hunk)
        if raw is None:
            # not a diff line: the end of a complete hunk, or trailing text
            if hunk.full() or hunk.headerless:
                close_hunk(not hunk.headerless)
            continue
        if raw.kind == "wrap":
            prev = hunk.last()
            assert prev is not None
            prev.text = prev.text + " " + t.strip()
            prev.length = len(t)
            continue
        # a bare ">" past the hunk's count is kept for now: re-quoted lines
        # may have filled the count early; _finish drops what is left over.
        hunk.add(raw)

    close_hunk(False)
    out: list[FileDiff] = []
    for f in files:
        path = f.new_path or f.old_path or ""
        if f.hunks and all(h.headerless for h in f.hunks):
            hunks = tuple(_number_from_quote(f.hunks, path, warnings))
            out.append(FileDiff(f.old_path, f.new_path, f.old_blob, f.new_blob, hunks, f.status()))
            continue
        hunks = tuple(x for h in f.hunks for x in _finish(h, path, warnings))
        out.append(FileDiff(f.old_path, f.new_path, f.old_blob, f.new_blob, hunks, f.status()))
    return tuple(out), tuple(warnings)


def _classify(t: str, index: int, stripped: bool, hunk: _HunkBuild) -> _Raw | None:
    """Turn one line inside a hunk into a raw diff line.

    Returns None when the line cannot belong to the hunk; a ``_Raw`` of kind
    ``wrap`` when it continues the previous line.
    """
    if not t:
        return _Raw(" ", "", index, 0)
    c = t[0]
    if c in "+-":
        return _Raw(c, t[1:], index, len(t))
    if c == " ":
        return _Raw(" ", t[1:], index, len(t))
    if hunk.full() or hunk.headerless:
        return None
    prev = hunk.last()
    if not stripped and prev is not None and prev.length >= _WRAP_MIN and hunk.pending is None:
        return _Raw("wrap", t, index, len(t))
    # The archive dropped the leading space (and the tabs) of a context line.
    return _Raw(" ", t, index, len(t))


def _starts_hunk(t: str) -> bool:
    """An added line that can open a hunk whose header was cut."""
    return t.startswith("+") and not t.startswith("+++ ")


def _count(seg: Sequence[_Raw]) -> tuple[int, int]:
    return sum(r.kind != "+" for r in seg), sum(r.kind != "-" for r in seg)


def _requotes(h: _HunkBuild) -> set[int]:
    """Segments that repeat earlier lines of the same hunk.

    Only looked for when the hunk holds more lines than its header says:
    a writer who re-quotes a few lines to answer them (Alex Shi in
    ``threads/mlock-v16-16.mbox``) must not shift the rest of the hunk.
    """
    old, new = h.seen()
    if old <= h.old_len and new <= h.new_len:
        return set()
    found: set[int] = set()
    earlier: list[tuple[str, str]] = []
    for k, seg in enumerate(h.segments):
        key = [(r.kind, L.normalise(r.text)) for r in seg if L.normalise(r.text)]
        n = len(key)
        if k and n and (n >= 2 or sum(len(x[1]) for x in key) >= 30):
            for s in range(len(earlier) - n + 1):
                if earlier[s:s + n] == key:
                    found.add(k)
                    break
        if k not in found:
            earlier.extend(key)
    return found


def _headerless(raws: list[_Raw], path: str, warnings: list[str]) -> Hunk:
    warnings.append(f"{path or '?'}: {len(raws)} quoted diff lines from body line "
                    f"{raws[0].index + 1} have no hunk header; not numbered")
    return Hunk(0, 0, 0, 0, "", tuple(DiffLine(r.kind, r.text, None, None, r.index)
                                      for r in raws), snipped=True)


def _number_from_quote(builds: list[_HunkBuild], path: str, warnings: list[str]) -> list[Hunk]:
    """Number hunks whose headers the quote cut, in a file diff with no
    hunk header at all, from 1 at the first quoted line.

    The numbers are not the file's (nothing says where the quote starts),
    but they keep the quoted lines in order and apart, so that functions
    can be found in them and comments and findings agree on a line
    (replies/062_leds-tlc5928-jaillet-missing-unlock.eml quotes a new
    driver with every header cut). A cut mark, and the end of a hunk,
    leave one number out: lines of unknown count are missing there.
    """
    out: list[Hunk] = []
    old = new = 1
    for h in builds:
        segs = [seg for seg in h.segments if seg]
        if not segs:
            continue
        _unstuff_context(segs)
        if out:
            old, new = old + 1, new + 1
        if h.lead_snip:
            old, new = old + 1, new + 1
        lines: list[DiffLine] = []
        old_start, new_start = old, new
        k = 0
        for j, seg in enumerate(h.segments):
            if not seg:
                continue
            if lines and GapKind.SNIP in h.gaps[k:j]:
                old, new = old + 1, new + 1
            k = j
            for r in seg:
                lines.append(DiffLine(r.kind, r.text, old if r.kind != "+" else None,
                                      new if r.kind != "-" else None, r.index))
                old += r.kind != "+"
                new += r.kind != "-"
        old_len = sum(dl.old_no is not None for dl in lines)
        new_len = sum(dl.new_no is not None for dl in lines)
        warnings.append(f"{path or '?'}: {len(lines)} quoted diff lines from body line "
                        f"{(lines[0].body_line or 0) + 1} have no hunk header; numbered from the quote "
                        "(not the file's line numbers)")
        out.append(Hunk(old_start if old_len else 0, old_len, new_start if new_len else 0, new_len,
                        "", tuple(lines), snipped=True, numbered_from_quote=True))
    return out


def _unstuff_context(segs: list[list[_Raw]]) -> None:
    """Remove spaces that quoting put before every context line, in place.

    Mailers that space-stuff format=flowed text add a space per quote level
    to lines that start with one, and only context lines do
    (samples/lists/dri-devel-drm-sched-nested-qp-excerpt.mbox: ``>>>>>    }``
    and ``>>>>>    <tab>if (...)``, while ``-<tab><tab>queue_work(...)`` is
    untouched). Kernel code never starts a line with spaces before a tab or
    a brace, so such lines, with every context line indented at least as
    much and some ``+``/``-`` line indented less, show the stuffing.
    """
    ctx = [r for seg in segs for r in seg if r.kind == " " and r.text.strip()]
    changes = [r for seg in segs for r in seg if r.kind in "+-" and r.text.strip()]
    if not ctx or not changes:
        return
    k = min(len(r.text) - len(r.text.lstrip(" ")) for r in ctx)
    if not 1 <= k <= 4:
        return
    if not any(r.text[k] in "\t{}" for r in ctx):
        return
    if all(r.text.startswith(" " * k) for r in changes):
        return  # the code itself is indented with spaces
    for r in ctx:
        r.text = r.text[k:]


def _is_change(r: _Raw) -> bool:
    """A real added or removed line, not a "---"/"+++" rule."""
    return r.kind in "+-" and not (r.text and set(r.text) == {r.kind})


def _split_overflow(segs: list[list[_Raw]], gaps: list[GapKind], old_len: int,
                    new_len: int) -> tuple[list[_Raw], list[_Raw]]:
    """Cut what lies past the header's counts off the hunk, in place.

    Returns:
        ``(junk, rest)``: lines right after the hunk's last line that are no
        change (a quoted "---" rule: replies/067), and segments after a gap
        that hold changes: another hunk whose header the reviewer cut
        (replies/013_v16-18-duyck-lruvec-lock-followup.eml).
    """
    o = n = 0
    for k, seg in enumerate(segs):
        for j, r in enumerate(seg):
            if o >= old_len and n >= new_len:
                after = seg[j:]
                later = [x for s in segs[k + 1:] for x in s]
                if k and (j == 0 or any(_is_change(x) for x in after)):
                    rest = [x for s in segs[k:] for x in s]
                    del segs[k:]
                    del gaps[k - 1:]
                    return [], rest
                del seg[j:]
                del segs[k + 1:]
                del gaps[k:]
                return after, later
            o += r.kind != "+"
            n += r.kind != "-"
    return [], []


def _finish(h: _HunkBuild, path: str, warnings: list[str]) -> list[Hunk]:
    """Number the hunk's lines as far as the evidence allows.

    Returns:
        The hunk, followed by a headerless hunk when lines past its end
        belong to another hunk whose header was cut.
    """
    if h.headerless:
        raws = [r for seg in h.segments for r in seg]
        return [_headerless(raws, path, warnings)] if raws else []
    where = f"{path or '?'} @@ -{h.old_start},{h.old_len} +{h.new_start},{h.new_len} @@"
    drop = _requotes(h)
    segs: list[list[_Raw]] = []
    gaps: list[GapKind] = []
    pending: GapKind | None = None
    for k, seg in enumerate(h.segments):
        gap_before = h.gaps[k - 1] if k else None
        if gap_before is not None:
            pending = GapKind.SNIP if GapKind.SNIP in (pending, gap_before) else gap_before
        if k in drop:
            first, last = seg[0].index + 1, seg[-1].index + 1
            warnings.append(f"{where}: body lines {first}-{last} re-quote earlier lines; "
                            "left out of the hunk")
            continue
        if not seg:
            continue
        if segs:
            gaps.append(pending or GapKind.COMMENT)
        segs.append(seg)
        pending = None
    _unstuff_context(segs)
    extra: list[Hunk] = []
    junk, rest = _split_overflow(segs, gaps, h.old_len, h.new_len)
    if any(r.text.strip() for r in junk):
        warnings.append(f"{where}: {len(junk)} quoted lines after the hunk's last line "
                        f"(body line {junk[0].index + 1}) are no diff; left out")
    if rest and any(_is_change(r) for r in rest):
        extra.append(_headerless(rest, path, warnings))
    if segs and not segs[-1]:
        segs.pop()
    seen_old = sum(_count(s)[0] for s in segs)
    seen_new = sum(_count(s)[1] for s in segs)
    miss_old, miss_new = h.old_len - seen_old, h.new_len - seen_new
    snipped = bool(drop) or h.lead_snip or GapKind.SNIP in gaps

    fwd_upto = len(segs)  # segments numbered from the header down
    bwd_from = len(segs)  # segments numbered from the hunk's end up
    if miss_old < 0 or miss_new < 0:
        warnings.append(f"{where}: {seen_old} old / {seen_new} new lines seen, more than "
                        "the header says; numbered from the header")
    elif miss_old or miss_new:
        # where may the missing lines be? candidate gap positions p: between
        # segs[p-1] and segs[p] (0: before the first segment).
        cands = ([0] if h.lead_snip else []) + [
            p + 1 for p, g in enumerate(gaps) if g is GapKind.SNIP]
        if not cands and miss_old == miss_new:
            # Only context lines are missing, none cut openly: a reviewer
            # deleted quoted lines (usually a blank one) where he wrote.
            # Kernel style forbids two blank lines in a row, so a dropped
            # blank line is never next to a blank line we can see.
            cands = [p + 1 for p in range(len(gaps))
                     if segs[p][-1].text.strip() and segs[p + 1][0].text.strip()]
            if not cands:
                cands = [p + 1 for p in range(len(gaps))]
        if not h.closed:
            # the quote stops inside the hunk: the rest was trimmed at the end
            fwd_upto = min(cands) if cands and snipped else len(segs)
            bwd_from = len(segs)
        elif not cands:
            snipped = True
            warnings.append(f"{where}: {miss_old} old / {miss_new} new lines missing and "
                            "no sign where; numbered from the header")
        else:
            fwd_upto, bwd_from = min(cands), max(cands)
            snipped = True
        if h.closed or fwd_upto < len(segs):
            warnings.append(
                f"{where}: {seen_old} old / {seen_new} new lines seen; "
                + ("numbered from both ends of the hunk" if h.closed and cands
                   else "lines after the cut left unnumbered"))

    out: list[DiffLine] = []
    old, new = h.old_start, h.new_start
    for k in range(fwd_upto):
        for r in segs[k]:
            o = old if r.kind != "+" else None
            n = new if r.kind != "-" else None
            old += r.kind != "+"
            new += r.kind != "-"
            out.append(DiffLine(r.kind, r.text, o, n, r.index))
    for k in range(fwd_upto, bwd_from):
        out.extend(DiffLine(r.kind, r.text, None, None, r.index) for r in segs[k])
    tail: list[DiffLine] = []
    old, new = h.old_start + h.old_len - 1, h.new_start + h.new_len - 1
    for k in range(len(segs) - 1, bwd_from - 1, -1):
        for r in reversed(segs[k]):
            o = old if r.kind != "+" else None
            n = new if r.kind != "-" else None
            old -= r.kind != "+"
            new -= r.kind != "-"
            tail.append(DiffLine(r.kind, r.text, o, n, r.index))
    out.extend(reversed(tail))
    return [Hunk(h.old_start, h.old_len, h.new_start, h.new_len, h.context, tuple(out),
                 snipped=snipped)] + extra
