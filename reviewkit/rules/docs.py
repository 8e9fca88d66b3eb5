"""Render the rules' documentation (their docstrings) as markdown.

``python -m reviewkit.rules.docs > docs/rules.md`` regenerates the file;
``tests/test_rules_doc.py`` fails when it is stale.
"""

from __future__ import annotations

import sys

from reviewkit.rules.registry import Rule

HEADER = """# reviewkit rules

Generated from the rules' docstrings by `python -m reviewkit.rules.docs`;
do not edit by hand. Every rule runs by default; turn one off with
`disable = ["RK103"]` in the config, or choose with `--select`/`--ignore`
(prefixes, the longest match wins).

The lock, reference and context rules (RK1xx-RK4xx) read a knowledge base
shipped as data, `reviewkit/rules/knowledge.toml` (its header documents
every table). The config extends it with the same schema, e.g. in
`.reviewkit.toml`:

```toml
[[knowledge.lock]]
id = "my-lock"
family = "my-lock"
acquire = ["my_lock"]
release = ["my_unlock"]
context = ["atomic"]

[[knowledge.irq_helper]]
name = "__my_stat_add"
twin = "my_stat_add"
```

They compare the old and the new side of each changed function and report
only what the patch introduced, on new-side lines.

"""


def render_rule_markdown(rule: Rule) -> str:
    """One rule's section: a heading, its id/category/severity, the docstring."""
    lines = [f"## {rule.id} {rule.name}", "", f"*{rule.category}*, severity {rule.severity.value}", ""]
    body = rule.doc.splitlines()
    lines.append(body[0] if body else "")
    in_example = False
    for line in body[1:]:
        stripped = line.strip()
        if stripped.endswith(":") and not line.startswith(" ") and stripped[:-1] in (
            "What it flags", "Why it matters", "Example", "Suggested change", "Knowledge used", "Limits"
        ):
            in_example = stripped == "Example:"
            lines += ["", f"**{stripped[:-1]}**", ""]
            continue
        if in_example and stripped:
            lines.append(f"    {stripped}")
        else:
            lines.append(stripped)
    text = "\n".join(lines).rstrip() + "\n"
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def render_rules_markdown() -> str:
    """The whole rules document, rules in id order."""
    from reviewkit.rules.engine import load_rules

    table = ["| id | name | category | severity | what |", "|---|---|---|---|---|"]
    for r in load_rules():
        summary = r.summary.replace("|", "\\|")
        table.append(f"| {r.id} | {r.name} | {r.category} | {r.severity.value} | {summary} |")
    sections = [render_rule_markdown(r) for r in load_rules()]
    return HEADER + "\n".join(table) + "\n\n" + "\n".join(sections)


def main() -> int:
    sys.stdout.write(render_rules_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
