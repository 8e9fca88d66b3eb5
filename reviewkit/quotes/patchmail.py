"""The parts of a patch mail: commit message, notes, diffstat, diff, signature.

Works on line indexes only; :mod:`reviewkit.quotes.split` turns the ranges
into blocks.
"""

from __future__ import annotations

import re

from reviewkit.model import BlockKind
from reviewkit.quotes.attribution import is_attribution
from reviewkit.quotes.trailers import find_trailer_run

# A diffstat line: " mm/mlock.c | 93 +++---", " a.bin | Bin 0 -> 10 bytes",
# the rename form " {a => b}/c.c | 2 +-" and the summary line.
_DIFFSTAT_LINE = re.compile(r"^ ?\S.*?\s\|\s+(?:\d+(?: [+-]+)?|Bin\b.*)\s*$")
_DIFFSTAT_SUMMARY = re.compile(r"^ ?\d+ files? changed(?:, \d+ insertions?\(\+\))?(?:, \d+ deletions?\(-\))?\s*$")
_DIFFSTAT_MODE = re.compile(r"^ ?(?:create|delete) mode \d+ \S|^ ?(?:rename|copy) \S.*\(\d+%\)$|^ ?mode change \d+ => \d+ ")
# git's version under the "-- " line: "2.25.1", "1.8.3.1", "2.wong.fu" (b4 samples)
VERSION_LINE = re.compile(r"^\d+\.[0-9A-Za-z][0-9A-Za-z.+-]*\s*$")


# "diff -urN a/x b/x" as plain diff(1) writes it; not prose that starts
# with "diff -u shows ...".
_DIFF_CMD = re.compile(r"^diff (?:-{1,2}\S+\s+)+\S+\s+\S+\s*$")


def find_diff_start(lines: list[str], start: int = 0) -> int | None:
    """Index of the first line that opens an unquoted diff, else None.

    ``diff --git``, CVS/SVN's ``Index:`` followed by a ``====`` rule, or a
    bare ``--- x`` / ``+++ y`` pair (samples/patchwork/0007-cvs-format-diff.mbox,
    b4's non-git patch sample).
    """
    for i in range(start, len(lines)):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.startswith("diff --git ") or _DIFF_CMD.match(line):
            return i
        if line.startswith("Index: ") and nxt.startswith("===="):
            return i
        if line.startswith("--- ") and nxt.startswith("+++ "):
            return i
    return None


def is_signature_start(lines: list[str], i: int) -> bool:
    """True when ``lines[i]`` opens a signature.

    ``-- `` is the standard separator. ``--`` without the space counts when
    a git version line follows (a patch's signature whose trailing space a
    mailer stripped) or when it is close to the end of the body and nothing
    quoted follows (b4's trailers-followup-non-git-patch-with-comments.mbox
    signs "--" / "My sig").
    """
    line = lines[i]
    if line == "-- " or line == "-- \r":
        return True
    if line.rstrip() != "--" or line.startswith(" "):
        return False
    rest = lines[i + 1 :]
    nonblank = [r for r in rest if r.strip()]
    if nonblank and VERSION_LINE.match(nonblank[0]):
        return True
    return 0 < len(nonblank) <= 6 and not any(r.startswith(">") for r in rest)


def find_separator(lines: list[str], end: int) -> int | None:
    """The first ``---`` line before ``end`` (git am cuts the message there)."""
    for i in range(end):
        if lines[i].rstrip() == "---":
            return i
    return None


# git's shortlog in a cover letter: "Alex Shi (20):" (101_v16-00-22)
_SHORTLOG_HEAD = re.compile(r"^\S.* \(\d+\):$")
_COVER_DIFFSTAT = re.compile(r"^ \S+\s+\|\s+\d+")


def find_cover_text(body: str) -> str:
    """A cover letter's own words: the text above the shortlog and diffstat
    git appends (or above the ``-- `` signature when there is neither).

    Returns:
        The text; the whole body when it holds none of these.
    """
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if _SHORTLOG_HEAD.match(line) or line == "-- " or _COVER_DIFFSTAT.match(line):
            return "\n".join(lines[:i])
    return body


