"""Acceptance: ``check`` as an author reads it.

tests/data/corpus/patches/117_*.eml (the seed posting) fails on what the
rules find, and RK103 suggests a block of code there ("merge the unlock
paths: ... if (clearlru) {"): the block must stay under its item, indented
in the terminal and fenced inside the list item in markdown, never folded
into one line or pushed to column 0.
"""

from __future__ import annotations

import re

import pytest

from typer.testing import CliRunner

from reviewkit.cli import app
from tests.conftest import CORPUS

SEED_POSTING = next((CORPUS / "patches").glob("117_*.eml"))


def _check(*args: str):
    return CliRunner().invoke(app, ["check", *args, str(SEED_POSTING)])


def test_the_seed_posting_fails_on_the_rules_and_passes_its_format() -> None:
    assert _check("--format", "json").exit_code == 0  # by default only an error fails
    result = _check("--format", "json", "--fail-on", "warning")
    assert result.exit_code == 1
    import json

    items = {i["name"]: i for i in json.loads(result.stdout)["items"]}
    for name in ("subject", "signed-off-by", "commit-message", "fixes-tag", "diffstat", "whitespace",
                 "series-numbering"):
        assert items[name]["status"] == "pass", name
    assert items["rules"]["status"] == "fail"
    assert items["spelling"]["status"] == "fail" and items["style"]["status"] == "fail"


def test_a_suggested_block_of_code_stays_under_its_item_in_the_terminal() -> None:
    out = _check("--no-color").stdout
    lines = out.split("\n")
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("if (clearlru) {")]
    assert starts, out
    for i in starts:
        assert lines[i - 1].lstrip().startswith("- mm/mlock.c:") and "fix:" in lines[i - 1]
        block = []
        for line in lines[i:]:
            if not line.startswith(" " * 13):
                break
            block.append(line)
        assert block[-1].strip() == "}", block
        assert "spin_unlock_irq(&" in "\n".join(block)
    # nothing of the block leaks to column 0
    assert not [line for line in lines if line.startswith(("if (", "spin_unlock", "else", "}"))]


def test_a_suggested_block_of_code_is_fenced_in_its_list_item_in_markdown() -> None:
    md = _check("--format", "markdown").stdout
    fences = re.findall(r"(?m)^ {4}```c\n((?: {4}.*\n|\n)*?) {4}```$", md)
    assert fences, md
    assert any("if (clearlru) {" in f and "spin_unlock_irq(&pgdat->lru_lock);" in f for f in fences)
    assert "{ \tlruvec" not in md  # not folded into one line


# A non-git diff names both trees (--- 5.8-rc5-lru16/mm/swap.c, +++ linux/mm/swap.c):
# the paths drop them as patch -p1 does, so the diffstat item agrees.
def test_a_non_git_diff_in_a_reply_has_the_paths_its_diffstat_names() -> None:
    import json

    hugh = CORPUS / "replies" / "002_v16-00-hugh-pgrotated-fix.eml"
    result = CliRunner().invoke(app, ["check", "--format", "json", str(hugh)])
    items = {i["name"]: i for i in json.loads(result.stdout)["items"]}
    assert items["diffstat"]["status"] == "pass", items["diffstat"]["details"]
