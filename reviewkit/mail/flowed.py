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

# The quote marks of a line: ">", ">>", "> > " ...
_QUOTE = re.compile(r"^(>(?: ?>)*)( ?)")
# Lines that must never be joined with the next one: diff and code shapes.
_CODE = re.compile(
    r"^(?:[-+@ \t]|diff |index |--- |\+\+\+ |@@|Index: |=====|[#}{]|"
    r"[\w.-]+:\s*$|"  # "Signed-off-by:"-like keys are not prose either
    r".*[;{}]\s*$)"
)
_SIGNATURE = "-- "


def unflow(text: str, *, delsp: bool) -> str:
    """Undo format=flowed on a decoded body with ``\\n`` line ends.

    Args:
        text: the body.
        delsp: the DelSp=yes parameter: the space that marks a soft break was
            added by the sender and is removed when joining.

    Returns:
        The body with soft breaks of unquoted prose joined and space-stuffing
        removed. Quoted lines are never joined; a quoted line's stuffing
        space (Thunderbird writes "> " + " " + "\\tint x;" for a quoted
        context line "\\tint x;" with its leading space) is removed so
        that the quote shows the line as the patch had it.
    """
    out: list[str] = []
    pending: str | None = None  # a prose line that ends in a soft break
    for line in text.split("\n"):
        quote = _QUOTE.match(line) if line.startswith(">") else None
        if quote:
            if pending is not None:
                out.append(pending)
                pending = None
            marks, sep = quote.group(1), quote.group(2)
            rest = line[quote.end() :]
            if sep and rest.startswith(" "):
                rest = rest[1:]
            out.append(marks + sep + rest)
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
