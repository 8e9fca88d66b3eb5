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
import re
import shutil

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from tests.conftest import DATA

HOSTILE = DATA / "fuzz" / "render-hostile-thread.mbox"
EVIL_NAME = "p\x1b]8;;http:evil\x07\u202e\x9b31m.mbox"
# raw terminal or bidi controls: none may reach the output
_RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


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
    assert not _RAW.findall(result.stdout), sorted({hex(ord(c)) for c in _RAW.findall(result.stdout)})
    assert not _RAW.findall(result.stderr)
    if fmt == "json":
        doc = json.loads(result.stdout)
        # escaped, not lost: the parsed document holds the mail text exact
        assert "\u202e" in json.dumps(doc, ensure_ascii=False)


def test_check_names_the_hostile_file_visibly(evil_copy) -> None:
    text = CliRunner().invoke(app, ["check", "--no-color", str(evil_copy)]).stdout
    assert "\\x1b]8;;http:evil\\x07\\u202e" in text  # the skipped reply names its file
    md = CliRunner().invoke(app, ["check", "--format", "markdown", str(evil_copy)]).stdout
    assert "<script>" not in md and "[link=" not in md.replace("\\[link=", "")


@pytest.mark.parametrize("command", ["review", "summary", "check", "functions"])
def test_an_error_line_shows_a_hostile_file_name_visibly(tmp_path, command: str) -> None:
    path = tmp_path / ("x\x1b[2J\u202eevil.txt")
    path.write_text("no mail here\n")
    result = CliRunner().invoke(app, [command, str(path)])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert not _RAW.findall(line)
    assert "x\\x1b[2J\\u202eevil.txt" in line  # \u202e, not the ambiguous \x202e
