"""The ``Example:`` lines of the RK5xx/RK6xx docstrings are tests where they
are single lines: an ``RKnnn:`` line fires the rule, an ``Okay:`` line does not.

RK501 examples are subjects, RK506 examples commit message lines, RK601 and
RK602 examples added lines of a C file.
"""

from __future__ import annotations

import re

import pytest

from reviewkit.config import Config
from reviewkit.model import CodeMap, DiffLine, FileDiff, Hunk, Patch, PatchSource
from reviewkit.rules.engine import run_rules_with_warnings
from reviewkit.rules.registry import all_rules

LINE_RULES = ("RK501", "RK506", "RK601", "RK602")


def examples(rule_id: str) -> list[tuple[str, str]]:
    rule = next(r for r in all_rules() if r.id == rule_id)
    doc = rule.doc
    part = doc.split("Example:", 1)[1].split("Suggested change:", 1)[0]
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^\s*(Okay|RK\d{3}):\s?(.*)$", part, re.M)]


def run(rule_id: str, text: str) -> list:
    if rule_id == "RK501":
        patch = Patch("x@y", PatchSource.MAIL, text.removeprefix("Subject: "), "", "", "", ())
    elif rule_id == "RK506":
        patch = Patch("x@y", PatchSource.MAIL, "[PATCH] mm: x", text, "", "", ())
    else:
        line = DiffLine("+", text, None, 1)
        fd = FileDiff("mm/x.c", "mm/x.c", None, None, (Hunk(1, 0, 1, 1, "", (line,)),))
        patch = Patch("x@y", PatchSource.MAIL, "[PATCH] mm: x", "", "", "", (fd,))
    found, warnings = run_rules_with_warnings(patch, CodeMap("x@y", (), False), config=Config(select=(rule_id,)))
    assert warnings == []
    return found


CASES = [(rid, kind, text) for rid in LINE_RULES for kind, text in examples(rid)]


def test_every_line_rule_has_both_kinds() -> None:
    for rid in LINE_RULES:
        kinds = {k for k, _ in examples(rid)}
        assert kinds == {"Okay", rid}, rid


def test_every_rule_documents_the_six_sections() -> None:
    for r in all_rules():
        if r.id[2] in "56":
            for section in ("What it flags:", "Why it matters:", "Example:", "Suggested change:",
                            "Knowledge used:", "Limits:"):
                assert section in r.doc, (r.id, section)


@pytest.mark.parametrize("rule_id,kind,text", CASES, ids=[f"{r}-{k}-{i}" for i, (r, k, _) in enumerate(CASES)])
def test_doc_example(rule_id: str, kind: str, text: str) -> None:
    found = [f for f in run(rule_id, text) if f.severity.value != "info"]
    if kind == "Okay":
        assert found == [], [f.message for f in found]
    else:
        assert found and {f.rule for f in found} == {rule_id}
