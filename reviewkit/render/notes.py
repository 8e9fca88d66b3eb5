"""Sentences every format prints alike, whatever it renders (a review, a
checklist)."""

from __future__ import annotations


def dismissed_note(count: int) -> str:
    """The line that counts the findings dismissed as not a bug; "" for none."""
    if not count:
        return ""
    return (f"{count} finding{'s' if count != 1 else ''} dismissed as not a bug "
            "(.reviewkit-dismissed.toml), not shown")
