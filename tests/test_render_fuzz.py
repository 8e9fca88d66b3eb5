"""Hostile mail text must reach neither rich markup nor the terminal raw.

Two inputs: a Review built by hand with hostile text in every mail-derived
field, and tests/data/fuzz/render-hostile-thread.mbox (a patch and a reply
carrying rich markup, ANSI and OSC 8 escapes, backspaces, bidi controls,
C1, DEL, HTML, markdown links, table pipes and a fence inside a comment)
through the whole pipeline.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from reviewkit.model import Anchor, Comment, Finding, Side, Trailer
from reviewkit.render import (
    build_summary,
    build_summary_json,
    json_escape,
    md_code,
    md_escape,
    md_fence,
    md_table_cell,
    render_json,
    render_markdown,
    render_text,
    safe_plain,
    safe_text,
)
from tests.conftest import raw_invisible
from tests.test_render_model import PATCH_ID, REPLY_ID, sample_review

FUZZ = Path(__file__).parent / "data" / "fuzz"

ANSI = "\x1b[31mred\x1b[0m"
OSC8 = "\x1b]8;;http://evil\x07click\x1b]8;;\x07"
BIDI = "\u202eevil\u202c \u2066iso\u2069 \u200f \u061c"
# Invisible characters that can make two identifiers look the same.
INVISIBLE = "ls\u2028ps\u2029 zero\u200bwidth non\u200cjoiner join\u200der word\u2060joiner bom\ufeff soft\u00adhyphen"
HOSTILE = (
    "[bold]bold[/] [link=http://x]click[/link] [/] " + ANSI + " " + OSC8
    + " safe\x08\x08\x08\x08evil " + BIDI + " C1\x9b31m DEL\x7f bell\x07 cr\rx " + INVISIBLE
)
HTML = "<script>alert(1)</script> & [click](http://evil.example) <http://evil.example> | a | b |"



def hostile_review():
    review = sample_review()
    patch = review.patches[0]
    fd = patch.files[0]
    h = fd.hunks[1]
    lines = list(h.lines)
    lines[2] = dataclasses.replace(lines[2], text="\tget_page(page); /* " + HOSTILE + " */")
    h = dataclasses.replace(h, lines=tuple(lines), header_context="ctx " + HOSTILE, function="fn" + ANSI)
    fd = dataclasses.replace(fd, hunks=(fd.hunks[0], h), new_path="mm/" + HOSTILE + ".c",
                             old_path="mm/" + HOSTILE + ".c")
    patch = dataclasses.replace(patch, subject="[PATCH] " + HOSTILE, files=(fd,),
                                commit_message="msg " + HOSTILE + "\n" + HTML, warnings=("warn " + HOSTILE,))
    msgs = list(review.threads[0].messages)
    msgs[0] = dataclasses.replace(msgs[0], author="Mallory " + HOSTILE + "\n# injected heading", email="m@x" + ANSI,
                                  date="date " + OSC8, subject="[PATCH] " + HOSTILE)
    thread = dataclasses.replace(review.threads[0], messages=tuple(msgs))
    text = ("Comment " + HOSTILE + "\n" + HTML + "\n```\n# fenced\n```\n~~~\nIs this safe " + BIDI + "?")
    c = Comment(REPLY_ID, "Reviewer " + HOSTILE, "r@x" + OSC8, "when " + ANSI, text, 3,
                Anchor("mm/" + HOSTILE + ".c", Side.NEW, 173, 1, "> +\tget_page(page);", "fn" + ANSI),
                quoted_text="> " + HOSTILE, quoted_author="Mallory " + HOSTILE)
    general = dataclasses.replace(c, anchor=None, body_start=9, text="General " + HOSTILE + "\n" + HTML)
    f = Finding("RK201", "get-put-placement", review.findings[0].severity, review.findings[0].confidence,
                "mm/" + HOSTILE + ".c", "fn" + ANSI, 173, "message " + HOSTILE + " " + HTML,
                suggestion="suggest " + HOSTILE, rationale="why " + OSC8, msgid=PATCH_ID)
    trailers = dict(review.trailers)
    trailers[review.threads[0].messages[3].msgid] = (
        Trailer("Acked-by", "Acker " + HOSTILE, "a@x" + ANSI, "x", False),)
    from reviewkit.overview import build_overview

    review = dataclasses.replace(review, threads=(thread,), patches=(patch,), findings=(f,),
                                 comments={REPLY_ID: (c, general)}, trailers=trailers,
                                 warnings=("pipeline " + HOSTILE,))
    return dataclasses.replace(review, overview=build_overview(review))  # the overview of this review


def plain_console(width: int = 100) -> Console:
    return Console(width=width, file=io.StringIO(), force_terminal=False, color_system=None,
                   legacy_windows=False)


def assert_safe_terminal(out: str) -> None:
    assert not raw_invisible(out)
    # Markup stayed text, and the escapes are visible.
    for literal in ("[bold]bold[/]", "[link=http://x]click[/link]", "[/]", "\\x1b[31mred\\x1b[0m",
                    "\\x1b]8;;http://evil\\x07click", "\\x08\\x08\\x08\\x08evil", "<U+202E>evil<U+202C>",
                    "<U+2066>iso<U+2069>", "<U+200F>", "<U+061C>", "C1\\x9b31m", "DEL\\x7f", "bell\\x07", "cr\\x0dx",
                    "ls<U+2028>ps<U+2029>", "zero<U+200B>width", "non<U+200C>joiner", "join<U+200D>er", "word<U+2060>joiner",
                    "bom<U+FEFF>", "soft<U+00AD>hyphen"):
        assert literal in out, literal


# --------------------------------------------------------------------------
# safe.py


def test_safe_plain_makes_controls_visible_and_keeps_the_rest() -> None:
    assert safe_plain("a\tb\nc") == "a\tb\nc"
    assert safe_plain("\x1b[1m") == "\\x1b[1m"
    assert safe_plain("\x00\x7f\x80\x9f") == "\\x00\\x7f\\x80\\x9f"
    assert safe_plain("\u202eabc\u202c\u2066\u2069\u200e\u200f\u061c") == \
        "<U+202E>abc<U+202C><U+2066><U+2069><U+200E><U+200F><U+061C>"
    assert safe_plain("[bold]é ü 中文 🙂 \u00a0") == "[bold]é ü 中文 🙂 \u00a0"
    assert safe_plain(None) == ""


# One case per kind of invisible character: (character, what text and
# markdown show, what JSON holds).
INVISIBLE_CASES = [
    ("\u200b", "<U+200B>", "\\u200b"),  # zero-width space
    ("\u200c", "<U+200C>", "\\u200c"),  # zero-width non-joiner
    ("\u200d", "<U+200D>", "\\u200d"),  # zero-width joiner
    ("\u2060", "<U+2060>", "\\u2060"),  # word joiner
    ("\ufeff", "<U+FEFF>", "\\ufeff"),  # zero-width no-break space, byte-order mark
    ("\u00ad", "<U+00AD>", "\\u00ad"),  # soft hyphen
    ("\u180e", "<U+180E>", "\\u180e"),  # Mongolian vowel separator (Cf)
    ("\u2028", "<U+2028>", "\\u2028"),  # line separator
    ("\u2029", "<U+2029>", "\\u2029"),  # paragraph separator
    ("\u202e", "<U+202E>", "\\u202e"),  # right-to-left override
    ("\U000e0041", "<U+E0041>", "\\udb40\\udc41"),  # tag latin capital A (astral, Cf)
    ("\udc80", "<U+DC80>", "\\udc80"),  # a lone surrogate (an undecodable byte)
    ("\x7f", "\\x7f", "\\u007f"),  # DEL
    ("\x9b", "\\x9b", "\\u009b"),  # C1 CSI
]


@pytest.mark.parametrize("char, shown, escaped", INVISIBLE_CASES, ids=[f"U+{ord(c):04X}" for c, _, _ in INVISIBLE_CASES])
def test_invisible_character_is_shown_and_escaped(char: str, shown: str, escaped: str) -> None:
    text = f"get{char}page(page);"
    assert safe_plain(text) == f"get{shown}page(page);"
    # markdown escapes only what it would read as markup: "<U+200B>" opens
    # no tag, "\x7f" is a backslash that escapes nothing
    assert md_escape(text) == "get" + shown.replace("\\", "\\\\") + "page(page);"
    assert _text_of(md_escape(text)) == f"get{shown}page(page);"
    assert shown in md_code(text) and shown in md_fence(text)
    document = json_escape(json.dumps({"text": text}, ensure_ascii=False))
    assert document == '{"text": "get' + escaped + 'page(page);"}'
    assert json.loads(document) == {"text": text}  # escaped, not lost


def test_json_escape_leaves_visible_text_and_structure_alone() -> None:
    doc = {"a": "é ü 中文 🙂 \u00a0 \\u200b", "b": [1, None, "\t\n\x1b"]}
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    assert json_escape(text) == text  # nothing to escape
    assert json.loads(json_escape(text)) == doc


def test_safe_text_is_never_markup() -> None:
    t = safe_text("[bold]x[/] [link=http://x]y[/link]", "red")
    assert t.plain == "[bold]x[/] [link=http://x]y[/link]"
    assert not t.spans and str(t.style) == "red"
    console = plain_console()
    console.print(safe_text(HOSTILE))
    assert_safe_terminal(console.file.getvalue())


def _text_of(md: str) -> str:
    """What a CommonMark parser shows of one paragraph: its text, or "" if
    it read any markup there."""
    tokens = _tokens(md)
    if {t.type for t in tokens} - {"paragraph_open", "inline", "text", "paragraph_close", "softbreak"}:
        return ""
    return "".join(t.content if t.type == "text" else "\n" for t in tokens if t.type in ("text", "softbreak"))


def test_md_escape_neutralises_html_links_and_emphasis() -> None:
    s = md_escape(HTML + " *a* _b_ ~c~ `d` __init__ get_page")
    assert "\\<script>" in s and "\\<http://evil.example>" in s
    assert "[click\\](http://evil.example)" in s
    assert "\\*a\\*" in s and "\\_b\\_" in s and "\\~c\\~" in s and "\\`d\\`" in s
    # Word-edge underscores are escaped, intraword ones cannot make emphasis.
    assert "\\_\\_init\\_\\_" in s and "get_page" in s
    assert md_escape("# h\n- item\n1. one\n+ x\n> q", keep_newlines=True) == \
        "\\# h\n\\- item\n1\\. one\n\\+ x\n\\> q"
    # By default a header value stays on one line: it cannot end a heading.
    assert md_escape("Name\n# injected") == "Name # injected"
    assert md_escape("\x1b[31m") == "\\\\x1b[31m"  # visible, then its backslash escaped
    # Only what markdown would read as markup: C, and prose, stay as written.
    for plain in ("pgdat->lru_lock", "a * b", "if (a < b && c > d)", "x & y", "[PATCH v16 16/22]",
                  "get_page(page)", "a | b", "1.5 times", "<= 2", "see <U+202E>"):
        assert md_escape("x " + plain) == "x " + plain, plain
    # What a CommonMark parser makes of it: the very text, no HTML, no link.
    text = HTML + " *a* _b_ __init__ pgdat->lru_lock &amp; &#60; [x]: /y ![i](j) ~~s~~ <a@b.c>"
    assert _text_of(md_escape(text)) == text
    many = "# h\n[x]: http://evil\n- [ ] task\n***\n___\n~~~\n<div>\n| a | b |\n|---|---|\n1) one\n    code\n> q"
    assert _text_of(md_escape(many, keep_newlines=True)).replace("\n", " ") == " ".join(
        line.strip() for line in many.split("\n"))


def test_md_fence_is_longer_than_any_backtick_run() -> None:
    fence = md_fence("a\n```\nb\n`````", "text")
    assert fence.startswith("``````text\n") and fence.endswith("\n``````\n")
    assert md_fence("plain").startswith("```\n")
    assert md_fence("x", "c; rm -rf").startswith("```crm-rf\n")


def test_md_code_and_table_cell() -> None:
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_table_cell("a|b\nc") == "a\\|b<br>c"
    assert md_table_cell("x|y", code=True) == "`x\\|y`"


# --------------------------------------------------------------------------
# the renderers over a hand-built hostile review


@pytest.mark.parametrize("width", [60, 100, 160])
def test_terminal_review_shows_hostile_text_literally(width: int) -> None:
    console = plain_console(width)
    render_text(hostile_review(), console)
    out = console.file.getvalue()
    # Narrow consoles wrap long lines; judge the unwrapped text.
    flat = out if width >= 160 else out.replace("\n", "")
    assert not raw_invisible(out)
    if width >= 100:
        assert_safe_terminal(flat)
    else:
        # At 60 columns the cells wrap; the visible escapes are still there.
        assert "\\x1b[31m" in flat.replace(" ", "") and "[link=http://x]" in flat.replace(" ", "")


def test_terminal_review_with_colour_emits_only_our_sgr() -> None:
    console = Console(width=200, file=io.StringIO(), force_terminal=True, color_system="truecolor", no_color=False,
                      legacy_windows=False)
    render_text(hostile_review(), console)
    out = console.file.getvalue()
    assert "\x1b]" not in out  # no OSC, so no hyperlink
    assert "\x1b[" in out  # colour is on: the test means something
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert_safe_terminal(stripped)


LINK_BASE = "https://lore.kernel.org/r/"


def _kinds(tokens) -> set[str]:
    """The token types; a link is one only when it is not ours (the
    archive links of each mail, to LINK_BASE)."""
    return {t.type for t in tokens
            if not (t.type == "link_open" and str(t.attrs.get("href", "")).startswith(LINK_BASE))}


def _tokens(md: str):
    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    tokens = parser.parse(md)
    flat = []
    for t in tokens:
        flat.append(t)
        flat.extend(t.children or ())
    return flat


def _full_summary(review) -> str:
    return build_summary(review, full=True)


@pytest.mark.parametrize("render", [render_markdown, _full_summary], ids=["review", "summary"])
def test_markdown_escapes_hostile_text(render) -> None:
    md = render(hostile_review())
    assert not raw_invisible(md)
    tokens = _tokens(md)
    kinds = _kinds(tokens)
    assert "html_inline" not in kinds and "html_block" not in kinds
    assert "link_open" not in kinds and "s_open" not in kinds
    # Every heading is one we made, not a "# not a heading" line of the mail.
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not [h for h in headings if h.startswith("injected")]
    fences = [t.content for t in tokens if t.type == "fence"]
    comment = [f for f in fences if f.startswith("Comment ")]
    assert comment, "the comment is in a fence of its own"
    # Verbatim: every line, including the inner fence and the ~~~ line.
    assert "```\n# fenced\n```\n~~~\n" in comment[0]
    assert HTML in comment[0]
    assert safe_plain(HOSTILE) in comment[0]
    text = "".join(t.content for t in tokens if t.type == "text")
    assert "[link=http://x]click[/link]" in text and "<script>" in text


def _short_summaries_are_safe(review) -> None:
    """The summary (one line per comment) and its plain-text form: no raw
    control, no HTML or link of the mail's, no markup from mail text."""
    md = build_summary(review)
    assert not raw_invisible(md)
    assert not _kinds(_tokens(md)) & {"html_inline", "html_block", "link_open", "image"}
    text = build_summary(review, plain=True)
    assert not raw_invisible(text) and "\x1b" not in text
    assert max(len(line) for line in text.split("\n") if "://" not in line) <= 72


