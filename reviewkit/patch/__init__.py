"""patch stage: real diffs, quoted-diff rebuilding, alignment, comment anchors.

Verbs (imported lazily, so that ``import reviewkit.patch`` does not load
unidiff):

- ``parse_patch(message) -> Patch | None``: the diff of a patch mail;
- ``rebuild_quoted(message, original) -> Patch | None``: the diff a reply quotes;
- ``extract_comments(message, *, quoted, original, parent_comments=())``;
- ``score_hunk_numbers(rebuilt, original) -> HunkScore``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewkit.patch.align import HunkScore, align_patch, score_hunk_numbers
    from reviewkit.patch.anchors import extract_comments
    from reviewkit.patch.quoted import rebuild_quoted
    from reviewkit.patch.real import parse_patch

__all__ = ["parse_patch", "rebuild_quoted", "extract_comments", "align_patch",
           "score_hunk_numbers", "HunkScore"]

_WHERE = {
    "parse_patch": "reviewkit.patch.real",
    "rebuild_quoted": "reviewkit.patch.quoted",
    "extract_comments": "reviewkit.patch.anchors",
    "align_patch": "reviewkit.patch.align",
    "score_hunk_numbers": "reviewkit.patch.align",
    "HunkScore": "reviewkit.patch.align",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'reviewkit.patch' has no attribute {name!r}")
