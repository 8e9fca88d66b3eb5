"""Postings grouped into series versions, and versions chained into series.

A *version* is what one posting of a series holds: the cover letter and
the patches git send-email threads together (:func:`reviewkit.pipeline.find_series`
groups them). Versions of one series come from one author and carry a
similar title: the cover letter's (v16 "per memcg lru_lock", v17 "per memcg
lru lock"), else the patches' titles, most of which stay the same. Each
version links to the nearest earlier version of the same author, posted
before it, whose title or patch titles match and whose files overlap; a
RESEND links to the posting it resends.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

from reviewkit.model import MessageKind, Patch, Posting, name_words
from reviewkit.model.review import SeriesVersion

# A series title shares this share of its words with its predecessor's, or
# the two share this share of their patch titles.
TITLE_ALIKE = 0.6
PATCH_TITLES_ALIKE = 0.5
# A version is posted after the one it follows; this much clock skew between
# two senders' Date headers is tolerated (seconds).
CLOCK_SLACK = 3600

_TOKEN = re.compile(r"[a-z0-9]+")


def title_tokens(title: str) -> frozenset[str]:
    """The words of a title, lower case, split at anything not a letter or
    digit ("lru_lock" and "lru lock" are the same words)."""
    return frozenset(_TOKEN.findall(title.lower()))


def norm_title(title: str) -> str:
    return " ".join(title.lower().split())


def jaccard(a: Iterable, b: Iterable) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a or b else 0.0


def group_versions(postings: Sequence[Posting], series_of: Mapping[str, tuple[Posting, ...]]) -> list[SeriesVersion]:
    """One SeriesVersion per group of postings (a cover letter and its
    patches), in input order; groups without a patch are left out."""
    out: list[SeriesVersion] = []
    seen: set[str] = set()
    for p in postings:
        group = series_of.get(p.message.msgid, (p,))
        first = group[0].message.msgid
        if first in seen:
            continue
        seen.add(first)
        patches = sorted((g for g in group if g.patch is not None),
                         key=lambda g: (g.message.series.index if g.message.series.index is not None else 1 << 20,
                                        g.message.timestamp or 0.0))
        if not patches:
            continue
        cover = next((g.message for g in group if g.message.kind is MessageKind.COVER), None)
        lead = cover or patches[0].message
        title = (cover.series.title if cover is not None and cover.series.title else "") or patches[0].message.series.title
        stamps = [g.message.timestamp for g in group if g.message.timestamp is not None]
        dated = min((g.message for g in group if g.message.timestamp is not None),
                    key=lambda m: m.timestamp or 0.0, default=lead)
        totals = [g.message.series.total for g in group if g.message.series.total]
        out.append(SeriesVersion(
            version=max((g.message.series.version or 1) for g in group),
            title=title or lead.subject,
            author=lead.author,
            email=lead.email,
            date=dated.date,
            timestamp=min(stamps) if stamps else None,
            cover=cover.msgid if cover is not None else None,
            patches=tuple(g.message.msgid for g in patches),
            total=max(totals) if totals else None,
            resend=any(g.message.series.resend for g in group),
        ))
    return out


def _files(v: SeriesVersion, patches: Mapping[str, Patch]) -> frozenset[str]:
    return frozenset(f.path for m in v.patches if m in patches for f in patches[m].files)


def chain_versions(versions: Sequence[SeriesVersion], patches: Mapping[str, Patch],
                   titles: Mapping[str, str]) -> list[list[SeriesVersion]]:
    """The series of two or more versions, each oldest first.

    Args:
        versions: every version of the input (:func:`group_versions`).
        patches: the patches by Message-ID, for the files they touch.
        titles: each patch's title by Message-ID.

    Returns:
        Chains of versions; a version is in at most one chain, a version
        with neither predecessor nor successor in none.
    """
    order = sorted(range(len(versions)), key=lambda i: (versions[i].version, versions[i].timestamp or 0.0, i))
    by_email: dict[str, list[int]] = {}
    by_name: dict[str, list[int]] = {}
    files = [_files(v, patches) for v in versions]
    ptitles = [frozenset(norm_title(titles.get(m, "")) for m in v.patches) - {""} for v in versions]
    tokens = [title_tokens(v.title) for v in versions]
    pred: dict[int, int] = {}
    taken: set[int] = set()
    for b in order:
        vb = versions[b]
        cands = set(by_email.get(vb.email.lower(), ())) if vb.email else set()
        name = " ".join(sorted(name_words(vb.author)))
        if name:
            cands |= set(by_name.get(name, ()))
        best: tuple[tuple, int] | None = None
        for a in cands:
            va = versions[a]
            if a in taken or not (va.version < vb.version or (va.version == vb.version and vb.resend)):
                continue
            if va.timestamp is not None and vb.timestamp is not None and va.timestamp > vb.timestamp + CLOCK_SLACK:
                # posted after it: another series of the author's with a
                # like title (linux-pwm: a "v1" of Biju Das's in Nov 2022
                # after the v2 of "Add support for RZ/G2L GPT" of Jun 2022)
                continue
            if files[a] and files[b] and not files[a] & files[b]:
                continue
            t = jaccard(tokens[a], tokens[b])
            shared = len(ptitles[a] & ptitles[b])
            pt = shared / min(len(ptitles[a]), len(ptitles[b])) if ptitles[a] and ptitles[b] else 0.0
            if t < TITLE_ALIKE and pt < PATCH_TITLES_ALIKE:
                continue
            # the nearest version first, then the most alike, then the latest
            rank = (va.version, max(t, pt), va.timestamp or 0.0)
            if best is None or rank > best[0]:
                best = (rank, a)
        if best is not None:
            pred[b] = best[1]
            taken.add(best[1])
        if vb.email:
            by_email.setdefault(vb.email.lower(), []).append(b)
        if name:
            by_name.setdefault(name, []).append(b)
    succ = {a: b for b, a in pred.items()}
    chains = []
    for i in order:
        if i in pred or i not in succ:
            continue
        chain = [versions[i]]
        while i in succ:
            i = succ[i]
            chain.append(versions[i])
        chains.append(chain)
    return chains
