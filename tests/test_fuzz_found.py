"""Every input that once broke reviewkit, through every command and format.

tests/data/fuzz-found/ holds the mails and patches (README.md says what
each broke and where it came from); campaign/ beside them holds what
``benchmarks/fuzz.py`` kept. Each goes through ``review`` (text, markdown,
JSON), ``summary`` and ``check``: exit 0, 1 or 2, never an internal error;
an exit 2 is one line on stderr. Where the input holds reviewer comments,
none is lost (tests/outputs.py). Time and memory per input are measured by
``benchmarks/bench_hostile.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewkit.config import load_config
from reviewkit.errors import ReviewkitError
from tests.conftest import DATA
from tests.outputs import build_review_once, find_lost_lines, invoke_once

FOUND = DATA / "fuzz-found"
# the config files of probes/min-13 are usage-error inputs, not mail
INPUTS = sorted(p for p in FOUND.rglob("*") if p.is_file() and p.suffix not in (".md", ".toml"))
RUNS = [("review", "text"), ("review", "markdown"), ("review", "json"), ("summary", "markdown"),
        ("summary", "json"), ("check", "text")]


def _id(path: Path) -> str:
    return str(path.relative_to(FOUND))


def _review(path: Path):
    return build_review_once((str(path),), load_config(None, repo=None))


def test_the_reproducers_are_there() -> None:
    names = {p.name for p in INPUTS}
    assert {"recursion-cfg.eml", "indexerror-layout.eml", "slow-over-60s.eml", "thread-slow-20s.mbox",
            "dup-collision.mbox", "from-line-in-eml.eml", "bomb-2GB-line.mbox.gz", "else-if-10000.patch"} <= names
    assert len(INPUTS) >= 30


@pytest.mark.parametrize("command, fmt", RUNS)
@pytest.mark.parametrize("path", INPUTS, ids=_id)
def test_every_command_ends_with_a_verdict(path: Path, command: str, fmt: str) -> None:
    result = invoke_once(command, fmt, str(path))
    where = f"{command} --format {fmt} {_id(path)}"
    assert result.exit_code in (0, 1, 2), f"{where}: exit {result.exit_code}: {result.stderr[-300:]!r}"
    assert result.exit_code != 1 or command == "check", where
    if result.exit_code == 2 and not result.stdout:  # (check reports a mail that is no patch in its list)
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("reviewkit: "), where
    elif fmt == "json":
        json.loads(result.stdout)


@pytest.mark.parametrize("path", [p for p in INPUTS if not p.name.endswith(".gz")], ids=_id)
def test_no_comment_line_is_lost(path: Path) -> None:
    try:
        review = _review(path)
    except ReviewkitError:
        return  # input the review refuses with one line (checked above)
    assert find_lost_lines(review) == []


def _comments(path: Path) -> list[tuple[str, str, str]]:
    doc = json.loads(invoke_once("review", "json", str(path)).stdout)
    return [(m["msgid"], c["author"], c["text"]) for m in doc["messages"] for c in m["comments"]]


def test_colliding_message_ids_keep_every_comment_once_under_its_author() -> None:
    path = FOUND / "probes" / "min-04-msgid-dedupe-collision-comment-lost" / "dup-collision.mbox"
    assert _comments(path) == [
        ("<a@x>", "Alice", "First message, comment ALPHA."),
        ("<a@x#dup2>", "Bob", "Second message, comment BRAVO."),
        ("<a@x#dup3>", "Carol", "Third message, comment CHARLIE."),
    ]


def test_a_from_line_in_a_single_mail_keeps_the_comment_after_it() -> None:
    path = FOUND / "probes" / "min-05-from-line-in-eml-comment-lost" / "from-line-in-eml.eml"
    assert _comments(path) == [
        ("<r1@example.com>", "Reviewer", "Hi,"),
        ("<r1@example.com>", "Reviewer", "You pasted this from your log:\nFrom bot@example.com Mon Jan  1 00:00:00 2024\n"
         "Nit: this lock is never released on the error path.\nNote: also check foo_remove().\n\nThanks"),
    ]


def test_duplicate_message_ids_of_a_thread_become_unique() -> None:
    doc = json.loads(invoke_once("review", "json", str(FOUND / "thread-duplicate-msgid.mbox")).stdout)
    ids = [m["msgid"] for m in doc["messages"]]
    assert len(ids) == len(set(ids)) == 5


@pytest.mark.parametrize("name", ["bomb-256MB-lines.mbox.gz", "bomb-2GB-line.mbox.gz"])
def test_a_gzip_bomb_is_refused_in_one_line(name: str) -> None:
    result = invoke_once("review", "json", str(FOUND / "probes" / "min-12-gzip-bombs" / name))
    assert result.exit_code == 2
    assert "the gzip data expands" in result.stderr and "not read further" in result.stderr


def _warnings(path: Path) -> list[str]:
    return list(_review(path).warnings)


def test_what_is_skipped_is_said() -> None:
    probes = FOUND / "probes"
    [absurd] = [w for w in _warnings(probes / "min-01-absurd-hunk-numbers-memory" / "absurd-old-start.patch")
                if "past the" in w]
    assert absurd.endswith("mm/foo.c: hunk 1 old line 999999999 is past the 1,000,000 lines of any real source "
                           "file: those lines are not mapped to functions")
    assert any(w.endswith("mm/foo.c: new line 3 is 2,000,011 characters long (bound 4,096): left out of the parse")
               for w in _warnings(probes / "min-11-long-expression-line-memory" / "line-2MB.patch"))
    assert any(w == "mm/foo.c: new line 13 is 5,000 characters long (bound 4,096): left out of the parse"
               for w in _warnings(probes / "min-10-nested-update-expression-quadratic" / "added-minus-5000.patch"))
    assert any(w.startswith("RK101: not analysed: foo: its path states hold more than 50,000 resources")
               for w in _warnings(probes / "min-09-lock-dataflow-quadratic" / "hunk-5000.patch"))


def test_deep_nesting_is_analysed() -> None:
    # 250 nested blocks: the CFG is built (its own stack), the rules run
    review = _review(FOUND / "probes" / "min-03-recursion-nested-braces" / "braces-250.patch")
    [cm] = review.codemaps
    assert [(cf.name, cf.new.cfg is not None) for cf in cm.functions] == [("f", True)]
