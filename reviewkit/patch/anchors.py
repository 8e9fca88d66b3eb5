"""Cut a reply into comments and anchor each one.

A comment is one run of the writer's own lines between quoted lines
(GROUND_TRUTH.md: "each run of non-quoted lines between quoted lines is one
block"), minus the attribution line that credits the next quote and minus
the ``-- `` signature. Every other non-blank line of the writer lands in
exactly one comment, verbatim.

Anchors:

- after a quoted diff line: ``Anchor(file, side, line, hunk, quoted)``,
  ``side`` OLD for a ``-`` line, NEW otherwise;
- after quoted text that is no diff line (commit message, cover letter,
  another reviewer's words): a *general* anchor,
  ``Anchor(file="", side=NEW, line=None, hunk=None, quoted=<line>)``, with
  ``answers`` naming who wrote the quoted text; when that text is a comment
  of the message answered (``parent_comments``), the anchor takes that
  comment's file, line and hunk, so an author's answer lands on the line
  the reviewer commented (``threads/mlock-v16-16.mbox``);
- before any quote: no anchor (``Comment.anchor`` is None).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from reviewkit.model import Anchor, BlockKind, Comment, DiffLine, Message, Patch, Side
from reviewkit.patch.lines import normalise
from reviewkit.quotes.prefix import parse_quote_prefix

# Run blocks that are no comment: who is quoted next, and the writer's
# signature. Trailers stay: a bare "Reviewed-by:" is what the writer said.
_NOT_COMMENT = frozenset({BlockKind.ATTRIBUTION, BlockKind.SIGNATURE})

# Quoted text this short ("}", "Thanks!") says too little to find the
# comment or diff line it came from.
_MIN_MATCH = 8


def build_line_index(patch: Patch | None) -> dict[int, tuple[str, int, DiffLine]]:
    """Map a body line index to (file path, hunk index, diff line)."""
    out: dict[int, tuple[str, int, DiffLine]] = {}
    if patch is None:
        return out
    for f in patch.files:
        for k, h in enumerate(f.hunks):
            for ln in h.lines:
                if ln.body_line is not None:
                    out[ln.body_line] = (f.path, k, ln)
    return out


def _diff_anchor(path: str, hunk: int, ln: DiffLine, quoted: str) -> Anchor:
    if ln.kind == "-":
        return Anchor(path, Side.OLD, ln.old_no, hunk, quoted)
    return Anchor(path, Side.NEW, ln.new_no, hunk, quoted)


def _find_diff_line(patch: Patch | None, text: str) -> tuple[str, int, DiffLine] | None:
    """The diff line of ``patch`` a re-quoted line repeats (kind and text)."""
    if patch is None or not text or text[0] not in "+- ":
        return None
    key = text[0] + normalise(text[1:])
    if len(key) < _MIN_MATCH:
        return None
    for f in patch.files:
        for k, h in enumerate(f.hunks):
            for ln in h.lines:
                if ln.kind + normalise(ln.text) == key:
                    return f.path, k, ln
    return None


def _find_parent(parents: Sequence[Comment], text: str) -> Comment | None:
    key = normalise(text)
    if len(key) < _MIN_MATCH:
        return None
    for c in parents:
        if key in normalise(c.text):
            return c
    return None


def quoted_tail(lines: list[str], depths: list[int], q: int) -> str:
    """The quoted text ending at line ``q``, long enough to be recognised.

    One short line ("> cases.", "> issue." in threads/mlock-v16-16.mbox)
    matches too much; the lines above it at the same depth make it specific.
    """
    parts: list[str] = []
    i = q
    while i >= 0 and depths[i] == depths[q]:
        text = parse_quote_prefix(lines[i])[1]
        if text.strip():
            parts.insert(0, text)
            if len(normalise(" ".join(parts))) >= 2 * _MIN_MATCH:
                break
        i -= 1
    return " ".join(parts)


def extract_comments(
    message: Message,
    *,
    quoted: Patch | None,
    original: Patch | None,
    parent_comments: tuple[Comment, ...] = (),
) -> tuple[Comment, ...]:
    """The writer's comments in ``message``, each anchored.

    Args:
        message: the reply.
        quoted: the patch rebuilt from its quote (:func:`rebuild_quoted`),
            whose lines carry body line indexes.
        original: the patch mail it answers, used to place re-quoted lines.
        parent_comments: the comments of the message it answers.

    Returns:
        One Comment per run of the writer's own lines, in body order; empty
        when the message has none. See the module docstring for anchors.
    """
    from reviewkit.quotes import comment_runs, split_blocks

    lines = message.body.split("\n")  # the indexing split_blocks uses
    depths = [parse_quote_prefix(x)[0] for x in lines]
    blocks = message.blocks or split_blocks(message)
    index = build_line_index(quoted)
    out: list[Comment] = []
    for run in comment_runs(message, blocks):
        keep = [k for b in run.blocks if b.kind not in _NOT_COMMENT
                for k in range(b.start, b.start + len(b.lines))]
        while keep and not lines[keep[0]].strip():
            keep.pop(0)
        while keep and not lines[keep[-1]].strip():
            keep.pop()
        if not keep:
            continue  # only an attribution, a signature or blank lines
        text = "\n".join(lines[k] for k in keep)
        q = run.anchor_line
        anchor: Anchor | None = None
        quoted_text = ""
        quoted_author = run.quoted_author
        if q is not None:
            qline = lines[q].strip()
            qtext = parse_quote_prefix(lines[q])[1]
            first = q
            while first > 0 and depths[first - 1]:
                first -= 1
            quoted_text = "\n".join(lines[first:q + 1]).strip("\n")
            hit = index.get(q)
            parent = None if hit else _find_parent(
                parent_comments, quoted_tail(lines, depths, q))
            if hit:
                anchor = _diff_anchor(hit[0], hit[1], hit[2], qline)
            elif parent is not None:
                quoted_author = parent.author
                base = parent.anchor or Anchor("", Side.NEW, None, None, qline)
                anchor = replace(base, quoted=qline, answers=parent.author)
            else:
                found = _find_diff_line(quoted, qtext) or _find_diff_line(original, qtext)
                if found:
                    anchor = _diff_anchor(found[0], found[1], found[2], qline)
                else:
                    anchor = Anchor("", Side.NEW, None, None, qline, answers=quoted_author)
        out.append(Comment(
            msgid=message.msgid,
            author=message.author,
            email=message.email,
            date=message.date,
            text=text,
            body_start=keep[0],
            anchor=anchor,
            quoted_text=quoted_text,
            quoted_author=quoted_author,
        ))
    return tuple(out)
