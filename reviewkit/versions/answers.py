"""Which replies of the patch author answer which review comment, and how.

An author's comment answers a reviewer's comment when the text it follows
(the last quoted lines above it) is the reviewer's words; a reply that
quotes nothing of the reviewer's mail answers every comment of that mail
(a top-posted "Thanks, will fix"). Each answer is classified from its own
words (``cues.toml``, ``[answer]``): agree, disagree-or-explain, question;
the cue words that decided are its evidence.

One owner for "did the author answer it": the fates of this stage and the
overview's open questions (:func:`reviewkit.overview.build_overview`)
both read :func:`find_answers`.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

from reviewkit.model import Comment, Message, find_questions, same_person
from reviewkit.model.review import Answer, AnswerKind
from reviewkit.patch.anchors import quoted_tail
from reviewkit.patch.lines import normalise
from reviewkit.quotes.prefix import parse_quote_prefix
from reviewkit.versions.cues import find_cues, load_cues

# Code an author pastes into an answer (a diff, a function) says nothing
# about agreeing: "must", "keep" and "since" turn up in C comments.
# A line is code when it starts like a diff or a preprocessor line, or ends
# like a statement or a block (matched on the stripped line: linear time).
_CODE_START = re.compile(r"[+\-@]|#\s*\w")


def _is_code_line(line: str) -> bool:
    s = line.strip()
    return bool(_CODE_START.match(s)) or s.endswith((";", "{", "}"))

# Quoted text shorter than this (a "}" line) names no comment; a whole
# line of the comment may be shorter ("How many clocks?", spaces left out).
_MIN_QUOTE = 16
_MIN_LINE = 12


def classify_answer(text: str) -> tuple[AnswerKind, tuple[str, ...]]:
    """How an answer takes the comment, from its own words.

    Returns:
        (kind, cues): the first rule of ``cues.toml`` ``[answer]`` that
        applies, and the words that made it apply (empty when none did:
        an answer without agreement explains).
    """
    cues = load_cues()
    prose = "\n".join(line for line in text.split("\n") if not _is_code_line(line))
    agree = find_cues(prose, cues.agree, negations=cues.negations)
    if agree:
        return AnswerKind.AGREE, agree
    asked = find_questions(prose)
    question = find_cues(prose, cues.question)
    if asked or question:
        return AnswerKind.QUESTION, tuple(question) + tuple(asked)
    explain = find_cues(prose, cues.explain, negations=frozenset())
    if explain:
        return AnswerKind.DISAGREE, explain
    weak = find_cues(prose, cues.agree_weak, negations=cues.negations)
    if weak:
        return AnswerKind.AGREE, weak
    return AnswerKind.DISAGREE, ()


def combine_answers(answers: Sequence[Answer]) -> AnswerKind | None:
    """One kind for several answers to one comment (the author answered its
    paragraphs one by one, or came back later), in the order of
    :func:`classify_answer`: a firm agreement anywhere agrees; else a
    question asks; else an explanation explains; else a weak yes agrees."""
    if not answers:
        return None
    if any(a.kind is AnswerKind.AGREE and not all(_is_weak(c) for c in a.cues) for a in answers):
        return AnswerKind.AGREE
    if any(a.kind is AnswerKind.QUESTION for a in answers):
        return AnswerKind.QUESTION
    if any(a.kind is AnswerKind.DISAGREE for a in answers):
        return AnswerKind.DISAGREE
    return AnswerKind.AGREE


def _is_weak(cue: str) -> bool:
    return any(p.fullmatch(cue) for _, p in load_cues().agree_weak.patterns)


def _quoted_key(comment: Comment) -> tuple[str, str]:
    """The normalised quoted text right above ``comment`` (at least
    ``_MIN_QUOTE`` characters when the quote has them), and its last line
    alone ("", "" when it quotes nothing)."""
    lines = comment.quoted_text.split("\n")
    if not comment.quoted_text.strip():
        return "", ""
    depths = [parse_quote_prefix(x)[0] for x in lines]
    last = len(lines) - 1
    while last > 0 and not parse_quote_prefix(lines[last])[1].strip():
        last -= 1
    return normalise(quoted_tail(lines, depths, last)), normalise(parse_quote_prefix(lines[last])[1])


def _quotes_comment(key: str, last: str, c: Comment) -> bool:
    """The quote above an answer is ``c``'s words: the quoted text is in
    it, or the last quoted line is a line of it (a mailer that re-wrapped
    the quoted diff above puts its tail at the same depth: "> clock." over
    "> How many clocks?", linux-pwm, sifive PWM binding v2)."""
    if len(key) >= _MIN_QUOTE and key in normalise(c.text):
        return True
    return len(last) >= _MIN_LINE and any(normalise(line) == last for line in c.text.split("\n"))


def find_answers(tracked: Mapping[str, Sequence[tuple[Comment, str, str | None]]],
                 comments: Mapping[str, Sequence[Comment]], messages: Mapping[str, Message],
                 parents: Mapping[str, str]) -> dict[tuple[str, int], list[Answer]]:
    """The patch author's answers to each tracked review comment.

    Args:
        tracked: by message id, the review comments to find answers for,
            each with the name and address of the patch author it reviews.
        comments: every comment of the input, by message id.
        messages: every message, by id.
        parents: message id -> the id of the message it answers.

    Returns:
        ``(msgid, body_start)`` of a tracked comment -> its answers, in
        thread order (no entry when unanswered).
    """
    out: dict[tuple[str, int], list[Answer]] = {}
    own_lines: dict[str, set[str]] = {}  # msgid -> the normalised own lines of a tracked message
    for msgid, cs in comments.items():
        ancestors = list(_ancestors(msgid, parents))
        if not any(a in tracked for a in ancestors):
            continue
        msg = messages.get(msgid)
        for r in cs:
            key, last = _quoted_key(r)
            for a in ancestors:
                candidates = [(c, name, email) for c, name, email in tracked.get(a, ())
                              if same_person(r.author, r.email, name, email)]
                if not candidates:
                    continue
                hits = [c for c, _, _ in candidates if _quotes_comment(key, last, c)]
                if not hits and msg is not None and parents.get(msgid) == a:
                    # a reply that quotes nothing of the reviewer's mail
                    # answers all of it
                    mine = own_lines.setdefault(a, _own_lines(messages.get(a)))
                    if not _quotes_any(msg, mine):
                        hits = [c for c, _, _ in candidates]
                for c in hits:
                    kind, cues = classify_answer(r.text)
                    out.setdefault((c.msgid, c.body_start), []).append(
                        Answer(r.msgid, r.body_start, r.author, kind, cues, r.text))
                if hits:
                    break
    return out


def _ancestors(msgid: str, parents: Mapping[str, str]) -> Iterable[str]:
    seen = {msgid}
    cur = parents.get(msgid)
    while cur and cur not in seen:
        seen.add(cur)
        yield cur
        cur = parents.get(cur)


def _own_lines(msg: Message | None) -> set[str]:
    if msg is None:
        return set()
    found = {normalise(line) for b in msg.blocks if not b.depth for line in b.lines}
    return {s for s in found if len(s) >= 8}


def _quotes_any(msg: Message, lines: set[str]) -> bool:
    quoted = (normalise(parse_quote_prefix(line)[1]) for b in msg.blocks if b.depth for line in b.lines)
    return any(q in lines for q in quoted if len(q) >= 8)