def test_short_summary_of_the_hostile_review() -> None:
    _short_summaries_are_safe(hostile_review())


def test_json_keeps_mail_text_exact() -> None:
    doc = render_json(hostile_review())
    dumped = json.dumps(doc, ensure_ascii=False)
    assert "\\u001b[31m" in dumped  # JSON escapes ESC itself
    comment = doc["messages"][1]["comments"][0]
    assert comment["text"].startswith("Comment " + HOSTILE)
    assert json.loads(dumped) == doc
    json.dumps(build_summary_json(hostile_review()))


# --------------------------------------------------------------------------
# a hostile mail through the whole pipeline


@pytest.fixture(scope="module")
def fuzz_review():
    from reviewkit.config import Config
    from reviewkit.pipeline import build_review

    return build_review([str(FUZZ / "render-hostile-thread.mbox")], config=Config())


def test_pipeline_hostile_mail_terminal(fuzz_review) -> None:
    console = plain_console(100)
    render_text(fuzz_review, console)
    assert not raw_invisible(console.file.getvalue())
    # Wide enough that nothing wraps, to find each literal whole.
    console = plain_console(400)
    render_text(fuzz_review, console)
    flat = console.file.getvalue()
    assert not raw_invisible(flat)
    for literal in ("[bold]evil[/]", "[link=http://x]click[/link]", "[/] stay text", "\\x1b[31mred\\x1b[0m",
                    "\\x1b]8;;http://evil\\x07click", "safe\\x08\\x08\\x08\\x08evil", "<U+202E>evil<U+202C>",
                    "<U+2067>isolate<U+2069>", "C1 \\x9b31m", "DEL \\x7f", "<script>alert(1)</script>",
                    "[red]Mallory[/]", "Is this safe?"):
        assert literal in flat, literal


