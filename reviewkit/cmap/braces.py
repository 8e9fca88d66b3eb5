"""Reading C text that lost lines or its indentation: brace depths per line
(comments, strings and characters skipped), whether the indentation
survived, where a block closes, and the comment repairs that let a run of
shown lines parse on its own.

Archives strip the leading whitespace of context lines (the seed page), and
a hunk may start or end inside a block comment; the code map judges
function spans and rebuilds fragments with these.
"""

from __future__ import annotations

import re

from reviewkit.cmap.sources import GAP_MARKER

# a label at column 0 inside a body (`putback:`, 119_v16-18-22 mm/mlock.c)
LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*:\s*(?:/[*/].*)?$")

# what brace_deltas stops at: the rest of a line is skipped in one search
_SPECIAL = {
    pair: re.compile("[" + re.escape(pair) + "\"'/]") for pair in ("{}", "()")
}


def brace_deltas(lines: list[str], pair: str = "{}") -> list[tuple[int, int]]:
    """Per line: (lowest brace depth reached relative to the line's start,
    depth change over the line), skipping comments, strings and chars.
    Block comments spanning lines are followed. ``pair`` is the opening and
    closing character counted: ``"()"`` gives parenthesis depths."""
    out = []
    in_comment = False
    opener = pair[0]
    special = _SPECIAL[pair].search  # jump from one character that matters to the next
    for line in lines:
        depth = low = 0
        i, n = 0, len(line)
        while i < n:
            if in_comment:
                end = line.find("*/", i)
                if end < 0:
                    break
                in_comment = False
                i = end + 2
                continue
            m = special(line, i)
            if m is None:
                break
            i = m.start()
            ch = line[i]
            if ch == "/":
                if line.startswith("/*", i):
                    in_comment = True
                    i += 2
                    continue
                if line.startswith("//", i):
                    break
            elif ch == "\"" or ch == "'":
                j = i + 1
                while j < n and line[j] != ch:
                    j += 2 if line[j] == "\\" else 1
                i = j + 1
                continue
            elif ch == opener:
                depth += 1
            else:
                depth -= 1
                low = min(low, depth)
            i += 1
        out.append((low, depth))
    return out


def is_indented(lines: list[str]) -> bool:
    """Whether the lines kept their indentation. Archives strip it
    (tests/data/corpus/seed-duyck-mlock-v16-16.txt: context lines at
    column 0, ``+``/``-`` lines one space in), so one space does not count."""
    # the cheap test first: a side rebuilt from the hunks is mostly blank
    # lines up to the hunks' numbers (thousands for mm/vmscan.c)
    return any(ln.startswith(("\t", "  ")) and is_code(ln) for ln in filter(None, lines))


def unindented_body(lines: list[str]) -> bool:
    """Whether code lines sit at column 0 inside braces opened in ``lines``:
    a sign the indentation was stripped even if one line kept some."""
    level = 0
    for ln, (_low, delta) in zip(lines, brace_deltas(lines)):
        if level > 0 and is_code(ln) and not LABEL.match(ln) and not ln.startswith(("}", "{", " ", "\t")):
            return True
        level = max(0, level + delta)
    return False


def function_end(lines: list[str], first: int, indented: bool, depth: int | None = None) -> tuple[int | None, bool]:
    """Where a block whose opening is above ``lines`` closes (numbered
    from ``first``) and whether a brace closes it: (None, True) when it does
    not close in them; (line, False) for a ``)`` at column 0, the end of a
    macro call such as ``TRACE_EVENT(...)`` (105_v16-04-22,
    include/trace/events/compaction.h), not of a function.

    Kernel style closes a function with a ``}`` at column 0, so with the
    indentation kept that line is the end (a ``}`` deeper in only closes a
    block: 102_v16-01-22's hunk at mm/vmscan.c:1883 starts three blocks
    deep). Without indentation, the end is where the brace depth first
    reaches its lowest point; when ``depth``, the depth the lines start at
    (the body's own level is 1), is known from the lines shown above them
    in the same hunk, only if that point leaves the body: in the seed's
    last hunk the quote resumes after a comment with ``}`` closing the
    ``for`` loop, not ``__munlock_pagevec``.
    """
    if indented:
        for k, ln in enumerate(lines):
            if ln.startswith("}"):
                return first + k, True
            if ln.startswith(")"):
                return first + k, False
        return None, True
    level = lowest = 0
    where = None
    for k, (low, delta) in enumerate(brace_deltas(lines)):
        if level + low < lowest:
            lowest, where = level + low, first + k
        level += delta
    if depth is not None and depth + lowest > 0:
        return None, True
    return where, True


