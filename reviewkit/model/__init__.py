"""The data model every stage hands to the next.

The pipeline flows one way (see DESIGN.md):

    source -> mail -> quotes -> patch -> cmap -> rules -> versions -> (check) -> overview -> render

This module holds the records of the stages up to the rules and the
checklist; ``reviewkit.model.review`` holds those of the versions and
overview stages and the ``Review`` a review run returns.

Each stage takes and returns these records. Records are frozen: a stage that
adds information (the code map filling ``Anchor.function``) returns a copy
made with :func:`dataclasses.replace`.

Line numbers are 1-based everywhere. ``body`` line indexes (``Block.start``,
``DiffLine.body_line``) are 0-based indexes into ``Message.body.split("\\n")``
(not ``splitlines()``, which also splits on form feeds and U+2028).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, Sequence


# --------------------------------------------------------------------------
# source / mail


@dataclass(frozen=True)
class RawMessage:
    """One message as read from an input, before any decoding.

    ``origin`` says where it came from ("threads/x.mbox#3", "archive:<commit>")
    so that warnings and errors can point at it.
    ``archive_page`` is true for a list-archive page saved as text (no
    headers but the ones the page shows). ``cut`` says why the source
    stopped reading the message early ("" when it is whole).
    """

    data: bytes
    origin: str
    archive_page: bool = False
    cut: str = ""


class MessageKind(enum.Enum):
    PATCH = "patch"
    COVER = "cover"
    REPLY = "reply"
    OTHER = "other"


@dataclass(frozen=True)
class Series:
    """What the subject's tags say: ``[RFC PATCH net-next v3 2/7]``.

    Fields are None when the subject does not say.
    """

    version: int | None = None
    index: int | None = None
    total: int | None = None
    prefixes: tuple[str, ...] = ()  # every tag word but PATCH/vN/M/T: RFC, net-next, RESEND
    is_patch_tag: bool = False  # the subject carries a PATCH (or RFC) tag
    resend: bool = False
    is_reply: bool = False  # Re:/RE:/AW:/Sv: ...
    title: str = ""  # the subject with reply prefixes and tags removed ("" for "[PATCH]" alone)


@dataclass(frozen=True)
class Attachment:
    """A non-body MIME part kept because it matters (an x-patch part)."""

    filename: str
    content_type: str
    text: str


@dataclass(frozen=True)
class Message:
    """A decoded message.

    ``body`` is the decoded text/plain body with ``\\n`` line ends;
    ``blocks`` is filled by the quotes stage. ``warnings`` holds one-line
    notes about what decoding had to guess (charset fallback, broken base64).
    """

    msgid: str
    subject: str
    author: str
    email: str
    date: str  # as written in the header, for display
    timestamp: float | None  # seconds since the epoch, None when unparseable
    in_reply_to: str | None
    references: tuple[str, ...]
    series: Series
    kind: MessageKind
    body: str
    origin: str = ""
    attachments: tuple[Attachment, ...] = ()
    blocks: tuple["Block", ...] = ()
    warnings: tuple[str, ...] = ()


# A list or relay that rewrites From: names the sender "Name via B4 Relay"
# (linux-pwm, 2023-): the name is the part before " via ".
_VIA = re.compile(r"(?<!\s)\s+via\s+.*$", re.IGNORECASE)  # from a run's first blank: linear
_NAME_WORD = re.compile(r"[^\W\d_]+")


def name_words(name: str) -> frozenset[str]:
    """The words of a person's name, lower case, without a relay's " via ..."."""
    return frozenset(w.lower() for w in _NAME_WORD.findall(_VIA.sub("", name.strip().strip('"'))))


def writer_name(name: str | None, email: str | None = "") -> str:
    """Who wrote a message or a comment, as the outputs name them: the name,
    else the address, else "(unknown)" (a From: line the mail lost)."""
    return name or email or "(unknown)"


def same_person(name: str, email: str, other_name: str | None, other_email: str | None) -> bool:
    """True when two writers are one: the same address (any case), else the
    same name (an archive page masks addresses): the same words in any
    order, or all the words of a two-word-or-longer name in the other
    ("Sabau, Radu bogdan" is "Radu Sabau"), after a relay's " via ..."."""
    if email and other_email and email.lower() == other_email.lower():
        return True
    if not name or not other_name:
        return False
    a, b = name_words(name), name_words(other_name)
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 2 and (a <= b or b <= a))