def test_pipeline_hostile_mail_markdown(fuzz_review) -> None:
    _short_summaries_are_safe(fuzz_review)
    for md in (render_markdown(fuzz_review), build_summary(fuzz_review, full=True)):
        # The summary titles patches by the subject's title ("[bold]" is
        # read as a subject tag there); the review shows the whole subject.
        assert not raw_invisible(md)
        kinds = _kinds(_tokens(md))
        assert not kinds & {"html_inline", "html_block", "link_open"}
        fences = "".join(t.content for t in _tokens(md) if t.type == "fence")
        assert "<script>alert(1)</script>" in fences  # the comment, verbatim, in a fence
        text = "".join(t.content for t in _tokens(md) if t.type == "text")
        assert "evil[/] [link=http://x]click[/link] \\x1b[31mred" in text  # the subject, as text
        assert "```\n# fenced code inside a comment\n```" in md


def test_pipeline_hostile_archive_page() -> None:
    from reviewkit.config import Config
    from reviewkit.pipeline import build_review

    review = build_review([str(FUZZ / "render-hostile-archive-page.txt")], config=Config())
    console = plain_console(400)
    render_text(review, console)
    out = console.file.getvalue()
    assert not raw_invisible(out)
    for literal in ("[bold]drm[/]: fix \\x1b[2J\\x1b[Hcleared screen <U+202E>gnp.cod<U+202C>",
                    "comment [link=http://evil]Trusted Maintainer[/link]",
                    "drivers/gpu/\\x1b]8;;http://evil\\x07x.c\\x1b]8;;\\x07",
                    "Hidden \\x1b[8mconcealed\\x1b[28m text, a title change \\x1b]0;pwned\\x07 and [/] here.",
                    "lock(<U+202E>);", "<img src=x onerror=alert(1)>"):
        assert literal in out, literal
    _short_summaries_are_safe(review)
    for md in (render_markdown(review), build_summary(review, full=True)):
        assert not raw_invisible(md)
        tokens = _tokens(md)
        assert not _kinds(tokens) & {"html_inline", "html_block", "link_open", "image"}
        # Our tables only: the mail's "| col | col |" table stays in its fence.
        cells = [t.children[0].content for i, t in enumerate(tokens) if t.type == "inline"
                 and i and tokens[i - 1].type == "th_open" and t.children]
        assert "col" not in cells
        fences = "".join(t.content for t in tokens if t.type == "fence")
        assert "````\n<img src=x onerror=alert(1)>" in fences
