"""format=flowed (RFC 3676), undone with care for quoted diffs.

A naive un-flow joins every line that ends in a space with the next one.
Reviewers' quoted diffs are full of such lines: a quoted blank context line
is "> " and Thunderbird quotes it as ">   " (samples/lists/*.mbox,
samples/patchwork/bugs-multiple-content-types.mbox), so the naive way (and
``git mailinfo``) glues quoted lines together and destroys the hunk. Here
only unquoted prose is joined; quoted lines, and lines that look like diff
or code, keep their line breaks.
"""

from __future__ import annotations

import re

# Lines that must never be joined with the next one: diff and code shapes.
_CODE = re.compile(
    r"^(?:[-+@ \t]|diff |index |--- |\+\+\+ |@@|Index: |=====|[#}{]|"
    r"[\w.-]+:\s*$|"  # "Signed-off-by:"-like keys are not prose either
    r".*[;{}]\s*$)"
)
_SIGNATURE = "-- "
# Thunderbird quotes a line by writing "> " and then the line space-stuffed
# again, so a quoted diff context line " \tint x;" becomes ">   \tint x;"
# (samples/patchwork/bugs-multiple-content-types.mbox). It never leaves
# exactly two spaces before printable text at the first quote level, except
# for a stuffed "From ". A writer that does (Roundcube, aerc: ">  \tint x;")
# stuffs once, as RFC 3676 says, and its lines are left alone.
_DOUBLE_STUFFED = re.compile(r"^>   ", re.MULTILINE)
_SINGLE_STUFFED = re.compile(r"^>  (?!From )[!-~\t]", re.MULTILINE)


def unflow(text: str, *, delsp: bool) -> str:
    """Undo format=flowed on a decoded body with ``\\n`` line ends.

    Args:
        text: the body.
        delsp: the DelSp=yes parameter: the space that marks a soft break was
            added by the sender and is removed when joining.

    Returns:
        The body with soft breaks of unquoted prose joined and space-stuffing
        removed. Quoted lines are never joined. When the first quote level
        is stuffed twice (Thunderbird), one space is removed there, so that
        the quote shows a diff line as the patch had it.
    """
    double = bool(_DOUBLE_STUFFED.search(text)) and not _SINGLE_STUFFED.search(text)
    out: list[str] = []
    pending: str | None = None  # a prose line that ends in a soft break
    for line in text.split("\n"):
        if line.startswith(">"):
            if pending is not None:
                out.append(pending)
                pending = None
            if double and line.startswith(">   "):
                line = line[:2] + line[3:]
            out.append(line)
            continue
        if line.startswith(" "):
            line = line[1:]  # space-stuffed
        if pending is not None:
            if not line or _CODE.match(line) or line == _SIGNATURE:
                out.append(pending)
                pending = None
            else:
                line = pending + line
                pending = None
        if line.endswith(" ") and line != _SIGNATURE and line.strip() and not _CODE.match(line):
            pending = line[:-1] if delsp else line
            continue
        out.append(line)
    if pending is not None:
        out.append(pending)
    return "\n".join(out)
