"""RK602: temporary-hack markers left in added code or comments.

The markers are data (``rules/data/style-markers.txt``), one regular
expression per line; this module only matches them against the comments and
code of added lines (string literals are left out: a driver may print
"XXX" on purpose).
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Iterator, NamedTuple

from reviewkit.errors import ConfigError
from reviewkit.model import Patch, Severity
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.spelling import DATA, Prose, Segment, find_added_text


class Marker(NamedTuple):
    pattern: re.Pattern[str]
    says: str


def parse_markers(text: str, origin: str = "style-markers.txt") -> tuple[Marker, ...]:
    """Markers from ``pattern = what it means`` lines (``#`` starts a comment line).

    Raises:
        ConfigError: a line has no `` = `` or its pattern does not compile;
            the message names the line.
    """
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, sep, says = line.rpartition(" = ")
        if not sep:
            raise ConfigError(f"{origin}:{n}: expected 'pattern = description'")
        try:
            out.append(Marker(re.compile(pattern.strip()), says.strip()))
        except re.error as err:
            raise ConfigError(f"{origin}:{n}: bad pattern: {err}") from None
    return tuple(out)


@functools.cache
def shipped_markers() -> tuple[Marker, ...]:
    text = (DATA / "style-markers.txt").read_text(encoding="utf-8")
    return parse_markers(text)


def find_markers(pieces: Iterable[Prose], markers: tuple[Marker, ...] | None = None) -> Iterator[tuple[Prose, Marker, str]]:
    """``(piece, marker, matched text)`` for each marker in a comment or code piece;
    one per piece (the first marker that matches)."""
    markers = shipped_markers() if markers is None else markers
    for piece in pieces:
        if piece.segment is Segment.STRING:
            continue
        for marker in markers:
            m = marker.pattern.search(piece.text)
            if m:
                yield piece, marker, m.group()
                break


@rule("RK602", category="style", severity=Severity.WARNING)
def temporary_markers(patch: Patch | None) -> Iterator[Report]:
    """Added code or comments carry a temporary-hack marker.

    What it flags:
        "will remove later", "remove later", "temporary workaround",
        "TODO: remove", "do not merge", HACK, XXX, FIXME in the comments or
        code of added lines.

    Why it matters:
        A posted patch is meant to be final. A note that the change is
        temporary tells reviewers the real fix is still to come, and such
        code tends to stay: maintainers ask for the real fix first.

    Example:
        RK602: /* tempary disable irq, will remove later */
        Okay: /* disable irq: __mod_zone_page_state() needs it */

    Suggested change:
        Do the final change in this patch, or say in the commit message
        which later patch of the series replaces it and why the interim
        state is safe.

    Knowledge used:
        ``rules/data/style-markers.txt`` (patterns).

    Limits:
        String literals are not looked at. A marker that quotes an existing
        comment moved by the patch is flagged too.
    """
    if patch is None:  # a cover letter adds no code
        return
    for piece, marker, text in find_markers(find_added_text(patch)):
        yield Report(
            line=piece.line,
            message=f'"{text}": {marker.says}',
            suggestion="make the final change here, or say in the commit message which patch replaces it",
            rationale="a posted patch should be final; temporary code tends to stay",
            file=piece.file,
        )
