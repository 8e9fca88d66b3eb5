"""The versions stage as one verb: :func:`build_versions`."""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from reviewkit.model import REVIEW_TRAILERS, Message, PatchSource, Posting, Trailer, same_person
from reviewkit.model.review import (
    CommentFate,
    FindingFate,
    LinkKind,
    PatchLink,
    Review,
    SeriesHistory,
    SeriesVersion,
    Versions,
    VersionStep,
)
from reviewkit.quotes.patchmail import find_cover_text
from reviewkit.versions.answers import find_answers
from reviewkit.versions.fates import comment_fate, finding_fates, is_review_comment
from reviewkit.versions.link import Posted, link_patches
from reviewkit.versions.rangediff import FileAlignment, align_patches, build_range_diff
from reviewkit.versions.series import chain_versions, group_versions


def _homes(review: Review, postings: set[str]) -> dict[str, str]:
    """Message-ID -> the posting (patch mail or cover letter) it is about:
    the patch the pipeline says it reviews, else its nearest posting
    ancestor."""
    home: dict[str, str] = {}
    for t in review.threads:
        for m in t.messages:  # reading order: a parent before its replies
            if m.msgid in postings:
                home[m.msgid] = m.msgid
            elif review.reviews.get(m.msgid) in postings:
                home[m.msgid] = review.reviews[m.msgid]
            else:
                parent = t.parents.get(m.msgid)
                if parent is not None and parent in home:
                    home[m.msgid] = home[parent]
    return home


def _complete(v: SeriesVersion) -> bool:
    """All the patches of the posting are in the input."""
    return v.total is None or len(v.patches) >= v.total


def build_versions(review: Review, postings: Sequence[Posting],
                   series_of: Mapping[str, tuple[Posting, ...]]) -> Versions | None:
    """Link the series of the input across versions and give each reviewer
    comment and finding of a version that has a successor its fate.

    Args:
        review: the review of the whole input (patches annotated by the
            code map, comments anchored, findings).
        postings: the patch mails and cover letters of the input.
        series_of: their grouping into postings of one version
            (:func:`reviewkit.pipeline.find_series`).

    Returns:
        The series of two or more versions with their links, range-diffs
        and fates; None when the input holds no series in two versions.
    """
    patches = {p.msgid: p for p in review.patches if p.source is PatchSource.MAIL}
    messages: dict[str, Message] = {m.msgid: m for m in review.messages}
    titles = {m: messages[m].series.title for m in patches if m in messages}
    chains = chain_versions(group_versions(postings, series_of), patches, titles)
    if not chains:
        return None

    histories: list[SeriesHistory] = []
    # per posting of a version that has a successor: (link, old version, new version)
    followed: dict[str, tuple[PatchLink | None, SeriesVersion, SeriesVersion]] = {}
    numbered: dict[tuple[int, int], dict[int, PatchLink]] = {}  # (chain, step) -> vN number -> link
    where: dict[str, tuple[int, int]] = {}  # posting -> (chain, step)
    alignments: dict[tuple[str, str], dict[str, FileAlignment]] = {}
    for ci, chain in enumerate(chains):
        steps = []
        for k in range(len(chain) - 1):
            a, b = chain[k], chain[k + 1]
            cover = messages.get(b.cover) if b.cover else None
            links = link_patches(
                [Posted(m, messages[m].series.index, titles.get(m, ""), patches[m]) for m in a.patches],
                [Posted(m, messages[m].series.index, titles.get(m, ""), patches[m]) for m in b.patches],
                old_version=a.version, new_version=b.version, old_total=a.total, new_total=b.total,
                new_cover=find_cover_text(cover.body) if cover is not None else "", complete=_complete(b))
            done = []
            for plain in links:
                link = plain
                if plain.old and plain.new and plain.kind is not LinkKind.SPLIT:
                    al = align_patches(patches[plain.old], patches[plain.new])
                    alignments[(plain.old, plain.new)] = al
                    link = replace(plain, range_diff=build_range_diff(patches[plain.old], patches[plain.new], al))
                if link.old and link.kind is not LinkKind.SPLIT:
                    followed[link.old] = (link, a, b)
                    where[link.old] = (ci, k)
                    if link.old_index is not None:
                        numbered.setdefault((ci, k), {})[link.old_index] = link
                done.append(link)
            if a.cover:
                followed[a.cover] = (None, a, b)
            steps.append(VersionStep(k, k + 1, tuple(done)))
        first = chain[0]
        histories.append(SeriesHistory(chain[-1].title, first.author, first.email, tuple(chain), tuple(steps)))

    home = _homes(review, set(followed))
    parents = {m: p for t in review.threads for m, p in t.parents.items()}
    tracked: dict[str, list] = {}
    for msgid, cs in review.comments.items():
        posting = home.get(msgid)
        if posting is None or posting == msgid:
            continue
        author = messages[posting]
        for c in cs:
            if same_person(c.author, c.email, author.author, author.email) or not is_review_comment(c):
                continue
            answering = c.anchor.answers if c.anchor is not None else None
            if answering and not same_person(answering, "", author.author, None):
                continue  # one reviewer answering another: their discussion, no request to the author
            tracked.setdefault(msgid, []).append((c, author.author, author.email))
    answers = find_answers(tracked, review.comments, messages, parents)
    codemaps = {cm.patch_msgid: cm for cm in review.codemaps}

    fates: list[CommentFate] = []
    for t in review.threads:
        for m in t.messages:
            for c, _, _ in tracked.get(m.msgid, ()):
                posting = home[m.msgid]
                how, a, b = followed[posting]
                successor = how.new if how is not None else b.cover
                old = patches.get(posting) if how is not None else None
                new = patches.get(successor) if how is not None and successor else None
                fates.append(comment_fate(
                    c, link=how, posting=posting, successor=successor, old_version=a.version,
                    new_version=b.version, old_total=a.total, new_total=b.total, old=old, new=new,
                    alignments=alignments.get((posting, successor or ""), {}),
                    answers=answers.get((c.msgid, c.body_start), []), codemaps=codemaps,
                    siblings=numbered.get(where.get(posting, (-1, -1)), {})))

    by_patch: dict[str, list] = {}
    for f in review.findings:
        by_patch.setdefault(f.msgid, []).append(f)
    about: dict[str, list[str]] = {}
    for msgid, posting in home.items():
        if msgid != posting:
            about.setdefault(posting, []).append(msgid)
    found: list[FindingFate] = []
    trailers: dict[str, tuple[Trailer, ...]] = {}
    for posting, (step, _, _) in followed.items():
        if step is None:
            continue
        new = patches.get(step.new) if step.new else None
        found += finding_fates(by_patch.get(posting, ()), patches[posting], codemaps.get(posting), new, step.new,
                               by_patch.get(step.new or "", ()))
        author = messages[posting]
        given = [tr for msgid in about.get(posting, ()) for tr in review.trailers.get(msgid, ())
                 if not tr.quoted and tr.key in REVIEW_TRAILERS
                 and not same_person(tr.name, tr.email, author.author, author.email)]
        if given:
            trailers[posting] = tuple(given)
    return Versions(tuple(histories), tuple(fates), tuple(found), trailers)