@dataclass(frozen=True)
class Thread:
    """Messages of one thread in reading order (depth first, by date).

    ``parents`` maps a msgid to its parent's msgid (absent for a root);
    ``depth`` maps a msgid to its nesting depth (0 for the root).
    """

    root: str
    messages: tuple[Message, ...]
    parents: dict[str, str] = field(default_factory=dict, compare=False)
    depth: dict[str, int] = field(default_factory=dict, compare=False)


# --------------------------------------------------------------------------
# quotes


class BlockKind(enum.Enum):
    TEXT = "text"  # the writer's own words
    QUOTE = "quote"  # quoted text, with a depth
    ATTRIBUTION = "attribution"  # "On ..., X wrote:"
    SIGNATURE = "signature"  # "-- " and what follows
    TRAILER = "trailer"  # Reviewed-by:, Acked-by:, Signed-off-by: ...
    BLANK = "blank"  # empty lines between blocks
    # the parts of a patch mail
    COMMIT_MESSAGE = "commit-message"
    NOTES = "notes"  # text between "---" and the diffstat/diff
    DIFFSTAT = "diffstat"
    DIFF = "diff"


@dataclass(frozen=True)
class Block:
    """A run of body lines of one kind.

    ``start`` is the 0-based index of the first line in the body. ``depth``
    is the quote depth (0 for unquoted blocks). ``credited_to`` names who
    wrote the text: the message author for unquoted text, the attribution
    chain's author for quoted text (None when unknown).
    """

    kind: BlockKind
    start: int
    lines: tuple[str, ...]
    depth: int = 0
    credited_to: str | None = None


# The trailers that say a patch was reviewed (not who wrote or sent it).
REVIEW_TRAILERS = ("Reviewed-by", "Acked-by", "Tested-by")


@dataclass(frozen=True)
class Trailer:
    """``Reviewed-by: Name <email>`` and where it came from."""

    key: str  # canonical spelling: "Reviewed-by"
    name: str
    email: str
    msgid: str  # the message that carries it
    quoted: bool  # inside a quote: somebody else's


# --------------------------------------------------------------------------
# patch


class Side(enum.Enum):
    OLD = "old"
    NEW = "new"


