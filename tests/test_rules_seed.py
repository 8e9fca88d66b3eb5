"""End to end on the seed patch (tests/data/corpus/patches/117_v16-16-22-patch-posting.eml,
"mm/mlock: reorder isolation sequence during munlock"): the concerns its
reviewer raised come out as findings, on new-side lines, and the locks,
which balance on every path once `clearlru` correlates the branches, raise
no pairing finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewkit.config import Config

PATCH = Path(__file__).parent / "data" / "corpus" / "patches" / "117_v16-16-22-patch-posting.eml"


@pytest.fixture(scope="module")
def findings():
    from reviewkit.cmap import map_functions
    from reviewkit.mail import parse_message
    from reviewkit.patch import parse_patch
    from reviewkit.rules.engine import run_rules_with_warnings
    from reviewkit.source import read_messages

    raw = next(iter(read_messages([str(PATCH)])))
    patch = parse_patch(parse_message(raw))
    assert patch is not None
    config = Config(select=("RK1", "RK2", "RK3", "RK4"))
    codemap = map_functions(patch, config=config)
    found, warnings = run_rules_with_warnings(patch, codemap, config=config)
    assert warnings == []
    assert all(f.msgid == patch.msgid and f.file == "mm/mlock.c" for f in found)
    return found


def pick(findings, rule, function, line):
    hits = [f for f in findings if (f.rule, f.function, f.line) == (rule, function, line)]
    assert hits, f"no {rule} in {function} at line {line}: " + "; ".join(f"{f.rule} {f.function}:{f.line}" for f in findings)
    return hits[0]


def test_get_page_belongs_in_the_clearlru_branch(findings):
    # "I don't think this get_page() call needs to be up here" (line 178)
    f = pick(findings, "RK202", "munlock_vma_page", 178)
    assert "`if (clearlru)`" in f.suggestion
    assert "before del_page_from_lru_list(page, lruvec, page_lru(page)) (line 201)" in f.suggestion
    assert "put_page(page) (line 190)" in f.suggestion and "put_page(page) (line 206)" in f.suggestion


def test_testclearpagelru_left_the_lru_lock_in_both_functions(findings):
    a = pick(findings, "RK104", "munlock_vma_page", 179)
    b = pick(findings, "RK104", "__munlock_pagevec", 297)
    for f in (a, b):
        assert f.message.startswith("TestClearPageLRU() moved out of")
        assert "__munlock_isolate_lru_page()" in f.message  # found through the removed helper
    assert "pgdat->lru_lock" in a.message and "zone->zone_pgdat->lru_lock" in b.message


def test_isolation_failed_now_runs_after_the_unlock(findings):
    f = pick(findings, "RK104", "munlock_vma_page", 207)
    assert f.message.startswith("__munlock_isolation_failed() moved out of the pgdat->lru_lock")


def test_unlock_paths_can_merge(findings):
    f = pick(findings, "RK103", "munlock_vma_page", 202)
    # the merged shape: locked work in the branch, one unlock, then if/else
    assert "spin_unlock_irq(&pgdat->lru_lock);\nif (clearlru)\n\t__munlock_isolated_page(page);\nelse {" in f.suggestion
    g = pick(findings, "RK103", "__munlock_pagevec", 319)
    assert "putback" in g.message
    # "take care of the del_page_from_lru_list if clearlru is set, unlock,
    # and then if clearlru is set continue else track the isolation failure"
    assert g.suggestion.split("e.g.\n", 1)[1].startswith(
        "if (clearlru) {\n\tlruvec = mem_cgroup_page_lruvec(page, page_pgdat(page));\n"
        "\tdel_page_from_lru_list(page, lruvec, page_lru(page));\n}\n"
        "spin_unlock_irq(&zone->zone_pgdat->lru_lock);\nif (clearlru)\n\tcontinue;\nelse {"
    )


def test_lock_taken_per_iteration(findings):
    f = pick(findings, "RK105", "__munlock_pagevec", 298)
    assert "zone->zone_pgdat->lru_lock" in f.message


def test_irq_toggle_around_a_helper_with_a_twin(findings):
    f = pick(findings, "RK302", "__munlock_pagevec", 334)
    assert "mod_zone_page_state(zone, NR_MLOCK, delta_munlocked)" in f.suggestion
    assert "local_irq_enable() (line 336)" in f.suggestion


def test_no_lock_pairing_finding(findings):
    assert [f for f in findings if f.rule in ("RK101", "RK102", "RK201", "RK401")] == []
