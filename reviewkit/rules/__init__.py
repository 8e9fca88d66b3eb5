"""Rules stage: findings over changed functions, from a knowledge base.

``run_rules`` and ``run_rules_with_warnings`` are imported lazily so that
importing the package stays cheap (the CLI's cold start).
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
