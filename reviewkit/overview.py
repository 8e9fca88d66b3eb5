"""overview stage: a series at a glance, and what a maintainer asks to see.

After the rules, before render. From the pipeline's Review it works out,
once, the facts every output shows about a series (render only formats
them):

- :func:`build_overview`: per series its cover letter and patches; per
  patch (and cover letter) its ``N/T``, title, reviewers, comments, open
  questions, findings by severity, trailers and status; where each message
  belongs (a reply to the cover letter is series-level discussion, not a
  patch).
- :func:`select_review`: the review narrowed to what ``--patch``,
  ``--msgid``, ``--author``, ``--only-commented`` and ``--findings-only``
  ask for (the previous version's comments carried under a patch too).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from reviewkit.errors import InputError
from reviewkit.mail import has_own_msgid
from reviewkit.model import (
    REVIEW_TRAILERS,
    SENTENCE_END_RE,
    CodeMap,
    Comment,
    FileDiff,
    Finding,
    FunctionStatus,
    Hunk,
    Message,
    MessageKind,
    Patch,
    PatchSource,
    ScopeKind,
    Trailer,
    find_questions,
    prose_paragraphs,
    same_person,
)
from reviewkit.model.review import (
    CommentDigest,
    CommentFate,
    Overview,
    PatchDigest,
    PatchStatus,
    Review,
    SeriesDigest,
)
from reviewkit.patch.lines import HUNK_HEADER
from reviewkit.quotes.patchmail import find_cover_text, find_diff_start
from reviewkit.versions.answers import find_answers

DEFAULT_LINK_BASE = "https://lore.kernel.org/r/"


# --------------------------------------------------------------------------
# text of comments

_GREETING = re.compile(r"^(?:hi|hello|hey|dear|thanks|thank you)\b[^.?!]{0,40}[,!]?$", re.IGNORECASE)
GIST_MAX = 120
QUOTE_MIN = 12  # characters a quoted line needs to tie an answer to what it quotes


def first_sentence(text: str) -> str:
    """The first sentence of a comment, past a greeting ("Hi Alex,"); cut
    to about GIST_MAX characters at a word."""
    for para in prose_paragraphs(text):
        if _GREETING.match(para):
            continue
        sentence = SENTENCE_END_RE.split(para, maxsplit=1)[0].strip()
        if len(sentence) > GIST_MAX:
            cut = sentence.rfind(" ", 0, GIST_MAX)
            sentence = sentence[: cut if cut > GIST_MAX // 2 else GIST_MAX].rstrip(" ,;:") + " ..."
        return sentence
    return ""


def diff_start(text: str) -> int | None:
    """The line of ``text`` where a diff its writer wrote (a proposal)
    starts: a diff header, else a hunk header; None when it holds none."""
    lines = text.split("\n")
    start = find_diff_start(lines)
    if start is None:
        start = next((i for i, ln in enumerate(lines) if HUNK_HEADER.match(ln)), None)
    return start


# --------------------------------------------------------------------------
# the overview


def _norm(s: str) -> str:
    return " ".join(s.split())


def _unquote(line: str) -> str:
    s = line.lstrip()
    while s.startswith(">"):
        s = s[1:].lstrip()
    return _norm(s)


def link_for(msgid: str, base: str) -> str:
    """``https://lore.kernel.org/r/<msgid>`` (the base configurable); "" for
    no msgid. The Message-ID is percent-encoded but for what lore shows as
    is, so that a hostile one cannot leave the URL (``>``, spaces, quotes)."""
    from urllib.parse import quote

    bare = msgid.strip().strip("<>")
    return f"{base}{quote(bare, safe='@!$&*+,;=:~._-')}" if bare and base else ""


def _functions(patch: Patch, cm: CodeMap | None) -> tuple[tuple[str, str, str], ...]:
    """(file, name, status) of the functions the patch changes: scopes of
    kind function only (not a macro, struct or the file scope)."""
    out: dict[tuple[str, str], str] = {}
    mapped: set[str] = set()
    if cm is not None:
        for cf in cm.functions:
            mapped.add(cf.file)
            view = cf.new or cf.old
            if cf.status is FunctionStatus.UNCHANGED or view is None or view.function.kind is not ScopeKind.FUNCTION:
                continue
            out.setdefault((cf.file, cf.name), cf.status.value)
    # files the code map could not map: the functions the changed lines fall in
    for fd in patch.files:
        if fd.path in mapped:
            continue
        for h in fd.hunks:
            for dl in h.lines:
                if dl.kind in "+-" and dl.function and re.fullmatch(r"[A-Za-z_]\w*", dl.function):
                    out.setdefault((fd.path, dl.function), FunctionStatus.CHANGED.value)
    return tuple((f, n, s) for (f, n), s in out.items())


def build_overview(review: Review, *, link_base: str = DEFAULT_LINK_BASE) -> Overview:
    """The series of ``review`` at a glance, and where each message belongs.

    A message belongs to the patch it is (a patch mail, a cover letter), to
    the patch the pipeline found it reviews, else to its nearest ancestor
    that is a patch or a cover letter; replies to a cover letter are the
    series' discussion. Comments keep reading order (depth first, by
    date), so an answer follows the question it answers.

    Args:
        link_base: what a Message-ID is appended to for a link.
    """
    messages = {m.msgid: m for m in review.messages}
    order = {m.msgid: i for i, m in enumerate(review.messages)}
    parents = {m: p for t in review.threads for m, p in t.parents.items()}
    thread_rank = {m.msgid: i for i, t in enumerate(review.threads) for m in t.messages}

    shown: dict[str, Patch] = {}
    for p in review.patches:
        if p.msgid not in shown or (p.source is PatchSource.MAIL and shown[p.msgid].source is not PatchSource.MAIL):
            shown[p.msgid] = p
    covers = {m.msgid: m for m in review.messages if m.kind is MessageKind.COVER}
    postings = set(shown) | set(covers)

    homes: dict[str, str] = {}
    for m in review.messages:
        home = m.msgid if m.msgid in postings else review.reviews.get(m.msgid)
        if home not in postings:
            home = None
            seen = set()
            cur = parents.get(m.msgid)
            while cur and cur not in seen:
                seen.add(cur)
                if cur in postings:
                    home = cur
                    break
                cur = parents.get(cur)
        if home is not None:
            homes[m.msgid] = home

    comments_of: dict[str, list[Comment]] = {}
    for msgid, cs in review.comments.items():
        home = homes.get(msgid)
        if home is None or msgid == home and home in covers:
            continue  # a cover letter's own words are its text, not a comment on it
        comments_of.setdefault(home, []).extend(cs)
    findings_of: dict[str, list[Finding]] = {}
    for f in review.findings:
        if f.msgid in postings:
            findings_of.setdefault(f.msgid, []).append(f)
    codemaps = {cm.patch_msgid: cm for cm in review.codemaps}

    people: dict[str, tuple[str, str, str, list[Comment]]] = {}  # posting -> author, email, date, comments
    for msgid in postings:
        msg = messages.get(msgid)
        patch = shown.get(msgid)
        mine = sorted(comments_of.get(msgid, []), key=lambda c: (order.get(c.msgid, 1 << 30), c.body_start))
        if patch is not None and patch.source is PatchSource.QUOTED:
            # a patch rebuilt from a quote: its author is the person quoted
            quoted = Counter(c.quoted_author for c in mine if c.quoted_author)
            author, email, date = (quoted.most_common(1)[0][0] if quoted else ""), "", ""
        else:
            author, email, date = (msg.author, msg.email, msg.date) if msg else ("", "", "")
        people[msgid] = (author, email, date, mine)
    # which reviewer comments the patch author answered: the versions
    # stage's reading of the answers (one owner for "answered")
    tracked: dict[str, list[tuple[Comment, str, str | None]]] = {}
    for author, email, _, mine in people.values():
        for c in mine:
            if not same_person(c.author, c.email, author, email or None):
                tracked.setdefault(c.msgid, []).append((c, author, email or None))
    answered = set(find_answers(tracked, review.comments, messages, parents))

    digests: dict[str, PatchDigest] = {}
    for msgid, (author, email, date, mine) in people.items():
        digests[msgid] = _digest(msgid, messages.get(msgid), shown.get(msgid), author, email, date, mine,
                                 findings_of.get(msgid, []), review, messages, homes, parents, codemaps.get(msgid),
                                 link_base, answered)

    # the series: the postings of one thread with one version and total
    # (git send-email threads a series under its cover letter; a v2 sent
    # in reply to v1 is a series of its own)
    groups: dict[tuple, list[PatchDigest]] = {}
    for msgid, d in digests.items():
        groups.setdefault((thread_rank.get(msgid, -1), d.version or 1, d.total), []).append(d)
    out = []
    for members in groups.values():
        members.sort(key=lambda d: (d.index if d.index is not None else 1 << 20, order.get(d.msgid, 1 << 30)))
        cover = next((d for d in members if d.is_cover), None)
        first = cover or members[0]
        totals = [d.total for d in members if d.total]
        out.append(SeriesDigest(title=first.title, version=first.version, total=max(totals) if totals else None,
                                patches=tuple(members)))
    out.sort(key=lambda s: min(thread_rank.get(d.msgid, 1 << 30) for d in s.patches))
    return Overview(series=tuple(out), homes=homes)


def _digest(msgid: str, msg: Message | None, patch: Patch | None, author: str, email: str, date: str,
            comments: list[Comment], findings: list[Finding], review: Review, messages: dict[str, Message],
            homes: dict[str, str], parents: dict[str, str], cm: CodeMap | None, link_base: str,
            answered: set[tuple[str, int]]) -> PatchDigest:
    """One patch's (or cover letter's) line of the overview; ``answered``:
    the reviewer comments (``(msgid, body_start)``) its author answered."""
    is_cover = patch is None

    def by_author(c: Comment) -> bool:
        return same_person(c.author, c.email, author, email or None)

    # Which earlier comment each one answers: the latest, in an ancestor
    # mail, whose own words it quotes (a line of some length: "Thanks,"
    # and a signature name prove nothing).
    words: list[tuple[Comment, set[str]]] = []
    replies_to: dict[int, tuple[str, int]] = {}
    for c in comments:
        quoted = {q for q in (_unquote(line) for line in c.quoted_text.split("\n")) if len(q) >= QUOTE_MIN}
        if quoted:
            for earlier, own in reversed(words):
                if earlier.msgid != c.msgid and own & quoted and _descends(c.msgid, earlier.msgid, parents):
                    replies_to[id(c)] = (earlier.msgid, earlier.body_start)
                    break
        words.append((c, {w for w in (_norm(line) for line in c.text.split("\n")) if len(w) >= QUOTE_MIN}))

    digests = []
    for c in comments:
        mine = by_author(c)
        questions = () if mine else find_questions(c.text)
        done = bool(questions) and (c.msgid, c.body_start) in answered
        m = messages.get(c.msgid)
        link = link_for(c.msgid, link_base) if m is not None and has_own_msgid(m) else ""
        digests.append(CommentDigest(c, msgid, mine, first_sentence(c.text), questions, done,
                                     replies_to.get(id(c)), diff_start(c.text), link))

    given: list[Trailer] = []
    trailer_mail: set[str] = set()
    for m_id, home in homes.items():
        if home != msgid or m_id == msgid:
            continue
        for t in review.trailers.get(m_id, ()):
            if not t.quoted and t.key in REVIEW_TRAILERS and not same_person(t.name, t.email, author, email or None):
                given.append(t)
                trailer_mail.add(m_id)
    if patch is not None and patch.source is PatchSource.QUOTED:
        for t in review.trailers.get(msgid, ()):
            if not t.quoted and t.key in REVIEW_TRAILERS:
                given.append(t)
                trailer_mail.add(msgid)

    reviews = [d for d in digests if not d.by_author]
    if given:
        # fixes asked in the mail that gives the trailer ("with that fixed:
        # Reviewed-by: ..."): comments on the code in that same mail
        asked = any(d.comment.msgid in trailer_mail and d.comment.anchor is not None and d.comment.anchor.file
                    for d in reviews)
        status = PatchStatus.REVIEWED_CHANGES if asked else PatchStatus.REVIEWED
    elif reviews:
        status = PatchStatus.CHANGES_REQUESTED
    else:
        status = PatchStatus.NO_REVIEW

    series = msg.series if msg is not None else None
    subject = patch.subject if patch is not None else (msg.subject if msg else "")
    title = (series.title if series and series.title else "") or subject
    text = tail = ""
    if is_cover and msg is not None:
        text = find_cover_text(msg.body).strip("\n")
        tail = msg.body[len(find_cover_text(msg.body)):].strip("\n")
    return PatchDigest(
        msgid=msgid, subject=subject, title=title, author=author, email=email, date=date,
        version=series.version if series else None, index=series.index if series else None,
        total=series.total if series else None, is_cover=is_cover, status=status, comments=tuple(digests),
        findings=tuple(findings), trailers=tuple(given),
        carried=tuple(t for t in (patch.trailers if patch else ()) if t.key in REVIEW_TRAILERS),
        functions=_functions(patch, cm) if patch is not None else (),
        link=link_for(msgid, link_base) if msg is not None and has_own_msgid(msg) else "",
        cover_text=text, cover_tail=tail)


def _descends(msgid: str, ancestor: str, parents: dict[str, str]) -> bool:
    seen = set()
    cur = parents.get(msgid)
    while cur and cur not in seen:
        if cur == ancestor:
            return True
        seen.add(cur)
        cur = parents.get(cur)
    return False


# --------------------------------------------------------------------------
# narrowing the review


@dataclass(frozen=True)
class PatchRange:
    """``--patch``: ``16``, ``16/22`` (index 16 of a 22-patch series), ``3-5``, ``0`` (the cover letter)."""

    low: int
    high: int
    total: int | None = None

    def __contains__(self, d: PatchDigest) -> bool:
        if d.index is None or not self.low <= d.index <= self.high:
            return False
        return self.total is None or d.total == self.total


_RANGE = re.compile(r"^\s*(\d+)(?:\s*-\s*(\d+))?(?:\s*/\s*(\d+))?\s*$")


def parse_patch_range(text: str) -> PatchRange:
    """``--patch`` as a range.

    Raises:
        InputError: not ``N``, ``N/T``, ``A-B`` or ``A-B/T``.
    """
    m = _RANGE.match(text)
    if m is None:
        raise InputError(f"--patch {text!r}: give N, N/T or A-B (16, 16/22, 3-5; 0 is the cover letter)")
    low = int(m.group(1))
    high = int(m.group(2)) if m.group(2) else low
    if high < low:
        raise InputError(f"--patch {text!r}: the range runs backwards")
    return PatchRange(low, high, int(m.group(3)) if m.group(3) else None)


@dataclass(frozen=True)
class Selection:
    """What to show; empty shows everything.

    ``patches``: ranges of ``N/T``; ``msgids``: a patch's, a cover letter's
    or a reply's Message-ID (a reply brings its patch and only its own
    comments); ``authors``: substrings of a name or address (their patches,
    and their comments wherever they are); ``only_commented``: patches with
    a reviewer's comment; ``findings_only``: patches with a finding, only
    the hunks that hold one, no comments.
    """

    patches: tuple[PatchRange, ...] = ()
    msgids: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    only_commented: bool = False
    findings_only: bool = False

    def __bool__(self) -> bool:
        return bool(self.patches or self.msgids or self.authors or self.only_commented or self.findings_only)


def _bare(msgid: str) -> str:
    return msgid.strip().strip("<>").lower()


def select_review(review: Review, selection: Selection) -> Review:
    """``review`` narrowed to ``selection``: the patches it names, their
    comments and findings, and the overview of those. An empty selection
    gives ``review`` itself."""
    overview = review.overview
    if not selection or overview is None:
        return review
    wanted_ids = {_bare(m) for m in selection.msgids}
    who = tuple(a.lower() for a in selection.authors)

    def by_who(name: str, email: str) -> bool:
        return any(w in name.lower() or w in email.lower() for w in who)

    keep: set[str] = set()
    comment_ok: dict[str, set[str] | None] = {}  # patch msgid -> the messages whose comments stay (None: all)
    for d in overview.patches:
        if selection.patches and not any(d in r for r in selection.patches):
            continue
        if selection.only_commented and not d.review_comments:
            continue
        if selection.findings_only and not d.findings:
            continue
        mails: set[str] | None = None
        if wanted_ids:
            if _bare(d.msgid) in wanted_ids:
                pass
            else:
                hits = {m for m, h in overview.homes.items() if h == d.msgid and _bare(m) in wanted_ids}
                if not hits:
                    continue
                mails = hits
        if who:
            theirs = {c.comment.msgid for c in d.comments if by_who(c.comment.author, c.comment.email)}
            if not by_who(d.author, d.email):
                if not theirs:
                    continue
                mails = theirs if mails is None else mails & theirs
        keep.add(d.msgid)
        comment_ok[d.msgid] = mails

    def comment_kept(msgid: str) -> bool:
        home = overview.homes.get(msgid)
        if selection.findings_only or home not in keep:
            return False
        mails = comment_ok[home]
        return mails is None or msgid in mails

    comments = {m: (cs if comment_kept(m) else ()) for m, cs in review.comments.items()}
    findings = tuple(f for f in review.findings if f.msgid in keep)
    patches = tuple(p for p in review.patches if p.msgid in keep)
    if selection.findings_only:
        patches = tuple(_hunks_with_findings(p, findings) for p in patches)
    series = []
    for s in overview.series:
        kept = tuple(_narrowed(d, keep, comments) for d in s.patches if d.msgid in keep)
        if kept:
            series.append(dataclasses.replace(s, patches=kept))
    narrowed = dataclasses.replace(overview, series=tuple(series), selected=True)

    def fate_kept(f: CommentFate) -> bool:
        # a comment on the previous version is shown with its successor
        # (or with its patch, dropped in the next version): kept as a
        # comment of that patch would be
        shown_with = f.successor or f.patch
        if selection.findings_only or shown_with not in keep:
            return False
        mails = comment_ok[shown_with]
        c = f.comment
        return mails is None or _bare(c.msgid) in wanted_ids or bool(who) and by_who(c.author, c.email)

    versions = review.versions
    if versions is not None:
        versions = dataclasses.replace(
            versions, comments=tuple(f for f in versions.comments if fate_kept(f)),
            findings=tuple(f for f in versions.findings if (f.successor or f.patch) in keep))
    return dataclasses.replace(review, patches=patches, comments=comments, findings=findings,
                               codemaps=tuple(cm for cm in review.codemaps if cm.patch_msgid in keep),
                               overview=narrowed, versions=versions)


def _narrowed(d: PatchDigest, keep: set[str], comments: dict[str, tuple[Comment, ...]]) -> PatchDigest:
    kept = {id(c) for cs in comments.values() for c in cs}
    return dataclasses.replace(d, comments=tuple(c for c in d.comments if id(c.comment) in kept))


def _hunks_with_findings(patch: Patch, findings: Sequence[Finding]) -> Patch:
    """``patch`` with only the hunks that hold a line of a finding."""
    mine = [f for f in findings if f.msgid == patch.msgid and f.file]

    def holds(fd: FileDiff, h: Hunk) -> bool:
        wanted = {n for f in mine if f.file in (fd.path, fd.old_path) for n in (f.lines or (f.line,))}
        return any(dl.new_no in wanted and dl.kind != "-" for dl in h.lines)

    files = []
    for fd in patch.files:
        hunks = tuple(h for h in fd.hunks if holds(fd, h))
        if hunks:
            files.append(dataclasses.replace(fd, hunks=hunks))
    return dataclasses.replace(patch, files=tuple(files))


__all__ = [
    "DEFAULT_LINK_BASE", "PatchRange", "Selection", "build_overview", "diff_start", "first_sentence", "link_for",
    "parse_patch_range", "select_review",
]