def split_patch_lines(lines: list[str]) -> list[BlockKind] | None:
    """One kind per line for a patch mail, or None when it holds no diff.

    Layout (git format-patch): commit message (its trailing trailer run a
    TRAILER), ``---`` and notes, diffstat, diff, ``-- `` signature.
    """
    diff_start = find_diff_start(lines)
    if diff_start is None:
        return None
    sep = find_separator(lines, diff_start)
    # only the commit message counts: notes after "---" may well quote a
    # reviewer (Uwe Kleine-König's "[PATCH v2] pwm: meson: ..." in linux-pwm)
    if _is_discussion(lines[: diff_start if sep is None else sep]):
        return None
    n = len(lines)
    kinds: list[BlockKind | None] = [None] * n

    # the diffstat, searched after the separator (or in the whole head)
    head_end = diff_start
    stat_start: int | None = None
    stat_end = 0
    for i in range(sep + 1 if sep is not None else 0, head_end):
        if _DIFFSTAT_LINE.match(lines[i]) or _DIFFSTAT_SUMMARY.match(lines[i]):
            stat_start = i
            j = i
            while j < head_end and (
                _DIFFSTAT_LINE.match(lines[j])
                or _DIFFSTAT_SUMMARY.match(lines[j])
                or _DIFFSTAT_MODE.match(lines[j])
            ):
                j += 1
            stat_end = j
            break

    cm_end = sep if sep is not None else (stat_start if stat_start is not None else diff_start)
    for i in range(cm_end):
        kinds[i] = BlockKind.COMMIT_MESSAGE
    run = find_trailer_run(lines, 0, cm_end)
    if run is not None:
        first, last = run
        for i in range(first, last):
            kinds[i] = BlockKind.TRAILER
        # blank lines around the trailer run are BLANK, not message text
        k = first
        while k > 0 and not lines[k - 1].strip():
            kinds[k - 1] = BlockKind.BLANK
            k -= 1
        for i in range(last, cm_end):
            kinds[i] = BlockKind.BLANK
    else:
        k = cm_end
        while k > 0 and not lines[k - 1].strip():
            kinds[k - 1] = BlockKind.BLANK
            k -= 1

    for i in range(cm_end, head_end):
        if stat_start is not None and stat_start <= i < stat_end:
            kinds[i] = BlockKind.DIFFSTAT
        elif i == sep:
            kinds[i] = BlockKind.NOTES
        elif not lines[i].strip():
            kinds[i] = BlockKind.BLANK
        else:
            kinds[i] = BlockKind.NOTES

    sig = None
    for i in range(n - 1, diff_start, -1):
        if is_signature_start(lines, i):
            if not any(
                lines[j].startswith(("diff --git ", "@@ ", "Index: ")) for j in range(i + 1, n)
            ):
                sig = i
            break
    for i in range(diff_start, n if sig is None else sig):
        kinds[i] = BlockKind.DIFF
    if sig is not None:
        for i in range(sig, n):
            kinds[i] = BlockKind.SIGNATURE
    return [k if k is not None else BlockKind.TEXT for k in kinds]


def _is_discussion(head: list[str]) -> bool:
    """True when the text before the diff is a reply, not a commit message.

    A "[PATCH]" subject may head a discussion that quotes a patch and ends
    with a new diff ("New default binding for PWM devices? [Was: Re: [PATCH]
    ...]" in the linux-pwm archive): an attribution line or mostly quoted
    lines say so.
    """
    nonblank = [line for line in head if line.strip()]
    if not nonblank:
        return False
    quoted = sum(1 for line in nonblank if line.startswith(">"))
    if quoted * 2 > len(nonblank):
        return True
    # an attribution that introduces a quote (not "X wrote:" in prose)
    return any(
        not line.startswith(">")
        and is_attribution(line)
        and any(nxt.startswith(">") for nxt in head[i + 1 : i + 3])
        for i, line in enumerate(head)
    )
