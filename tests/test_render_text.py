"""Terminal review: colour comes from the console, never from the mail."""

from __future__ import annotations

import io
import re

from rich.console import Console

from reviewkit.render import CommentView, FindingView, render_text
from tests.test_render_model import sample_review

SGR = re.compile(r"\x1b\[([0-9;]*)m")


def test_no_color_terminal_gets_no_attributes_at_all() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, no_color=True, width=100, legacy_windows=False)
    render_text(sample_review(), console)
    out = console.file.getvalue()
    assert not SGR.search(out)
    plain = Console(file=io.StringIO(), force_terminal=False, color_system=None, width=100, legacy_windows=False)
    render_text(sample_review(), plain)
    assert out == plain.file.getvalue()


def test_colour_terminal_colours_added_and_removed_lines() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=120, no_color=False,
                      legacy_windows=False)
    render_text(sample_review(), console)
    out = console.file.getvalue()
    added = next(line for line in out.split("\n") if "clearlru = false;" in line)
    removed = next(line for line in out.split("\n") if "__munlock_isolate_lru_page(page, true)" in line)
    assert "\x1b[32m" in added  # green
    assert "\x1b[31m" in removed  # red


def test_comment_and_finding_are_renderables() -> None:
    review = sample_review()
    comment = next(iter(review.comments.values()))[0]
    console = Console(file=io.StringIO(), width=50, color_system=None, legacy_windows=False)
    console.print(CommentView(comment, show_quote=True))
    console.print(FindingView(review.findings[0], show_where=True))
    out = console.file.getvalue()
    lines = out.split("\n")
    assert all(line.startswith(("│ ", "▌ ")) for line in lines if line)
    assert max(len(line) for line in lines) <= 50
    assert "answers Alex Shi on mm/mlock.c:173 (new) in" in " ".join(line[2:].strip() for line in lines)
    assert "RK201 get-put-placement warning" in out


def test_empty_review_says_so() -> None:
    from reviewkit.model.review import Review

    console = Console(file=io.StringIO(), width=80, color_system=None, legacy_windows=False)
    render_text(Review((), (), {}, (), (), ()), console)
    assert console.file.getvalue() == "No patch and no review comment found in the input.\n"


def test_ascii_console_gets_ascii_glyphs() -> None:
    # LANG=C terminals: rich swaps its box characters; ours follow.
    raw = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    console = Console(file=raw, width=100, color_system=None, legacy_windows=False)
    render_text(sample_review(), console)
    raw.flush()
    out = raw.buffer.getvalue().decode("ascii")  # raises if anything is not ASCII
    assert "| I don't think this get_page() call needs to be up here." in out
    assert "> munlock_vma_page()" in out and "! RK201 get-put-placement" in out


def test_package_exports_resolve_lazily() -> None:
    import subprocess
    import sys

    import reviewkit.render as render

    for name in render.__all__:
        assert callable(getattr(render, name)) or isinstance(getattr(render, name), type), name
    # Importing the package alone loads no renderer (the CLI's --help stays fast).
    code = "import sys, reviewkit.render; print('rich' in sys.modules, 'reviewkit.render.text' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_c_lines_get_a_light_highlight_over_the_diff_colour() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=120, no_color=False,
                      legacy_windows=False)
    render_text(sample_review(), console)
    out = console.file.getvalue()
    added = next(line for line in out.split("\n") if "clearlru = false;" in line)
    # "bool" is bold and still green; the rest of the line is plain green.
    assert "\x1b[1;32mbool\x1b[0m" in added and "\x1b[32m clearlru = false;" in added
    comment = next(line for line in out.split("\n") if "For try_to_munlock()" in line)
    assert "\x1b[2;3m/* For try_to_munlock()" in comment  # dim context, italic comment
