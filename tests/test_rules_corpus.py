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


def test_tlc5928_scoped_iterator_asked_for_by_a_reviewer_in_2025():
    # Christophe Jaillet (March 2025): a missing mutex_unlock() on an error
    # return, and "for_each_available_child_of_node_scoped()" for the child
    # loop whose early exits put the node by hand: the mail is dated after
    # the kernels that have the scoped iterator
    r = review(CORPUS / "replies" / "062_leds-tlc5928-jaillet-missing-unlock.eml")
    got = {(f.rule, f.function, f.line) for f in r.findings}
    assert ("RK402", "tlc5928_probe_chip_dt", 62) in got
    assert ("RK101", "tlc5928_set_ledout", 22) in got


def test_scoped_iterator_not_asked_for_before_kernels_had_it(tmp_path: Path):
    # the same reply dated 2022: no released kernel had the scoped iterator
    mail = (CORPUS / "replies" / "062_leds-tlc5928-jaillet-missing-unlock.eml").read_text()
    dated = tmp_path / "062-2022.eml"
    dated.write_text(mail.replace("Date: Mon, 31 Mar 2025 18:35:26 +0200", "Date: Mon, 31 Oct 2022 18:35:26 +0200", 1))
    assert "Date: Mon, 31 Oct 2022" in dated.read_text()
    got = {(f.rule, f.function, f.line) for f in review(dated).findings}
    assert ("RK402", "tlc5928_probe_chip_dt", 62) not in got
    assert ("RK101", "tlc5928_set_ledout", 22) in got


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


_MOVE_OUT = (
    "From: A <a@example.org>\nSubject: [PATCH] drv: g: compute outside the lock\n"
    "Date: Mon, 13 Jan 2020 10:23:13 +0100\n\n{message}\n\n"
    "Signed-off-by: A <a@example.org>\n---\n"
    "diff --git a/drivers/x/g.c b/drivers/x/g.c\n--- a/drivers/x/g.c\n+++ b/drivers/x/g.c\n"
    "@@ -10,9 +10,9 @@ static int g_apply(struct g *g, int val)\n"
    " \tint ret;\n \n+\tret = g_hw_calculate(g, val);\n \tspin_lock(&g->lock);\n"
    "-\tret = g_hw_calculate(g, val);\n \tif (!ret)\n \t\tg_write(g, val);\n \tspin_unlock(&g->lock);\n"
    " \treturn ret;\n"
)


@pytest.mark.parametrize("message,severity", [
    ("Take the lock only around the register write.", "warning"),
    # the author names the call (without the driver's prefix): the move is
    # meant and argued; a note to check the argument
    ("hw_calculate() calls clk_get_rate(), which may sleep: move it out of the spinlock.", "info"),
])
def test_a_call_moved_out_of_a_lock_is_a_note_where_the_commit_message_argues_it(tmp_path: Path, message: str,
                                                                                   severity: str):
    mail = tmp_path / "0001.patch"
    mail.write_text(_MOVE_OUT.format(message=message))
    got = [(f.rule, f.function, f.line, f.severity.value) for f in review(mail).findings]
    assert got == [("RK104", "g_apply", 12, severity)]
