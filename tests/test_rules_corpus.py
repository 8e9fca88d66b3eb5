"""The flow rules on real review threads beyond the seed: what they find
must match what the reviewers raised (tests/data/corpus/GROUND_TRUTH.md),
and postings nobody objected to on these grounds stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewkit.config import Config

CORPUS = Path(__file__).parent / "data" / "corpus"
FLOW = Config(select=("RK1", "RK2", "RK3", "RK4"))


def review(path: Path):
    from reviewkit.pipeline import build_review

    return build_review([str(path)], config=FLOW)


def test_lp5860_double_put_and_missing_put():
    # Lee Jones: "fwnode_handle_put() already drops the reference ... double
    # put" and "The put belongs here" (before the `return ret` after
    # "Failed to init LED").
    r = review(CORPUS / "replies" / "067_leds-lp5860-lee-double-put.eml")
    got = {(f.rule, f.function, f.line) for f in r.findings}
    assert ("RK201", "lp5860_iterate_subleds", 116) in got
    assert ("RK401", "lp5860_iterate_subleds", 125) in got
    assert len(got) == 2


@pytest.mark.parametrize(
    "name",
    ["102_v16-01-22-patch-posting.eml", "105_v16-04-22-patch-posting.eml", "111_v16-10-22-patch-posting.eml",
     "116_v16-15-22-patch-posting.eml", "120_v16-19-22-patch-posting.eml"],
)
def test_quiet_postings(name):
    # lock renames (pgdat->lru_lock to lruvec->lru_lock), relock loops and
    # fragments with gaps must not turn into pairing or scope findings
    r = review(CORPUS / "patches" / name)
    assert [f"{f.rule} {f.function}:{f.line}" for f in r.findings] == []


def test_lruvec_lock_leaves_a_path_with_irqs_on():
    # Duyck on v16 18/22 (tests/data/corpus/replies/012_v16-18-duyck-lruvec-lock.eml):
    # "it implies there is a path where you might try to update the page
    # state without disabling interrupts": __mod_zone_page_state() ran under
    # local_irq_disable() and now only under the lruvec lock, which a pass
    # that locked nothing does not hold. The lock renames elsewhere in the
    # patch (munlock_vma_page's two unlocks) stay quiet.
    r = review(CORPUS / "patches" / "119_v16-18-22-patch-posting.eml")
    got = [(f.rule, f.function, f.line) for f in r.findings]
    assert got == [("RK303", "__munlock_pagevec", 334)]
