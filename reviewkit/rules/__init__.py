"""Rules stage: findings over changed functions, from a knowledge base.

Importing the package registers every rule (the rule modules are cheap:
no tree-sitter until a rule runs), so ``reviewkit.rules.registry.all_rules()``
lists them after ``import reviewkit.rules``. ``run_rules``,
``run_rules_with_warnings`` and ``load_knowledge`` are resolved lazily.
The CLI imports this package only inside the commands that need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from reviewkit.rules.engine import run_rules, run_rules_with_warnings
    from reviewkit.rules.knowledge import load_knowledge

__all__ = ["run_rules", "run_rules_with_warnings", "load_knowledge"]


def __getattr__(name: str) -> Any:
    if name in ("run_rules", "run_rules_with_warnings"):
        from reviewkit.rules import engine

        return getattr(engine, name)
    if name == "load_knowledge":
        from reviewkit.rules.knowledge import load_knowledge

        return load_knowledge
    raise AttributeError(f"module 'reviewkit.rules' has no attribute {name!r}")


def _register() -> None:
    from reviewkit.rules.engine import load_rules

    load_rules()


_register()
