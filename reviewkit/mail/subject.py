"""Subject tags: ``Re: [RFC PATCH net-next v3 2/7] title`` -> Series.

After the idea of patchwork's ``parse_series_marker``/``clean_subject``:
reply prefixes and bracket groups are peeled off the front; each group's
words are read as PATCH, a version, an index/total, or a prefix.
"""

from __future__ import annotations

import re

from reviewkit.model import Series

# Reply and forward prefixes in the languages kernel lists see: Re, RE,
# Re[2], Re(2), AW (German), Sv/Vs (Nordic), Antw (Dutch), Odp (Polish),
# Rif (Italian), Fwd/Fw/WG (forwards).
_REPLY = re.compile(
    r"^\s*(?:re|aw|sv|vs|antw|odp|rif|res|fwd?|wg|tr)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
    re.IGNORECASE,
)
_GROUP = re.compile(r"^\s*\[([^\[\]]*)\]\s*")
_VERSION = re.compile(r"^v(\d+)$", re.IGNORECASE)
_PATCH_VERSION = re.compile(r"^(?:patch|rfc)(?:[-_]?v(\d+))?$", re.IGNORECASE)
_INDEX = re.compile(r"^(\d+)/(\d+)$")
_LEADING_INDEX = re.compile(r"^(\d+)/(\d+)\s+")


def parse_subject(subject: str) -> Series:
    """Read the tags of a subject.

    Args:
        subject: the decoded Subject value.

    Returns:
        A Series. ``version``/``index``/``total`` are None when the tags do
        not say; ``title`` is the subject without reply prefixes and tags
        ("" when nothing follows them: ``[PATCH]``).
    """
    rest = " ".join(subject.split())
    is_reply = False
    is_patch = False
    resend = False
    version = index = total = None
    prefixes: list[str] = []
    while True:
        match = _REPLY.match(rest)
        if match:
            is_reply = True
            rest = rest[match.end() :]
            continue
        match = _GROUP.match(rest)
        if not match:
            break
        rest = rest[match.end() :]
        words = match.group(1).replace(",", " ").split()
        i = 0
        while i < len(words):
            word = words[i]
            upper = word.upper()
            # Mercurial: "[PATCH 1 of 2]"
            if word.isdigit() and i + 2 < len(words) and words[i + 1].lower() == "of" and words[i + 2].isdigit():
                index, total = int(word), int(words[i + 2])
                i += 3
                continue
            m = _INDEX.match(word)
            if m:
                index, total = int(m.group(1)), int(m.group(2))
            elif (m := _VERSION.match(word)) is not None:
                version = int(m.group(1))
            elif (m := _PATCH_VERSION.match(word)) is not None:
                # "PATCHv3", "RFCv2", "RFC-v2"; "[RFC] mm: x" posts a patch
                # for comment, as "[RFC PATCH]" does
                is_patch = True
                if not upper.startswith("PATCH"):
                    prefixes.append("RFC")
                if m.group(1):
                    version = int(m.group(1))
            else:
                if upper == "RESEND":
                    resend = True
                prefixes.append(word)
            i += 1
    # "[PATCH] 3/5 title": a count outside the brackets.
    if index is None and is_patch:
        m = _LEADING_INDEX.match(rest)
        if m:
            index, total = int(m.group(1)), int(m.group(2))
            rest = rest[m.end() :]
    return Series(
        version=version,
        index=index,
        total=total,
        prefixes=tuple(prefixes),
        is_patch_tag=is_patch,
        resend=resend,
        is_reply=is_reply,
        title=rest.strip(),
    )


def strip_reply_prefixes(subject: str) -> str:
    """The subject without leading Re:/AW:/Fwd: ..., spaces collapsed."""
    rest = " ".join(subject.split())
    while True:
        match = _REPLY.match(rest)
        if not match:
            return rest
        rest = rest[match.end() :]
