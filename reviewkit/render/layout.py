"""Where each comment and finding goes: the shared plan of every renderer.

The terminal review, the markdown review and the summary show the same
thing: per patch, the diff by file and function, each reviewer comment under
the diff line it follows, each finding under the line it concerns, and the
rest (general comments, answers to other reviewers) as a conversation after
the patch. :func:`build_layout` decides this once, from the model alone.

Nothing is dropped: a comment whose anchor names no shown line lands in its
patch's conversation; a comment of a reply that reviews no shown patch lands
in the review's discussion; a finding on no shown line is listed after its
patch (or the review).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from reviewkit.model import (
    REVIEW_TRAILERS,
    CodeMap,
    Comment,
    CommentFate,
    DiffLine,
    FileDiff,
    Finding,
    Hunk,
    Message,
    Patch,
    PatchSource,
    Review,
    Trailer,
    find_anchor_row,
    same_person,
)


@dataclass(frozen=True)
class Row:
    """One diff line with what belongs under it."""

    line: DiffLine
    function: str | None
    comments: tuple[Comment, ...] = ()
    findings: tuple[Finding, ...] = ()
    # comments on the previous version of the patch that now belong here,
    # each with its fate (review of two versions)
    earlier: tuple[tuple[Comment, CommentFate], ...] = ()


@dataclass(frozen=True)
class HunkView:
    hunk: Hunk
    index: int
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class FileView:
    file: FileDiff
    hunks: tuple[HunkView, ...]


@dataclass(frozen=True)
class PatchView:
    """A patch as shown: header facts, files, and what has no line.

    ``author``/``email``/``date`` are the patch author's: the patch mail's
    sender, or for a patch rebuilt from a quote, the person quoted.
    ``trailers`` are those given in replies (not quoted, not the author's own
    Signed-off-by); ``carried`` are the review trailers the patch itself
    carries. ``conversation`` holds the comments placed on no line.
    """

    patch: Patch
    message: Message | None
    author: str
    email: str
    date: str
    version: int | None
    index: int | None
    total: int | None
    files: tuple[FileView, ...]
    conversation: tuple[Comment, ...]
    loose_findings: tuple[Finding, ...]
    trailers: tuple[Trailer, ...]
    carried: tuple[Trailer, ...]
    codemap: CodeMap | None
    reviewers: tuple[str, ...] = ()  # names of repliers with comments, first seen first
    # comments on the previous version that belong under no line of this diff
    earlier: tuple[tuple[Comment, CommentFate], ...] = ()

    @property
    def placed_comments(self) -> tuple[Comment, ...]:
        return tuple(c for f in self.files for h in f.hunks for r in h.rows for c in r.comments)

    @property
    def comments(self) -> tuple[Comment, ...]:
        return self.placed_comments + self.conversation

    @property
    def findings(self) -> tuple[Finding, ...]:
        placed = tuple(x for f in self.files for h in f.hunks for r in h.rows for x in r.findings)
        return placed + self.loose_findings


@dataclass(frozen=True)
class Layout:
    patches: tuple[PatchView, ...]
    discussion: tuple[Comment, ...]  # comments of replies that review no shown patch
    other_findings: tuple[Finding, ...]
    warnings: tuple[str, ...]
    messages: dict[str, Message] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)  # msgid -> reading order


# --------------------------------------------------------------------------
# helpers shared by the renderers


def comment_function(c: Comment) -> str | None:
    return c.anchor.function if c.anchor else None


def norm_code(s: str) -> str:
    """A quoted or diff line reduced for comparison: archive pages strip
    leading whitespace (threads/seed-duyck-mlock-v16-16.txt), so compare
    with all whitespace collapsed."""
    return " ".join(s.split())


def is_descendant(msgid: str, ancestor: str, parents: dict[str, str]) -> bool:
    seen = set()
    cur = parents.get(msgid)
    while cur and cur not in seen:
        if cur == ancestor:
            return True
        seen.add(cur)
        cur = parents.get(cur)
    return False


# --------------------------------------------------------------------------
# placement


def _place_comment(c: Comment, files: list[FileDiff]) -> tuple[int, int, int] | None:
    """(file index, hunk index, row index) of the line a comment follows, or None."""
    return find_anchor_row(c.anchor, files) if c.anchor is not None else None


def _place_finding(f: Finding, files: list[FileDiff]) -> tuple[int, int, int] | None:
    if f.line is None:
        return None
    hit = None
    for fi, fd in enumerate(files):
        if f.file not in (fd.path, fd.old_path, fd.new_path):
            continue
        for hi, h in enumerate(fd.hunks):
            for ri, dl in enumerate(h.lines):
                if dl.new_no == f.line and dl.kind != "-":
                    hit = (fi, hi, ri)
    return hit


def build_layout(review: Review) -> Layout:
    """Plan what every renderer shows; see the module docstring."""
    messages = {m.msgid: m for m in review.messages}
    order = {m.msgid: i for i, m in enumerate(review.messages)}
    thread_of = {m.msgid: t for t in review.threads for m in t.messages}
    parents = {m: p for t in review.threads for m, p in t.parents.items()}

    # Each patch once, keyed by msgid (a mail patch wins over a quote).
    shown: dict[str, Patch] = {}
    for p in review.patches:
        if p.msgid not in shown or (p.source is PatchSource.MAIL and shown[p.msgid].source is not PatchSource.MAIL):
            shown[p.msgid] = p
    codemaps = {cm.patch_msgid: cm for cm in review.codemaps}

    def home(msgid: str) -> str | None:
        if msgid in review.reviews and review.reviews[msgid] in shown:
            return review.reviews[msgid]
        seen = set()
        cur: str | None = msgid
        while cur and cur not in seen:
            seen.add(cur)
            if cur in shown:
                return cur
            cur = parents.get(cur)
        return None

    all_comments = sorted(
        (c for cs in review.comments.values() for c in cs),
        key=lambda c: (order.get(c.msgid, len(order)), c.body_start))
    by_home: dict[str | None, list[Comment]] = {}
    for c in all_comments:
        by_home.setdefault(home(c.msgid), []).append(c)

    by_patch_findings: dict[str | None, list[Finding]] = {}
    for f in review.findings:
        key = f.msgid if f.msgid in shown else None
        if key is None:
            owners = [m for m, p in shown.items() if any(f.file in (fd.path, fd.old_path) for fd in p.files)]
            key = owners[0] if len(owners) == 1 else None
        by_patch_findings.setdefault(key, []).append(f)

    from reviewkit.render.versions import carried_comments

    earlier_of = carried_comments(review)
    views = []
    for msgid, patch in shown.items():
        files = list(patch.files)
        placed_c: dict[tuple[int, int, int], list[Comment]] = {}
        conversation = []
        for c in by_home.get(msgid, []):
            pos = _place_comment(c, files)
            if pos is None:
                conversation.append(c)
            else:
                placed_c.setdefault(pos, []).append(c)
        placed_f: dict[tuple[int, int, int], list[Finding]] = {}
        loose_f = []
        for f in by_patch_findings.get(msgid, []):
            pos = _place_finding(f, files)
            if pos is None:
                loose_f.append(f)
            else:
                placed_f.setdefault(pos, []).append(f)
        placed_e: dict[tuple[int, int, int], list[tuple[Comment, CommentFate]]] = {}
        loose_e = []
        for c, fate in earlier_of.get(msgid, ()):
            pos = _place_comment(c, files)
            if pos is None:
                loose_e.append((c, fate))
            else:
                placed_e.setdefault(pos, []).append((c, fate))
        cm = codemaps.get(msgid)
        fviews = []
        for fi, fd in enumerate(files):
            hviews = []
            for hi, h in enumerate(fd.hunks):
                rows = tuple(
                    Row(dl, dl.function,
                        tuple(placed_c.get((fi, hi, ri), ())), tuple(placed_f.get((fi, hi, ri), ())),
                        tuple(placed_e.get((fi, hi, ri), ())))
                    for ri, dl in enumerate(h.lines))
                hviews.append(HunkView(h, hi, rows))
            fviews.append(FileView(fd, tuple(hviews)))

        msg = messages.get(msgid)
        mine = by_home.get(msgid, [])
        if patch.source is PatchSource.MAIL and msg is not None:
            author, email, date, series = msg.author, msg.email, msg.date, msg.series
        else:
            # A patch rebuilt from a quote: its author is the person quoted.
            quoted = Counter(c.quoted_author for c in mine if c.quoted_author)
            author = quoted.most_common(1)[0][0] if quoted else ""
            email = ""
            date = ""
            series = msg.series if msg is not None else None
        # Review trailers from the replies to this patch.
        given: list[Trailer] = []
        thread = thread_of.get(msgid)
        for m in (thread.messages if thread else ()):
            if m.msgid == msgid or home(m.msgid) != msgid:
                continue
            for t in review.trailers.get(m.msgid, ()):
                if not t.quoted and t.key in REVIEW_TRAILERS and not same_person(t.name, t.email, author, email or None):
                    given.append(t)
        if patch.source is PatchSource.QUOTED and msg is not None:
            given.extend(t for t in review.trailers.get(msgid, ()) if not t.quoted and t.key in REVIEW_TRAILERS)
        carried = tuple(t for t in patch.trailers if t.key in REVIEW_TRAILERS)
        reviewers = tuple(dict.fromkeys(c.author or c.email for c in mine))
        views.append(PatchView(
            patch=patch, message=msg, author=author, email=email, date=date,
            version=series.version if series else None, index=series.index if series else None,
            total=series.total if series else None, files=tuple(fviews), conversation=tuple(conversation),
            loose_findings=tuple(loose_f), trailers=tuple(given), carried=carried, codemap=cm,
            reviewers=reviewers, earlier=tuple(loose_e)))

    # A series is a thread (git send-email chains the patches to the cover
    # letter): keep each thread's patches together, in index order.
    thread_rank = {m.msgid: i for i, t in enumerate(review.threads) for m in t.messages}
    views.sort(key=lambda v: (thread_rank.get(v.patch.msgid, len(thread_rank)),
                              v.index if v.index is not None else 10**6, order.get(v.patch.msgid, 10**6)))
    return Layout(
        patches=tuple(views),
        discussion=tuple(by_home.get(None, [])),
        other_findings=tuple(by_patch_findings.get(None, [])),
        warnings=review.warnings,
        messages=messages,
        order=order,
    )


def function_sections(hv: HunkView) -> list[tuple[str | None, list[Row]]]:
    """The hunk's rows cut where the enclosing function changes.

    A run of context lines only (the closing brace of the function before,
    blank lines between two functions) is no section of its own: it joins
    the next section, or the previous one at the end of the hunk, so that a
    header always announces changed or commented code.
    """
    raw: list[tuple[str | None, list[Row]]] = []
    for r in hv.rows:
        if not raw or raw[-1][0] != r.function:
            raw.append((r.function, []))
        raw[-1][1].append(r)

    # Code between two parts of one function is in that function (a
    # function is contiguous): a gap there means the code map lost track,
    # as it does on archive pages that stripped the indentation
    # (threads/seed-duyck-mlock-v16-16.txt).
    for i in range(1, len(raw) - 1):
        if raw[i][0] is None and raw[i - 1][0] is not None and raw[i - 1][0] == raw[i + 1][0]:
            raw[i] = (raw[i - 1][0], raw[i][1])
    merged: list[tuple[str | None, list[Row]]] = []
    for name, rows in raw:
        if merged and merged[-1][0] == name:
            merged[-1][1].extend(rows)
        else:
            merged.append((name, rows))
    raw = merged

    def busy(rows: list[Row]) -> bool:
        return any(r.line.kind in ("+", "-") or r.comments or r.findings or r.earlier for r in rows)

    if not any(busy(rows) for _, rows in raw):
        return raw[:1] if len(raw) == 1 else [(raw[0][0], [r for _, rows in raw for r in rows])]
    out: list[tuple[str | None, list[Row]]] = []
    pending: list[Row] = []
    for name, rows in raw:
        if not busy(rows):
            pending += rows
            continue
        if out and out[-1][0] == name:
            out[-1][1].extend(pending + rows)
        else:
            out.append((name, pending + rows))
        pending = []
    if pending:
        out[-1][1].extend(pending)
    return out


def patch_title(v: PatchView) -> str:
    """The patch's title without tags ("mm/mlock: reorder ..."), else its subject."""
    if v.message is not None and v.message.series.title:
        return v.message.series.title
    return v.patch.subject


