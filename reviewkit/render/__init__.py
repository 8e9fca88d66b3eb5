"""render stage: the terminal review, markdown, the summary and JSON.

The verbs are imported lazily (PEP 562) so that importing this package
costs nothing until a renderer is used: ``reviewkit --help`` must not pay
for rich.

- ``render_text(review, console) -> None``: terminal review (rich).
- ``render_markdown(review) -> str``: the review as GitHub markdown.
- ``render_json(review) -> dict``: schema ``reviewkit.review`` v1.
- ``build_summary(review) -> str``: the markdown review summary.
- ``build_summary_json(review) -> dict``: schema ``reviewkit.summary`` v1.
- ``render_checklist_text`` / ``_markdown`` / ``_json``: the pre-send
  checklist the pipeline built (``reviewkit.render.checklist``).
- ``render_review_sarif`` / ``render_checklist_sarif``: SARIF 2.1.0
  (``reviewkit.render.sarif``).
- ``render_b4_lines`` / ``render_b4_json`` / ``render_b4_review``: b4's
  check protocols and review-mode files (``reviewkit.render.b4``).
- ``render_reply``: a draft inline reply (``reviewkit.render.reply``).
- ``safe_text``, ``safe_plain``, ``json_escape``, ``md_escape``, ``md_code``,
  ``md_fence``, ``md_table_cell``: mail text made safe (``reviewkit.render.safe``).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "render_text": "reviewkit.render.text",
    "CommentView": "reviewkit.render.text",
    "FindingView": "reviewkit.render.text",
    "render_markdown": "reviewkit.render.markdown",
    "render_json": "reviewkit.render.json_out",
    "merge_review_json": "reviewkit.render.json_out",
    "build_summary": "reviewkit.render.summary",
    "build_summary_json": "reviewkit.render.summary",
    "merge_summary_json": "reviewkit.render.summary",
    "PatchStatus": "reviewkit.model.review",
    "build_layout": "reviewkit.render.layout",
    "safe_text": "reviewkit.render.safe",
    "safe_plain": "reviewkit.render.safe",
    "json_escape": "reviewkit.render.safe",
    "md_escape": "reviewkit.render.safe",
    "md_code": "reviewkit.render.safe",
    "md_fence": "reviewkit.render.safe",
    "md_table_cell": "reviewkit.render.safe",
    # The pre-send checklist lives in its own module.
    "render_checklist_text": "reviewkit.render.checklist",
    "render_checklist_markdown": "reviewkit.render.checklist",
    "render_checklist_json": "reviewkit.render.checklist",
    # Where kernel people already work: SARIF viewers, b4, a mail reply.
    "render_sarif": "reviewkit.render.sarif",
    "render_review_sarif": "reviewkit.render.sarif",
    "render_checklist_sarif": "reviewkit.render.sarif",
    "render_b4_lines": "reviewkit.render.b4",
    "render_b4_json": "reviewkit.render.b4",
    "render_b4_review": "reviewkit.render.b4",
    "render_reply": "reviewkit.render.reply",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reviewkit.render' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = sorted(_EXPORTS)
