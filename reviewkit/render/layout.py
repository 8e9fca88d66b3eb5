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
    CodeMap,
    Comment,
    DiffLine,
    FileDiff,
    Finding,
    Hunk,
    Message,
    Patch,
    PatchSource,
    Severity,
    Trailer,
    find_anchor_row,
)
from reviewkit.model.review import (
    CommentDigest,
    CommentFate,
    Overview,
    PatchDigest,
    PatchStatus,
    SeriesDigest,
    Review,
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
    ``digest``: the patch's line of the overview (None for a Review made
    by hand).
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
    digest: PatchDigest | None = None
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
class CoverView:
    """A series' cover letter as shown: its text (the letter's own words,
    with its changelog), the shortlog and diffstat git appends, its
    findings, and the replies to it: the series' discussion, in reading
    order."""

    message: Message
    digest: PatchDigest
    discussion: tuple[Comment, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Layout:
    """``sections``: per series its cover letter, then its patches.
    ``notes``: what the overview says of each comment, by :func:`comment_key`."""

    patches: tuple[PatchView, ...]
    discussion: tuple[Comment, ...]  # comments of replies that review no shown patch
    other_findings: tuple[Finding, ...]
    warnings: tuple[str, ...]
    messages: dict[str, Message] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)  # msgid -> reading order
    sections: tuple["PatchView | CoverView", ...] = ()
    overview: Overview | None = None
    notes: dict[tuple[str, int], CommentDigest] = field(default_factory=dict)

    def note(self, c: Comment) -> CommentDigest | None:
        return self.notes.get(comment_key(c))


def comment_key(c: Comment) -> tuple[str, int]:
    """A comment's identity: its mail and the body line it starts on."""
    return c.msgid, c.body_start


# --------------------------------------------------------------------------
# helpers shared by the renderers




def norm_code(s: str) -> str:
    """A quoted or diff line reduced for comparison: archive pages strip
    leading whitespace (threads/seed-duyck-mlock-v16-16.txt), so compare
    with all whitespace collapsed."""
    return " ".join(s.split())




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
    """Plan what every renderer shows; see the module docstring.

    Where each comment belongs, and the facts of each patch's header, come
    from the overview (:mod:`reviewkit.overview`); a Review made by hand,
    without one, places a reply's comments on the patch it reviews.
    """
    messages = {m.msgid: m for m in review.messages}
    order = {m.msgid: i for i, m in enumerate(review.messages)}
    overview = review.overview
    homes = overview.homes if overview is not None else review.reviews
    digests = {d.msgid: d for d in overview.patches} if overview is not None else {}
    notes = {comment_key(c.comment): c for d in digests.values() for c in d.comments}

    # Each patch once, keyed by msgid (a mail patch wins over a quote).
    shown: dict[str, Patch] = {}
    for p in review.patches:
        if p.msgid not in shown or (p.source is PatchSource.MAIL and shown[p.msgid].source is not PatchSource.MAIL):
            shown[p.msgid] = p
    covers = {d.msgid: d for d in digests.values() if d.is_cover and d.msgid in messages}
    codemaps = {cm.patch_msgid: cm for cm in review.codemaps}

    def home(msgid: str) -> str | None:
        if msgid in shown or msgid in covers:
            return msgid
        found = homes.get(msgid)
        return found if found in shown or found in covers else None

    all_comments = sorted(
        (c for cs in review.comments.values() for c in cs),
        key=lambda c: (order.get(c.msgid, len(order)), c.body_start))
    by_home: dict[str | None, list[Comment]] = {}
    for c in all_comments:
        owner = home(c.msgid)
        if owner is not None and owner == c.msgid and owner in covers:
            continue  # a cover letter's own words: shown as its text
        by_home.setdefault(owner, []).append(c)

    by_patch_findings: dict[str | None, list[Finding]] = {}
    for f in review.findings:
        key = f.msgid if f.msgid in shown or f.msgid in covers else None
        if key is None:
            owners = [m for m, p in shown.items() if any(f.file in (fd.path, fd.old_path) for fd in p.files)]
            key = owners[0] if len(owners) == 1 else None
        by_patch_findings.setdefault(key, []).append(f)

    from reviewkit.render.versions import carried_comments

    earlier_of = carried_comments(review)
    views: dict[str, PatchView] = {}
    for msgid, patch in shown.items():
        files = list(patch.files)
        placed_c: dict[tuple[int, int, int], list[Comment]] = {}
        conversation: list[Comment] = []
        where: dict[tuple[str, int], tuple[int, int, int] | None] = {}
        for c in by_home.get(msgid, []):
            # an answer goes where the comment it answers went, after it:
            # each exchange in reading order under its line
            note = notes.get(comment_key(c))
            pos = where.get(note.replies_to) if note is not None and note.replies_to in where else \
                _place_comment(c, files)
            where[comment_key(c)] = pos
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
        d = digests.get(msgid)
        series = msg.series if msg is not None else None
        if d is not None:
            author, email, date = d.author, d.email, d.date
        elif msg is not None and patch.source is PatchSource.MAIL:
            author, email, date = msg.author, msg.email, msg.date
        else:
            author = email = date = ""
        views[msgid] = PatchView(
            patch=patch, message=msg, author=author, email=email, date=date,
            version=series.version if series else None, index=series.index if series else None,
            total=series.total if series else None, files=tuple(fviews), conversation=tuple(conversation),
            loose_findings=tuple(loose_f), trailers=d.trailers if d else (),
            carried=d.carried if d else (), codemap=codemaps.get(msgid),
            reviewers=d.reviewers if d else tuple(dict.fromkeys(c.author or c.email for c in by_home.get(msgid, []))),
            digest=d, earlier=tuple(loose_e))

    sections: list[PatchView | CoverView] = []
    if overview is not None:
        # per series its cover letter, then its patches, in index order
        for s in overview.series:
            for d in s.patches:
                if d.msgid in covers:
                    sections.append(CoverView(messages[d.msgid], d, tuple(by_home.get(d.msgid, [])),
                                              tuple(by_patch_findings.get(d.msgid, []))))
                elif d.msgid in views:
                    sections.append(views.pop(d.msgid))
    # A series is a thread (git send-email chains the patches to the cover
    # letter): keep each thread's patches together, in index order.
    thread_rank = {m.msgid: i for i, t in enumerate(review.threads) for m in t.messages}
    rest = sorted(views.values(), key=lambda v: (thread_rank.get(v.patch.msgid, len(thread_rank)),
                                                 v.index if v.index is not None else 10**6,
                                                 order.get(v.patch.msgid, 10**6)))
    sections.extend(rest)
    return Layout(
        patches=tuple(v for v in sections if isinstance(v, PatchView)),
        discussion=tuple(by_home.get(None, [])),
        other_findings=tuple(by_patch_findings.get(None, [])),
        warnings=review.warnings,
        messages=messages,
        order=order,
        sections=tuple(sections),
        overview=overview,
        notes=notes,
    )


