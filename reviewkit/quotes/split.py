"""Split a message body into ordered blocks (see model.Block)."""

from __future__ import annotations

from typing import NamedTuple

from reviewkit.model import Block, BlockKind, Message, MessageKind
from reviewkit.quotes.attribution import attribution_span, is_outlook_start
from reviewkit.quotes.patchmail import is_signature_start, split_patch_lines
from reviewkit.quotes.prefix import parse_quote_prefix
from reviewkit.quotes.trailers import is_trailer_line


class _Line(NamedTuple):
    kind: BlockKind
    depth: int
    credited_to: str | None
    opens: bool = False  # starts a new block even when kind/depth/credit repeat


def body_lines(message: Message) -> list[str]:
    """The body's lines as every block index counts them: ``body.split("\\n")``.

    Not ``str.splitlines()``, which also cuts at ``\\x0b``, ``\\x0c``,
    ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029 inside a line
    (samples/patchwork/unknown-encoding.mbox has a ``\\x1c`` in its diff) and
    would shift every later index. A final newline gives a last empty line.
    """
    return message.body.split("\n")


def split_blocks(message: Message) -> tuple[Block, ...]:
    """Split ``message.body`` into blocks, in order, losing no line.

    Lines are ``message.body.split("\\n")``; ``Block.start`` indexes them.
    A PATCH message whose body holds a diff is split into COMMIT_MESSAGE,
    TRAILER, NOTES, DIFFSTAT, DIFF and SIGNATURE; every other message into
    TEXT, QUOTE (with its depth), ATTRIBUTION, SIGNATURE, TRAILER and BLANK.

    Quoted text is credited along the attribution chain: a depth-1 quote to
    the author named by the last depth-0 attribution, a depth-2 quote to the
    author named by the last attribution quoted at depth 1, and so on
    (None when no attribution names them). Unquoted text is credited to
    ``message.author``. After an Outlook ``-----Original Message-----``
    header, the unmarked text that follows is the quoted original: it is
    QUOTE at depth 1 plus its own ``>`` depth.

    Args:
        message: a decoded message.

    Returns:
        The blocks; a single BLANK block for an empty body. The concatenated
        lines of the blocks always equal the body's lines (checked; a
        mismatch is a bug and raises AssertionError).
    """
    lines = body_lines(message)
    marks = None
    if message.kind is MessageKind.PATCH:
        kinds = split_patch_lines(lines)
        if kinds is not None:
            marks = [_Line(k, 0, message.author or None) for k in kinds]
            _mark_quotes_in_notes(lines, marks, message.author or None)
    if marks is None:
        marks = _classify(lines, message.author or None)
    blocks = _group(lines, marks)
    check_blocks(lines, blocks)
    return blocks


def check_blocks(lines: list[str], blocks: tuple[Block, ...]) -> None:
    """Assert the no-loss invariant: every line in exactly one block, in order."""
    flat = [line for b in blocks for line in b.lines]
    if flat != lines:
        raise AssertionError("quotes: blocks do not reproduce the body")
    pos = 0
    for b in blocks:
        if b.start != pos or not b.lines:
            raise AssertionError(f"quotes: block at {b.start} should start at {pos}")
        pos += len(b.lines)


def _group(lines: list[str], marks: list[_Line]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    start = 0
    for i in range(1, len(lines) + 1):
        if i < len(lines):
            a, b = marks[i - 1], marks[i]
            if not b.opens and (a.kind, a.depth, a.credited_to) == (b.kind, b.depth, b.credited_to):
                continue
        m = marks[start]
        blocks.append(Block(m.kind, start, tuple(lines[start:i]), m.depth, m.credited_to))
        start = i
    return tuple(blocks)


def _mark_quotes_in_notes(lines: list[str], marks: list[_Line], author: str | None) -> None:
    """Notes after ``---`` that quote a reviewer keep their quotes.

    Patch authors answer review below the ``---`` line (linux-pwm: Uwe
    Kleine-König's v2 postings quote the v1 review there). Such a notes run
    is split like a reply; its own text stays NOTES.
    """
    n = len(lines)
    i = 0
    while i < n:
        if marks[i].kind not in (BlockKind.NOTES, BlockKind.BLANK):
            i += 1
            continue
        j = i
        while j < n and marks[j].kind in (BlockKind.NOTES, BlockKind.BLANK):
            j += 1
        if any(marks[k].kind is BlockKind.NOTES for k in range(i, j)) and any(
            lines[k].startswith(">") for k in range(i, j)
        ):
            for k, m in enumerate(_classify(lines[i:j], author)):
                if m.kind is BlockKind.TEXT:
                    m = _Line(BlockKind.NOTES, 0, author, opens=m.opens)
                marks[i + k] = m
        i = j


def _classify(lines: list[str], author: str | None) -> list[_Line]:
    """One mark per line of a reply-like body (see :func:`split_blocks`)."""
    n = len(lines)
    marks: list[_Line | None] = [None] * n
    names: dict[int, str | None] = {}  # depth -> who wrote text quoted at that depth
    base = 0  # extra depth for Outlook's unmarked quoted original
    in_sig = False
    i = 0
    while i < n:
        line = lines[i]
        raw_depth, text = parse_quote_prefix(line)
        depth = raw_depth + base
        if depth == 0 and in_sig:
            count, _ = attribution_span(lines, i)
            if count == 0:
                marks[i] = _Line(BlockKind.SIGNATURE, 0, author)
                i += 1
                continue
        in_sig = False
        count, name = attribution_span(lines, i)
        if count:
            outlook = is_outlook_start(lines, i)
            new_depth = depth + 1
            # a new attribution starts a new chain below its own depth
            for d in [d for d in names if d >= new_depth]:
                del names[d]
            names[new_depth] = name or None
            if depth == 0:
                for k in range(count):
                    marks[i + k] = _Line(BlockKind.ATTRIBUTION, 0, author, opens=(k == 0))
            else:
                for k in range(count):
                    marks[i + k] = _Line(BlockKind.QUOTE, depth, names.get(depth))
            if outlook and raw_depth == 0:
                base += 1
            i += count
            continue
        if depth > 0:
            marks[i] = _Line(BlockKind.QUOTE, depth, names.get(depth))
        elif not line.strip():
            marks[i] = _Line(BlockKind.BLANK, 0, author)
        elif is_signature_start(lines, i):
            in_sig = True
            marks[i] = _Line(BlockKind.SIGNATURE, 0, author, opens=True)
        elif is_trailer_line(line):
            marks[i] = _Line(BlockKind.TRAILER, 0, author)
        else:
            marks[i] = _Line(BlockKind.TEXT, 0, author)
        i += 1
    out = [m for m in marks if m is not None]
    assert len(out) == n
    return _fold_empty_quotes(lines, out)


def _fold_empty_quotes(lines: list[str], marks: list[_Line]) -> list[_Line]:
    """An empty quoted line between two deeper quoted lines joins them.

    ``> > a`` / ``>`` / ``> > b``: the bare ``>`` is the quoting mailer's
    paragraph break inside the deeper quote, not a depth-1 quote of its own.
    """
    n = len(marks)
    out = list(marks)
    for i in range(1, n - 1):
        m = marks[i]
        if m.kind is not BlockKind.QUOTE or parse_quote_prefix(lines[i])[1].strip():
            continue
        prev, nxt = out[i - 1], marks[i + 1]
        if (
            prev.kind is BlockKind.QUOTE
            and nxt.kind is BlockKind.QUOTE
            and prev.depth > m.depth
            and nxt.depth > m.depth
        ):
            out[i] = prev
    return out
