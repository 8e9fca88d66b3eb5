"""Quote markers: how deep a line is quoted and what follows the markers."""

from __future__ import annotations

import functools


# Every stage after the split asks again about the same lines (33,777 calls
# for 3,214 lines over tests/data/corpus/threads/lru-lock-v16.mbox).
@functools.lru_cache(maxsize=65536)
def parse_quote_prefix(line: str) -> tuple[int, str]:
    """Count the quote markers at the start of ``line``.

    Markers are ``>`` characters, each optionally followed by ONE space
    before the next ``>``: ``>``, ``> >``, ``>>``, ``> >>``, ``>>>`` all
    count. After the last marker ONE optional space is dropped; the rest is
    returned exactly, leading whitespace included, because a quoted diff
    line's leading space or tab is the diff's own (Thunderbird quotes
    `` \\tint order`` as ``>   \\tint order``:
    samples/lists/lkml-thp-sysfs-lock-review.mbox).

    Args:
        line: one body line, without its line end.

    Returns:
        ``(depth, text)``; ``(0, line)`` when the line is not quoted. A bare
        ``>`` gives ``(1, "")``.
    """
    depth = 0
    i = 0
    n = len(line)
    while i < n and line[i] == ">":
        depth += 1
        i += 1
        # "> >" nests; "> " followed by anything else is the quoted text.
        if i + 1 < n and line[i] == " " and line[i + 1] == ">":
            i += 1
    if depth == 0:
        return 0, line
    if i < n and line[i] == " ":
        i += 1
    return depth, line[i:]


def quote_depth(line: str) -> int:
    """The quote depth of ``line`` (0 when not quoted)."""
    return parse_quote_prefix(line)[0]
