"""Acceptance: ``summary`` on the seed review (the thread and the archive page).

Alexander Duyck's review of "[PATCH v16 16/22] mm/mlock: reorder isolation
sequence during munlock" makes six comments: four on munlock_vma_page()
(the get_page() placement, the early TestClearPageLRU(), "place the
get_page() call here", merging the unlock paths) and two on
__munlock_pagevec() (the bit test moved up, the isolation failure under the
lock). The full summary (``--full``) must quote each verbatim under the
heading of its function, and list every finding with its rule id and
message; the summary (default) gives each comment one line.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from tests.conftest import MLOCK_THREAD, SEED

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_FUNCTION_HEADING = re.compile(r"(?m)^#### `[^`]+`: `([^`]+)\(\)`$")
_SECTION = re.compile(r"(?m)^##+ ")


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _sections(md: str) -> dict[str, str]:
    """The text under each function heading, up to the next heading."""
    heads = list(_FUNCTION_HEADING.finditer(md))
    out: dict[str, str] = {}
    for m in heads:
        nxt = _SECTION.search(md, m.end())
        out[m.group(1)] = out.get(m.group(1), "") + md[m.end():nxt.start() if nxt else len(md)]
    return out


def _fenced(text: str, section: str) -> bool:
    """``text`` verbatim, every line, as one block inside a fence; or, for a
    comment that proposes a diff, its words in a text fence and the diff
    right after in a diff fence."""
    fences = re.findall(r"(?ms)^(`{3,})(text|diff)\n(.*?)\n\1$", section)
    want = text.strip("\n")
    if any(kind == "text" and want == body.strip("\n") for _, kind, body in fences):
        return True
    return any(a[1] == "text" and b[1] == "diff" and want == a[2].strip("\n") + "\n" + b[2].strip("\n")
               or a[1] == "text" and b[1] == "diff" and want == a[2].strip("\n") + "\n\n" + b[2].strip("\n")
               for a, b in zip(fences, fences[1:]))


@pytest.mark.parametrize("path", [MLOCK_THREAD, SEED], ids=["thread", "seed-page"])
def test_every_duyck_comment_verbatim_under_its_function(path) -> None:
    import json

    doc = json.loads(_run("review", "--format", "json", str(path)))
    [first] = [m for m in doc["messages"] if m["author"] == "Alexander Duyck"
               and not any(c["anchor"] and c["anchor"]["answers"] for c in m["comments"])]
    comments = first["comments"]
    assert len(comments) == 6
    md = _run("summary", "--full", str(path))
    sections = _sections(md)
    want = ["munlock_vma_page"] * 4 + ["__munlock_pagevec"] * 2
    for c, fn in zip(comments, want):
        assert fn in sections, sorted(sections)
        assert _fenced(c["text"], sections[fn]), (fn, c["text"][:60])
        others = [f for f in sections if f != fn]
        assert not any(_fenced(c["text"], sections[f]) for f in others), (fn, c["text"][:60])
    # every comment of every reviewer, not only the first mail's
    for m in doc["messages"]:
        for c in m["comments"]:
            assert _fenced(c["text"], md), (m["author"], c["text"][:60])


@pytest.mark.parametrize("path", [MLOCK_THREAD, SEED], ids=["thread", "seed-page"])
def test_every_finding_is_in_the_summary(path) -> None:
    import json

    findings = json.loads(_run("review", "--format", "json", str(path)))["findings"]
    assert len(findings) >= 10
    md = " ".join(_UNESCAPE.sub(r"\1", _run("summary", "--full", str(path))).split())
    for f in findings:
        entry = f"**{f['rule']}**"
        assert entry in md, f["rule"]
        assert " ".join(f["message"].split()) in md, (f["rule"], f["message"])


def test_a_series_summary_counts_the_cover_letter_apart_and_names_scopes_plainly() -> None:
    from tests.conftest import CORPUS

    md = _run("summary", "--full", str(CORPUS / "threads" / "lru-lock-v16.mbox"))
    assert md.startswith("# Review summary: per memcg lru_lock (v16, 22 patches, Alex Shi)\n")
    assert "## 0/22 per memcg lru\\_lock (cover letter)" in md or "## 0/22 per memcg lru_lock (cover letter)" in md
    # v16 18/22 changes `struct lruvec` in include/linux/mmzone.h: not a function
    assert "#### `include/linux/mmzone.h`: `struct lruvec`\n" in md
    assert "struct lruvec()" not in md
    review_md = _run("review", "--format", "markdown", str(CORPUS / "threads" / "lru-lock-v16.mbox"))
    assert "`struct lruvec`" in review_md and "struct lruvec()" not in review_md


def test_a_finding_on_the_whole_patch_is_not_said_to_sit_on_a_hidden_line() -> None:
    # RK505 (no changelog) is about the posting, not about a line of mm/mlock.c
    for fmt in ("text", "markdown"):
        out = _run("review", "--format", fmt, "--no-color", str(MLOCK_THREAD)) if fmt == "text" else \
            _run("review", "--format", fmt, str(MLOCK_THREAD))
        head = out.index("Findings on the commit message and the patch as a whole")
        assert "RK505" in out[head:head + 200]
        assert "Findings on lines the diff does not show" not in out


def test_the_terminal_names_a_struct_scope_without_parentheses() -> None:
    from tests.conftest import CORPUS

    out = _run("review", "--no-color", str(CORPUS / "threads" / "lru-lock-v16.mbox"))
    assert "struct lruvec()" not in out and "struct lruvec" in out


def test_what_parsing_guessed_is_a_note_on_stderr_with_v_not_review_output() -> None:
    note = "33 old / 50 new lines seen"
    for args in (["review", "--no-color"], ["review", "--format", "markdown"], ["summary"], ["summary", "--full"]):
        assert note not in _run(*args, str(SEED)), args
    result = CliRunner().invoke(app, ["review", "-v", str(SEED)])
    notes = [line for line in result.stderr.splitlines() if note in line]
    assert len(notes) == 1 and notes[0].startswith(f"reviewkit: note: {SEED}: ")  # a file of its own: its path
    from tests.conftest import CORPUS

    series = CliRunner().invoke(app, ["review", "-v", "--format", "json", str(CORPUS / "threads" / "lru-lock-v16.mbox")])
    notes = [line for line in series.stderr.splitlines() if note in line]
    assert notes and all(line.startswith("reviewkit: note: Re: [PATCH v16 16/22] mm/mlock: reorder isolation "
                                         "sequence during munlock <") for line in notes)
    assert not any("mbox#" in line for line in series.stderr.splitlines())  # not by its index in the input
    assert note in " ".join(json.loads(_run("review", "--format", "json", str(SEED)))["warnings"])


def test_a_reply_to_the_cover_letter_is_series_discussion_under_it() -> None:
    from tests.conftest import CORPUS

    path = str(CORPUS / "samples" / "b4" / "trailers-followup-with-cover.mbox")
    text = _run("review", "--no-color", path)
    cover = text.index("cover letter by Test Test")
    discussion = text.index("Discussion of the series (replies to the cover letter)")
    reply = text.index("comment Followup Reviewer1")
    first_patch = text.index("[PATCH v2 1/2] Simple test 1\nauthor")
    assert cover < discussion < reply < first_patch
    assert "Discussion outside any patch" not in text
    md = _run("review", "--format", "markdown", path)
    assert md.index("Cover letter by **Test Test**") < md.index("### Discussion of the series") < \
        md.index("Comment by **Followup Reviewer1**") < md.index("## [PATCH v2 1/2] Simple test 1")
