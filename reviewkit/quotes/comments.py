"""Comment runs: the writer's own lines between quoted lines, with anchors.

The unit is the one GROUND_TRUTH.md ("Conventions") calls a comment block:
each run of non-quoted lines between quoted lines, numbered from 0 in body
order (the attribution before the first quote is usually run 0), with the
last non-empty quoted line before it as its anchor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from reviewkit.model import Block, BlockKind, Message
from reviewkit.quotes.prefix import parse_quote_prefix

# Lines that only say "I cut something here" ("..." in
# replies/062_leds-tlc5928-jaillet-missing-unlock.eml).
# Matched on the stripped line: blanks around the mark, left in the pattern
# as "^\s*" and "\s*$" beside "-*\s*snip", were rescanned from each blank.
_SNIP = re.compile(
    r"\.{3,}|…|\[\s*(?:\.{3,}|…|snip(?:ped)?|cut)\s*\]|<\s*(?:snip(?:ped)?|\.{3,})\s*>|-*\s*snip\s*-*",
    re.IGNORECASE,
)

_NOT_SUBSTANTIVE = frozenset({BlockKind.ATTRIBUTION, BlockKind.SIGNATURE, BlockKind.TRAILER, BlockKind.BLANK})


@dataclass(frozen=True)
class CommentRun:
    """One run of the writer's own lines (all unquoted blocks between quotes).

    Attributes:
        index: 0-based position among the runs of the body (GROUND_TRUTH's
            ``blk``). Runs of blank lines only are not runs and get no index.
        blocks: the run's blocks in order (TEXT, BLANK, ATTRIBUTION,
            TRAILER, SIGNATURE), never QUOTE.
        start: body line index of the run's first line; ``end`` is one past
            its last line.
        anchor: the last non-empty quoted line before the run, as it appears
            with its ``>`` markers, whitespace stripped; None when no quoted
            line precedes it (a top-post, the attribution).
        anchor_line: the anchor's body line index (None with ``anchor``).
        anchor_block: the QUOTE block holding the anchor (None with it).
        quotes: the QUOTE blocks between the previous run and this one
            (the quoted context the run answers; empty for run 0 of a
            body that opens with the writer's words).
        substantive: true when the run holds words beyond attributions,
            signatures, trailers, blank lines, snip marks ("...",
            "[...]", "<snip>") and closing lines ("Thanks,", the writer's
            name or initials): the runs GROUND_TRUTH lists.
    """

    index: int
    blocks: tuple[Block, ...]
    start: int
    end: int
    anchor: str | None
    anchor_line: int | None
    anchor_block: Block | None
    substantive: bool
    quotes: tuple[Block, ...] = ()

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line for b in self.blocks for line in b.lines)

    @property
    def text(self) -> str:
        """The run's lines, verbatim, joined with newlines."""
        return "\n".join(self.lines)

    @property
    def quoted_author(self) -> str | None:
        """Who wrote the anchor's text (the attribution chain's name)."""
        return self.anchor_block.credited_to if self.anchor_block else None


def is_snip_line(text: str) -> bool:
    """True for a line that only marks cut text: ``...``, ``[...]``, ``<snip>``."""
    return bool(_SNIP.fullmatch(text.strip()))


# Closing words of a mail ("Thanks,", "Regards,", "Cheers").
_CLOSING = re.compile(
    r"^(?:many |best |kind |warm )?(?:thanks|thank you|thx|regards|cheers|br|best|"
    r"sincerely|ciao|bye)\b[\s,.!]*(?P<rest>.*)$",
    re.IGNORECASE,
)


def _name_forms(author: str) -> set[str]:
    """The ways a writer signs: full name, first name, initials ("CJ")."""
    words = [w for w in re.split(r"[\s,]+", author.strip().strip('"')) if w]
    if not words:
        return set()
    forms = {" ".join(words).lower(), words[0].lower()}
    initials = "".join(w[0] for w in words if w[0].isalpha())
    if len(initials) >= 2:
        forms.add(initials.lower())
    return forms


def is_signoff_line(text: str, author: str) -> bool:
    """True for a closing line: "Thanks,", "Regards, Alex", "-- Alex", "CJ".

    A name counts only when it is the writer's (``author``): the full name,
    the first name or the initials, as in replies/062's closing "CJ".
    """
    t = text.strip().lstrip("-").strip()
    if not t:
        return True
    m = _CLOSING.match(t)
    if m:
        rest = m.group("rest").strip()
        return not rest or rest.lower().strip(".,!") in _name_forms(author)
    return t.lower().strip(".,!") in _name_forms(author)


def _substantive(blocks: Iterable[Block], author: str) -> bool:
    own = [
        line
        for b in blocks
        if b.kind not in _NOT_SUBSTANTIVE
        for line in b.lines
        if line.strip() and not is_snip_line(line)
    ]
    return any(not is_signoff_line(line, author) for line in own)


def comment_runs(message: Message, blocks: Iterable[Block] | None = None) -> tuple[CommentRun, ...]:
    """The writer's comment runs with their anchors, in body order.

    Args:
        message: the message; its ``blocks`` are used when ``blocks`` is None.
        blocks: ``split_blocks(message)``.

    Returns:
        One CommentRun per run of unquoted blocks holding a non-blank line.
        Every unquoted non-blank line of the body is in exactly one run.
        A patch mail split into patch parts (no QUOTE block) gives one run
        with no anchor. An empty tuple when the body is blank.
    """
    blocks = tuple(message.blocks if blocks is None else blocks)
    runs: list[CommentRun] = []
    current: list[Block] = []
    last_quote: tuple[int, Block] | None = None  # (line index, block)
    anchor_for_current: tuple[int, Block] | None = None
    pending_quotes: list[Block] = []  # QUOTE blocks since the last run
    quotes_for_current: tuple[Block, ...] = ()

    def flush() -> None:
        nonlocal current
        if current and any(line.strip() for b in current for line in b.lines):
            anchor_text = None
            a_line = a_block = None
            if anchor_for_current is not None:
                a_line, a_block = anchor_for_current
                anchor_text = a_block.lines[a_line - a_block.start].strip()
            runs.append(
                CommentRun(
                    index=len(runs),
                    blocks=tuple(current),
                    start=current[0].start,
                    end=current[-1].start + len(current[-1].lines),
                    anchor=anchor_text,
                    anchor_line=a_line,
                    anchor_block=a_block,
                    substantive=_substantive(current, message.author),
                    quotes=quotes_for_current,
                )
            )
            pending_quotes.clear()
        current = []

    for block in blocks:
        if block.kind is BlockKind.QUOTE:
            flush()
            pending_quotes.append(block)
            for k in range(len(block.lines) - 1, -1, -1):
                if parse_quote_prefix(block.lines[k])[1].strip():
                    last_quote = (block.start + k, block)
                    break
            continue
        if not current:
            anchor_for_current = last_quote
            quotes_for_current = tuple(pending_quotes)
        current.append(block)
    flush()
    return tuple(runs)
