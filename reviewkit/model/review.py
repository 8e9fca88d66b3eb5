"""The records of a whole review: the stages after the rules.

The versions stage links a series across its versions and says what became
of each comment and finding (``PatchLink``, ``CommentFate``, ``Versions``);
the overview puts a series at a glance (``PatchDigest``, ``Overview``);
``Review`` is everything a review run hands to render, and ``ScanRecord``
what a scan of an archive keeps of each message.

They live apart from the records of the stages up to the rules
(``reviewkit.model``) so that `reviewkit check` of one patch, which stops
there, does not define them: on Python 3.11 each frozen dataclass costs
about 0.4 ms to define.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from reviewkit.model import (
    Anchor,
    CodeMap,
    Comment,
    Dismissed,
    Finding,
    Hunk,
    Message,
    Patch,
    Severity,
    Thread,
    Trailer,
    writer_name,
)


# --------------------------------------------------------------------------
# overview: a series at a glance (reviewkit/overview.py)


class PatchStatus(enum.Enum):
    """Where a patch (or the cover letter) stands in its thread."""

    REVIEWED = "reviewed"  # a Reviewed-by/Acked-by/Tested-by, nothing asked with it
    REVIEWED_CHANGES = "reviewed, changes requested"  # a trailer given together with requested fixes
    CHANGES_REQUESTED = "changes requested"  # reviewers' comments, no trailer
    NO_REVIEW = "no review yet"


@dataclass(frozen=True)
class CommentDigest:
    """A comment as the overview and the summary count it.

    ``home``: the msgid of the patch (or cover letter) it belongs to.
    ``by_author``: written by that patch's author (an answer, not a review).
    ``gist``: its first sentence. ``questions``: its sentences that end in
    ``?``; ``answered``: the patch author answered the comment (a reply
    of theirs quotes its words, or quotes nothing of its mail:
    :func:`reviewkit.versions.answers.find_answers`). ``replies_to``: the
    comment (``(msgid, body_start)``) whose words it quotes and answers.
    ``diff_at``: the line of ``text`` where a diff its writer proposes
    starts (None: no diff).
    """

    comment: Comment
    home: str
    by_author: bool
    gist: str
    questions: tuple[str, ...] = ()
    answered: bool = False
    replies_to: tuple[str, int] | None = None
    diff_at: int | None = None
    link: str = ""

    @property
    def open(self) -> bool:
        return bool(self.questions) and not self.answered


@dataclass(frozen=True)
class PatchDigest:
    """One line of the overview: a patch, or the series' cover letter.

    ``comments``: every comment homed here, the author's answers included
    (``CommentDigest.by_author``), in time order. ``trailers``: review
    trailers given in replies by someone else than the author; ``carried``:
    those the patch itself carries. ``functions``: (file, name, status) of
    the functions (not macros or structs) it changes. ``cover_text`` and
    ``cover_tail``: a cover letter's own words, and the shortlog and
    diffstat git appends.
    """

    msgid: str
    subject: str
    title: str
    author: str
    email: str
    date: str
    version: int | None
    index: int | None
    total: int | None
    is_cover: bool
    status: PatchStatus
    comments: tuple[CommentDigest, ...] = ()
    findings: tuple[Finding, ...] = ()
    trailers: tuple[Trailer, ...] = ()
    carried: tuple[Trailer, ...] = ()
    functions: tuple[tuple[str, str, str], ...] = ()
    link: str = ""
    cover_text: str = ""
    cover_tail: str = ""

    @property
    def reviewers(self) -> tuple[str, ...]:
        """Who commented, first seen first (the author not counted)."""
        return tuple(dict.fromkeys(writer_name(c.comment.author, c.comment.email) for c in self.comments
                                   if not c.by_author))

    @property
    def review_comments(self) -> tuple[CommentDigest, ...]:
        return tuple(c for c in self.comments if not c.by_author)

    @property
    def open_questions(self) -> tuple[CommentDigest, ...]:
        return tuple(c for c in self.comments if c.open)

    def severities(self) -> dict[Severity, int]:
        """Findings by severity, worst first, only those present."""
        out = {s: 0 for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
        for f in self.findings:
            out[f.severity] += 1
        return {s: n for s, n in out.items() if n}


@dataclass(frozen=True)
class SeriesDigest:
    """A series: its title and version, the cover letter (index 0) and
    the patches in index order."""

    title: str
    version: int | None
    total: int | None
    patches: tuple[PatchDigest, ...]

    @property
    def cover(self) -> PatchDigest | None:
        return next((p for p in self.patches if p.is_cover), None)


@dataclass(frozen=True)
class Overview:
    """The series of a review and where each message belongs.

    ``homes``: msgid of every message that belongs to a patch or a cover
    letter -> that patch's (or cover letter's) msgid; a message absent
    belongs to none (discussion outside any patch). ``selected``: a
    filter (``--patch``, ``--author`` ...) narrowed the review.
    """

    series: tuple[SeriesDigest, ...] = ()
    homes: dict[str, str] = field(default_factory=dict)
    selected: bool = False

    def digest(self, msgid: str) -> PatchDigest | None:
        for s in self.series:
            for p in s.patches:
                if p.msgid == msgid:
                    return p
        return None

    @property
    def patches(self) -> tuple[PatchDigest, ...]:
        return tuple(p for s in self.series for p in s.patches)


# --------------------------------------------------------------------------
# versions: a series across its postings (v16 -> v17), and what became of
# the review of each version in the next


class LinkKind(enum.Enum):
    """How a patch of vN relates to the patches of vN+1."""

    SAME_TITLE = "same-title"  # the successor carries the same title
    RENAMED = "renamed"  # title changed; matched by files, functions and changed lines
    MERGED = "merged"  # its changes went into a vN+1 patch that has another predecessor
    SPLIT = "split"  # a vN+1 patch made of part of a vN patch linked elsewhere
    DROPPED = "dropped"  # no vN+1 patch holds it
    ADDED = "added"  # a vN+1 patch with no vN predecessor


class FunctionDelta(enum.Enum):
    CHANGED = "changed"  # both postings change it, differently
    SAME = "same"  # both postings change it the same way
    ADDED = "added"  # only vN+1 changes it
    DROPPED = "dropped"  # only vN changes it


@dataclass(frozen=True)
class FunctionChange:
    file: str
    name: str
    delta: FunctionDelta


@dataclass(frozen=True)
class RangeDiff:
    """What changed between two postings of one patch, as ``git range-diff``
    shows it, computed from the mails (no git tree).

    ``lines`` is the diff of the two diffs: ``## file ##`` section heads,
    ``@@ file: function`` hunk heads, then each line of either patch behind
    an outer marker (``' '`` in both, ``-`` only in vN, ``+`` only in vN+1).
    Hunk numbers are left out, so a patch that only moved is the same.
    ``commit_message`` is the diff of the commit messages, the same way.
    ``hunks_moved`` counts hunks that are in one posting and not the other
    (a part of the patch taken out or brought in).
    """

    same: bool  # the diffs are equal (the commit message may differ)
    lines: tuple[str, ...]
    commit_message: tuple[str, ...]
    functions: tuple[FunctionChange, ...]
    hunks_moved: int = 0


@dataclass(frozen=True)
class PatchLink:
    """One patch of vN and its successor in vN+1 (or the reason it has none).

    ``old``/``new`` are Message-IDs (None on the side that has no patch);
    ``reason`` is the evidence, one line ("same title", "title changed; ...",
    "the v17 cover letter says: removes '...'").
    """

    kind: LinkKind
    old: str | None
    new: str | None
    old_index: int | None
    new_index: int | None
    old_title: str
    new_title: str
    reason: str
    range_diff: RangeDiff | None = None


@dataclass(frozen=True)
class SeriesVersion:
    """One posting of a series: a cover letter (maybe) and its patches.

    ``patches`` are Message-IDs in index order. ``date`` is the first
    mail's Date header as written.
    """

    version: int
    title: str
    author: str
    email: str
    date: str
    timestamp: float | None
    cover: str | None
    patches: tuple[str, ...]
    total: int | None
    resend: bool = False


@dataclass(frozen=True)
class VersionStep:
    """From one posting of a series to the next: ``old``/``new`` index
    ``SeriesHistory.versions``."""

    old: int
    new: int
    links: tuple[PatchLink, ...]


@dataclass(frozen=True)
class SeriesHistory:
    """A series across the versions the input holds (at least two)."""

    title: str
    author: str
    email: str
    versions: tuple[SeriesVersion, ...]
    steps: tuple[VersionStep, ...]


class CommentScope(enum.Enum):
    """What a review comment is about, hence what must change to answer it."""

    LINE = "line"  # the lines it follows
    FUNCTION = "function"  # the function it is in
    MESSAGE = "commit-message"  # the lines of the commit message it follows
    PATCH = "patch"  # the patch as a whole (split, squash, move to patch N, document)
    GENERAL = "general"  # no code: a cover letter, the thread


class Fate(enum.Enum):
    CHANGED = "changed"  # the code it is about is different in vN+1
    ANSWERED = "answered"  # unchanged, and the author replied to it
    OPEN = "open"  # unchanged and unanswered
    MOOT = "moot"  # the patch or the function is gone in vN+1


class AnswerKind(enum.Enum):
    AGREE = "agree"
    DISAGREE = "disagree-or-explain"
    QUESTION = "question"


class Verdict(enum.Enum):
    """The fate folded for the reader: was the comment taken into account?"""

    ADDRESSED = "addressed"  # changed (whether or not the author also answered)
    ANSWERED = "answered-not-changed"
    OPEN = "open"
    MOOT = "moot"


@dataclass(frozen=True)
class Answer:
    """The patch author's reply to a review comment, classified from its own
    words; ``cues`` are the words that decided (empty: none, the default)."""

    msgid: str
    body_start: int
    author: str
    kind: AnswerKind
    cues: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class CommentFate:
    """What became of one reviewer comment on vN in vN+1, with the evidence.

    ``patch`` is the vN posting the comment reviews, ``successor`` its vN+1
    posting (None when dropped). ``target`` is where the comment's line is in
    the successor's diff (None when no line there corresponds). ``suggested``
    counts the code lines the comment carries (a suggested diff or snippet),
    ``suggested_found`` those vN+1 adds or keeps.
    """

    comment: Comment
    patch: str
    successor: str | None
    old_version: int
    new_version: int
    scope: CommentScope
    fate: Fate
    verdict: Verdict
    changed: bool
    answer: AnswerKind | None
    answers: tuple[Answer, ...]
    questions: tuple[str, ...]
    evidence: tuple[str, ...]
    target: Anchor | None = None
    suggested: int = 0
    suggested_found: int = 0


class FindingStatus(enum.Enum):
    FIXED = "fixed"  # vN+1 no longer has it
    STILL = "still-there"
    MOOT = "moot"  # the patch is gone


@dataclass(frozen=True)
class FindingFate:
    """A finding of the rules on vN, matched in vN+1 by rule, file, function
    and the statement it is on (not by line number)."""

    finding: Finding
    patch: str
    successor: str | None
    status: FindingStatus
    statement: str  # the finding's line, whitespace collapsed ("" when none)
    now: Finding | None = None  # the same finding in vN+1


@dataclass(frozen=True)
class Versions:
    """What the versions stage found: the series with two or more versions,
    the fate of every reviewer comment and finding of each version that has
    a successor, and the review trailers given on each such posting (by
    Message-ID of the posting)."""

    series: tuple[SeriesHistory, ...]
    comments: tuple[CommentFate, ...]
    findings: tuple[FindingFate, ...]
    trailers: dict[str, tuple[Trailer, ...]] = field(default_factory=dict)


# --------------------------------------------------------------------------
# scan: a whole archive, a line per posting


@dataclass(frozen=True)
class ScanRecord:
    """What ``reviewkit scan`` says of one patch mail or cover letter.

    ``thread``: the msgid of its thread's root; ``replies``: the msgids of
    the messages below it whose nearest posting above is this one;
    ``trailers``: what those replies give of their own (not quoted).
    """

    message: Message
    thread: str
    replies: tuple[str, ...] = ()
    trailers: tuple[Trailer, ...] = ()
    findings: tuple[Finding, ...] = ()


# --------------------------------------------------------------------------
# the whole result


@dataclass(frozen=True)
class Review:
    """Everything the pipeline found for an input; what render reads."""

    threads: tuple[Thread, ...]
    patches: tuple[Patch, ...]
    comments: dict[str, tuple[Comment, ...]]  # by msgid
    codemaps: tuple[CodeMap, ...]
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...]
    # trailers each message gives (its own and quoted ones), by msgid
    trailers: dict[str, tuple[Trailer, ...]] = field(default_factory=dict)
    # which patch a reply reviews: reply msgid -> Patch.msgid (a mail patch of
    # the input, or the patch rebuilt from the reply's own quote)
    reviews: dict[str, str] = field(default_factory=dict)
    # findings dismissed as not a bug: counted, not shown
    dismissed: tuple[Dismissed, ...] = ()
    # the series at a glance (reviewkit/overview.py); None for a Review
    # made by hand
    overview: Overview | None = None
    # the series across versions and what became of each version's review
    # (the versions stage); None when the input holds one version of each
    versions: Versions | None = None

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(m for t in self.threads for m in t.messages)
