"""The fate of each review comment and finding of vN in vN+1, with evidence.

A comment is about the lines it follows (the line it is anchored to, the
three diff lines above it and the one below); about its function when it
says so ("this function") or follows the author's words rather than a line
of code; about the commit message when it follows a line
of it; about the patch as a whole when it names the
patch as a unit ("this patch", "patch 19", "split", "squash"); about the
commit message when it asks for words ("document", "changelog"); see
``cues.toml`` ``[scope]``. Comments on a cover letter are about no code.

- *changed*: the range-diff of the patch touches what the comment is about:
  a ``+``/``-`` line of its window added, removed or altered, or other
  lines put around them; for the patch, a part of it taken out or brought
  in, or the patch a comment names ("patch 18") changing the function; for
  a comment that quotes no code at all, the patch's diff or title (or,
  when it carries code of its own, vN+1 holding at least half of it); for
  words, the commit message rewritten; for the commit-message lines it
  follows (Kirill Shutemov's "s/soem/some/" on v16 07/22), those lines
  rewritten; for a function, its changed lines differ. A comment whose line
  the diff does not show is judged by its function, else by its file.
- *moot*: the patch was dropped, or vN+1 removes the function.
- *answered*: unchanged, and the patch author replied to it
  (:mod:`reviewkit.versions.answers`).
- *open*: unchanged and unanswered.

A finding is matched in vN+1 by rule, file, function and the statement it
is on (whitespace collapsed), never by line number: still there, or fixed.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from reviewkit.model import (
    Anchor,
    CodeMap,
    Comment,
    Finding,
    FunctionStatus,
    Patch,
    Side,
    find_anchor_row,
    find_line_text,
    normalise_statement,
)
from reviewkit.model.review import (
    Answer,
    AnswerKind,
    CommentFate,
    CommentScope,
    Fate,
    FindingFate,
    FindingStatus,
    FunctionDelta,
    LinkKind,
    PatchLink,
    Verdict,
)
from reviewkit.patch.lines import normalise
from reviewkit.quotes.comments import is_signoff_line, is_snip_line
from reviewkit.quotes.prefix import parse_quote_prefix
from reviewkit.quotes.trailers import is_trailer_line
from reviewkit.versions.answers import combine_answers
from reviewkit.versions.cues import CueList, find_cues, load_cues
from reviewkit.versions.rangediff import FileAlignment, significant

# The window of a comment: its line, the rows above it, the rows below.
ABOVE, BELOW = 3, 1
EVIDENCE_LINES = 8  # range-diff lines quoted as evidence, at most

# A line of code in a comment: a statement, a block opening, a keyword
# line, a preprocessor line (Duyck's "if (clearlru) {" sketch in
# threads/mlock-v16-16.mbox, his get_page_unless_zero_or_nonlru() in v16 15/22).
# (matched on the stripped line, so that a long run of blanks takes linear time)
_CODE_START = re.compile(r"(?:if|else|for|while|return|static|struct|switch|case|goto)\b|#\s*\w")


def _is_code(line: str) -> bool:
    s = line.strip()
    return bool(_CODE_START.match(s)) or s.endswith((";", "{"))

MIN_CODE = 6  # characters, whitespace removed: "}" or "x;" suggests nothing


def _matches(line: str, cues: CueList) -> bool:
    return any(p.search(line) for _, p in cues.patterns)


def is_review_comment(c: Comment) -> bool:
    """Whether a comment says something to act on in the next version.

    Not: a comment made only of greetings, closings, trailers
    ("Reviewed-by: ..." alone is a trailer, kept apart), cut marks and
    patchwork-bot commands; a bot's footer under a ``---`` line; a note that
    the version was applied or queued (``cues.toml`` ``[comment]``).
    """
    cues = load_cues()
    lines = c.text.split("\n")
    for k, line in enumerate(lines):
        if k and _matches(line, cues.footer) and not any(x.startswith(("diff --git", "@@")) for x in lines[k:]):
            lines = lines[:k]
            break
    said = [line for line in lines
            if line.strip() and not is_snip_line(line) and not is_trailer_line(line.strip())
            and not is_signoff_line(line, c.author) and not _matches(line, cues.greeting)
            and not _matches(line, cues.closing) and not _matches(line, cues.command)]
    return bool(said) and not _matches(said[0], cues.acknowledgement)


def suggested_code(text: str) -> list[str]:
    """The code lines a comment carries, normalised: the ``+`` lines of a
    diff it holds, and lines shaped like C; ``-`` lines are what it wants
    gone and count not."""
    out = []
    for line in text.split("\n"):
        s = line.rstrip()
        if s.startswith("+") and not s.startswith("+++"):
            s = s[1:]
        elif s.startswith(("-", "@@", ">")):
            continue
        if _is_code(s) and len(n := normalise(s)) >= MIN_CODE:
            out.append(n)
    return out


def _new_side(patch: Patch) -> set[str]:
    return {normalise(dl.text) for f in patch.files for h in f.hunks for dl in h.lines if dl.kind != "-"}


class Located:
    """Where a comment sits in the alignment of its file: the row position
    in the vN rows and the window around it."""

    def __init__(self, al: FileAlignment, pos: int) -> None:
        self.al, self.pos = al, pos
        hunk = al.old[pos].hunk
        rows = [k for k, r in enumerate(al.old) if r.hunk == hunk and r.line is not None]
        self.lo = max(rows[0], pos - ABOVE)
        self.hi = min(rows[-1], pos + BELOW)

    def changes(self) -> list[str]:
        """The range-diff lines of the differences touching the window."""
        out: list[str] = []
        for op in self.al.opcodes:
            tag, i1, i2, j1, j2 = op
            if not significant(self.al, op):
                continue
            touches = (i1 <= self.hi and i2 > self.lo) if i1 < i2 else (self.lo <= i1 <= self.hi + 1)
            if touches:
                out += ["-" + r.shown for r in self.al.old[i1:i2]] + ["+" + r.shown for r in self.al.new[j1:j2]]
        return out

    def target(self, side: Side) -> Anchor | None:
        """The vN+1 line the comment now belongs under: the one its own line
        became, else the nearest unchanged line above it in the window."""
        for k in range(self.pos, self.lo - 1, -1):
            j = self.al.became(k) if k == self.pos else self.al.new_for(k)
            if j is None:
                continue
            row = self.al.new[j]
            if row.line is None:
                continue
            dl = row.line
            use = Side.OLD if side is Side.OLD and dl.kind == "-" else Side.NEW
            line = dl.old_no if use is Side.OLD else dl.new_no
            return Anchor(self.al.path, use, line, row.hunk, row.shown, row.function)
        return None


def locate(c: Comment, patch: Patch, alignments: Mapping[str, FileAlignment]) -> Located | None:
    if c.anchor is None or not c.anchor.file:
        return None
    above = [line for line in c.quoted_text.split("\n")[:-1] if parse_quote_prefix(line)[1].strip()][::-1]
    hit = find_anchor_row(c.anchor, patch.files, above)
    if hit is None:
        return None
    fi, hi, ri = hit
    al = alignments.get(patch.files[fi].path)
    if al is None:
        return None
    pos = next((k for k, r in enumerate(al.old) if r.hunk == hi and r.row == ri), None)
    return Located(al, pos) if pos is not None else None


def comment_scope(c: Comment, old: Patch | None) -> tuple[CommentScope, tuple[str, ...]]:
    """What a comment is about, and the cue words that say so."""
    if old is None:
        return CommentScope.GENERAL, ()
    cues = load_cues()
    named = find_cues(c.text, cues.scope_patch)
    if c.anchor is None or not c.anchor.file:
        quoted = parse_quote_prefix(c.anchor.quoted)[1].strip() if c.anchor is not None else ""
        # under the Signed-off-by (the end of the commit message, before the
        # diff) a comment is on the patch, not on that line
        if quoted and not is_trailer_line(quoted) and message_line(quoted, old) is not None:
            return CommentScope.MESSAGE, named
        return CommentScope.PATCH, named
    if named:
        return CommentScope.PATCH, named
    function = find_cues(c.text, cues.scope_function)
    if function and c.anchor.function:
        return CommentScope.FUNCTION, function
    if c.anchor.answers and c.anchor.function:
        # it follows the author's words, not a line of code: the line is
        # the one the discussion started on, the subject its function
        # (Uwe Kleine-König on the period check of raspberrypi_pwm_apply()
        # that v2 of "pwm: Add Raspberry Pi Firmware based PWM bus" added)
        return CommentScope.FUNCTION, ()
    return CommentScope.LINE, ()


def _message_lines(text: str) -> list[str]:
    return [normalise(line) for line in text.split("\n")]


def message_line(quoted: str, patch: Patch | None) -> int | None:
    """The index of the commit-message line of ``patch`` a quoted line
    repeats (at least ``MIN_CODE`` characters), or None."""
    if patch is None:
        return None
    want = normalise(parse_quote_prefix(quoted)[1])
    if len(want) < MIN_CODE:
        return None
    lines = _message_lines(patch.commit_message)
    return lines.index(want) if want in lines else None


def _label(version: int, index: int | None, total: int | None) -> str:
    return f"v{version} {index}/{total}" if index is not None and total else f"v{version}"


def _excerpt(lines: Sequence[str]) -> list[str]:
    out = ["    " + line for line in lines[:EVIDENCE_LINES]]
    if len(lines) > EVIDENCE_LINES:
        out.append(f"    ... {len(lines) - EVIDENCE_LINES} more lines of range-diff")
    return out


def _removed_function(cm_old: CodeMap | None, cm_new: CodeMap | None, file: str, name: str) -> bool:
    """vN+1 removes the function vN kept."""
    if cm_new is None:
        return False
    gone = any(cf.file == file and cf.name == name and cf.status is FunctionStatus.REMOVED for cf in cm_new.functions)
    was = cm_old is not None and any(cf.file == file and cf.name == name and cf.status is FunctionStatus.REMOVED
                                     for cf in cm_old.functions)
    return gone and not was


def comment_fate(c: Comment, *, link: PatchLink | None, posting: str, successor: str | None,
                 old_version: int, new_version: int, old_total: int | None, new_total: int | None,
                 old: Patch | None, new: Patch | None, alignments: Mapping[str, FileAlignment],
                 answers: Sequence[Answer], codemaps: Mapping[str, CodeMap],
                 siblings: Mapping[int, PatchLink] = {}) -> CommentFate:
    """The fate of one reviewer comment on vN (see the module docstring).

    Args:
        c: the comment.
        link: the link of the vN patch it reviews (None for a cover letter).
        posting, successor: the vN posting it reviews and the one that
            follows it (None when there is none).
        old, new: the two patches (None for a cover letter, or no successor).
        alignments: the two patches' files aligned (empty without both).
        answers: the patch author's answers to it.
        codemaps: code maps by patch Message-ID.
        siblings: the links of the other vN patches, by their number, for
            a comment that names one ("patch 18").
    """
    on_patch = old is not None
    scope, scope_cues = comment_scope(c, old)
    questions = c.questions
    evidence: list[str] = []
    if link is not None:
        here = _label(old_version, link.old_index, old_total)
        if successor is None:
            evidence.append(f"{here} has no successor: {link.kind.value}, {link.reason}")
        else:
            how = link.reason if link.kind is LinkKind.SAME_TITLE else f"{link.kind.value}: {link.reason}"
            evidence.append(f"{here} -> {_label(new_version, link.new_index, new_total)} ({how})")
    if scope is CommentScope.PATCH:
        evidence.append("about the patch as a whole" + (f" ({', '.join(repr(s) for s in scope_cues)})"
                                                         if scope_cues else " (no line of code quoted)"))
    elif scope is CommentScope.FUNCTION:
        evidence.append(f"about the whole function ({', '.join(repr(s) for s in scope_cues)})" if scope_cues else
                        f"about its function: it answers {c.anchor.answers if c.anchor else 'the author'}'s words, "
                        "not a line of code")
    elif scope is CommentScope.GENERAL:
        evidence.append("about no code (a comment on the cover letter or the thread)")

    kind = combine_answers(answers)
    for a in answers:
        cue = f": {', '.join(repr(s) for s in a.cues[:4])}" if a.cues else ": no cue word, an explanation"
        evidence.append(f"{a.author or 'the author'} answered ({a.kind.value}{cue})")

    changed = False
    moot = False
    target = None
    suggested = found = 0
    located = locate(c, old, alignments) if old is not None and new is not None else None
    fn = c.anchor.function if c.anchor is not None else None
    if on_patch and new is None:
        moot = True
    elif on_patch and new is not None:
        assert old is not None and link is not None
        rd = link.range_diff
        if located is not None:
            target = located.target(c.anchor.side if c.anchor else Side.NEW)
            lines = located.changes()
            if lines:
                changed = True
                evidence.append(f"v{new_version} changes the lines it follows:")
                evidence += _excerpt(lines)
            else:
                evidence.append(f"v{new_version} has the lines it follows unchanged")
        elif c.anchor is not None and c.anchor.file:
            evidence.append("its line is not in the diff; judged by its function and the patch")
        if fn and c.anchor is not None and _removed_function(codemaps.get(old.msgid), codemaps.get(new.msgid),
                                                             c.anchor.file, fn):
            moot = True
            evidence.append(f"v{new_version} removes {fn}()")
        if rd is not None and not changed and fn and (scope is CommentScope.FUNCTION or located is None):
            delta = next((f.delta for f in rd.functions if f.name == fn), None)
            if delta in (FunctionDelta.CHANGED, FunctionDelta.DROPPED):
                changed = True
                evidence.append(f"v{new_version} changes {fn}() ({delta.value})")
        if not changed and fn and scope is CommentScope.PATCH:
            # "patch 18 probably should have ordered this the same way"
            # (Duyck on v16 19/22): the patch it names changed the function
            for n in sorted({int(d) for cue in scope_cues for d in re.findall(r"\d+", cue)} - {link.old_index}):
                other = siblings.get(n)
                if other is None or other.range_diff is None:
                    continue
                delta = next((f.delta for f in other.range_diff.functions
                              if f.name == fn and f.delta is not FunctionDelta.SAME), None)
                if delta is not None:
                    changed = True
                    evidence.append(f"the patch it names, {_label(old_version, n, old_total)} -> "
                                    f"{_label(new_version, other.new_index, new_total)}, changes {fn}() ({delta.value})")
                    break
        if not changed and located is None and c.anchor is not None and c.anchor.file and scope is not \
                CommentScope.PATCH and not fn:
            # its line is not in the diff, nor its function: its file is what is known
            al = alignments.get(c.anchor.file.removeprefix("a/").removeprefix("b/"))
            if al is not None and any(significant(al, op) for op in al.opcodes):
                changed = True
                evidence.append(f"v{new_version} changes {al.path}")
        code = [x for x in suggested_code(c.text) if x not in _new_side(old)]
        if code:
            suggested, found = len(code), sum(1 for x in code if x in _new_side(new))
        if rd is not None and not changed and scope is CommentScope.PATCH and (c.anchor is None or not c.anchor.file):
            # it quotes no line of code: the code it is about is the patch,
            # or, when it carries code, that code
            if code:
                if 2 * found >= suggested:
                    changed = True
                    evidence.append(f"it quotes no code but carries some: v{new_version} has {found} of its "
                                    f"{suggested} lines")
            elif link.kind is LinkKind.RENAMED:
                changed = True
                evidence.append(f"v{new_version} renames the patch: '{link.new_title}'")
            elif not rd.same:
                changed = True
                evidence.append(f"it quotes no code: the patch is what it is about, and v{new_version} changes "
                                f"its diff ({len(rd.lines)} lines of range-diff)")
        whole = scope is CommentScope.PATCH or bool(scope_cues and scope is CommentScope.MESSAGE)
        if rd is not None and not changed and whole and rd.hunks_moved:
            changed = True
            evidence.append(f"{rd.hunks_moved} part{'s' if rd.hunks_moved != 1 else ''} of the patch "
                            f"{'were' if rd.hunks_moved != 1 else 'was'} taken out, brought in or rewritten:")
            evidence += _excerpt(rd.lines)
        if scope is CommentScope.MESSAGE and c.anchor is not None:
            k = message_line(c.anchor.quoted, old)
            before = _message_lines(old.commit_message)
            after = set(_message_lines(new.commit_message))
            gone = [x for x in before[max(0, (k or 0) - ABOVE):(k or 0) + BELOW + 1] if x and x not in after]
            if gone:
                changed = True
                evidence.append(f"v{new_version} rewrites the commit message lines it follows:")
                evidence += _excerpt([line for line in (rd.commit_message if rd else ()) if line[:1] in "+-"])
            else:
                evidence.append(f"v{new_version} has the commit message lines it follows unchanged")
        if code:
            evidence.append(f"it carries {suggested} line{'s' if suggested != 1 else ''} of code; "
                            f"v{new_version} has {found} of them")
        words = find_cues(c.text, load_cues().scope_words)
        if rd is not None and not changed and words and rd.commit_message:
            changed = True
            evidence.append(f"it asks for words ({', '.join(repr(s) for s in words)}) and "
                            f"v{new_version} rewrites the commit message:")
            evidence += _excerpt([line for line in rd.commit_message if line[:1] in "+-"])

    if moot:
        fate, verdict = Fate.MOOT, Verdict.MOOT
    elif changed:
        fate, verdict = Fate.CHANGED, Verdict.ADDRESSED
    elif answers:
        fate, verdict = Fate.ANSWERED, Verdict.ANSWERED
        if kind is AnswerKind.AGREE and on_patch:
            evidence.append("the author agreed, but the code it is about is unchanged")
    else:
        fate, verdict = Fate.OPEN, Verdict.OPEN
    return CommentFate(
        comment=c, patch=posting, successor=successor, old_version=old_version, new_version=new_version,
        scope=scope, fate=fate, verdict=verdict, changed=changed, answer=kind, answers=tuple(answers),
        questions=questions, evidence=tuple(evidence), target=target, suggested=suggested,
        suggested_found=found)


# --------------------------------------------------------------------------
# findings


def finding_fates(findings: Sequence[Finding], old: Patch, old_map: CodeMap | None, new: Patch | None,
                  successor: str | None, new_findings: Sequence[Finding]) -> list[FindingFate]:
    """Each finding of ``old`` matched in ``new`` by its fingerprint (rule,
    file, function and the statement at its line, not the line number:
    reviewkit/fingerprint.py): still there, fixed, or moot (no successor)."""
    later: dict[str, Finding] = {}
    for g in new_findings:
        if g.fingerprint:
            later.setdefault(g.fingerprint, g)
    out = []
    for f in findings:
        statement = normalise_statement(find_line_text(old, old_map, f.file, f.line)) if f.file else ""
        if new is None:
            out.append(FindingFate(f, old.msgid, None, FindingStatus.MOOT, statement))
            continue
        now = later.get(f.fingerprint) if f.fingerprint else None
        out.append(FindingFate(f, old.msgid, successor, FindingStatus.STILL if now else FindingStatus.FIXED,
                               statement, now))
    return out
