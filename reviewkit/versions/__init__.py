"""versions stage: a series across its postings, and what became of the
review of each version in the next.

Verb: ``build_versions(review, postings, series_of) -> Versions | None``
(:mod:`reviewkit.versions.build`). The parts: :mod:`.series` (postings
grouped into versions, versions chained into series), :mod:`.link` (each
patch of vN linked to its successor), :mod:`.rangediff` (what changed per
linked pair, from the mails), :mod:`.answers` (the author's answers to each
comment, classified), :mod:`.fates` (each comment's and finding's fate);
the cue words are data in ``cues.toml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewkit.versions.build import build_versions

__all__ = ["build_versions"]


def __getattr__(name: str) -> Any:
    if name == "build_versions":
        from reviewkit.versions.build import build_versions

        return build_versions
    raise AttributeError(f"module 'reviewkit.versions' has no attribute {name!r}")
