"""The checklist renderers: terminal text, markdown, JSON; hostile mail text."""

from __future__ import annotations

import io
import json

from rich.console import Console

from reviewkit.config import Config
from reviewkit.model import CheckItem, Checklist, Status
from reviewkit.pipeline import build_checklist
from reviewkit.render.checklist import render_checklist_json, render_checklist_markdown, render_checklist_text

from tests.test_check_support import patch_117

HOSTILE = "[PATCH] pwm: [link=http://evil.example]x[/link] \x1b[31mred\u202e *y* | `z`"


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(width=100, file=out, legacy_windows=False, no_color=True), out


def hostile_checklist() -> Checklist:
    return Checklist(
        items=(
            CheckItem("series-numbering", Status.PASS, "not numbered", "series"),
            CheckItem("subject", Status.FAIL, "the summary ends with a period", "subject", HOSTILE, "RK501",
                      ("subject: the summary ends with a period (drop the final period)",), "drop the final period"),
            CheckItem("spelling", Status.WARN, 'a "[bold]x[/bold]" word', "drivers/x\x1b.c:3", HOSTILE, "RK601",
                      ("a", "b")),
        ),
        warnings=("x.patch: odd charset \x1b]8;;http://e\x07",),
    )


def test_text_shows_mail_text_literally() -> None:
    c, out = console()
    render_checklist_text(hostile_checklist(), c)
    text = out.getvalue()
    assert "\x1b" not in text and "\u202e" not in text
    assert "[link=http://evil.example]x[/link]" in text
    assert "\\x1b[31mred<U+202E>" in text
    assert '"[bold]x[/bold]"' in text
    assert "FAIL subject" in " ".join(text.split())
    assert "fix: drop the final period" in text
    assert "1 passed, 1 warned, 1 failed" in text


def test_markdown_escapes_mail_text() -> None:
    md = render_checklist_markdown(hostile_checklist())
    assert "\x1b" not in md and "\u202e" not in md
    # escaped where markdown would read markup, and only there: "[link=...]"
    # is no link, "| " is no table in a one-line heading
    assert "[link=http://evil.example]x[/link]" in md
    assert "\\*y\\*" in md and "\\`z\\`" in md
    from markdown_it import MarkdownIt

    tokens = [t for b in MarkdownIt("commonmark").enable("table").parse(md) for t in [b, *(b.children or ())]]
    assert not {t.type for t in tokens} & {"link_open", "html_inline", "html_block", "table_open"}
    assert "*y* | `z`" in "".join(t.content for t in tokens if t.type == "text")
    assert "- [ ] **fail** subject: the summary ends with a period (`subject`)" in md
    assert "- [x] **pass** series-numbering: not numbered" in md
    assert md.rstrip().endswith("exit status 1")


def test_json_is_versioned_and_complete() -> None:
    doc = render_checklist_json(hostile_checklist())
    assert doc["schema"] == "reviewkit.checklist" and doc["version"] == 1
    assert doc["exit_code"] == 1 and doc["counts"] == {"pass": 1, "warn": 1, "fail": 1}
    assert [i["name"] for i in doc["items"]] == ["series-numbering", "subject", "spelling"]
    assert doc["items"][1]["patch"] == HOSTILE and doc["items"][2]["details"] == ["a", "b"]
    json.dumps(doc)


def test_the_seed_patch_end_to_end() -> None:
    checklist = build_checklist([str(patch_117())], config=Config(rules=False))
    c, out = console()
    render_checklist_text(checklist, c)
    text = out.getvalue()
    assert "[PATCH v16 16/22] mm/mlock: reorder isolation sequence during munlock" in text
    assert '"tempary" may be misspelled: temporary, temporarily  [mm/mlock.c:333]' in text
    md = render_checklist_markdown(checklist)
    assert "**warn** style" in md  # a warning: it warns by default (fail-on error)
    doc = render_checklist_json(checklist)
    statuses = {i["name"]: i["status"] for i in doc["items"]}
    assert statuses["spelling"] == "warn" and statuses["signed-off-by"] == "pass"


def test_exit_codes() -> None:
    ok = Checklist((CheckItem("subject", Status.PASS, "", "subject"), CheckItem("x", Status.WARN, "", "")))
    assert ok.exit_code == 0
    assert hostile_checklist().exit_code == 1
    assert Checklist(ok.items, errors=("x: cannot read",)).exit_code == 2
    assert Checklist(()).exit_code == 2
