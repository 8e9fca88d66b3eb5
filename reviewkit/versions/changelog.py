"""The changelog of vN+1 held against what changed since vN.

The changelog is what the author wrote about the new version: the notes
under a patch's ``---`` when they speak of versions, and the paragraphs of
the cover letter that do ("Changes since v16: ...", "The new version ...
includes Hugh Dickins fix in mm/swap.c": the v17 cover letter). A patch
is *mentioned* when its own notes hold a changelog, or the cover letter's
changelog names it: its title, its number ("patch 13", "13/21"), or a file
or function whose change differs from vN. A patch *changed* when its diff
differs from vN's (the range-diff is not empty), or it is new, renamed,
merged or split.

Two kinds of gap: a patch changed but not mentioned, and a patch mentioned
by title, number or its own notes whose diff is the same as in vN.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

from reviewkit.model import Message, Patch
from reviewkit.model.review import FunctionDelta, LinkKind, PatchLink
from reviewkit.quotes.patchmail import find_cover_text
from reviewkit.rules.patch_format import has_changelog
from reviewkit.versions.series import norm_title


# "v3: no changes", "unchanged since v2": notes that say nothing changed
_NO_CHANGE = re.compile(r"\bno\s+(?:code\s+)?changes?\b|\bunchanged\b|\bjust\s+rebased?\b|\brebased?\s+only\b",
                        re.IGNORECASE)


class Gap(NamedTuple):
    link: PatchLink
    changed: bool  # True: changed, not mentioned; False: mentioned, unchanged
    why: str


def changelog_text(cover: Message | None) -> str:
    """The paragraphs of a cover letter that speak of versions."""
    if cover is None:
        return ""
    paragraphs = re.split(r"\n\s*\n", find_cover_text(cover.body))
    return "\n\n".join(p for p in paragraphs if has_changelog(p, prose=True))


def _changed(link: PatchLink) -> bool:
    if link.kind in (LinkKind.RENAMED, LinkKind.MERGED, LinkKind.SPLIT, LinkKind.ADDED):
        return True
    return link.range_diff is not None and not link.range_diff.same


def _named(text: str, link: PatchLink, total: int | None) -> str:
    """How ``text`` names the patch by title or number ("" when it does not)."""
    flat = norm_title(text)
    for title in (link.new_title, link.old_title):
        if title and norm_title(title) in flat:
            return f"'{title}'"
    of = str(total) if total else r"\d+"
    for n in {link.new_index, link.old_index} - {None}:
        m = re.search(rf"\bpatch(?:es)?\s*#?{n}\b|\b0*{n}/{of}\b", text, re.IGNORECASE)
        if m:
            return f"'{m.group(0)}'"
    return ""


def _touched(text: str, link: PatchLink) -> str:
    """A file or function whose change differs from vN, named in ``text``."""
    rd = link.range_diff
    if rd is None:
        return ""
    for f in rd.functions:
        if f.delta is FunctionDelta.SAME:
            continue
        for word in (f.file, f.file.rsplit("/", 1)[-1], f.name):
            if word and re.search(rf"(?<![\w/.]){re.escape(word)}(?![\w])", text):
                return f"'{word}'"
    return ""


def find_gaps(links: Sequence[PatchLink], patches: dict[str, Patch], cover: Message | None,
              total: int | None) -> list[Gap]:
    """The gaps between the vN+1 changelog and the changes (module docstring).

    Args:
        links: the links of one step (vN -> vN+1).
        patches: the patches by Message-ID.
        cover: the vN+1 cover letter, if any.
        total: the number of patches of vN+1.
    """
    text = changelog_text(cover)
    out = []
    for link in links:
        if link.new is None or link.new not in patches:
            continue
        notes = patches[link.new].notes
        own = has_changelog(notes, prose=True)
        named = _named(text, link, total)
        if _changed(link):
            if own:
                continue
            how = named or _touched(text, link)
            if not how:
                what = "new" if link.kind is LinkKind.ADDED else "changed"
                out.append(Gap(link, True, f"{what} since the previous version, but neither its notes under '---' "
                                           "nor the cover letter's changelog say so"))
        elif (own and not _NO_CHANGE.search(notes)) or named:
            where = "its notes under '---'" if own else f"the cover letter ({named})"
            out.append(Gap(link, False, f"{where} speak of a change, but its diff is the same as in the previous "
                                        "version"))
    return out
