"""The engine: parameters by name, per-rule failure isolation, the bound,
diff-awareness, ordering and msgid."""

from __future__ import annotations

import pytest

from reviewkit.config import Config
from reviewkit.model import Patch, PatchSource, Severity
from reviewkit.rules import registry
from reviewkit.rules.cases import build_codemap
from reviewkit.rules.engine import run_rules, run_rules_with_warnings

PATCH = Patch("<p@x>", PatchSource.MAIL, "[PATCH] x", "", "", "", ())
FLOW = Config(select=("RK1", "RK2", "RK3", "RK4"))

LEAK = """
int f(struct dev *d, int x)
{
	spin_lock(&d->lock);
	if (x)
		return -EINVAL;
	spin_unlock(&d->lock);
	return 0;
}
"""


def test_findings_carry_msgid_and_are_sorted():
    cm = build_codemap("", LEAK + LEAK.replace("int f(", "int g("))
    found = run_rules(PATCH, cm, config=FLOW)
    assert [(f.rule, f.function, f.line) for f in found] == [("RK101", "f", 6), ("RK101", "g", 15)]
    assert all(f.msgid == "<p@x>" and f.severity is Severity.ERROR for f in found)


def test_only_what_the_patch_introduced():
    # the same leak on both sides is not the patch's doing
    cm = build_codemap(LEAK, LEAK.replace("\treturn 0;", "\td->n = 1;\n\treturn 0;"))
    assert run_rules(PATCH, cm, config=FLOW) == []


def test_a_failing_rule_becomes_a_warning(monkeypatch):
    def broken(fn):
        """Broken on purpose."""
        raise KeyError("boom")

    monkeypatch.setitem(registry._RULES, "RK199", registry.Rule("RK199", "broken", "lock-pairing", Severity.ERROR, broken, ("fn",)))
    found, warnings = run_rules_with_warnings(PATCH, build_codemap("", LEAK), config=FLOW)
    assert [f.rule for f in found] == ["RK101"]
    assert warnings == ["RK199 (broken) failed in f: KeyError: 'boom'"]


def test_too_many_paths_is_said_not_guessed():
    # sixteen flags each tested twice: 2**16 path states, over the bound
    flags = [f"c{i}" for i in range(16)]
    body = "".join(f"\tif ({c})\n\t\ta_{c}();\n" for c in flags * 2)
    src = "void f(struct dev *d, " + ", ".join(f"int {c}" for c in flags) + ")\n{\n\tspin_lock(&d->lock);\n" + body + "}\n"
    found, warnings = run_rules_with_warnings(PATCH, build_codemap("", src), config=Config(select=("RK101",)))
    assert found == []
    assert warnings and warnings[0].startswith("RK101: not analysed: f: more than 10000 path states")


def test_config_knowledge_extends_the_rules():
    src = "void f(struct dev *d, int x)\n{\n\tmy_lock(&d->m);\n\tif (x)\n\t\treturn;\n\tmy_unlock(&d->m);\n}\n"
    cm = build_codemap("", src)
    assert run_rules(PATCH, cm, config=FLOW) == []
    extra = {"lock": [{"id": "my", "family": "my", "acquire": ["my_lock"], "release": ["my_unlock"], "context": ["sleepable"]}]}
    found = run_rules(PATCH, cm, config=Config(select=("RK1",), knowledge=extra))
    assert [(f.rule, f.line) for f in found] == [("RK101", 5)]


def test_each_side_is_walked_once_per_run(monkeypatch):
    # every flow rule reads the same walk; a callee is walked once too
    from reviewkit.rules import flows

    walked = []
    real = flows.explore

    def counting(cfg, kb, **kw):
        walked.append((cfg.function, cfg.side.value))
        return real(cfg, kb, **kw)

    monkeypatch.setattr(flows, "explore", counting)
    cm = build_codemap(LEAK, LEAK.replace("\treturn 0;", "\td->n = 1;\n\treturn 0;"))
    found, warnings = run_rules_with_warnings(PATCH, cm, config=FLOW)
    assert warnings == []
    assert sorted(walked) == [("f", "new"), ("f", "old")]


def test_a_flow_rule_runs_per_function():
    def bad(flow):
        """Reads a flow without a function."""
        return iter(())

    with pytest.raises(ValueError, match="needs fn"):
        registry.rule("RK198", category="lock-pairing", severity=Severity.ERROR)(bad)