def diff_marker(kind: str) -> str:
    """The one-character marker a diff line is shown with: ``+``, ``-``,
    space, or ``\\`` ("\\ No newline at end of file"); ``?`` for anything else."""
    return kind if kind in ("+", "-", " ", "\\") else "?"


def hunk_header(h: Hunk) -> str:
    """``@@ -a,b +c,d @@`` of a hunk, without git's function guess."""
    return f"@@ -{h.old_start},{h.old_len} +{h.new_start},{h.new_len} @@"


def hunk_notes(h: Hunk) -> tuple[str, ...]:
    """What a reader must know about a hunk's lines: a quote that left lines
    out, or cut the ``@@`` header so that the numbers count from the quote."""
    notes = []
    if h.snipped:
        notes.append("the quote left lines out")
    if h.numbered_from_quote:
        notes.append("the quote cut the @@ header: lines are numbered from the quote, not the file")
    return tuple(notes)


def finding_place(f: Finding) -> str:
    """``file:line`` of a finding; "" for a finding on the whole patch
    (patch-format rules name no file)."""
    if not f.file:
        return ""
    return f.file + (f":{f.line}" if f.line is not None else "")


def closing_warnings(layout: Layout) -> tuple[str, ...]:
    """The warnings of the run less those a patch header already shows
    (a rebuilt quote's "33 old / 50 new lines seen" is printed under the
    patch it concerns: threads/seed-duyck-mlock-v16-16.txt)."""
    shown = {f"{v.message.origin}: {w}" for v in layout.patches if v.message is not None
             for w in v.patch.warnings}
    return tuple(w for w in layout.warnings if w not in shown)


