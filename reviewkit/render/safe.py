"""Mail text made safe for the terminal and for markdown.

Mail is hostile input. A subject, a name, a file name or a comment can carry
rich markup (``[link=http://x]click[/link]``), ANSI escapes (``ESC[31m``),
OSC 8 hyperlinks, backspaces that overstrike, and bidi controls that reorder
what the reader sees (CVE-2021-42574, "Trojan Source"). rich strips only
BEL, BS, VT, FF and CR from ``Text`` (``rich/control.py``:
``STRIP_CONTROL_CODES``); ESC passes through ``Text``, ``Syntax`` and
typer's error box. So every mail-derived string goes through this module:

- :func:`safe_plain` -> ``str`` with every C0 control but TAB and LF, DEL,
  every C1 control, the bidi controls and the Unicode line/paragraph
  separators replaced by a visible escape: ``\\x1b``, ``\\x7f``, ``\\x9b``,
  ``\\u202e``. Nothing is dropped: the escape names the code point.
- :func:`safe_text` -> ``rich.text.Text`` of :func:`safe_plain`; never
  parsed as markup. Compose with ``Text.assemble`` / ``Text.append``.
- :func:`md_escape`, :func:`md_code`, :func:`md_fence`,
  :func:`md_table_cell` -> markdown that shows the text literally (checked
  with a CommonMark parser in tests/test_render_fuzz.py).

The API is small on purpose; the checklist renderer shares it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported only by safe_text, to keep imports cheap
    from rich.style import Style
    from rich.text import Text

# Bidi embedding/override/isolate controls and marks (Trojan Source), and the
# Unicode line and paragraph separators (they break lines in some viewers).
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_SEPARATORS = (0x2028, 0x2029)


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)):
        if cp not in (0x09, 0x0A):
            table[cp] = f"\\x{cp:02x}"
    for cp in (*_BIDI, *_SEPARATORS):
        table[cp] = f"\\u{cp:04x}"
    return table


_VISIBLE = _build_table()
_UNSAFE_RE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in _VISIBLE) + "]")


def has_unsafe(s: str) -> bool:
    """True when ``s`` holds a character :func:`safe_plain` would escape."""
    return _UNSAFE_RE.search(s) is not None


def safe_plain(s: str | None) -> str:
    """``s`` with control and bidi characters replaced by visible escapes.

    TAB and LF are kept. ESC becomes the four characters ``\\x1b``, U+202E
    becomes ``\\u202e``. Nothing is removed, so the reader can see what the
    mail held. None becomes "".
    """
    if not s:
        return ""
    return s.translate(_VISIBLE)


def safe_text(s: str | None, style: "str | Style | None" = None) -> "Text":
    """A ``rich.text.Text`` showing ``s`` literally (no markup, no escapes).

    Args:
        s: mail-derived text; None gives an empty Text.
        style: a style for the whole text (our own, never from the mail).
    """
    from rich.text import Text

    return Text(safe_plain(s), style=style or "")


# --------------------------------------------------------------------------
# markdown

# Characters with inline meaning anywhere: backslash, code, emphasis, links,
# HTML and autolinks (< >), entities (&), table pipes, GFM strikethrough.
# A backslash escape (CommonMark 2.4) keeps the text readable in a plain
# viewer, where "&lt;" would not be: "pgdat-\>lru_lock".
_MD_INLINE_RE = re.compile(r"([\\`*\[\]<>&|~])")
# "_" inside a word (get_page) cannot open or close emphasis (CommonMark
# 6.2, left/right-flanking runs); only word-edge underscores need escaping.
_MD_UNDERSCORE_RE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# At the start of a line: headings, list items, setext underlines, ordered
# lists ("1." "1)"); ">" is escaped everywhere already.
_MD_LINE_START_RE = re.compile(r"^(\s*)([#+\-=]|\d+(?=[.)]))", re.MULTILINE)


def md_escape(s: str | None, *, keep_newlines: bool = False) -> str:
    """Markdown (GitHub-flavoured) text that shows ``s`` literally.

    HTML and autolinks (``<script>``, ``<http://x>``), entities (``&amp;``),
    link brackets (``[x](y)``), emphasis, code, pipes, strikethrough and
    line-start block markers are backslash-escaped; control characters
    become visible escapes. Newlines become spaces, so that a header value
    cannot end a heading or a list item early; with ``keep_newlines`` they
    stay (the caller decides what a line break means).
    """
    s = safe_plain(s)
    if not keep_newlines:
        s = s.replace("\n", " ")
    s = _MD_INLINE_RE.sub(r"\\\1", s)
    s = _MD_UNDERSCORE_RE.sub(r"\\_", s)

    def _line_start(m: re.Match[str]) -> str:
        lead, mark = m.group(1), m.group(2)
        if mark[0].isdigit():
            # "1." starts a list; escape the punctuation that follows.
            return lead + mark + "\\"
        return lead + "\\" + mark

    return _MD_LINE_START_RE.sub(_line_start, s)


def md_code(s: str | None) -> str:
    """An inline code span holding ``s`` literally (newlines become spaces).

    The delimiter is one backtick longer than any run inside; a space pads
    content that starts or ends with a backtick (CommonMark code spans).
    """
    s = safe_plain(s).replace("\n", " ")
    if not s:
        return "` `"
    run = max((len(r) for r in re.findall(r"`+", s)), default=0)
    tick = "`" * (run + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or (s.startswith(" ") and s.endswith(" ")) else ""
    return f"{tick}{pad}{s}{pad}{tick}"


def md_fence(text: str | None, lang: str = "") -> str:
    """A fenced code block showing ``text`` verbatim, ending with a newline.

    The fence is longer than any backtick run inside (at least three), so a
    comment holding ````` ``` ````` cannot close it. ``lang`` keeps only
    word characters, ``+``, ``-`` and ``.``.
    """
    body = safe_plain(text)
    run = max((len(r) for r in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, run + 1)
    lang = re.sub(r"[^\w+.\-]", "", lang)
    if body and not body.endswith("\n"):
        body += "\n"
    return f"{fence}{lang}\n{body}{fence}\n"


def md_table_cell(s: str | None, *, code: bool = False) -> str:
    """``s`` as one GFM table cell: escaped, ``|`` escaped, newlines as ``<br>``.

    With ``code=True`` the cell is an inline code span (``|`` still escaped:
    GFM splits cells before it parses code spans).
    """
    if code:
        return md_code(s).replace("|", "\\|")
    return md_escape(s, keep_newlines=True).replace("\n", "<br>")


__all__ = ["has_unsafe", "md_code", "md_escape", "md_fence", "md_table_cell", "safe_plain", "safe_text"]
