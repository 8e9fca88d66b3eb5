"""docs/rules.md is generated from the rules' docstrings and must be current."""

from __future__ import annotations

from pathlib import Path

from reviewkit.rules.docs import render_rules_markdown
from reviewkit.rules.engine import load_rules

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_rules_doc_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render_rules_markdown(), (
        "docs/rules.md is stale: run `python -m reviewkit.rules.docs > docs/rules.md`"
    )


def test_rules_doc_has_every_rule_and_its_examples():
    text = render_rules_markdown()
    for r in load_rules():
        assert f"## {r.id} {r.name}" in text
    assert "    RK202: void f(struct page *page, int c)" in text
    assert "**Suggested change**" in text


def test_the_documented_config_example_loads():
    import re
    import tomllib

    from reviewkit.rules.knowledge import load_knowledge

    example = re.search(r"```toml\n(.*?)```", render_rules_markdown(), re.S).group(1)
    kb = load_knowledge(tomllib.loads(example)["knowledge"])
    assert kb.ops["my_lock"].family == "my-lock"
    assert kb.irq_twins["__my_stat_add"] == "my_stat_add"
