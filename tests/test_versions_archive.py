"""The versions stage over the whole linux-pwm public-inbox archive."""

from __future__ import annotations

import pytest

from reviewkit.config import load_config
from reviewkit.model import LinkKind, Review, Verdict
from reviewkit.pipeline import build_review
from tests.conftest import ARCHIVE, needs_archive


@pytest.fixture(scope="module")
def review() -> Review:
    return build_review([str(ARCHIVE)], config=load_config(None, rules=False))


@pytest.mark.slow
@pytest.mark.shared
@needs_archive()
def test_series_across_versions_in_the_archive(review: Review) -> None:
    versions = review.versions
    assert versions is not None
    assert len(versions.series) > 300
    for s in versions.series:
        assert len(s.versions) >= 2 and len(s.steps) == len(s.versions) - 1
        stamps = [v.timestamp for v in s.versions if v.timestamp is not None]
        assert all(a <= b + 3600 for a, b in zip(stamps, stamps[1:])), s.title  # each version after the last
        assert all(a.version <= b.version for a, b in zip(s.versions, s.versions[1:])), s.title
        for step in s.steps:
            for link in step.links:
                assert link.reason
                assert (link.old is None) == (link.kind is LinkKind.ADDED)
                assert (link.new is None) == (link.kind is LinkKind.DROPPED)
    # "pwm: Add support for RZ/G2L GPT" (Biju Das) went from v1 (May 2022) to v24 (Feb 2025)
    gpt = next(s for s in versions.series if s.title == "Add support for RZ/G2L GPT")
    assert [v.version for v in gpt.versions] == list(range(1, 25))
    # every comment tracked has a verdict and the evidence for it
    assert len(versions.comments) > 5000
    for f in versions.comments:
        assert f.evidence or f.verdict is Verdict.OPEN
        if f.verdict is Verdict.ADDRESSED:
            assert f.changed
        if f.verdict is Verdict.ANSWERED:
            assert f.answers