def function_sections(hv: HunkView) -> list[tuple[str | None, list[Row]]]:
    """The hunk's rows cut where the enclosing function changes; no
    section for a hunk with no rows.

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

    if not raw:  # a hunk with no lines: a header cut off its body (truncated mail)
        return []
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


def short_name(name: str, email: str = "") -> str:
    """A person in a narrow column: the last word of the name ("Kirill A.
    Shutemov" -> "Shutemov"), else the address's local part."""
    words = name.split()
    if words:
        return words[-1]
    return email.split("@")[0] if email else "?"


@dataclass(frozen=True)
class OverviewRow:
    """One line of the overview, as every format shows it."""

    label: str  # "16/22"; "0/22" for the cover letter
    title: str
    reviewers: tuple[str, ...]  # short names
    comments: int  # the reviewers' comments (the author's answers not counted)
    open: int  # open questions
    severities: tuple[tuple[Severity, int], ...]  # worst first
    trailers: tuple[tuple[str, int], ...]  # ("Reviewed-by", 2)
    status: PatchStatus
    digest: PatchDigest


def overview_rows(series: SeriesDigest) -> list[OverviewRow]:
    """The overview of one series: the cover letter, then each patch."""
    rows = []
    for d in series.patches:
        label = f"{d.index}/{d.total}" if d.index is not None and d.total is not None else (
            str(d.index) if d.index is not None else "-")
        trailers = Counter(t.key for t in d.trailers)
        rows.append(OverviewRow(
            label=label, title=d.title, reviewers=tuple(short_name(r) for r in d.reviewers),
            comments=len(d.review_comments), open=len(d.open_questions),
            severities=tuple(d.severities().items()), trailers=tuple(trailers.items()), status=d.status, digest=d))
    return rows


def findings_tally(severities: tuple[tuple[Severity, int], ...]) -> str:
    """``"1e 10w 2i"``: findings by severity, worst first; "" for none."""
    return " ".join(f"{n}{s.value[0]}" for s, n in severities)


def trailers_tally(trailers: tuple[tuple[str, int], ...]) -> str:
    """``"R2 A1"``: review trailers by kind (Reviewed-by, Acked-by, Tested-by)."""
    return " ".join(f"{key[0]}{n}" for key, n in trailers)


def series_heading(series: SeriesDigest) -> str:
    """``per memcg lru_lock (v16, 22 patches, Alex Shi)``."""
    facts = []
    if series.version:
        facts.append(f"v{series.version}")
    if series.total:
        facts.append(f"{series.total} patch{'es' if series.total != 1 else ''}")
    authors = list(dict.fromkeys(d.author for d in series.patches if d.author))
    if authors:
        facts.append(", ".join(authors[:2]) + (" and others" if len(authors) > 2 else ""))
    return series.title + (f" ({', '.join(facts)})" if facts else "")


__all__ = [
    "CoverView", "FileView", "HunkView", "Layout", "OverviewRow", "PatchView", "Row", "build_layout",
    "comment_key", "diff_marker", "finding_place", "findings_tally", "function_sections",
    "norm_code", "overview_rows", "series_heading", "series_label", "short_name",
    "trailers_tally",
]
