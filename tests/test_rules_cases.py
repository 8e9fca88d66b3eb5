"""Rule cases: C files under tests/rules/cases with ``ruleid``/``ok`` markers
(format in tests/rules/cases/README.md). Every marked finding must come out
with its rule, function and line; nothing unmarked may."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewkit.config import Config
from reviewkit.model import Patch, PatchSource, Severity
from reviewkit.rules.cases import build_codemap
from reviewkit.rules.engine import run_rules_with_warnings

CASES = Path(__file__).parent / "rules" / "cases"
MARKER = re.compile(r"/\*\s*(ruleid|ok):\s*(RK[0-9]{3}(?:\s*,\s*RK[0-9]{3})*)\s*\*/")
FLOW = Config(select=("RK1", "RK2", "RK3", "RK4"))


def find_cases() -> list[Path]:
    return sorted(CASES.glob("*.new.c"))


def read_markers(text: str) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """(rule, line) pairs that must fire and that must not."""
    want, ok = set(), set()
    for i, line in enumerate(text.splitlines(), start=1):
        for kind, ids in MARKER.findall(line):
            for rid in re.findall(r"RK[0-9]{3}", ids):
                (want if kind == "ruleid" else ok).add((rid, i + 1))
    return want, ok


def test_cases_were_found():
    cases = find_cases()
    assert len(cases) >= 5
    rules = set()
    for case in cases:
        want, ok = read_markers(case.read_text())
        rules |= {r for r, _ in want | ok}
    # every lock/reference/context rule has a case
    assert {"RK101", "RK102", "RK103", "RK104", "RK105", "RK112", "RK201", "RK202", "RK203", "RK204", "RK301", "RK302", "RK303", "RK304", "RK401", "RK402"} <= rules


@pytest.mark.parametrize("case", find_cases(), ids=lambda p: p.name)
def test_case(case: Path):
    new = case.read_text()
    old_path = case.with_name(case.name.replace(".new.c", ".old.c"))
    old = old_path.read_text() if old_path.exists() else ""
    codemap = build_codemap(old, new, file=case.name)
    patch = Patch("<case>", PatchSource.MAIL, case.name, "", "", "", ())
    findings, warnings = run_rules_with_warnings(patch, codemap, config=FLOW)
    assert warnings == []
    want, ok = read_markers(new)
    assert want, "a case must mark at least one finding"
    got = {(f.rule, f.line) for f in findings}
    missing = want - got
    assert not missing, f"expected findings not reported: {sorted(missing)}"
    unmarked = got - want
    assert not unmarked, "unmarked findings: " + "; ".join(f"{f.rule} {f.function}:{f.line} {f.message}" for f in findings if (f.rule, f.line) in unmarked)
    assert not (ok & got)
    # each finding names the function that holds its line, and says what to do
    spans = {fn.name: (fn.new.function.start, fn.new.function.end) for fn in codemap.functions if fn.new}
    for f in findings:
        start, end = spans[f.function]
        assert start <= f.line <= end, (f.function, f.line)
        assert f.message and f.suggestion and f.rationale
        assert f.file == case.name


def _flow_findings(code: str):
    codemap = build_codemap("", code)
    patch = Patch("<case>", PatchSource.MAIL, "case", "", "", "", ())
    findings, warnings = run_rules_with_warnings(patch, codemap, config=FLOW)
    assert warnings == []
    return [(f.rule, f.function, f.severity.value) for f in findings]


def test_an_enable_count_dropped_twice_is_a_note_a_reference_an_error():
    # stm32_pwm_write_waveform's shape: the disable branch gives back the
    # count an earlier enable left behind, then the common exit drops the
    # count this call took (judged noise in linux-pwm's postings). An
    # object's reference has no such owner.
    code = (
        "static int foo_write(struct foo *priv, bool off)\n{\n\tint ret;\n\n"
        "\tret = clk_enable(priv->clk);\n\tif (ret)\n\t\treturn ret;\n"
        "\tif (off && foo_running(priv))\n\t\tclk_disable(priv->clk);\n"
        "\tclk_disable(priv->clk);\n\treturn 0;\n}\n\n"
        "static void foo_node(struct device_node *parent)\n{\n"
        "\tstruct device_node *np = of_get_child_by_name(parent, \"x\");\n\n"
        "\tif (!np)\n\t\treturn;\n\tif (foo_node_ok(np))\n\t\tof_node_put(np);\n"
        "\tof_node_put(np);\n}\n"
    )
    assert sorted(_flow_findings(code)) == [("RK201", "foo_node", "error"), ("RK201", "foo_write", "info")]


def test_regmap_under_a_spinlock_is_a_warning_unless_the_map_is_on_a_sleeping_bus():
    apply = (
        "static int foo_apply(struct foo *foo, u32 v)\n{\n\tunsigned long flags;\n\n"
        "\tspin_lock_irqsave(&foo->lock, flags);\n\tregmap_write(foo->map, 4, v);\n"
        "\tspin_unlock_irqrestore(&foo->lock, flags);\n\treturn 0;\n}\n"
    )
    probe = (
        "\nstatic int foo_probe(struct i2c_client *client)\n{\n\tstruct foo *foo = i2c_get_clientdata(client);\n\n"
        "\tfoo->map = devm_regmap_init_i2c(client, &foo_config);\n\treturn PTR_ERR_OR_ZERO(foo->map);\n}\n"
    )
    assert _flow_findings(apply) == [("RK301", "foo_apply", "warning")]
    assert _flow_findings(apply + probe) == [("RK301", "foo_apply", "error")]


def test_a_chip_callback_that_sleeps_in_two_places_is_one_finding_naming_both():
    code = (CASES / "chip_flags_direction.new.c").read_text()
    codemap = build_codemap("", code)
    patch = Patch("<case>", PatchSource.MAIL, "case", "", "", "", ())
    findings, _ = run_rules_with_warnings(patch, codemap, config=FLOW)
    rows = [(f.rule, f.function, f.line) for f in findings]
    assert rows == [("RK308", "dir_gpio_set", 37)]
    assert "it may also sleep in usleep_range() (line 40)" in findings[0].message


def test_a_lock_shared_with_irq_set_type_is_a_lock_order_and_unseen_callers_make_a_warning():
    # irq_set_type() runs from a task under the descriptor's lock: the
    # hazard is a lock order, not an interrupt on this CPU. The direction
    # callback is called by nothing visible: irqs may be off already.
    code = (
        "static int baz_irq_set_type(struct irq_data *d, unsigned int type)\n{\n"
        "\tstruct baz *baz = irq_data_get_irq_chip_data(d);\n\n"
        "\traw_spin_lock(&baz->lock);\n\tbaz->type = type;\n\traw_spin_unlock(&baz->lock);\n\treturn 0;\n}\n\n"
        "static const struct irq_chip baz_irq_chip = {\n\t.irq_set_type = baz_irq_set_type,\n};\n\n"
        "static int baz_dir_out(struct baz *baz, unsigned int off)\n{\n"
        "\traw_spin_lock(&baz->lock);\n\tbaz->dir |= BIT(off);\n\traw_spin_unlock(&baz->lock);\n\treturn 0;\n}\n\n"
        "static int baz_set_dir(struct baz *baz, unsigned int off)\n{\n"
        "\traw_spin_lock(&baz->lock);\n\tbaz->dir &= ~BIT(off);\n\traw_spin_unlock(&baz->lock);\n\treturn 0;\n}\n\n"
        "static int baz_probe(struct baz *baz)\n{\n\treturn baz_set_dir(baz, 0);\n}\n"
    )
    codemap = build_codemap("", code)
    patch = Patch("<case>", PatchSource.MAIL, "case", "", "", "", ())
    findings, _ = run_rules_with_warnings(patch, codemap, config=FLOW)
    got = {(f.rule, f.function, f.line, f.severity.value) for f in findings}
    assert got == {("RK306", "baz_dir_out", 17, "warning"), ("RK306", "baz_set_dir", 25, "error")}
    for f in findings:
        assert "lock order" in f.message and "comes in on this CPU" not in f.message
    assert "nothing visible calls baz_dir_out()" in next(f.message for f in findings if f.function == "baz_dir_out")


def test_a_reference_lost_to_a_new_value_says_so_by_the_variables_name():
    code = (CASES / "refs.new.c").read_text()
    codemap = build_codemap("", code)
    patch = Patch("<case>", PatchSource.MAIL, "case", "", "", "", ())
    findings, _ = run_rules_with_warnings(patch, codemap, config=FLOW)
    lost = [f.message for f in findings if f.function == "foo_count"]
    assert lost and all("@" not in m for m in lost)
    assert any("is lost when line" in m and "gives np another value" in m for m in lost)


_MOVED_OLD = """
static int foo_start(struct foo *foo)
{
	int ret;

	mutex_lock(&foo->mutex);
	ret = regmap_write(foo->map, FOO_CTRL, FOO_GO);
	foo->running = !ret;
	mutex_unlock(&foo->mutex);
	return ret;
}
"""
_MOVED_NEW = """
static int foo_start(struct foo *foo)
{
	int ret;

	mutex_lock(&foo->mutex);
	foo->running = true;
	ret = regmap_write(foo->map, FOO_CTRL, FOO_GO);
	mutex_unlock(&foo->mutex);
	if (ret)
		foo->running = false;
	return ret;
}
"""


def test_write_after_unlock_is_a_warning_when_the_patch_moves_it_and_a_note_in_new_code():
    """RK107: a write the patch moves past the unlock is a warning; the same
    code as a new function is a note (it may own the object by then)."""
    patch = Patch("<case>", PatchSource.MAIL, "foo.c", "", "", "", ())
    moved, _ = run_rules_with_warnings(patch, build_codemap(_MOVED_OLD, _MOVED_NEW, file="foo.c"), config=FLOW)
    fresh, _ = run_rules_with_warnings(patch, build_codemap("", _MOVED_NEW, file="foo.c"), config=FLOW)
    assert [(f.rule, f.function, f.line, f.severity) for f in moved if f.rule == "RK107"] == [
        ("RK107", "foo_start", 11, Severity.WARNING)]
    assert [(f.rule, f.function, f.line, f.severity) for f in fresh if f.rule == "RK107"] == [
        ("RK107", "foo_start", 11, Severity.INFO)]
