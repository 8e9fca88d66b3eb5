"""Each rule's documentation examples are tests: an ``Okay:`` line must not
fire the rule, an ``RKnnn:`` line must (pycodestyle's selftest idea).

``OLD ==> NEW`` gives both versions of the function; without ``==>`` the
function is new.
"""

from __future__ import annotations

import pytest

from reviewkit.config import Config
from reviewkit.model import Patch, PatchSource
from reviewkit.rules.cases import build_codemap, parse_examples
from reviewkit.rules.engine import load_rules, run_rules_with_warnings

FLOW_RULES = [r for r in load_rules() if r.id[2] in "1234"]
PATCH = Patch("<example@rules>", PatchSource.MAIL, "[PATCH] x", "", "", "", ())
EXAMPLES = [(r, i, ex) for r in FLOW_RULES for i, ex in enumerate(parse_examples(r.doc))]


def test_every_flow_rule_has_both_kinds_of_example():
    for r in FLOW_RULES:
        kinds = {ex.expect for ex in parse_examples(r.doc)}
        assert "Okay" in kinds, f"{r.id} has no Okay: example"
        assert r.id in kinds, f"{r.id} has no {r.id}: example"


@pytest.mark.parametrize("rule,index,example", EXAMPLES, ids=[f"{r.id}-{i}-{ex.expect}" for r, i, ex in EXAMPLES])
def test_doc_example(rule, index, example):
    codemap = build_codemap(example.old, example.new)
    assert codemap.functions, "the example defines no function"
    got, warnings = run_rules_with_warnings(PATCH, codemap, config=Config(select=(rule.id,)))
    assert warnings == []
    if example.expect == "Okay":
        assert got == [], [f.message for f in got]
    else:
        assert got, f"{rule.id} did not fire on: {example.new}"
        assert {f.rule for f in got} == {rule.id}
        assert all(f.function == "f" and f.line == 1 and f.message and f.suggestion and f.rationale for f in got)


@pytest.mark.parametrize("module", ["reviewkit.rules.resources", "reviewkit.rules.extract"])
def test_module_doctests(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
