"""The diff grid of the terminal review renders exactly what rich's
``Table.grid`` renders for the same rows (it exists only to be faster)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

import reviewkit.render.text as text_mod
from reviewkit.config import load_config
from reviewkit.pipeline import build_review
from reviewkit.render import render_text
from tests.test_render_model import sample_review

THREAD = Path(__file__).parent / "data" / "corpus" / "threads" / "mlock-v16-16.mbox"


def _render(review, width: int, colour: bool, table: bool, monkeypatch) -> str:
    if table:
        monkeypatch.setattr(text_mod._DiffGrid, "__rich_console__",
                            lambda self, console, options: iter([self._table()]))
    else:
        monkeypatch.undo()
    console = Console(width=width, file=io.StringIO(), force_terminal=colour,
                      color_system="truecolor" if colour else None, legacy_windows=False)
    render_text(review, console)
    return console.file.getvalue()


@pytest.fixture(scope="module")
def reviews():
    return [sample_review(), build_review([str(THREAD)], config=load_config(None))]


@pytest.mark.parametrize("width", [9, 24, 80, 131])
@pytest.mark.parametrize("colour", [False, True])
def test_grid_renders_like_the_table(reviews, width, colour, monkeypatch) -> None:
    for review in reviews:
        fast = _render(review, width, colour, False, monkeypatch)
        slow = _render(review, width, colour, True, monkeypatch)
        assert fast == slow
        assert fast.count("\n") > 20


def _rich_barred(self, console, options):
    width = max(1, options.max_width - len(self.bar))
    yield from self._barred_lines(console, console.render_lines(self.inner, options.update(width=width), pad=False))


@pytest.mark.parametrize("width", [7, 30, 80, 120])
@pytest.mark.parametrize("tab_size", [8, 4])
def test_barred_plain_lines_match_rich(reviews, width, tab_size, monkeypatch) -> None:
    """Comments and findings on a colourless console: the plain path writes
    what rich's wrapping writes, wrapped lines and tabs included."""
    def render(review) -> str:
        console = Console(width=width, file=io.StringIO(), force_terminal=False, color_system=None,
                          legacy_windows=False, tab_size=tab_size)
        render_text(review, console)
        return console.file.getvalue()

    for review in reviews:
        fast = render(review)
        with monkeypatch.context() as m:
            m.setattr(text_mod._Barred, "__rich_console__", _rich_barred)
            slow = render(review)
        assert fast == slow
        assert fast.count("\n") > 20
        if width >= 30:
            assert "comment " in fast