def depth_after(lines: list[str], depth: int) -> int:
    """The brace depth after ``lines`` when they start at ``depth``."""
    return depth + sum(delta for _low, delta in brace_deltas(lines))


def closes(lines: list[str]) -> bool:
    """Whether a function whose opening line is ``lines[0]`` closes within them."""
    depth = opened = 0
    for low, delta in brace_deltas(lines):
        if delta > 0 or depth + delta > 0:
            opened = 1
        depth += delta
        if opened and depth <= 0:
            return True
    return False


def reopen_comment(lines: list[str]) -> list[str]:
    """A run of shown lines that starts inside a block comment (a hunk
    beginning at ``\t * only when the page is being freed``, 116_v16-15-22
    mm/vmscan.c) gets its ``/*`` back on the first line, for parsing only,
    so that the comment's words are not read as code."""
    first = next((k for k, ln in enumerate(lines) if ln.strip()), None)
    if first is None or not lines[first].lstrip().startswith("*"):
        return lines
    text = "\n".join(lines[first:])
    close, open_ = text.find("*/"), text.find("/*")
    if close < 0 or (0 <= open_ < close):
        return lines
    return [*lines[:first], "/*" + lines[first], *lines[first + 1 :]]


def close_comment(lines: list[str]) -> list[str]:
    """A run of shown lines that ends inside a block comment gets a ``*/``
    on its last line, for parsing only (119_v16-18-22 mm/vmscan.c:2705)."""
    if not lines:
        return lines
    text = "\n".join(lines)
    if text.rfind("/*") > text.rfind("*/"):
        return [*lines[:-1], lines[-1] + " */"]
    return lines


def close_statement(lines: list[str]) -> list[str]:
    """A run of shown lines that ends inside parentheses (a call or a
    condition whose next line a gap hides: ``locked =
    compact_lock_irqsave(&pgdat->lru_lock,`` at the end of a hunk,
    116_v16-15-22 mm/compaction.c) gets them closed and the statement ended
    on its last line, for parsing only: otherwise tree-sitter reads the
    lines after the gap as more arguments, one statement with the next
    ``goto`` and ``}`` inside it."""
    open_ = unclosed(lines, "()")
    if not open_:
        return lines
    # on the last code line: comment lines may follow it
    last = max((k for k, ln in enumerate(lines) if is_code(ln)), default=len(lines) - 1)
    # the arguments shown end the call: a comma before the hidden ones goes
    line = lines[last].rstrip()
    line = line[:-1] if line.endswith(",") else line
    return [*lines[:last], line + ")" * open_ + ";", *lines[last + 1 :]]


def unclosed(lines: list[str], pair: str = "{}") -> int:
    """How many of ``pair``'s openers are still open after ``lines``
    (closers of ones opened above the first line do not count)."""
    depth = lowest = 0
    for low, delta in brace_deltas(lines, pair):
        lowest = min(lowest, depth + low)
        depth += delta
    return depth - lowest


def unmatched_closers(lines: list[str]) -> int:
    depth = lowest = 0
    for low, delta in brace_deltas(lines):
        lowest = min(lowest, depth + low)
        depth += delta
    return -lowest


def is_code(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith(("/*", "*", "//", "#")) and s != GAP_MARKER
