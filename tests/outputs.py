"""Every output of a Review, and the check that no comment line is lost.

One owner for the no-loss check over the outputs: the acceptance tests over
the corpus, the fuzz-found reproducers and the property-based tests all ask
:func:`find_lost_lines`. Mail text reaches each output escaped (visible
``\\x00``, ``\\u202e`` in the terminal and markdown, backslash escapes in
markdown prose), so a comment line is looked for as that output shows it:

- text: :func:`safe_plain` of the line, blanks squashed (rich wraps long
  lines; a word longer than the terminal is cut, not lost);
- markdown and the summary: the same, in the document with its backslash
  escapes undone, or as written;
- JSON: the comment's text exact, exactly once, under its author.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import io
import json
import re
from collections import Counter
from typing import Any

from rich.console import Console
from typer.testing import CliRunner, Result

import reviewkit.pipeline
from reviewkit.cli import app
from reviewkit.config import Config
from reviewkit.model.review import Review
from reviewkit.render.safe import safe_plain

_REAL_BUILD_REVIEW = reviewkit.pipeline.build_review
_REAL_OPEN_REVIEWS = reviewkit.pipeline.open_reviews


@functools.cache
def build_review_once(paths: tuple[str, ...], config: Config) -> Review:
    """The pipeline's Review of ``paths``, computed once per paths and config."""
    return _REAL_BUILD_REVIEW(list(paths), config=config)


class _Once:
    """The reviews of an input of one unit, from :func:`build_review_once`."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.messages = len(review.messages)

    def __len__(self) -> int:
        return 1

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter([self.review])

    def sizes(self):  # type: ignore[no-untyped-def]
        return iter([self.messages])

    def whole(self) -> Review:
        return self.review


@contextlib.contextmanager
def _open_reviews_once(paths, *, config, **pick):  # type: ignore[no-untyped-def]
    with _REAL_OPEN_REVIEWS(paths, config=config, **pick) as reviews:
        # an input of one unit is the whole input: its review is cached
        chosen = pick.get("msgids") or pick.get("subject") or pick.get("since") is not None
        yield _Once(build_review_once(tuple(paths), config)) if len(reviews) == 1 and not chosen \
            else reviews


@functools.cache
def invoke_once(command: str, fmt: str, path: str) -> Result:
    """``reviewkit COMMAND --format FMT PATH`` in this process. The pipeline
    is deterministic: it runs once per file and config, and every format of
    review and summary renders that one result."""
    reviewkit.pipeline.open_reviews = _open_reviews_once
    try:
        return CliRunner().invoke(app, [command, "--format", fmt, path])
    finally:
        reviewkit.pipeline.open_reviews = _REAL_OPEN_REVIEWS

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_GUTTER = re.compile(r"^[ \t]*[│▌]( |$)", re.M)  # the unicode bars render draws (the console here is not ASCII)
# a line of code folded at the terminal's width goes on after the fold mark
_FOLD = re.compile(r"\n[ \t]*↪")
# a fence render opens (a comment that proposes a diff is a text fence, then
# a diff fence), closed by a line of as many backticks or more
_FENCE_OPEN = re.compile(r"(`{3,})\w*")


def _drop_fences(out: str) -> str:
    """``out`` without the fences render opens and closes: not the mail's
    words. A line of backticks inside a fence (a comment quoting markdown,
    fenced by render with a longer run) is the mail's and stays."""
    kept: list[str] = []
    fence = 0
    for line in out.split("\n"):
        if not fence and (m := _FENCE_OPEN.fullmatch(line)):
            fence = len(m.group(1))
        elif fence and line.startswith("`" * fence) and not line.strip("`"):
            fence = 0
        else:
            kept.append(line)
    return "\n".join(kept)

_HEADERS = {
    # a name longer than the terminal starts on the next line, cut at its
    # width; a cover letter's words are its text, under "cover letter by"
    "text": re.compile(r"(?m)^(?:comment|cover letter by)\s+(\S.*?)(?: <[^>\n]*>)?(?: · | answers | on |  |\s*\n|\s*$)"),
    "markdown": re.compile(r"(?:Comment|Cover letter) by (?:\*\*(.+?)\*\*|(\(unknown\)))"),
    # "**name**:", "**name**, date:", "**name** (open question):",
    # "**name** <link>:"
    "summary": re.compile(r"(?m)^\*\*(.+?)\*\*(?: \([^()\n]*\))?(?: <[^<>\n]*>)?[,:]"),
}