class PatchSource(enum.Enum):
    MAIL = "mail"  # the diff of a patch mail, parsed with unidiff
    QUOTED = "quoted"  # rebuilt from what a reply quoted


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk. ``kind`` is ' ', '+' or '-'.

    ``old_no``/``new_no`` are the line numbers on each side (None on the side
    the line is absent from, or when the evidence does not allow a number).
    ``body_line`` is the 0-based index of the body line it came from.
    ``function`` is filled by cmap: the scope holding the line on its side
    (the old side for a ``-`` line).
    """

    kind: str
    text: str
    old_no: int | None
    new_no: int | None
    body_line: int | None = None
    function: str | None = None


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    header_context: str
    lines: tuple[DiffLine, ...]
    function: str | None = None  # filled by cmap: the function the changes fall in
    snipped: bool = False  # a quote left lines out
    # the quote cut the hunk header: numbers count from the first quoted
    # line of the file diff, not the file's own line numbers
    numbered_from_quote: bool = False


class FileStatus(enum.Enum):
    MODIFIED = "modified"
    ADDED = "added"
    DELETED = "deleted"
    RENAMED = "renamed"
    BINARY = "binary"
    MODE = "mode-change"


@dataclass(frozen=True)
class FileDiff:
    old_path: str | None
    new_path: str | None
    old_blob: str | None  # from the "index abc..def" line
    new_blob: str | None
    hunks: tuple[Hunk, ...]
    status: FileStatus = FileStatus.MODIFIED

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


@dataclass(frozen=True)
class Patch:
    msgid: str
    source: PatchSource
    subject: str
    commit_message: str
    notes: str  # between "---" and the diff
    diffstat: str
    files: tuple[FileDiff, ...]
    trailers: tuple[Trailer, ...] = ()
    warnings: tuple[str, ...] = ()
    timestamp: float | None = None  # when its mail was sent (seconds since the epoch), None unknown


@dataclass(frozen=True)
class Posting:
    """One mail of a series as posted: a patch mail with its patch, or the
    cover letter (``patch`` None)."""

    message: Message
    patch: Patch | None


@dataclass(frozen=True)
class Anchor:
    """Where a comment points. ``hunk`` is the index in ``FileDiff.hunks``."""

    file: str
    side: Side
    line: int | None
    hunk: int | None
    quoted: str  # the last quoted line the comment follows, as it appears
    function: str | None = None
    answers: str | None = None  # for discussion replies: the author of the quoted text


@dataclass(frozen=True)
class Comment:
    """A reviewer's comment: a run of the writer's own lines.

    ``text`` holds every line verbatim. ``anchor`` is None for a general
    comment (before any quote, or after the commit-message part).
    ``quoted_text``: the quoted lines it follows (for discussion replies and
    for showing context). ``body_start`` is the 0-based body line index.
    """

    msgid: str
    author: str
    email: str
    date: str
    text: str
    body_start: int
    anchor: Anchor | None
    quoted_text: str = ""
    quoted_author: str | None = None

    @property
    def questions(self) -> tuple[str, ...]:
        """The sentences of the comment that end in ``?`` (:func:`find_questions`)."""
        return find_questions(self.text)


# a sentence ends after . ? or !, but not after an initial ("Kirill A. Shutemov")
SENTENCE_END_RE = re.compile(r"(?<=[.?!])(?<!\b[A-Z]\.)[\"')\]]*\s+")


def prose_paragraphs(text: str) -> list[str]:
    """The prose paragraphs of ``text`` (blank lines part them), each on
    one line: no quoted lines (">"), no code-like lines (ending in ``;``,
    ``{`` or ``}``), no diff lines."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        # Code a reviewer pastes ("x = a ? b : c;") asks nothing.
        lines = [ln for ln in para.split("\n")
                 if ln.strip() and not ln.lstrip().startswith(">") and not re.search(r"[;{}]\s*$", ln)
                 and not ln.startswith(("+", "-", "@@", "diff "))]
        if lines:
            out.append(" ".join(ln.strip() for ln in lines))
    return out


def find_questions(text: str) -> tuple[str, ...]:
    """The sentences of ``text`` that end in ``?``, whitespace collapsed.

    One owner for the overview's open questions and the versions stage's
    unanswered questions. Sentences run across line breaks: reviewers wrap
    mid-sentence ("does this give you some / sort of extra protection? I
    don't see how" in threads/seed-duyck-mlock-v16-16.txt). Paragraphs
    (blank lines) end sentences; quoted lines (">") and code-like lines are
    skipped (:func:`prose_paragraphs`).
    """
    out = []
    for para in prose_paragraphs(text):
        for sentence in SENTENCE_END_RE.split(para):
            sentence = sentence.strip()
            if sentence.rstrip("\"')]").endswith("?") and len(sentence) > 1:
                out.append(sentence)
    return tuple(out)


# --------------------------------------------------------------------------
# cmap


class ScopeKind(enum.Enum):
    FUNCTION = "function"
    STRUCT = "struct"
    MACRO = "macro"
    FILE = "file"  # file scope: declarations, globals


