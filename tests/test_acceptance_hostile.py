"""Acceptance: hostile mail and hostile file names through every command.

tests/data/fuzz/render-hostile-thread.mbox carries rich markup, ANSI and OSC
escapes, C1, DEL and bidi controls in its subject, names, diff and comment.
Here it goes through ``check`` and ``functions`` (``review`` and ``summary``
are covered by tests/test_render_fuzz.py), in every format, copied to a
file whose own name holds an OSC 8 hyperlink and a bidi override, which
warnings and error lines quote.
"""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from tests.conftest import DATA, raw_invisible

HOSTILE = DATA / "fuzz" / "render-hostile-thread.mbox"
EVIL_NAME = "p\x1b]8;;http:evil\x07\u202e\x9b31m.mbox"


@pytest.fixture()
def evil_copy(tmp_path):
    path = tmp_path / EVIL_NAME
    shutil.copy(HOSTILE, path)
    return path


@pytest.mark.parametrize("command, fmt", [
    ("check", "text"), ("check", "markdown"), ("check", "json"),
    ("functions", "text"), ("functions", "markdown"), ("functions", "json"),
    ("review", "json"), ("summary", "json"),
])
def test_no_raw_control_reaches_the_output(evil_copy, command: str, fmt: str) -> None:
    result = CliRunner().invoke(app, [command, "--format", fmt, str(evil_copy)])
    assert result.exit_code in (0, 1), result.stderr
    assert not raw_invisible(result.stdout), sorted({hex(ord(c)) for c in raw_invisible(result.stdout)})
    assert not raw_invisible(result.stderr)
    if fmt == "json":
        doc = json.loads(result.stdout)
        # escaped, not lost: the parsed document holds the mail text exact
        assert "\u202e" in json.dumps(doc, ensure_ascii=False)


def test_check_names_the_hostile_file_visibly(evil_copy) -> None:
    text = CliRunner().invoke(app, ["check", "--no-color", str(evil_copy)]).stdout
    assert "\\x1b]8;;http:evil\\x07<U+202E>" in text  # the skipped reply names its file
    md = CliRunner().invoke(app, ["check", "--format", "markdown", str(evil_copy)]).stdout
    # escaped where markdown would read markup: "\<script>" is text, and
    # "[link=...]" is no link
    from markdown_it import MarkdownIt

    tokens = [t for b in MarkdownIt("commonmark").parse(md) for t in [b, *(b.children or ())]]
    assert not {t.type for t in tokens} & {"link_open", "html_inline", "html_block"}
    assert "<script>" in "".join(t.content for t in tokens if t.type == "text")


@pytest.mark.parametrize("command", ["review", "summary", "check", "functions"])
def test_an_error_line_shows_a_hostile_file_name_visibly(tmp_path, command: str) -> None:
    path = tmp_path / ("x\x1b[2J\u202eevil.txt")
    path.write_text("no mail here\n")
    result = CliRunner().invoke(app, [command, str(path)])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert not raw_invisible(line)
    assert "x\\x1b[2J<U+202E>evil.txt" in line


def _invisible_patch(tmp_path):
    """A patch mail whose subject and commit message hide invisible characters."""
    import base64

    subject = "[PATCH] foo: use get\u200bpage() in foo\u2060_set()"
    encoded = base64.b64encode(subject.encode("utf-8")).decode("ascii")
    body = ("Call get\u200dpage() once.\ufeff Soft\u00adhyphen, a line\u2028separator.\n\n"
            "Signed-off-by: Ada Example <ada@example.org>\n---\n"
            " foo.c | 1 +\n 1 file changed, 1 insertion(+)\n\n"
            "diff --git a/foo.c b/foo.c\nindex 1111111..2222222 100644\n--- a/foo.c\n+++ b/foo.c\n"
            "@@ -1,2 +1,3 @@\n int foo;\n+int get\u200bpage;\n int bar;\n")
    path = tmp_path / "invisible.patch"
    path.write_bytes(("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
                      "From: Ada Example <ada@example.org>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n"
                      f"Subject: =?utf-8?b?{encoded}?=\nMIME-Version: 1.0\n"
                      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                      + body).encode("utf-8"))
    return path, subject


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_invisible_characters_are_shown_in_every_format(tmp_path, fmt: str) -> None:
    path, subject = _invisible_patch(tmp_path)
    result = CliRunner().invoke(app, ["review", "--format", fmt, str(path)])
    assert result.exit_code == 0, result.stderr
    assert not raw_invisible(result.stdout), sorted({hex(ord(c)) for c in raw_invisible(result.stdout)})
    if fmt == "json":
        for escaped in ("\\u200b", "\\u2060", "\\u200d", "\\ufeff", "\\u00ad", "\\u2028"):
            assert escaped in result.stdout, escaped
        doc = json.loads(result.stdout)
        assert doc["messages"][0]["subject"] == subject  # escaped, not lost
        return
    shown = result.stdout if fmt == "text" else result.stdout.replace("\\<", "<").replace("\\>", ">")
    for visible in ("get<U+200B>page()", "foo<U+2060>\\_set()" if fmt == "markdown" else "foo<U+2060>_set()",
                    "get<U+200D>page()", "once.<U+FEFF>", "Soft<U+00AD>hyphen", "line<U+2028>separator",
                    "int get<U+200B>page;"):
        assert visible in shown, visible
