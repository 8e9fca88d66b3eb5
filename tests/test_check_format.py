"""``check`` on patches broken on purpose: exactly the broken item fails
(with ``--fail-on warning``; by default a warning-severity finding warns).

Each file of tests/data/check/ is tests/data/corpus/patches/104_* (or, for
the series, 101, 102 and 104) written as git format-patch output, with one
change described in tests/data/check/README.md.
"""

from __future__ import annotations

import pytest

from reviewkit.config import Config
from reviewkit.errors import InputError
from reviewkit.model import Severity, Status
from reviewkit.pipeline import build_checklist

from tests.test_check_support import CHECK

FORMAT_ITEMS = ("subject", "signed-off-by", "commit-message", "changelog", "fixes-tag", "diffstat",
                "whitespace", "spelling", "style")


STRICT = Config(rules=False, fail_on=Severity.WARNING)


def statuses(name: str, config: Config = STRICT) -> dict[tuple[str, str], Status]:
    checklist = build_checklist([str(CHECK / name)], config=config)
    assert not checklist.errors
    return {(i.patch, i.name): i.status for i in checklist.items}


def patch_items(name: str, config: Config = STRICT) -> dict[str, Status]:
    found = statuses(name, config)
    return {n: s for (p, n), s in found.items() if p and n in FORMAT_ITEMS}


def test_the_unbroken_patch_passes_every_format_item() -> None:
    assert patch_items("0001-good.patch") == {n: Status.PASS for n in FORMAT_ITEMS}


@pytest.mark.parametrize(
    "name, failing",
    [
        ("missing-signoff.patch", "signed-off-by"),
        ("mismatched-signoff.patch", "signed-off-by"),
        ("malformed-signoff.patch", "signed-off-by"),
        ("bad-subject.patch", "subject"),
        ("wrong-diffstat.patch", "diffstat"),
        ("trailing-whitespace.patch", "whitespace"),
        ("bad-fixes.patch", "fixes-tag"),
        ("v2-no-changelog.patch", "changelog"),
    ],
)
def test_a_broken_patch_fails_exactly_its_item(name: str, failing: str) -> None:
    items = patch_items(name)
    assert items[failing] is Status.FAIL
    assert {n for n, s in items.items() if s is not Status.PASS} == {failing}
    assert build_checklist([str(CHECK / name)], config=STRICT).exit_code == 1


@pytest.mark.parametrize("name, item, default", [
    ("bad-subject.patch", "subject", Status.WARN),  # no subsystem prefix: a warning
    ("v2-no-changelog.patch", "changelog", Status.WARN),
    ("missing-signoff.patch", "signed-off-by", Status.FAIL),  # an error fails at any --fail-on
])
def test_by_default_only_an_error_fails(name: str, item: str, default: Status) -> None:
    config = Config(rules=False)
    assert patch_items(name, config)[item] is default
    assert build_checklist([str(CHECK / name)], config=config).exit_code == (1 if default is Status.FAIL else 0)
    info = Config(rules=False, fail_on=Severity.INFO)
    assert patch_items(name, info)[item] is Status.FAIL


def test_the_authors_other_address_only_warns() -> None:
    items = patch_items("signoff-other-address.patch")
    assert items["signed-off-by"] is Status.WARN
    assert {n for n, s in items.items() if s is not Status.PASS} == {"signed-off-by"}
    checklist = build_checklist([str(CHECK / "signoff-other-address.patch")], config=STRICT)
    assert checklist.exit_code == 0


def test_a_v2_with_a_changelog_passes() -> None:
    assert patch_items("v2-changelog.patch")["changelog"] is Status.PASS


def test_the_reasons_say_what_is_wrong_and_where() -> None:
    def item(name: str, wanted: str):
        checklist = build_checklist([str(CHECK / name)], config=Config(rules=False))
        return next(i for i in checklist.items if i.name == wanted)

    sob = item("mismatched-signoff.patch", "signed-off-by")
    assert "alex.shi@linux.alibaba.com" in sob.reason and "hughd@google.com" in sob.reason
    assert sob.where == "commit message line 4"
    ws = item("trailing-whitespace.patch", "whitespace")
    assert (ws.reason, ws.where) == ("trailing whitespace", "include/linux/mmzone.h:515")
    stat = item("wrong-diffstat.patch", "diffstat")
    assert "mm/compaction.c: the diffstat says 3 changed lines, the diff has 2" in stat.reason
    fixes = item("bad-fixes.patch", "fixes-tag")
    assert "7 digits" in fixes.reason and fixes.where == "commit message line 4"
    subject = item("bad-subject.patch", "subject")
    assert subject.where == "subject"
    assert any("ends with a period" in d for d in subject.details)
    assert any("no subsystem prefix" in d for d in subject.details)


def test_a_numbering_gap_fails_the_series_item_only() -> None:
    found = statuses("series-gap.mbox")
    assert found[("", "series-numbering")] is Status.FAIL
    checklist = build_checklist([str(CHECK / "series-gap.mbox")], config=Config(rules=False))
    numbering = next(i for i in checklist.items if i.name == "series-numbering")
    assert numbering.reason == "series of 3: patch(es) 2 missing"
    # the patches themselves are well formed (1/3 has a real misspelling,
    # "intergrity", which the spelling item reports)
    patch3 = {n: s for (p, n), s in found.items() if p.startswith("[PATCH v16 3/3]") and n in FORMAT_ITEMS}
    assert patch3 == {n: Status.PASS for n in FORMAT_ITEMS}
    patch1 = {n: s for (p, n), s in found.items() if p.startswith("[PATCH v16 1/3]") and n in FORMAT_ITEMS}
    assert {n for n, s in patch1.items() if s is not Status.PASS} == {"spelling"}


def test_disabled_rules_leave_their_items_out() -> None:
    checklist = build_checklist([str(CHECK / "missing-signoff.patch")],
                                config=Config(rules=False, disable=("RK503",)))
    assert "signed-off-by" not in {i.name for i in checklist.items}
    assert checklist.exit_code == 0


def test_no_patch_at_all_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="missing.patch"):
        build_checklist([str(tmp_path / "missing.patch")], config=Config(rules=False))
    text = tmp_path / "notes.txt"
    text.write_text("From: A <a@example.org>\nSubject: hello\n\njust words\n")
    with pytest.raises(InputError, match="no diff found: not a patch mail"):
        build_checklist([str(text)], config=Config(rules=False))


def test_a_bad_input_beside_good_ones_is_exit_status_2(tmp_path) -> None:
    checklist = build_checklist([str(CHECK / "0001-good.patch"), str(tmp_path / "missing.patch")],
                                config=Config(rules=False))
    assert checklist.exit_code == 2
    assert len(checklist.errors) == 1 and "missing.patch" in checklist.errors[0]
    assert checklist.items and not any(i.status is Status.FAIL for i in checklist.items)


def test_a_thread_mbox_checks_the_patch_and_skips_the_replies() -> None:
    thread = CHECK.parent.parent.parent / "threads" / "mlock-v16-16.mbox"
    checklist = build_checklist([str(thread)], config=STRICT)
    assert not checklist.errors
    assert checklist.patches == ("[PATCH v16 16/22] mm/mlock: reorder isolation sequence during munlock",)
    assert len(checklist.warnings) == 1 and checklist.warnings[0].startswith("skipped 5 replies")
    assert {i.name for i in checklist.items if i.status is Status.FAIL} == {"spelling", "style"}
