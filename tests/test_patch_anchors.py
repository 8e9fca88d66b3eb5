"""extract_comments: the writer's comments, each anchored to the line it follows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewkit.model import BlockKind, Comment, Message, Patch, Side
from reviewkit.patch import extract_comments, parse_patch, rebuild_quoted
from reviewkit.quotes import comment_runs, parse_quote_prefix, split_blocks
from tests.conftest import load_messages as load

CORPUS = Path(__file__).parent / "data" / "corpus"
SEED = CORPUS / "seed-duyck-mlock-v16-16.txt"
THREAD = CORPUS / "threads" / "mlock-v16-16.mbox"
SEED_LINES = [178, 179, 199, 207, 298, 310]  # what patch 117 gives





def comments_of(msg: Message, original: Patch | None, parents=()) -> tuple[Comment, ...]:
    return extract_comments(msg, quoted=rebuild_quoted(msg, original), original=original,
                            parent_comments=parents)


@pytest.mark.parametrize("with_original", [False, True])
def test_seed_comments(with_original: bool, originals) -> None:
    (seed,) = load(SEED)
    cs = comments_of(seed, originals[16] if with_original else None)
    assert len(cs) == 6
    assert [(c.anchor.file, c.anchor.side, c.anchor.line) for c in cs] == [
        ("mm/mlock.c", Side.NEW, n) for n in SEED_LINES]
    assert [c.anchor.hunk for c in cs] == [2, 2, 2, 2, 3, 3]
    assert [c.anchor.quoted for c in cs] == [
        "> + get_page(page);",
        "> + clearlru = TestClearPageLRU(page);",
        "> +",
        "> + __munlock_isolation_failed(page);",
        "> + spin_lock_irq(&zone->zone_pgdat->lru_lock);",
        "> }",
    ]
    assert cs[0].text == (
        "I don't think this get_page() call needs to be up here. It could be\n"
        "left down before we delete the page from the LRU list as it is really\n"
        "needed to take a reference on the page before we call\n"
        "__munlock_isolated_page(), or at least that is the way it looks to me.\n"
        "By doing that you can avoid a bunch of cleanup in these exception\n"
        "cases.")
    assert cs[2].text == "You could just place the get_page() call here."
    # the code sketch in the fourth comment is kept whole, unquoted lines and all
    assert cs[3].text.endswith("if (clearlru)\n__munlock_isolated_page();\nelse\n"
                               "__munlock_isolated_failed();")
    assert cs[5].text.startswith("With the other function you were processing this outside of the lock,")
    assert cs[5].text.endswith("many jump labels.")
    body = seed.body.split("\n")
    for c in cs:
        assert c.author == "Alexander Duyck"
        assert c.quoted_author == "Alex Shi"
        assert body[c.body_start] == c.text.split("\n")[0]


def test_thread_duyck_and_answers(originals) -> None:
    msgs = load(THREAD)
    assert len(msgs) == 6
    original = parse_patch(msgs[0])
    by_id: dict[str, tuple[Comment, ...]] = {}
    for m in msgs[1:]:
        by_id[m.msgid] = comments_of(m, original, by_id.get(m.in_reply_to or "", ()))
    duyck = by_id["<CAKgT0Udcry01samXT54RkurNqFKnVmv-686ZFHF+iw4b+12T_A@mail.gmail.com>"]
    assert [(c.anchor.file, c.anchor.side, c.anchor.line) for c in duyck] == [
        ("mm/mlock.c", Side.NEW, n) for n in SEED_LINES]
    # Gmail kept the tabs as spaces: the quoted line is shown as it is
    assert duyck[0].anchor.quoted == "> +       get_page(page);"

    answers = by_id["<6e37ee32-c6c5-fcc5-3cad-74f7ae41fb67@linux.alibaba.com>"]
    assert all(c.author == "Alex Shi" for c in answers)
    got = [(c.text.split("\n")[0], c.anchor.line, c.anchor.answers, c.quoted_author) for c in answers]
    assert got == [
        ("Uh, It seems unlikely for !page->_refcount, and then got to release_pages(),",
         178, "Alexander Duyck", "Alexander Duyck"),
        ("Above comments give a reason for the lru_lock usage,", 179, "Alexander Duyck",
         "Alexander Duyck"),
        # follows lines of the patch he re-quotes: anchored to that diff line
        ("Look into the __split_huge_page_tail, there is a tiny gap between tail page",
         176, None, "Alex Shi"),
        ("the same reason as above comments mentained __split_huge_page_tail() ", 298,
         "Alexander Duyck", "Alexander Duyck"),
    ]
    assert answers[0].anchor.quoted == "> cases."
    assert answers[0].quoted_text.endswith("> By doing that you can avoid a bunch of cleanup in these exception\n> cases.")

    # Duyck's follow-up answers Alex Shi's answers: the same lines again
    follow = by_id["<CAKgT0Ue2i96gL=Tqx_wFmsBj_b1cnM1KQHh8b+oYr5iRg0Tcpw@mail.gmail.com>"]
    assert [(c.anchor.line, c.anchor.answers) for c in follow] == [
        (179, "Alex Shi"), (176, "Alex Shi"), (298, "Alex Shi")]


def test_general_comments_keep_the_quoted_line() -> None:
    (msg,) = load(CORPUS / "replies" / "001_v16-00-duyck-regression-report.eml")
    cs = comments_of(msg, None)
    c = next(c for c in cs if c.anchor is not None)
    assert (c.anchor.file, c.anchor.line, c.anchor.hunk) == ("", None, None)
    assert c.anchor.quoted == "> and Yun Wang. Hugh Dickins also shared his kbuild-swap case. Thanks!"
    assert c.anchor.answers == "Alex Shi"


# --------------------------------------------------------------------------
# GROUND_TRUTH.md


def read_ground_truth() -> dict[str, list[tuple[int, str]]]:
    rows: dict[str, list[tuple[int, str]]] = {}
    cur = None
    for line in (CORPUS / "GROUND_TRUTH.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^### (\S+\.eml)", line)
        if m:
            cur = rows.setdefault(m.group(1), [])
            continue
        m = re.match(r"^\| (\d+) \| `(.*)` \|", line)
        if m and cur is not None:
            cur.append((int(m.group(1)), m.group(2).strip()))
    return rows


def test_ground_truth_anchors(originals) -> None:
    gt = read_ground_truth()
    assert sum(len(v) for v in gt.values()) == 78
    listed = right = 0
    diff_listed = diff_right = 0
    misses: list[str] = []
    for name, rows in gt.items():
        if not rows:
            continue
        (msg,) = load(CORPUS / "replies" / name)
        original = originals.get(msg.series.index) if msg.series.version == 16 else None
        quoted = rebuild_quoted(msg, original)
        cs = extract_comments(msg, quoted=quoted, original=original)
        runs = comment_runs(msg, split_blocks(msg))
        for blk, want in rows:
            listed += 1
            diff_listed += quoted is not None
            run = runs[blk] if blk < len(runs) else None
            c = next((c for c in cs if run and run.start <= c.body_start < run.end), None)
            got = c.anchor.quoted if c and c.anchor else None
            if got == want:
                right += 1
                diff_right += quoted is not None
            else:
                misses.append(f"{name} blk {blk}: want {want!r}, got {got!r}")
    print(f"anchored right: {right}/{listed}; in replies quoting a diff: {diff_right}/{diff_listed}")
    for m in misses:
        print("  miss:", m)
    assert diff_listed == 73
    assert (right, diff_right) == (78, 73), misses


def test_diff_anchors_carry_numbers() -> None:
    """Comments after a quoted diff line get file, side, hunk and a line."""
    (msg,) = load(CORPUS / "replies" / "059_leds-omnia-lee-sleep-in-irq.eml")
    quoted = rebuild_quoted(msg, None)  # no posting in the corpus: numbered from the headers
    cs = extract_comments(msg, quoted=quoted, original=None)
    want = '> +\t\tleds->brightness_kn = sysfs_get_dirent(leds->client->dev.kobj.sd, "brightness");'
    c = next(c for c in cs if c.anchor and c.anchor.quoted == want)
    assert c.anchor.file == "drivers/leds/leds-turris-omnia.c"
    assert c.anchor.side is Side.NEW and c.anchor.line is not None
    h = quoted.files[0].hunks[c.anchor.hunk]
    line = next(x for x in h.lines if x.new_no == c.anchor.line)
    assert msg.body.split("\n")[line.body_line].strip() == want
    # the hunk header's first new line plus the lines before it in the hunk
    assert c.anchor.line == h.new_start + sum(x.kind != "-" for x in h.lines[:h.lines.index(line)])


def test_quote_without_hunk_headers() -> None:
    """The reviewer cut every header: lines are kept, numbered from the
    quote's first line (the file's own numbers are unknown)."""
    (msg,) = load(CORPUS / "replies" / "062_leds-tlc5928-jaillet-missing-unlock.eml")
    quoted = rebuild_quoted(msg, None)
    assert any("have no hunk header; numbered from the quote" in w for w in quoted.warnings)
    assert quoted.files[0].hunks[0].numbered_from_quote
    cs = extract_comments(msg, quoted=quoted, original=None)
    c = next(c for c in cs if c.anchor and c.anchor.quoted == "> +\t\tif (ret)")
    assert c.text == "Missing unlock.\nOr use guard()?"
    # the 21st line of the quote: "+static int" is its first
    assert (c.anchor.file, c.anchor.hunk, c.anchor.line) == ("", 0, 21)


# --------------------------------------------------------------------------
# no loss


def _all_replies() -> list[tuple[str, Message]]:
    out = [(p.name, load(p)[0]) for p in sorted((CORPUS / "replies").glob("*.eml"))]
    out += [(f"mlock#{k}", m) for k, m in enumerate(load(THREAD)) if k]
    out += [("seed", load(SEED)[0])]
    return out


def test_no_comment_line_is_lost(originals) -> None:
    """Every unquoted, non-blank line that is no attribution and no signature
    (the "-- " block) lands in exactly one comment, verbatim."""
    checked = 0
    for name, msg in _all_replies():
        original = originals.get(msg.series.index) if msg.series.version == 16 else None
        cs = comments_of(msg, original)
        lines = msg.body.split("\n")
        kinds: list[BlockKind] = []
        for b in split_blocks(msg):
            kinds.extend([b.kind] * len(b.lines))
        skip = {BlockKind.ATTRIBUTION, BlockKind.SIGNATURE}
        seen: dict[int, int] = {}
        for c in cs:
            k = c.body_start
            for text in c.text.split("\n"):
                while kinds[k] in skip:
                    k += 1
                assert lines[k] == text, (name, k)
                assert parse_quote_prefix(lines[k])[0] == 0, (name, k)
                seen[k] = seen.get(k, 0) + 1
                k += 1
        for k, line in enumerate(lines):
            if line.strip() and parse_quote_prefix(line)[0] == 0 and kinds[k] not in skip:
                assert seen.get(k) == 1, (name, k, line)
                checked += 1
    print(f"no loss: {checked} own lines checked")
    assert checked > 700


def test_v16_diff_anchors_name_the_posting_line(originals) -> None:
    """Numbered from the quoted headers alone, each diff anchor names the
    line of the real posting that holds the quoted text."""
    checked = 0
    paths = sorted((CORPUS / "replies").glob("*_v16-*.eml")) + [SEED]
    for p in paths:
        (msg,) = load(p)
        original = originals.get(msg.series.index)
        if original is None:
            continue
        for c in extract_comments(msg, quoted=rebuild_quoted(msg, None), original=None):
            a = c.anchor
            if a is None or not a.file:
                continue
            f = next(f for f in original.files if f.path == a.file)
            line = next(x for h in f.hunks for x in h.lines
                        if (a.side is Side.OLD and x.kind == "-" and x.old_no == a.line)
                        or (a.side is Side.NEW and x.kind != "-" and x.new_no == a.line))
            text = parse_quote_prefix(a.quoted)[1]
            text = text[1:] if text[:1] in "+- " else text
            assert "".join(line.text.split()) == "".join(text.split()), (p.name, a)
            checked += 1
    assert checked == 21
