"""``check`` over the real v16 postings (tests/data/corpus/patches/).

Precision first: real kernel postings pass the format items. What fires is
what the postings really hold: misspellings ("tempary" in the seed patch,
"intergrity", "soem", "incomming", "modefied", "patchs") and the seed's
"will remove later" note. They are warnings: by default (``fail-on``
error) they warn, with ``--fail-on warning`` they fail.
"""

from __future__ import annotations

from reviewkit.config import Config
from reviewkit.model import Severity, Status
from reviewkit.pipeline import build_checklist

from tests.test_check_support import PATCHES, patch_117

FORMAT_ITEMS = ("subject", "signed-off-by", "commit-message", "changelog", "fixes-tag", "diffstat", "whitespace")


def by_name(checklist, name):
    return next(i for i in checklist.items if i.name == name)


def test_the_seed_patch_passes_format_and_fails_on_its_findings() -> None:
    default = build_checklist([str(patch_117())], config=Config())
    assert {i.name: i.status for i in default.items if i.status is not Status.PASS} == {
        "changelog": Status.WARN, "spelling": Status.WARN, "style": Status.WARN, "rules": Status.WARN}
    assert default.exit_code == 0  # warnings do not stop git send-email
    checklist = build_checklist([str(patch_117())], config=Config(fail_on=Severity.WARNING))
    items = {i.name: i for i in checklist.items}
    for name in ("subject", "signed-off-by", "commit-message", "fixes-tag", "diffstat", "whitespace"):
        assert items[name].status is Status.PASS, (name, items[name].reason)
    # one file of a 22-patch series: the changelog may be in the cover letter
    assert items["changelog"].status is Status.WARN
    assert items["spelling"].status is Status.FAIL
    assert items["spelling"].reason == '"tempary" may be misspelled: temporary, temporarily'
    assert items["spelling"].where == "mm/mlock.c:333"
    assert items["style"].status is Status.FAIL
    assert '"will remove later"' in items["style"].reason and items["style"].where == "mm/mlock.c:333"
    assert items["series-numbering"].status is Status.PASS
    assert checklist.exit_code == 1
    import reviewkit.rules

    try:
        reviewkit.rules.run_rules
    except (AttributeError, ImportError):
        assert items["rules"].status is Status.WARN and items["rules"].reason.startswith("not run")
    else:
        # the engine finds what Duyck raised: the irq-disable workaround and
        # the lock scope changes; the checklist fails on them
        assert items["rules"].status is Status.FAIL
        assert items["rules"].where.startswith("mm/mlock.c:")
        assert not any(d.startswith(("subject", "commit message")) for d in items["rules"].details)


def test_the_whole_series_passes_format_items() -> None:
    paths = sorted(str(p) for p in PATCHES.glob("*.eml"))
    assert len(paths) == 23
    checklist = build_checklist(paths, config=Config(rules=False, fail_on=Severity.WARNING))
    assert not checklist.errors
    assert len(checklist.patches) == 23
    assert by_name(checklist, "series-numbering").status is Status.PASS
    not_passing = {(i.patch.split("]")[0] + "]", i.name): i.status for i in checklist.items
                   if i.status is not Status.PASS and i.name != "rules"}
    assert not_passing == {
        ("[PATCH v16 00/22]", "spelling"): Status.FAIL,  # "patchs", "modefied"
        ("[PATCH v16 01/22]", "spelling"): Status.FAIL,  # "intergrity"
        ("[PATCH v16 07/22]", "spelling"): Status.FAIL,  # "soem", "incomming"
        ("[PATCH v16 08/22]", "commit-message"): Status.WARN,  # a 76-column line
        ("[PATCH v16 16/22]", "spelling"): Status.FAIL,  # "tempary"
        ("[PATCH v16 16/22]", "style"): Status.FAIL,  # "will remove later"
        ("[PATCH v16 18/22]", "spelling"): Status.FAIL,  # "modefied"
    }
    # with the cover letter in the input its changelog counts for all
    assert all(i.status is Status.PASS for i in checklist.items if i.name == "changelog")


def test_each_posting_alone_passes_the_format_items_it_can_judge() -> None:
    for path in sorted(PATCHES.glob("*.eml")):
        checklist = build_checklist([str(path)], config=Config(rules=False))
        assert not checklist.errors, path.name
        for item in checklist.items:
            if item.name in FORMAT_ITEMS and item.status is Status.FAIL:
                raise AssertionError(f"{path.name}: {item.name}: {item.reason}")