class FunctionStatus(enum.Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Function:
    """A function (or other scope) as seen on one side.

    ``start``/``end`` are 1-based line numbers on that side. ``complete`` is
    false when it was rebuilt from hunks and some lines were not visible.
    """

    name: str
    file: str
    side: Side
    start: int
    end: int
    kind: ScopeKind = ScopeKind.FUNCTION
    status: FunctionStatus = FunctionStatus.CHANGED
    complete: bool = True


class NodeKind(enum.Enum):
    ENTRY = "entry"
    EXIT = "exit"
    STATEMENT = "statement"  # an expression statement or declaration
    CONDITION = "condition"  # if / ?: condition; out edges TRUE and FALSE
    LOOP = "loop"  # loop head (for/while/do/iterator macro); TRUE enters body, FALSE leaves
    SWITCH = "switch"  # out edges CASE to each case label, DEFAULT
    LABEL = "label"  # goto target or case label
    GOTO = "goto"
    RETURN = "return"
    BREAK = "break"
    CONTINUE = "continue"


class EdgeKind(enum.Enum):
    NEXT = "next"
    TRUE = "true"
    FALSE = "false"
    BACK = "back"  # loop back edge
    CASE = "case"
    JUMP = "jump"  # goto, break, continue, return -> exit


@dataclass(frozen=True)
class CfgNode:
    """A statement of the function body.

    ``line`` is the side's 1-based line number where the statement starts.
    ``text`` is its source with whitespace collapsed. ``loop_depth`` counts
    the loops around it. ``ts_node`` is the tree-sitter node (not compared).
    """

    id: int
    kind: NodeKind
    line: int
    text: str
    loop_depth: int = 0
    label: str | None = None  # for LABEL and GOTO: the label name
    ts_node: Any = field(default=None, compare=False, repr=False, hash=False)


@dataclass(frozen=True)
class CfgEdge:
    src: int
    dst: int
    kind: EdgeKind = EdgeKind.NEXT


@dataclass(frozen=True)
class Cfg:
    """Control-flow graph of one function on one side."""

    function: str
    side: Side
    nodes: tuple[CfgNode, ...]  # nodes[i].id == i; nodes[0] is ENTRY, nodes[1] is EXIT
    edges: tuple[CfgEdge, ...]
    complete: bool = True  # false when built from a fragment with gaps
    # what reviewkit.cmap.graph derives from the edges (successors,
    # dominators, loops): computed on first use, kept with the graph it
    # describes, not part of its value
    derived: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    ENTRY = 0
    EXIT = 1


@dataclass(frozen=True)
class Window:
    """What the hunks show of a function known only in part.

    ``head``: its opening line is shown (the path starts where the function
    does); ``tail``: its closing brace is shown (falling off the last
    statement leaves the function). ``visible``: the side's line numbers
    the hunks show; a path that runs across lines not shown goes through
    code nobody saw.
    """

    head: bool
    tail: bool
    visible: frozenset[int]

    def gap_between(self, first: int, last: int) -> bool:
        """Some line strictly between ``first`` and ``last`` is not shown."""
        return any(n not in self.visible for n in range(first + 1, last))


@dataclass(frozen=True)
class FunctionView:
    """One side of a changed function: span, source text, CFG.

    ``window`` is None when the whole function is known (a tree's blob),
    else what the hunks show of it.
    """

    function: Function
    source: str  # the function's text on that side (gaps marked by a comment)
    cfg: Cfg | None
    parse_errors: tuple[int, ...] = ()  # lines where tree-sitter reported errors
    window: Window | None = None
    placed: int | None = None  # from a nearby tree, this many lines off the hunk headers

    @property
    def mode(self) -> str:
        """How the side is known: "exact" (the tree's own version),
        "placed" (a nearby version the hunks were found in) or "fragment"
        (only the lines the hunks show)."""
        if self.window is not None:
            return "fragment"
        return "exact" if self.placed is None else "placed"


@dataclass(frozen=True)
class ChangedFunction:
    """A function the patch touches, with both sides where they exist.

    ``added_lines``/``removed_lines`` are the new-side/old-side line numbers
    of the patch's ``+``/``-`` lines inside the function.
    """

    name: str
    file: str
    status: FunctionStatus
    old: FunctionView | None
    new: FunctionView | None
    added_lines: frozenset[int] = frozenset()
    removed_lines: frozenset[int] = frozenset()
    file_uses_cleanup: bool = False  # guard()/scoped_guard()/__free() seen in the file

    @property
    def mode(self) -> str:
        """The weaker of its sides' modes (see :attr:`FunctionView.mode`)."""
        modes = {v.mode for v in (self.old, self.new) if v is not None}
        return next((m for m in ("fragment", "placed", "exact") if m in modes), "fragment")

    @property
    def placed(self) -> int | None:
        """The offset a nearby tree's version of it stands at, when placed."""
        return next((v.placed for v in (self.old, self.new) if v is not None and v.placed is not None), None)


@dataclass(frozen=True)
class CodeMap:
    """What the code-map stage learned about one patch."""

    patch_msgid: str
    functions: tuple[ChangedFunction, ...]
    exact: bool  # built from a git tree's pre-image
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# rules


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 info, 1 warning, 2 error: ``a.rank >= b.rank`` is "at least as bad"."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Confidence(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


CATEGORIES = (
    "lock-pairing",
    "refcount-pairing",
    "get-put-placement",
    "unlock-path-merge",
    "lock-scope-change",
    "sleep-in-atomic",
    "error-path-cleanup",
    "irq-workaround",
    "spelling",
    "style",
    "patch-format",
)


@dataclass(frozen=True)
class Finding:
    rule: str  # "RK201"
    category: str  # one of CATEGORIES
    severity: Severity
    confidence: Confidence
    file: str
    function: str | None
    line: int | None  # new-side line
    message: str
    suggestion: str = ""
    rationale: str = ""  # why it matters
    msgid: str = ""  # the patch (or reply) it was found in
    # stable across line shifts and versions: rule, file, function and the
    # statement at the line (reviewkit/fingerprint.py); "" until stamped
    fingerprint: str = ""
    # every new-side line of the same cause (``line`` first): one leak on
    # each exit of a function is one finding (see rules.engine.merge_findings)
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Dismissed:
    """A finding the user dismissed as not a bug (``reviewkit dismiss``,
    ``.reviewkit-dismissed.toml``): counted, not shown."""

    finding: Finding
    reason: str


# --------------------------------------------------------------------------
# check: the pre-send checklist


class Status(enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckItem:
    """One line of the checklist: a check of one mail (or of the series).

    ``where``: ``"subject"``, ``"commit message line 4"``, ``"mm/mlock.c:333"``,
    ``"series"``. ``patch`` is the subject of the mail the item is about
    ("" for a series item). ``details`` holds every finding behind a warn or
    fail (the reason names the first), each ``"where: message (suggestion)"``;
    ``findings`` holds the findings themselves, ``places`` where each is.
    """

    name: str
    status: Status
    reason: str
    where: str
    patch: str = ""
    rule: str = ""
    details: tuple[str, ...] = ()
    suggestion: str = ""  # how to fix the first finding
    findings: tuple[Finding, ...] = ()
    places: tuple[str, ...] = ()  # where each finding is, as ``where`` says it


@dataclass(frozen=True)
class Checklist:
    """The checklist of an input: items, and what kept mails from it."""

    items: tuple[CheckItem, ...]
    errors: tuple[str, ...] = ()  # bad input: one line each
    warnings: tuple[str, ...] = ()  # what parsing had to guess
    patches: tuple[str, ...] = ()  # subjects, in input order
    dismissed: tuple[Dismissed, ...] = ()  # findings dismissed as not a bug: no item shows them

    @property
    def exit_code(self) -> int:
        """0 no item failed, 1 an item failed, 2 bad input (unreadable, no patch)."""
        if self.errors or not self.items:
            return 2
        return 1 if any(i.status is Status.FAIL for i in self.items) else 0

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding behind the items, in item order."""
        return tuple(f for i in self.items for f in i.findings)

    def count(self, status: Status) -> int:
        return sum(1 for i in self.items if i.status is status)


# --------------------------------------------------------------------------
# reading the records: facts every stage and renderer asks the same way


def normalise_statement(text: str) -> str:
    """``text`` with its whitespace collapsed: indentation, tabs against
    spaces and trailing blanks do not change a fingerprint
    (reviewkit/fingerprint.py), nor the statement a finding is matched by
    in the next version (the versions stage)."""
    return " ".join(text.split())


def find_line_text(patch: Patch | None, codemap: CodeMap | None, file: str, line: int | None) -> str:
    """The new-side text of ``file`` at ``line``: from the diff's lines,
    else from the code map's view of the function that holds it (a git tree
    gives whole functions); "" when neither shows the line."""
    if patch is None or line is None:
        return ""
    for fd in patch.files:
        if fd.path != file:
            continue
        for hunk in fd.hunks:
            for dl in hunk.lines:
                if dl.new_no == line and dl.kind != "-":
                    return dl.text
    for cf in codemap.functions if codemap is not None else ():
        view = cf.new
        if cf.file != file or view is None or not view.function.start <= line <= view.function.end:
            continue
        lines = view.source.split("\n")
        if line - view.function.start < len(lines):
            return lines[line - view.function.start]
    return ""


def _quoted_code(quoted: str) -> str:
    """A quoted diff line without its ``>`` markers and diff marker,
    whitespace collapsed (archive pages strip leading whitespace:
    threads/seed-duyck-mlock-v16-16.txt)."""
    s = quoted.lstrip()
    while s.startswith(">"):
        s = s[1:].lstrip(" ")
    if s[:1] in "+- ":
        s = s[1:]
    return " ".join(s.split())


def find_anchor_row(a: Anchor, files: Sequence[FileDiff], context: Sequence[str] = ()
                    ) -> tuple[int, int, int] | None:
    """(file index, hunk index, row index) of the diff line an anchor
    names in ``files``, or None.

    The line number on the anchor's side first (its own hunk first); else,
    with no number or one the diff does not have, the quoted line itself
    when it is unique in the file (or in the anchor's hunk), or when
    ``context`` (the quoted lines above it, last first) tells its places
    apart: the place whose rows above repeat most of them
    (``mutex_unlock(&st->lock);`` twice in one function, quoted under
    ``iio_trigger_notify_done()``: linux-pwm, "ad4692" v1 3/4).
    """
    if not a.file:
        return None
    target = a.file.removeprefix("a/").removeprefix("b/")
    cand_files = [i for i, f in enumerate(files) if target in (f.path, f.old_path, f.new_path)]
    want = _quoted_code(a.quoted) if a.quoted else ""
    for fi in cand_files:
        hunks = files[fi].hunks
        order = list(range(len(hunks)))
        if a.hunk is not None and 0 <= a.hunk < len(hunks):
            order.remove(a.hunk)
            order.insert(0, a.hunk)
        if a.line is not None:
            for hi in order:
                for ri, dl in enumerate(hunks[hi].lines):
                    num = dl.new_no if a.side is Side.NEW else dl.old_no
                    if num == a.line:
                        return fi, hi, ri
        if want:
            hits = [(hi, ri) for hi in order for ri, dl in enumerate(hunks[hi].lines)
                    if " ".join(dl.text.split()) == want]
            if len(hits) == 1 or (hits and a.hunk is not None and hits[0][0] == a.hunk):
                return fi, hits[0][0], hits[0][1]
            if len(hits) > 1 and context:
                want_above = [_quoted_code(q) for q in context]

                def agree(hit: tuple[int, int]) -> int:
                    rows = hunks[hit[0]].lines[:hit[1]][::-1]
                    return sum(1 for dl, q in zip(rows, want_above) if " ".join(dl.text.split()) == q)

                scored = sorted(((agree(h), h) for h in hits), reverse=True)
                if scored[0][0] > scored[1][0]:
                    return fi, scored[0][1][0], scored[0][1][1]
    return None
