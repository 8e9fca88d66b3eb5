"""How the terminal review lays out its lines at a width, and in a pipe.

- code folds with its gutter: a diff line longer than the terminal goes on
  in the next line after blank number columns and the fold mark;
- quoted lines (somebody else's words) are cropped with a marker, never
  wrapped into the replier's own words;
- the writer's own words wrap at spaces, and a URL is never split;
- a file or pipe (soft wrap) gets every line whole.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from reviewkit.config import Config
from reviewkit.model import Comment, DiffLine
from reviewkit.overview import build_overview
from reviewkit.pipeline import build_review
from reviewkit.render import render_text
from tests.conftest import MLOCK_THREAD
from tests.test_render_model import PATCH_ID, REPLY_ID, sample_review

URL = "https://lore.kernel.org/linux-mm/CAKgT0Udcry01samXT54RkurNqFKnVmv-686ZFHF+iw4b+12T_A@mail.gmail.com/"


def _render(review, width: int, *, soft_wrap: bool = False) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, force_terminal=False,
                      legacy_windows=False, soft_wrap=soft_wrap)
    render_text(review, console)
    return console.file.getvalue().split("\n")


def _long_review():
    """The sample review with a long added line, a long quoted line, a
    URL and long prose in a reply."""
    review = sample_review()
    patch = review.patches[0]
    fd = patch.files[0]
    h = fd.hunks[1]
    lines = list(h.lines)
    i = next(n for n, dl in enumerate(lines) if dl.text == "\tget_page(page);")
    lines[i] = dataclasses.replace(lines[i], text="\tget_page(page); /* " + "x" * 90 + " END */")
    fd = dataclasses.replace(fd, hunks=(fd.hunks[0], dataclasses.replace(h, lines=tuple(lines))))
    patch = dataclasses.replace(patch, files=(fd,))
    c = review.comments[REPLY_ID][0]
    quote = "> " + " ".join(["quoted"] * 30) + " QUOTE-END"
    c = dataclasses.replace(c, anchor=None, quoted_text=quote,
                            text=("own words " * 20).strip() + "\nsee " + URL)
    comments = {**review.comments, REPLY_ID: (c,) + review.comments[REPLY_ID][1:]}
    review = dataclasses.replace(review, patches=(patch,), comments=comments)
    return dataclasses.replace(review, overview=build_overview(review))


@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_long_code_line_folds_with_its_gutter(width: int) -> None:
    out = _render(_long_review(), width)
    start = next(n for n, line in enumerate(out) if "get_page(page); /*" in line)
    assert out[start].split()[0] == "173"
    rest = []
    for line in out[start + 1:]:
        if "↪" not in line:
            break
        # the number columns stay blank; the fold mark sits in the marker column
        assert line.startswith(" " * 8 + "↪"), line
        rest.append(line[9:])
    assert rest and rest[-1].endswith("END */")
    whole = out[start][8:] + "".join(rest)
    assert whole.replace(" ", "") == ("+get_page(page);/*" + "x" * 90 + "END*/")


@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_quoted_line_is_cropped_never_wrapped_into_the_replier_s_words(width: int) -> None:
    out = _render(_long_review(), width)
    quoted = [line for line in out if "quoted quoted" in line]
    assert quoted and all(line.rstrip().endswith("…") for line in quoted)
    assert not any("QUOTE-END" in line for line in out)  # cut, not carried to the next line
    body = [line.lstrip(" │") for line in out if line.lstrip().startswith("│")]
    assert not any(line.startswith("quoted") for line in body)


@pytest.mark.parametrize("width", [40, 60, 80])
def test_own_words_wrap_and_a_url_stays_whole(width: int) -> None:
    out = _render(_long_review(), width)
    assert any(line.rstrip().endswith(URL) for line in out), "the URL on one line, whole"
    words = [line for line in out if "own words" in line]
    assert len(words) > 1 and all(len(line) <= width for line in words)
    assert max(len(line) for line in out if "://" not in line) <= width


def test_a_pipe_gets_whole_lines() -> None:
    review = _long_review()
    out = _render(review, 40, soft_wrap=True)
    assert not any("↪" in line or line.rstrip().endswith("…") for line in out)
    assert any(line.endswith("x" * 90 + " END */") for line in out)
    assert any(line.endswith("QUOTE-END") for line in out)
    assert any(line.endswith(URL) for line in out)
    # the overview's titles whole, on one line each
    review = build_review([str(MLOCK_THREAD)], config=Config(rules=False))
    out = _render(review, 40, soft_wrap=True)
    assert any(line.startswith("16/22 mm/mlock: reorder isolation sequence during munlock ") for line in out)


def test_the_overview_fits_80_columns_one_line_a_patch() -> None:
    from tests.conftest import CORPUS

    review = build_review([str(CORPUS / "threads" / "lru-lock-v16.mbox")], config=Config(rules=False))
    out = _render(review, 80)
    rows = [line for line in out[:30] if line[:5].strip().split("/")[0].isdigit() and "/22 " in line[:6]]
    assert [r.split()[0] for r in rows] == [f"{n}/22" for n in range(23)]
    assert all(len(r) <= 80 for r in rows)
    # the cover letter first, then the patches in order
    cover = next(n for n, line in enumerate(out) if line.startswith("[PATCH v16 00/22] per memcg lru_lock"))
    first = next(n for n, line in enumerate(out) if line.startswith("[PATCH v16 01/22]"))
    assert out[cover + 1].startswith("cover letter by Alex Shi") and cover < first
