"""A patch quoted the way a reviewer quotes it, findings under their lines.

Two outputs read as a reply to a patch: the draft reply (``reviewkit
reply``, :mod:`reviewkit.render.reply`) and the review files of b4's review
mode (``reviewkit review --b4-dir``, :mod:`reviewkit.render.b4`). Both
quote the diff with ``> ``, keep only the hunks that have something to say
(with their ``@@`` headers, so that whoever reads the reply back counts the
lines from there), and put each finding, unquoted, right under the line it
is about: the convention b4 and reviewkit's own comment anchoring read.

Mail text is hostile: every line goes through :func:`safe_plain`, so a
control character in a patch line reaches no terminal.
"""

from __future__ import annotations

import textwrap
from typing import Callable, Sequence

from reviewkit.model import FileDiff, Finding, Hunk, Patch
from reviewkit.render.layout import hunk_header
from reviewkit.render.safe import safe_plain

WIDTH = 72  # mail's line length for prose


def wrap_prose(text: str, *, indent: str = "") -> list[str]:
    """``text`` as mail prose: paragraphs wrapped at :data:`WIDTH`; a
    paragraph that looks like code (its lines start with a tab or spaces,
    or it holds braces or semicolons at line ends) is kept as it is,
    indented by a tab, as reviewers paste code. No line starts with ``>``:
    it would read as a quote."""
    out: list[str] = []
    for n, para in enumerate(safe_plain(text).split("\n\n")):
        if n:
            out.append("")
        lines = para.split("\n")
        if len(lines) > 1 and any(line.startswith(("\t", "  ")) or line.rstrip().endswith((";", "{", "}"))
                                  for line in lines[1:]):
            out += _fill(lines[0], indent)
            out += ["\t" + line if line.strip() else "" for line in lines[1:]]
            continue
        out += _fill(para, indent)
    return out


def _fill(text: str, indent: str) -> list[str]:
    filled = textwrap.fill(" ".join(text.split()), WIDTH, initial_indent=indent, subsequent_indent=indent,
                           break_long_words=False, break_on_hyphens=False)
    return [_unquote(line) for line in filled.split("\n")] if filled else []


def _unquote(line: str) -> str:
    return " " + line if line.startswith(">") else line


def quote_line(text: str) -> str:
    """One line quoted with ``> `` (an empty line as ``>``, as mail clients
    write it)."""
    return "> " + safe_plain(text) if text else ">"


def _file_header(fd: FileDiff) -> list[str]:
    old = f"a/{fd.old_path}" if fd.old_path else "/dev/null"
    new = f"b/{fd.new_path}" if fd.new_path else "/dev/null"
    git_old = fd.old_path or fd.new_path or ""
    git_new = fd.new_path or fd.old_path or ""
    return [quote_line(f"diff --git a/{git_old} b/{git_new}"), quote_line(f"--- {old}"), quote_line(f"+++ {new}")]


def _hunk_lines(h: Hunk) -> list[int]:
    return [dl.new_no for dl in h.lines if dl.kind != "-" and dl.new_no is not None]


def quote_patch(patch: Patch, findings: Sequence[Finding],
                comment: Callable[[Finding], list[str]]) -> tuple[list[str], list[Finding]]:
    """The hunks of ``patch`` that hold a finding, quoted, each finding's
    ``comment`` lines under its line with a blank line either side.

    Args:
        patch: the patch the findings are about.
        findings: its findings (any order; they are placed by file and
            new-side line).
        comment: the unquoted lines that say one finding.

    Returns:
        (the lines, the findings no quoted line holds: those on the commit
        message, or on a line no hunk shows).
    """
    placed: set[int] = set()
    out: list[str] = []
    for fd in patch.files:
        mine = [f for f in findings if f.file and f.file == fd.path and f.line is not None]
        hunks = [h for h in fd.hunks if any(f.line in _hunk_lines(h) for f in mine)]
        if not hunks:
            continue
        out += _file_header(fd)
        for h in hunks:
            out.append(quote_line(hunk_header(h) + (f" {h.header_context}" if h.header_context else "")))
            for dl in h.lines:
                out.append(quote_line(dl.kind + dl.text if dl.kind != " " or dl.text else ""))
                if dl.kind == "-" or dl.new_no is None:
                    continue
                here = [f for f in mine if f.line == dl.new_no and id(f) not in placed]
                for f in here:
                    placed.add(id(f))
                    out += ["", *comment(f), ""]
    return out, [f for f in findings if id(f) not in placed]


__all__ = ["WIDTH", "quote_line", "quote_patch", "wrap_prose"]