def loose_finding_groups(v: PatchView) -> list[tuple[str, tuple[Finding, ...]]]:
    """The findings no diff row holds, under a heading each: those on the
    commit message or the whole patch (RK505 "v16 without a changelog",
    patches/117) are not "on lines the diff does not show"."""
    whole = tuple(f for f in v.loose_findings if not f.file)
    lines = tuple(f for f in v.loose_findings if f.file)
    groups = []
    if whole:
        groups.append(("Findings on the commit message and the patch as a whole", whole))
    if lines:
        groups.append(("Findings on lines the diff does not show", lines))
    return groups


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def function_label(name: str) -> str:
    """``munlock_vma_page()`` for a function; a scope that is not one
    (``struct lruvec`` in include/linux/mmzone.h, v16 18/22) keeps its name."""
    return name + "()" if _IDENTIFIER.fullmatch(name) else name


def series_label(v: PatchView) -> str:
    parts = []
    if v.version:
        parts.append(f"v{v.version}")
    if v.index is not None and v.total is not None:
        parts.append(f"{v.index}/{v.total}")
    return " ".join(parts)


def per_function_counts(layout: Layout) -> list[tuple[str, str, str, int, int, Counter]]:
    """Rows (patch subject, file, function, comments, findings, severities)
    for the closing tables."""
    rows: dict[tuple[str, str, str], list] = {}
    for v in layout.patches:
        key_subject = v.patch.subject
        for fv in v.files:
            for hv in fv.hunks:
                for r in hv.rows:
                    if not r.comments and not r.findings:
                        continue
                    k = (key_subject, fv.file.path, r.function or "")
                    e = rows.setdefault(k, [0, 0, Counter()])
                    e[0] += len(r.comments)
                    e[1] += len(r.findings)
                    e[2].update(f.severity.value for f in r.findings)
        for c in v.conversation:
            k = (key_subject, c.anchor.file if c.anchor else "", comment_function(c) or "")
            rows.setdefault(k, [0, 0, Counter()])[0] += 1
        for f in v.loose_findings:
            k = (key_subject, f.file, f.function or "")
            e = rows.setdefault(k, [0, 0, Counter()])
            e[1] += 1
            e[2][f.severity.value] += 1
    return [(s, fi, fn, e[0], e[1], e[2]) for (s, fi, fn), e in rows.items()]


__all__ = [
    "FileView", "HunkView", "Layout", "PatchView", "REVIEW_TRAILERS", "Row", "build_layout",
    "comment_function", "diff_marker", "finding_place", "function_sections", "is_descendant", "norm_code",
    "patch_title", "per_function_counts", "series_label",
]
