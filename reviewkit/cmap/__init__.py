"""cmap stage: C code behind a patch, function spans and control-flow graphs.

Verbs (imported lazily so that ``reviewkit --help`` never loads tree-sitter):

* ``parse_c(source: bytes) -> tree_sitter.Tree``
* ``find_functions(tree, source, *, file, side) -> list[Function]``
* ``build_cfg(func_node, source, *, name, side, line_offset=0) -> Cfg``
  (the CFG contract is in :mod:`reviewkit.cmap.cfg`)
* ``build_cfgs_from_source(text, *, side=Side.NEW, file="") -> dict[str, Cfg]``
* ``map_functions(patch, *, config) -> CodeMap``
* ``function_at(codemap, file, side, line) -> str | None``
* ``annotate(patch, codemap) -> Patch``
* ``annotate_comments(comments, codemap) -> tuple[Comment, ...]``
* ``functions_report(codemap) -> list[dict]``
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "parse_c": "reviewkit.cmap.parse",
    "load_query": "reviewkit.cmap.parse",
    "find_captures": "reviewkit.cmap.parse",
    "find_calls": "reviewkit.cmap.parse",
    "find_functions": "reviewkit.cmap.functions",
    "find_scopes": "reviewkit.cmap.functions",
    "find_function_bodies": "reviewkit.cmap.functions",
    "build_cfg": "reviewkit.cmap.cfg",
    "build_cfgs_from_source": "reviewkit.cmap.cfg",
    "map_functions": "reviewkit.cmap.mapping",
    "function_at": "reviewkit.cmap.lookup",
    "scope_at": "reviewkit.cmap.lookup",
    "annotate": "reviewkit.cmap.lookup",
    "annotate_comments": "reviewkit.cmap.lookup",
    "functions_report": "reviewkit.cmap.lookup",
    "hunk_functions": "reviewkit.cmap.lookup",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reviewkit.cmap' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
