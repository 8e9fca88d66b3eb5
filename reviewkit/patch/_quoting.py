"""Quote markers and attribution lines, as the patch stage needs them.

A minimal stand-in for the quotes stage's helpers, kept private here so the
patch stage works on a bare Message (one whose ``blocks`` are not filled).
"""

from __future__ import annotations

import re


def parse_quote_prefix(line: str) -> tuple[int, str]:
    """``(depth, text)``: count ``>`` markers (``>``, ``> >``, ``>>``).

    ONE space after the last marker is dropped; the rest is kept as is, as
    a quoted diff line's leading space is the diff's own. ``(0, line)`` when
    the line is not quoted.
    """
    depth = i = 0
    n = len(line)
    while i < n and line[i] == ">":
        depth += 1
        i += 1
        if i + 1 < n and line[i] == " " and line[i + 1] == ">":
            i += 1
    if depth == 0:
        return 0, line
    if i < n and line[i] == " ":
        i += 1
    return depth, line[i:]


# "On Fri, Jul 10, 2020 at 5:59 PM Alex Shi <a@b> wrote:",
# "在 2020/7/18 上午4:30, Alexander Duyck 写道:" (threads/mlock-v16-16.mbox),
# "Le 26/03/2025 à 16:35, X a écrit :", "Am ... schrieb X:".
_ATTRIBUTION = re.compile(
    r"(?:\bwrote|\bwrites|\bsaid|写道|a [ée]crit|\bschrieb\b.*|escribi[óo]|ha scritto)\s*[:：]\s*$",
    re.IGNORECASE,
)
_TIME = re.compile(r"^.*?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:[+-]\d{4})?"
                   r"\s*(?:\([A-Z]{2,5}\))?\s*(?:[A-Z]{3,4}\b)?,?\s*")
_VERB = re.compile(r"\s*(?:wrote|writes|said|写道|a [ée]crit|escribi[óo]|ha scritto)\s*[:：]\s*$",
                   re.IGNORECASE)


def is_attribution(text: str) -> bool:
    """Whether ``text`` (one line, or wrapped lines joined) credits a quote."""
    t = text.strip()
    return bool(t) and len(t) < 300 and bool(_ATTRIBUTION.search(t))


def attribution_name(text: str) -> str | None:
    """The name an attribution credits; None when it names nobody readable."""
    t = " ".join(text.split())
    m = re.search(r"\bschrieb\s+(.+?)\s*:\s*$", t)
    if m:
        t = m.group(1)
    else:
        t = _VERB.sub("", t)
    t = re.sub(r"\(?<[^<>]*>\)?", "", t)  # <addr>
    t = re.sub(r"\([^()]*@[^()]*\)", "", t)
    t = re.sub(r"^(?:On|Le|El|Il|Am|在)\s+", "", t)
    if "," in t:
        t = t.rsplit(",", 1)[1]
    t = _TIME.sub("", t) if _TIME.match(t) else t
    t = t.strip(" ,\"'")
    if not t or not any(c.isalpha() for c in t):
        return None
    return t
