"""Rebuild the patch a reply quotes."""

from __future__ import annotations

from reviewkit.mail.subject import strip_reply_prefixes
from reviewkit.model import Message, Patch, PatchSource
from reviewkit.patch import lines as L
from reviewkit.quotes.prefix import parse_quote_prefix
from reviewkit.patch.align import align_patch
from reviewkit.patch.tolerant import DiffItem, GapKind, parse_diff_items


def find_diff_depth(body_lines: list[str]) -> int | None:
    """The quote depth that holds the quoted diff.

    A reply to a reply holds the patch at ``> >`` (``threads/mlock-v16-16.mbox``:
    Alex Shi answers Duyck, who quoted the patch). The depth with the most
    diff and hunk headers wins; the shallowest on a tie.

    Returns:
        The depth (1 or more), or None when no quoted line is a diff header.
    """
    counts: dict[int, int] = {}
    for line in body_lines:
        depth, text = parse_quote_prefix(line)
        if depth and (L.HUNK_HEADER.match(text) or L.DIFF_GIT.match(text)):
            counts[depth] = counts.get(depth, 0) + 1
    if not counts:
        # no header at all: the depth with the most added lines of code
        # (replies/062: the reviewer cut every header)
        for line in body_lines:
            depth, text = parse_quote_prefix(line)
            if depth and text.startswith("+") and not text.startswith("+++ ") and "\t" in text:
                counts[depth] = counts.get(depth, 0) + 1
        counts = {d: n for d, n in counts.items() if n >= 2}
    if not counts:
        return None
    return max(sorted(counts), key=lambda d: counts[d])


def build_quote_items(body_lines: list[str], depth: int) -> list[DiffItem]:
    """The lines quoted at ``depth``, with gaps where anything else interrupts."""
    items: list[DiffItem] = []
    for i, line in enumerate(body_lines):
        d, text = parse_quote_prefix(line)
        if d == depth:
            items.append(DiffItem(i, text))
        elif items and items[-1].gap is None:
            items.append(DiffItem(i, gap=GapKind.COMMENT))
    return items


def rebuild_quoted(message: Message, original: Patch | None = None) -> Patch | None:
    """Rebuild the diff a reply quotes (``source=QUOTED``).

    Numbers come from the quoted hunk headers; when ``original`` (the real
    patch of the thread) holds the same file and hunk, each quoted line
    takes the original's numbers instead.

    Args:
        message: the reply.
        original: the patch mail it answers, if the input holds it.

    Returns:
        The rebuilt Patch, with warnings where header counts and the quote
        disagree; None when the reply quotes no diff.
    """
    body_lines = message.body.split("\n")  # as split_blocks indexes
    depth = find_diff_depth(body_lines)
    if depth is None:
        return None
    items = build_quote_items(body_lines, depth)
    files, warnings = parse_diff_items(items)
    if not files:
        return None
    first_diff = next((it.index for it in items if it.text is not None
                       and (L.DIFF_GIT.match(it.text) or L.HUNK_HEADER.match(it.text))), 0)
    intro = [it.text for it in items if it.text is not None and it.index < first_diff]
    commit = "\n".join(intro).split("\n---\n", 1)[0].strip("\n")
    patch = Patch(
        msgid=message.msgid,
        source=PatchSource.QUOTED,
        # the reply is "Re: [PATCH ...]": the patch it quotes is "[PATCH ...]"
        subject=strip_reply_prefixes(message.subject),
        commit_message=commit,
        notes="",
        diffstat="",
        files=files,
        warnings=warnings,
        timestamp=message.timestamp,
    )
    if original is not None:
        patch = align_patch(patch, original)
    return patch
