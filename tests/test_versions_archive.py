"""Series across versions over the whole linux-pwm public-inbox archive:
the postings grouped, chained and linked (the comment fates over the whole
archive are measured by benchmarks/bench_versions.py and reviewed by hand;
here the linking, which needs no code map, keeps its invariants)."""

from __future__ import annotations

import pytest

from reviewkit.mail import parse_message
from reviewkit.model import MessageKind, Posting
from reviewkit.model.review import LinkKind
from reviewkit.patch import parse_patch
from reviewkit.pipeline import find_series
from reviewkit.source import read_messages
from reviewkit.versions.link import Posted, link_patches
from reviewkit.versions.series import chain_versions, group_versions
from tests.conftest import ARCHIVE, needs_archive


@pytest.mark.slow
@pytest.mark.shared
@needs_archive()
def test_series_across_versions_in_the_archive() -> None:
    postings = []
    for raw in read_messages([str(ARCHIVE)]):
        m = parse_message(raw)
        if m.kind is MessageKind.COVER:
            postings.append(Posting(m, None))
        elif m.kind is MessageKind.PATCH:
            patch = parse_patch(m)
            if patch is not None:
                postings.append(Posting(m, patch))
    by_id = {p.message.msgid: p for p in postings}
    patches = {k: p.patch for k, p in by_id.items() if p.patch is not None}
    titles = {k: p.message.series.title for k, p in by_id.items()}
    chains = chain_versions(group_versions(postings, find_series(postings)), patches, titles)
    assert len(chains) > 300
    kinds: set[LinkKind] = set()
    for chain in chains:
        stamps = [v.timestamp for v in chain if v.timestamp is not None]
        assert all(a <= b + 3600 for a, b in zip(stamps, stamps[1:])), chain[0].title  # each after the last
        assert all(a.version <= b.version for a, b in zip(chain, chain[1:])), chain[0].title
        for a, b in zip(chain, chain[1:]):
            def posted(v):  # type: ignore[no-untyped-def]
                return [Posted(m, by_id[m].message.series.index, titles[m], patches[m]) for m in v.patches]

            links = link_patches(posted(a), posted(b), old_version=a.version, new_version=b.version,
                                 old_total=a.total, new_total=b.total)
            assert {link.old for link in links if link.old and link.kind is not LinkKind.SPLIT} == set(a.patches)
            assert {link.new for link in links if link.new} == set(b.patches)
            for link in links:
                assert link.reason
                assert (link.old is None) == (link.kind is LinkKind.ADDED)
                assert (link.new is None) == (link.kind is LinkKind.DROPPED)
                kinds.add(link.kind)
    assert kinds == set(LinkKind)
    # "Add support for RZ/G2L GPT" (Biju Das): v1 in May 2022 to v24 in Feb 2025
    [gpt] = [c for c in chains if c[-1].title == "Add support for RZ/G2L GPT"]
    assert [v.version for v in gpt] == list(range(1, 25))
