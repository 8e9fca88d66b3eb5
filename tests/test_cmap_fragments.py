"""Function maps built from quoted diff fragments (no git tree), on real mail."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from reviewkit.cmap import function_at, map_functions
from reviewkit.config import Config
from reviewkit.mail import parse_message
from reviewkit.model import Finding, FunctionStatus, Patch, Side
from reviewkit.patch import rebuild_quoted
from reviewkit.pipeline import build_review
from reviewkit.source import read_messages

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "data" / "corpus"
SEED_PAGE = ROOT / "threads" / "seed-duyck-mlock-v16-16.txt"
POSTING = CORPUS / "patches" / "117_v16-16-22-patch-posting.eml"


@cache
def quoted(path: Path) -> Patch:
    patch = rebuild_quoted(parse_message(next(iter(read_messages([str(path)])))))
    assert patch is not None
    return patch


def spans(patch: Patch) -> dict[str, tuple]:
    cm = map_functions(patch, config=Config())
    return {
        cf.name: (
            cf.status,
            (cf.old.function.start, cf.old.function.end) if cf.old else None,
            (cf.new.function.start, cf.new.function.end) if cf.new else None,
            cf.new.function.complete if cf.new else None,
        )
        for cf in cm.functions
    }


def verdicts(findings: tuple[Finding, ...]) -> set[tuple[str, str | None, int | None]]:
    # a diff rebuilt from a quote gets no patch-format verdicts
    return {(f.rule, f.function, f.line) for f in findings if f.category != "patch-format"}


def test_seed_hunk_split_by_comments_maps_whole_function():
    # The archive page lost all indentation and Duyck's comments split the
    # __munlock_pagevec hunk (new 289-339) into runs; `}` at new line 310
    # closes an `if`, so the lines after his comment stay in the function.
    got = spans(quoted(SEED_PAGE))
    status, old, new, complete = got["__munlock_pagevec"]
    assert status is FunctionStatus.CHANGED
    assert old == (297, 330) and new == (289, 339)
    assert complete is False  # the function goes on past the hunk
    cm = map_functions(quoted(SEED_PAGE), config=Config())
    for line in (310, 312, 328, 330, 333, 334, 336, 339):  # putback:, local_irq_*
        assert function_at(cm, "mm/mlock.c", Side.NEW, line) == "__munlock_pagevec", line


def test_seed_page_findings_equal_the_postings():
    page = build_review([str(SEED_PAGE)], config=Config())
    posting = build_review([str(POSTING)], config=Config())
    want = verdicts(posting.findings)
    assert ("RK302", "__munlock_pagevec", 334) in want  # what the fix must not lose
    assert verdicts(page.findings) == want


REPLIES = CORPUS / "replies"
TLC5928 = REPLIES / "062_leds-tlc5928-jaillet-missing-unlock.eml"
KTD202X = REPLIES / "064_leds-ktd202x-jaillet-of-node-put.eml"


def test_quote_with_every_header_cut_is_numbered_from_the_quote():
    # Both replies cut "diff --git", "new file mode", "---/+++" and "@@":
    # nothing says where the quote starts, so lines count from its first.
    for path, first in ((TLC5928, "static int"), (KTD202X, "static int ktd202x_setup_led_rgb(")):
        patch = quoted(path)
        (fd,) = patch.files
        assert fd.path == ""
        (hunk,) = fd.hunks
        assert hunk.numbered_from_quote and hunk.snipped
        assert hunk.lines[0].new_no == 1 and hunk.lines[0].text.startswith(first)
        assert [dl.new_no for dl in hunk.lines] == list(range(1, len(hunk.lines) + 1))
        assert any("numbered from the quote" in w for w in patch.warnings)


def test_quoted_new_driver_functions_are_mapped():
    got = spans(quoted(TLC5928))
    added = FunctionStatus.ADDED
    assert got["tlc5928_set_ledout"] == (added, None, (1, 32), True)
    assert got["tlc5928_brightness_set"] == (added, None, (34, 42), True)
    assert got["tlc5928_probe_chip_dt"] == (added, None, (50, 98), True)
    assert got["tlc5928_probe"] == (added, None, (100, 162), True)
    assert got["tlc5928_remove"] == (added, None, (164, 187), True)
    got = spans(quoted(KTD202X))
    assert got["ktd202x_setup_led_rgb"] == (added, None, (1, 49), True)
    assert got["ktd202x_setup_led_single"] == (added, None, (51, 70), True)
    assert got["ktd202x_add_led"] == (added, None, (72, 107), True)
    assert got["ktd202x_probe_dt"] == (added, None, (109, 135), True)


def _anchored(review, quoted_line: str):
    for cs in review.comments.values():
        for c in cs:
            if c.anchor is not None and c.anchor.quoted == quoted_line:
                return c.anchor
    raise AssertionError(quoted_line)


def test_rules_run_on_a_quoted_new_driver():
    # 062 blk 2: "Missing unlock." after `if (ret)` / `return ret;` inside
    # tlc5928_set_ledout's loop, with priv->lock held.
    review = build_review([str(TLC5928)], config=Config())
    anchor = _anchored(review, "> +\t\tif (ret)")
    assert (anchor.function, anchor.line) == ("tlc5928_set_ledout", 21)
    unlock = [f for f in review.findings if f.category == "lock-pairing"]
    assert [(f.function, f.line) for f in unlock] == [("tlc5928_set_ledout", 22)]
    # 064 blks 3 and 4: returns out of for_each_available_child_of_node()
    # without dropping the child's reference
    review = build_review([str(KTD202X)], config=Config())
    anchor = _anchored(review, '> +\t\t\tdev_err(chip->dev, "invalid \'reg\' of %pOFn\\n", np);')
    assert (anchor.function, anchor.line) == ("ktd202x_setup_led_rgb", 25)
    # one leak on two exits is one finding with both lines
    leaks = {(f.function, n) for f in review.findings if f.rule == "RK401" for n in (f.lines or (f.line,))}
    assert {("ktd202x_setup_led_rgb", 26), ("ktd202x_setup_led_rgb", 32)} <= leaks


def test_space_stuffed_context_lines_keep_their_column():
    # Five quote levels of format=flowed space-stuffing put two spaces
    # before every context line ("   }", "   <tab>if"), none before the
    # "+"/"-" lines: headers at column 0 are found again, EXPORT_SYMBOL()
    # is file scope, and each hunk's function is the one its lines are in.
    path = CORPUS / "samples" / "lists" / "dri-devel-drm-sched-nested-qp-excerpt.mbox"
    patch = rebuild_quoted(parse_message(next(iter(read_messages([str(path)])))))
    assert patch is not None
    hunks = patch.files[0].hunks
    assert [dl.text for dl in hunks[3].lines[:2]] == ["}", "/**"]
    got = spans(patch)
    changed = FunctionStatus.CHANGED
    assert got["drm_sched_rq_select_entity_rr"][:3] == (changed, (219, 244), (220, 249))
    assert got["drm_sched_run_job_queue"][:3] == (changed, (287, 291), (295, 299))  # renamed
    assert got["drm_sched_free_job_queue_if_ready"][:3] == (FunctionStatus.ADDED, None, (306, 316))
    assert got["drm_sched_free_job_work"][:3] == (changed, (1030, 1039), (1082, 1089))
    assert "drm_sched_rq_remove_entity" not in got and "drm_sched_pick_best" not in got
    cm = map_functions(patch, config=Config())
    assert function_at(cm, patch.files[0].path, Side.NEW, 1076) is None  # EXPORT_SYMBOL(...)


def test_hunks_whose_diff_header_was_cut_are_mapped():
    # Replies 003 and 010 keep the "@@" header but cut "diff --git" and
    # "---/+++": no path, real numbers; the lines are C all the same.
    got = spans(quoted(REPLIES / "003_v16-00-hugh-followup.eml"))
    assert got == {"deactivate_file_page": (FunctionStatus.CHANGED, (649, 655), (647, 653), False)}
    got = spans(quoted(REPLIES / "010_v16-15-duyck-compaction-helper.eml"))
    # git's hunk header names the function above the hunk; nothing shown
    # says otherwise, so the lines go by that name
    assert got["too_many_isolated"][:3] == (FunctionStatus.CHANGED, (950, 955), (951, 971))


def test_struct_opened_but_not_closed_in_a_hunk():
    # 023 quotes the start of struct lruvec (include/linux/mmzone.h:251)
    # and the hunk ends three members in: the added members are in it.
    patch = quoted(REPLIES / "023_v17-17-duyck-open-coded-abort.eml")
    cm = map_functions(patch, config=Config())
    mmzone = next(cf for cf in cm.functions if cf.file == "include/linux/mmzone.h" and cf.name == "struct lruvec")
    assert mmzone.status is FunctionStatus.CHANGED and mmzone.added_lines == frozenset({252, 253})
    assert (mmzone.new.function.start, mmzone.new.function.end, mmzone.new.function.complete) == (251, 256, False)


def test_quote_numbered_from_itself_takes_the_postings_numbers():
    # The posting 117 quoted whole by a reply that cut every header: with
    # the posting at hand, its numbers win over the quote's own count.
    import dataclasses
    import re

    from reviewkit.patch import parse_patch

    mail = parse_message(next(iter(read_messages([str(POSTING)]))))
    posting = parse_patch(mail)
    lines = mail.body.split("\n")
    first = next(k for k, ln in enumerate(lines) if ln.startswith("diff --git"))
    headers = re.compile(r"^(@@|diff --git|index |--- |\+\+\+ )")
    body = "\n".join(["On Sat, Alex Shi wrote:"]
                     + ["> " + ln for ln in lines[first:] if not headers.match(ln)] + ["", "Why?"])
    reply = dataclasses.replace(mail, body=body, subject="Re: " + mail.subject)
    alone = rebuild_quoted(reply, None)
    assert alone.files[0].hunks[0].numbered_from_quote
    aligned = rebuild_quoted(reply, posting)
    (fd,) = aligned.files
    assert fd.path == "mm/mlock.c"
    (hunk,) = fd.hunks
    assert not hunk.numbered_from_quote and (hunk.old_start, hunk.new_start) == (297, 289)
    last = posting.files[0].hunks[-1]
    numbered = [(dl.old_no, dl.new_no) for dl in hunk.lines if dl.new_no or dl.old_no]
    assert numbered == [(dl.old_no, dl.new_no) for dl in last.lines]
