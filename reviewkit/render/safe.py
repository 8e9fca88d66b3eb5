"""Mail text made safe for the terminal and for markdown.

Mail is hostile input. A subject, a name, a file name or a comment can carry
rich markup (``[link=http://x]click[/link]``), ANSI escapes (``ESC[31m``),
OSC 8 hyperlinks, backspaces that overstrike, and bidi controls that reorder
what the reader sees (CVE-2021-42574, "Trojan Source"). rich strips only
BEL, BS, VT, FF and CR from ``Text`` (``rich/control.py``:
``STRIP_CONTROL_CODES``); ESC passes through ``Text``, ``Syntax`` and
typer's error box. So every mail-derived string goes through this module:

- :func:`safe_plain` -> ``str`` with every control character but TAB and LF
  (C0, DEL, C1) shown as ``\\x1b``, ``\\x7f``, ``\\x9b``, and every invisible
  format character (Unicode category Cf: the bidi controls, zero-width
  spaces and joiners, the word joiner, the byte-order mark, the soft hyphen)
  and the line and paragraph separators (Zl, Zp) shown as ``<U+202E>``,
  ``<U+200B>``. Nothing is dropped: the escape names the code point.
  Invisible characters can hide a difference between two identifiers.
- :func:`json_escape` -> JSON text with the same characters escaped as
  ``\\u202e`` (lossless: a parser gets the mail text back exact), so that
  JSON shown on a terminal cannot be reordered or coloured by it.
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

# Which characters are escaped, in one place: by Unicode category, looked up
# (unicodedata) the first time a character is met and remembered in the
# tables below. TAB and LF are text. A lone surrogate (Cs: undecodable bytes
# kept by surrogateescape) is no character a terminal or an encoder takes.
_CONTROL = frozenset({"Cc"})
_INVISIBLE = frozenset({"Cf", "Zl", "Zp", "Cs"})
_KEPT = (0x09, 0x0A)


def _escape_kind(cp: int) -> str:
    """"control", "invisible" or "" (shown as it is) for code point ``cp``."""
    if cp in _KEPT or 0x20 <= cp < 0x7F:
        return ""
    if cp < 0x20 or cp == 0x7F:
        return "control"
    import unicodedata  # a C module, loaded once a non-ASCII character is met

    category = unicodedata.category(chr(cp))
    if category in _CONTROL:
        return "control"
    return "invisible" if category in _INVISIBLE else ""


class _Table(dict):
    """A ``str.translate`` table filled as characters are met."""

    def __init__(self, escape) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.escape = escape

    def __missing__(self, cp: int) -> str:
        shown = self.escape(cp) if _escape_kind(cp) else chr(cp)
        self[cp] = shown
        return shown


def _plain_escape(cp: int) -> str:
    return f"\\x{cp:02x}" if _escape_kind(cp) == "control" else f"<U+{cp:04X}>"


def _json_escape(cp: int) -> str:
    if cp > 0xFFFF:  # JSON spells an astral character as its UTF-16 surrogates
        cp -= 0x10000
        return f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}"
    return f"\\u{cp:04x}"


_PLAIN = _Table(_plain_escape)
_JSON = _Table(_json_escape)
# DEL and every character past ASCII: JSON text holds no other raw control
# character. A JSON document (a megabyte for the review of
# tests/data/corpus/threads/lru-lock-v16.mbox) is scanned by the regex
# engine (2 ms) and only these characters are looked up; translating the
# whole text takes 30 ms. (Written as the complement of the rest of ASCII:
# the range up to U+10FFFF takes 3 ms to compile.)
_PAST_ASCII = re.compile(r"[^\x00-\x7e]")


def has_unsafe(s: str) -> bool:
    """True when ``s`` holds a character :func:`safe_plain` would escape."""
    return safe_plain(s) != s


def safe_plain(s: str | None) -> str:
    """``s`` with control and invisible characters replaced by visible escapes.

    TAB and LF are kept. ESC becomes the four characters ``\\x1b``, U+202E
    the eight characters ``<U+202E>``. Nothing is removed, so the reader can
    see what the mail held. None becomes "".
    """
    if not s:
        return ""
    return s.translate(_PLAIN)


def json_escape(text: str) -> str:
    """JSON text with DEL, C1 and the invisible characters escaped as ``\\uXXXX``.

    ``text`` is JSON as ``json.dumps(..., ensure_ascii=False)`` writes it:
    C0 is escaped already, and whatever else is escaped can only sit inside
    strings, so the document means the same.
    """
    return _PAST_ASCII.sub(lambda m: m.group().translate(_JSON), text)


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

# Markdown escapes only what would otherwise be markup (CommonMark 0.31,
# GFM): "pgdat->lru_lock" and "a * b" stay as written, so that a summary
# pasted into a reply reads as the mail did. An entity is "&" and a name or
# number and ";".
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
# What "<" opens: an HTML tag ("<b>", "<img src"), a closing tag, a comment,
# declaration or processing instruction, an autolink ("<http://x>",
# "<a@b.c>"). "<U+202E>" (how an invisible character is shown) and "<= 2"
# open nothing.
_HTML_RE = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|/[A-Za-z]|[!?]|[A-Za-z][A-Za-z0-9+.-]{1,31}:"
                      r"|[^\s<>]*@)")
# What a line may start with to open a block: a heading, a list item, a
# setext underline or thematic break, a block quote, a fence, a link
# reference definition, a table row.
_LINE_START_MARKS = frozenset("#>+-=*_[~|")


def _edge(ch: str) -> bool:
    return ch == "" or ch.isspace()


def _needs_escape(s: str, i: int, line_start: bool, keep_newlines: bool) -> bool:
    ch = s[i]
    prev = s[i - 1] if i else ""
    nxt = s[i + 1] if i + 1 < len(s) else ""
    if ch in "\\`":
        return True  # a backslash escape, a code span
    if line_start and ch in _LINE_START_MARKS:
        return True
    if ch in "*~":
        # emphasis and strikethrough need a run that touches a word on a side
        return not (_edge(prev) and _edge(nxt))
    if ch == "_":
        # "_" inside a word (get_page) cannot open or close emphasis
        return not (_edge(prev) and _edge(nxt)) and not (prev.isalnum() and nxt.isalnum())
    if ch == "<":
        return _HTML_RE.match(s, i) is not None
    if ch == "]":
        return nxt != "" and nxt in "(["  # an inline link or a reference ("[x](y)", "[x][y]")
    if ch == "&":
        return _ENTITY_RE.match(s, i) is not None
    if ch == "|":
        return keep_newlines  # a table needs a second line
    return False


def md_escape(s: str | None, *, keep_newlines: bool = False, line_start: bool = True) -> str:
    """Markdown (GitHub-flavoured) text that shows ``s`` literally, with a
    backslash before each character that would otherwise be markup, and
    before no other.

    HTML and autolinks (``<script>``, ``<http://x>``), entities
    (``&amp;``), links (``[x](y)``), emphasis and strikethrough, code spans
    and line-start block markers (headings, lists, quotes, fences, link
    definitions) are neutralised; ``pgdat->lru_lock``, ``a * b`` and
    ``get_page`` stay as written. Control characters become visible
    escapes. Newlines become spaces, so that a header value cannot end a
    heading or a list item early; with ``keep_newlines`` they stay (the
    caller decides what a line break means) and ``|`` is escaped (two lines
    can make a table). ``line_start`` False: the text goes where no block
    can start (after a heading's ``#``, in the middle of a line), so its
    first character needs no block-marker escape.
    """
    s = safe_plain(s)
    if not keep_newlines:
        s = s.replace("\n", " ")
    out = []
    digits = False  # the line so far is an ordered-list number ("1" of "1.")
    for i, ch in enumerate(s):
        if ch == "\n":
            out.append(ch)
            line_start, digits = True, False
            continue
        if line_start and ch in " \t":
            out.append(ch)
            continue
        if digits and ch in ".)":
            out.append("\\")
        elif _needs_escape(s, i, line_start, keep_newlines):
            out.append("\\")
        digits = (line_start or digits) and ch.isdigit()
        line_start = False
        out.append(ch)
    return "".join(out)


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


__all__ = ["has_unsafe", "json_escape", "md_code", "md_escape", "md_fence", "md_table_cell", "safe_plain", "safe_text"]
