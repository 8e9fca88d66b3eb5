"""The renderers over real threads, end to end through ``build_review``.

- threads/seed-duyck-mlock-v16-16.txt: Alexander Duyck's review of
  "[PATCH v16 16/22] mm/mlock: reorder isolation sequence during munlock"
  as an archive page; the posting is not in the input, so the review shows
  the patch rebuilt from his quote.
- threads/mlock-v16-16.mbox: the posting and five replies (Duyck, Alex Shi
  answering, Duyck again, Alex Shi twice).
"""

from __future__ import annotations

import functools
import io
import json

import pytest
from rich.console import Console

from reviewkit.render import build_summary, build_summary_json, render_json, render_markdown, render_text
from tests.conftest import MLOCK_THREAD, SEED


@functools.cache
def review_of(path: str | tuple[str, ...]):
    from reviewkit.config import Config
    from reviewkit.pipeline import build_review

    return build_review([path] if isinstance(path, str) else list(path), config=Config())


def terminal(review, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), force_terminal=False, color_system=None,
                      legacy_windows=False)
    render_text(review, console)
    return console.file.getvalue()


def squash(s: str) -> str:
    return " ".join(s.split())


def comment_lines(review) -> list[str]:
    return [squash(line) for cs in review.comments.values() for c in cs
            for line in c.text.split("\n") if line.strip()]


@pytest.fixture(params=[SEED, MLOCK_THREAD], ids=["seed", "mlock-thread"])
def review(request):
    return review_of(str(request.param))


def test_every_comment_line_reaches_every_rendering(review) -> None:
    lines = comment_lines(review)
    assert len(lines) > 20  # Duyck alone wrote more than that
    wide = squash(terminal(review, 400).replace("│", " "))
    md = squash(render_markdown(review))
    summary = squash(build_summary(review, full=True))
    for line in lines:
        assert line in wide, line
        assert line in md, line
        assert line in summary, line
    doc = render_json(review)
    texts = [c["text"] for m in doc["messages"] for c in m["comments"]]
    assert texts == [c.text for m in review.messages for c in review.comments.get(m.msgid, ())]


@pytest.mark.parametrize("width", [60, 160])
def test_terminal_fits_the_width(review, width: int) -> None:
    out = terminal(review, width)
    # a URL longer than the line is never split: the terminal wraps it
    assert max(len(line) for line in out.split("\n") if "://" not in line) <= width
    assert "munlock_vma_page" in out


def _after(out: str, code: str, comment: str, within: int = 4) -> bool:
    """True when ``comment`` starts within ``within`` lines below the diff line ``code``."""
    lines = [squash(line) for line in out.split("\n")]
    for i, line in enumerate(lines):
        if line.endswith(code):
            if any(comment in x for x in lines[i + 1:i + 1 + within]):
                return True
    return False


def test_seed_comments_sit_under_the_lines_they_follow() -> None:
    review = review_of(str(SEED))
    out = terminal(review, 160)
    lines = out.split("\n")
    assert lines[0].startswith("Series: mm/mlock: reorder isolation sequence during munlock")  # the overview
    assert lines[lines.index("─" * 160) + 1] == "[PATCH v16 16/22] mm/mlock: reorder isolation sequence during munlock"
    assert "diff rebuilt from what the reply quoted" in out
    assert _after(out, "+ get_page(page);", "I don't think this get_page() call needs to be up here.")
    assert _after(out, "+ clearlru = TestClearPageLRU(page);", "I'm not sure I fully understand the reason")
    assert _after(out, "+ __munlock_isolation_failed(page);", "If you move the get_page() as I suggested above")
    assert _after(out, "+ spin_lock_irq(&zone->zone_pgdat->lru_lock);", "I still don't see what you are gaining")


def test_seed_summary() -> None:
    review = review_of(str(SEED))
    doc = build_summary_json(review)
    [patch] = doc["patches"]
    assert patch["source"] == "quoted"
    assert patch["status"] == "changes requested"  # six comments, no trailer
    assert patch["author"] == "Alex Shi"
    assert len(patch["comments"]) == 6
    first = patch["comments"][0]
    assert first["author"] == "Alexander Duyck" and first["file"] == "mm/mlock.c"
    assert first["code"][-1]["kind"] == "+" and squash(first["code"][-1]["text"]) == "get_page(page);"
    # Nobody answers on an archive page: his question stays open.
    questions = [q for o in patch["open_questions"] for q in o["questions"]]
    assert ("By clearing this flag before you clear Mlocked does this give you some sort of extra protection?"
            in questions)
    md = build_summary(review, full=True)
    assert "**Status: changes requested**" in md
    assert "```diff\n" in md and "### Open questions" in md
    # the summary: open questions first, one line each
    short = build_summary(review).split("\n")
    items = [line for line in short if line.startswith("- Alexander Duyck")]
    assert len(items) == 6 and "**open question**" in items[0]


