"""RK602: temporary-hack markers, and the marker data file."""

from __future__ import annotations

import pytest

from reviewkit.config import Config
from reviewkit.errors import ConfigError
from reviewkit.model import CodeMap, DiffLine, Finding, FileDiff, Hunk, Patch, PatchSource
from reviewkit.rules.engine import run_rules_with_warnings
from reviewkit.rules.style import parse_markers, shipped_markers

from tests.test_check_support import load, patch_117


def _patch(lines: list[tuple[str, str]]) -> Patch:
    dls = tuple(DiffLine(k, t, None if k == "+" else 20 + i, 20 + i) for i, (k, t) in enumerate(lines))
    fd = FileDiff("mm/x.c", "mm/x.c", None, None, (Hunk(20, 1, 20, len(lines), "", dls),))
    return Patch("x@y", PatchSource.MAIL, "[PATCH] mm: x", "", "", "", (fd,))


def temporary_markers(patch: Patch) -> list[Finding]:
    """RK602's findings over ``patch``, run by the engine."""
    found, warnings = run_rules_with_warnings(patch, CodeMap(patch.msgid, (), False), config=Config(select=("RK602",)))
    assert warnings == []
    return found


def test_the_seed_patch_says_will_remove_later() -> None:
    [(_, patch)] = load(patch_117())
    found = temporary_markers(patch)
    assert [(f.rule, f.category, f.file, f.line) for f in found] == [("RK602", "style", "mm/mlock.c", 333)]
    assert found[0].message.startswith('"will remove later"')


@pytest.mark.parametrize("line", [
    "/* HACK: poke the register twice */",
    "x = 1; /* XXX */",
    "// FIXME: locking",
    "/* TODO: remove once the firmware is fixed */",
    "/* temporary workaround for the A0 stepping */",
    "/* remove this later */",
    "/* for debug only */",
])
def test_markers_in_added_comments_fire(line: str) -> None:
    assert [f.line for f in temporary_markers(_patch([("+", line)]))] == [20]


@pytest.mark.parametrize("line", [
    '\tpr_info("XXX: reserved\\n");',  # strings are left alone
    "/* we hack around the errata below, see the datasheet */",  # prose "hack"
    "/* the TODO list lives in Documentation/ */",
    "/* the caller removes the entry later, under the lock */",
])
def test_look_alikes_do_not_fire(line: str) -> None:
    assert temporary_markers(_patch([("+", line)])) == []


def test_context_and_removed_lines_do_not_fire() -> None:
    assert temporary_markers(_patch([(" ", "/* XXX */"), ("-", "/* HACK */")])) == []


def test_marker_file_errors_name_the_line() -> None:
    assert len(shipped_markers()) >= 8
    with pytest.raises(ConfigError, match="markers.txt:2: expected"):
        parse_markers("# comment\nno separator here\n", "markers.txt")
    with pytest.raises(ConfigError, match="markers.txt:1: bad pattern"):
        parse_markers("(unclosed = oops\n", "markers.txt")
