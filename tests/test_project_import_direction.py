"""Imports flow one way through the stages (DESIGN.md):

    source -> mail -> quotes -> patch -> cmap -> rules -> versions -> check -> overview -> render

(``knowledge`` sits beside the rules: its build reads their tables, and the
pipeline hands the rules what it learned.)

A module of a stage imports its own stage, earlier stages, and the shared
records, settings and cache (``model``, ``config``, ``errors``, ``cache``); never a later
stage, nor the modules that chain the stages (``pipeline``, ``cli``). Render
gets data and reads no files: it imports no reader, no parser, no rule.

Every import counts: at the top of a module, inside a function, under
``TYPE_CHECKING``, and a module named in a string (``importlib`` calls,
the lazy export tables of the package ``__init__`` files).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reviewkit"
STAGES = ("source", "mail", "quotes", "patch", "cmap", "rules", "knowledge", "versions", "check", "overview",
          "render")
SHARED = ("model", "config", "errors", "cache")
MODULE = re.compile(r"^reviewkit(?:\.\w+)+$")


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def imports_of(path: Path) -> set[str]:
    """The reviewkit modules ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _name(path) if path.name == "__init__.py" else _name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            found.add(base)
            # "from reviewkit import model" names a module too
            found.update(f"{base}.{a.name}" for a in node.names if _exists(f"{base}.{a.name}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE.match(node.value):
            if _exists(node.value):
                found.add(node.value)
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            # __import__(f"reviewkit.rules.{name}")
            head = str(node.values[0].value).rstrip(".")
            if MODULE.match(head) and _exists(head):
                found.add(head)
    return {m for m in found if m == "reviewkit" or m.startswith("reviewkit.")}


def stage_of(module: str) -> str | None:
    """The stage (or shared module) ``module`` belongs to; None for the
    package itself and the modules that chain the stages."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    head = parts[1]
    return head if head in STAGES or head in SHARED else None


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_stages_and_modules_are_there() -> None:
    names = {_name(p) for p in MODULES}
    for stage in STAGES:
        assert any(n == f"reviewkit.{stage}" for n in names), stage
    # the parser sees imports inside functions and in strings
    render_checklist = imports_of(PACKAGE / "render" / "checklist.py")
    assert "reviewkit.render.safe" in render_checklist  # imported inside a function
    assert "reviewkit.render.checklist" in imports_of(PACKAGE / "render" / "__init__.py")  # a lazy export


@pytest.mark.parametrize("path", MODULES, ids=[_name(p) for p in MODULES])
def test_a_stage_imports_only_earlier_stages(path: Path) -> None:
    here = stage_of(_name(path))
    if here is None:
        return  # reviewkit/__init__.py, pipeline, cli: they chain the stages
    rank = {s: i for i, s in enumerate(STAGES)}
    bad = []
    for module in sorted(imports_of(path)):
        there = stage_of(module)
        if module == "reviewkit":
            continue  # the package: its version
        if here in SHARED:
            ok = there in SHARED
        elif there is None:
            ok = False  # pipeline, cli, app: they come after every stage
        elif there in SHARED:
            ok = True
        else:
            ok = rank[there] <= rank[here]
        if not ok:
            bad.append(module)
    assert not bad, f"{_name(path)} ({here}) imports {', '.join(bad)}"


def test_render_imports_no_reader_parser_or_rule() -> None:
    later = ("reviewkit.source", "reviewkit.mail", "reviewkit.quotes", "reviewkit.patch", "reviewkit.cmap",
             "reviewkit.rules", "reviewkit.versions", "reviewkit.check", "reviewkit.pipeline")
    for path in sorted((PACKAGE / "render").rglob("*.py")):
        bad = sorted(m for m in imports_of(path) if m.startswith(later))
        assert not bad, f"{_name(path)} imports {', '.join(bad)}"