def test_thread_answers_and_json() -> None:
    review = review_of(str(MLOCK_THREAD))
    doc = render_json(review)
    assert doc["schema"] == "reviewkit.review" and doc["version"] == 1
    assert [p["source"] for p in doc["patches"]] == ["mail"]
    assert len(doc["messages"]) == 6
    kinds = [m["kind"] for m in doc["messages"]]
    assert kinds[0] == "patch" and set(kinds[1:]) == {"reply"}
    json.dumps(doc)  # serialisable as is
    out = terminal(review, 160)
    # Alex Shi's answer is shown under the line Duyck commented, saying whom it answers.
    assert "comment Alex Shi" in out and "answers Alexander Duyck" in out
    assert ", answering Alexander Duyck (new line" in render_markdown(review)
    summary = build_summary_json(review)
    [patch] = summary["patches"]
    assert patch["author"] == "Alex Shi"
    assert {c["author"] for c in patch["comments"]} == {"Alexander Duyck"}
    assert patch["author_replies"]
    # Duyck's first question of 17 Jul is quoted and answered by Alex Shi on 19 Jul.
    q = [c for c in patch["comments"] if any("extra protection?" in x for x in c["questions"])]
    assert q and q[0]["answered"]


def test_summary_of_two_series_keeps_each_together() -> None:
    from tests.conftest import CORPUS

    paths = [CORPUS / "patches" / "117_v16-16-22-patch-posting.eml",
             CORPUS / "replies" / "059_leds-omnia-lee-sleep-in-irq.eml",
             CORPUS / "patches" / "116_v16-15-22-patch-posting.eml"]
    review = review_of(tuple(str(p) for p in paths))
    doc = build_summary_json(review)
    # Two series: the v16 postings (one thread under the absent cover
    # letter) and the turris-omnia reply, whose patch is rebuilt from it.
    assert [(one["title"], one["versions"], one["patches_in_review"]) for one in doc["series"]["all"]] == [
        ("mm/compaction: do page isolation first in compaction", [16], 2),
        ("leds: turris-omnia: Notify sysfs on MCU global LEDs brightness change", [3], 1),
    ]
    assert [(p["version"], p["index"]) for p in doc["patches"]] == [(16, 15), (16, 16), (3, 6)]
    md = build_summary(review, full=True)
    assert "The input holds 2 series:" in md


def test_reply_without_patch_is_a_discussion() -> None:
    from tests.conftest import CORPUS

    # Duyck's regression report answers the cover letter: it quotes no diff.
    review = review_of(str(CORPUS / "replies" / "001_v16-00-duyck-regression-report.eml"))
    out = terminal(review, 100)
    assert out.startswith("Discussion outside any patch")
    flat = squash(out.replace("│", " "))
    assert "answers Alex Shi" in flat
    for line in comment_lines(review):
        assert line in flat, line
    assert "## Discussion outside any patch" in render_markdown(review)
    for summary in (build_summary(review), build_summary(review, full=True)):
        assert "No patch found in the input." in summary and "## Discussion" in summary
        assert "I think I am seeing a regression with this patch set" in summary


def test_a_hunk_numbered_from_the_quote_says_so() -> None:
    import io

    from rich.console import Console

    from reviewkit.config import Config
    from reviewkit.pipeline import build_review
    from reviewkit.render import render_markdown, render_text
    from tests.conftest import CORPUS

    # reply 062 quotes a new driver with every diff header cut
    review = build_review([str(CORPUS / "replies" / "062_leds-tlc5928-jaillet-missing-unlock.eml")],
                          config=Config())
    assert any(h.numbered_from_quote for p in review.patches for f in p.files for h in f.hunks)
    out = io.StringIO()
    render_text(review, Console(width=200, file=out, color_system=None, legacy_windows=False))
    assert "lines are numbered from the quote, not the file" in out.getvalue()
    assert "(The quote cut the @@ header: lines are numbered from the quote, not the file.)" in render_markdown(review)