def render_outputs(review: Review) -> dict[str, str]:
    """The terminal review (no colour, 100 columns), the markdown review,
    the full summary (``summary --full``: the default one gives one line
    per comment, by design) and the JSON review, as the command line
    writes them."""
    from reviewkit.render import build_summary, render_json, render_markdown, render_text
    from reviewkit.render.jsontext import render_json_text

    console = Console(file=io.StringIO(), width=100, color_system=None, force_terminal=False)
    render_text(review, console)
    return {
        "text": console.file.getvalue(),
        "markdown": render_markdown(review),
        "summary": build_summary(review, full=True),
        "json": render_json_text(render_json(review)),
    }


def _squash(s: str) -> str:
    return " ".join(s.split())


def _bare(s: str) -> str:
    return "".join(s.split())


def _name_only(name: str) -> str:
    """A header's name without the address after it: cut at the first
    " <" (a hostile address may hold "<" and ">" itself)."""
    return re.sub(r"\s+<.*$", "", name, flags=re.S) or name


def find_lost_lines(review: Review, outputs: dict[str, str] | None = None) -> list[str]:
    """What each output lost of the review's comments: one line per problem
    (the output, the author, the comment line), empty when nothing is lost.

    A comment line must appear in the text, markdown and summary outputs,
    in its comment's block below a header naming its author; in JSON each
    comment must appear exactly once, its text exact, under its author.
    """
    outputs = outputs or render_outputs(review)
    problems: list[str] = []
    comments = [c for cs in review.comments.values() for c in cs]
    for kind in ("text", "markdown", "summary"):
        out = outputs[kind]
        if kind == "text":
            out = _FOLD.sub("", _GUTTER.sub("", out))
        else:
            out = _drop_fences(out)
        views = [out] if kind == "text" else [out, _UNESCAPE.sub(r"\1", out)]
        flats = [_squash(v) for v in views]
        bares = [_bare(v) for v in views]
        heads = [[(m.start(), _squash(next(g for g in m.groups() if g is not None)))
                  for m in _HEADERS[kind].finditer(v)] for v in views]
        starts = [[h[0] for h in hs] for hs in heads]
        for c in comments:
            author = _squash(safe_plain(c.author or c.email or "(unknown)"))
            for line in c.text.split("\n"):
                shown = safe_plain(line)
                if shown.strip() and not any(_squash(shown) in f or _bare(shown) in b for f, b in zip(flats, bares)):
                    problems.append(f"{kind}: {author}: line lost: {line[:80]!r}")
            words = safe_plain(c.text).split()
            if not words:
                continue
            block = re.compile(r"\s*".join(re.escape(w) for w in words))
            owners = [hs[bisect.bisect_right(ss, m.start()) - 1][1]
                      for v, hs, ss in zip(views, heads, starts)
                      for m in block.finditer(v) if bisect.bisect_right(ss, m.start())]
            if kind == "text" and not owners:
                continue  # a word cut at the terminal's width breaks the block; its lines were checked
            # a name that holds "<...>" (an archive page's whole From: line)
            # reads, in a header, like a name and an address
            names = {_name_only(author), _name_only(_squash(_UNESCAPE.sub(r"\1", author)))}
            shown = {_name_only(n) for o in owners for n in (o, _squash(_UNESCAPE.sub(r"\1", o)))}
            if kind == "text":  # the terminal cuts a long name at its width: the start must agree
                shown = {a for a in names for o in shown if o and _bare(a).startswith(_bare(o))}
            if not names & shown:
                problems.append(f"{kind}: {author}: comment not under its author ({owners[:3]}): {c.text[:60]!r}")
    problems += _json_problems(review, json.loads(outputs["json"]))
    return problems


def _json_problems(review: Review, doc: dict[str, Any]) -> list[str]:
    problems = []
    shown: dict[str, Counter[tuple[str, str]]] = {}
    for m in doc["messages"]:
        shown.setdefault(m["msgid"], Counter()).update((c["author"], c["text"]) for c in m["comments"])
    for msgid in set(shown) | set(review.comments):
        want = Counter((c.author, c.text) for c in review.comments.get(msgid, ()))
        got = shown.get(msgid, Counter())
        for (author, text), n in (want | got).items():
            if got[(author, text)] != want[(author, text)]:
                problems.append(f"json: {author}: comment shown {got[(author, text)]} times in {msgid}, "
                                f"not {want[(author, text)]}: {text[:60]!r}")
    ids = [m["msgid"] for m in doc["messages"]]
    if len(ids) != len(set(ids)):
        problems.append(f"json: repeated message ids {sorted({i for i in ids if ids.count(i) > 1})[:3]}")
    return problems
