"""Acceptance: the three outputs over every file of the corpus, as a user runs them.

- Every file under tests/data/corpus (patches, replies, threads, samples,
  the seed page and the notes beside them) and both bundled threads, through
  ``review``, ``summary`` and ``check`` in every format: no traceback, exit
  0 (1 for a check with a failing item), or 2 with one line on stderr for
  input that is not what the command reads. Whether a 2 is right is judged
  here from the raw mail with the standard library, not from reviewkit.
- Nothing lost: each line of each comment (``review --format json``) is in
  the terminal review, the markdown review and the full summary
  (``summary --full``), under a header naming its author. (The default
  summary gives one line per comment, by design.)
"""

from __future__ import annotations

import bisect
import email
import functools
import io
import json
import mailbox
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import reviewkit.pipeline
from reviewkit.cli import app
from tests.conftest import CORPUS, MLOCK_THREAD, ROOT, SEED

FILES = sorted([MLOCK_THREAD, SEED, *(p for p in CORPUS.rglob("*") if p.is_file())])
MAIL_FILES = [p for p in FILES if p.suffix != ".md"]
_REAL_BUILD_REVIEW = reviewkit.pipeline.build_review
FORMATS = {"review": ["text", "markdown", "json"], "summary": ["markdown", "json"],
           "check": ["text", "markdown", "json"]}


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --------------------------------------------------------------------------
# what a file holds, judged without reviewkit

_DIFF = re.compile(r"^(diff --git |--- \S+.*\n\+\+\+ |Index: )", re.M)
_REPLY = re.compile(r"\s*(re|aw|sv)\s*:", re.I)
_COVER = re.compile(r"\[[^\]]*PATCH[^\]]*\b0+/\d+")


def _raw_messages(path: Path) -> list[email.message.Message]:
    data = path.read_bytes()
    if data.startswith(b"From "):
        return list(mailbox.mbox(str(path)))
    return [email.message_from_bytes(data)]


def _has_patch_mail(path: Path) -> bool:
    """A diff outside any quote, or a cover letter that is not a reply."""
    if path.suffix == ".txt":  # the archive pages are reviews of a patch, not patches
        return False
    for msg in _raw_messages(path):
        body = "\n".join((part.get_payload(decode=True) or b"").decode("utf-8", "replace")
                         for part in msg.walk() if part.get_content_maintype() == "text")
        subject = str(msg.get("subject", ""))
        if _DIFF.search(body) or (not _REPLY.match(subject) and _COVER.search(subject)):
            return True
    return False


def _expected(path: Path, command: str) -> set[int]:
    if path.suffix == ".md":  # notes beside the corpus: not mail at all
        return {2}
    if command == "check":
        return {0, 1} if _has_patch_mail(path) else {2}
    return {0}


@functools.cache
def _build_review_once(paths: tuple[str, ...], config):
    return _REAL_BUILD_REVIEW(list(paths), config=config)


@functools.cache
def _invoke(command: str, fmt: str, path: str):
    # The pipeline is deterministic: run it once per file and config, and
    # let every format of review and summary render that one result.
    reviewkit.pipeline.build_review = lambda paths, *, config: _build_review_once(tuple(paths), config)
    try:
        return CliRunner().invoke(app, [command, "--format", fmt, path])
    finally:
        reviewkit.pipeline.build_review = _REAL_BUILD_REVIEW


@pytest.mark.parametrize("command", sorted(FORMATS))
@pytest.mark.parametrize("path", FILES, ids=_id)
def test_every_file_in_every_format(command: str, path: Path) -> None:
    want = _expected(path, command)
    for fmt in FORMATS[command]:
        result = _invoke(command, fmt, str(path))
        where = f"{command} --format {fmt} {_id(path)}"
        assert result.exception is None or isinstance(result.exception, SystemExit), where
        assert result.exit_code in want, f"{where}: exit {result.exit_code}, stderr {result.stderr!r}"
        assert "Traceback" not in result.stderr, where
        result.stdout_bytes.decode("utf-8")  # strict: no stray surrogate escapes
        if result.exit_code == 2:
            lines = result.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("reviewkit: "), f"{where}: {result.stderr!r}"
            assert result.stdout == "", where
        else:
            assert result.stderr == "", f"{where}: {result.stderr!r}"
            assert result.stdout.strip(), where
            if fmt == "json":
                json.loads(result.stdout)


def test_a_reply_to_a_cover_letter_is_not_checked_as_one() -> None:
    # replies/001: "Re: [PATCH v16 00/22] per memcg lru_lock" quotes the
    # cover letter; its misspellings are not the replier's to fix.
    result = _invoke("check", "text", str(CORPUS / "replies" / "001_v16-00-duyck-regression-report.eml"))
    assert result.exit_code == 2
    assert "a reply, not a patch mail" in result.stderr and result.stdout == ""


# --------------------------------------------------------------------------
# nothing lost, attributed

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_GUTTER = re.compile(r"^[ \t]*[│▌|]( |$)", re.M)
# a line of code folded at the terminal's width goes on after the fold mark
_FOLD = re.compile(r"\n[ \t]*↪")
# the fences we open and close (a comment that proposes a diff is a text
# fence, then a diff fence): not the mail's words
_FENCE = re.compile(r"(?m)^`{3,}\w*\n")
_HEADERS = {
    # a cover letter's words are its text, under "cover letter by"
    "text": re.compile(r"(?m)^(?:comment|cover letter by) (.+?)(?: <[^>\n]*>)?(?: · |  |\n|$)"),
    "markdown": re.compile(r"(?:Comment|Cover letter) by \*\*(.+?)\*\*"),
    "summary": re.compile(r"(?m)^\*\*(.+?)\*\*[,:]"),
}


@functools.cache
def _outputs(path: str) -> tuple[list[dict], dict[str, str]]:
    from reviewkit.config import load_config
    from reviewkit.render import build_summary, render_json, render_markdown, render_text

    review = _build_review_once((path,), load_config(None, repo=None))
    console = Console(file=io.StringIO(), width=100, color_system=None, force_terminal=False)
    render_text(review, console)
    comments = [c for m in render_json(review)["messages"] for c in m["comments"]]
    return comments, {
        "text": _FOLD.sub("", _GUTTER.sub("", console.file.getvalue())),
        "markdown": _FENCE.sub("", _UNESCAPE.sub(r"\1", render_markdown(review))),
        "summary": _FENCE.sub("", _UNESCAPE.sub(r"\1", build_summary(review, full=True))),
    }


def _squash(s: str) -> str:
    return " ".join(s.split())


@pytest.mark.parametrize("path", MAIL_FILES, ids=_id)
def test_every_comment_line_reaches_every_output_under_its_author(path: Path) -> None:
    comments, outputs = _outputs(str(path))
    for kind, out in outputs.items():
        flat = _squash(out)
        bare = "".join(out.split())  # a word longer than the terminal is cut, not lost
        heads = [(m.start(), _squash(m.group(1))) for m in _HEADERS[kind].finditer(out)]
        starts = [h[0] for h in heads]
        for c in comments:
            author = _squash(c["author"] or c["email"] or "(unknown)")
            for line in c["text"].split("\n"):
                if line.strip():
                    assert _squash(line) in flat or "".join(line.split()) in bare, (kind, author, line)
            words = c["text"].split()
            if not words:
                continue
            # the whole comment, in one piece, below a header naming its author
            block = re.compile(r"\s*".join(re.escape(w) for w in words))
            owners = [heads[bisect.bisect_right(starts, m.start()) - 1][1]
                      for m in block.finditer(out) if bisect.bisect_right(starts, m.start())]
            if kind == "text" and not owners:
                continue  # cut inside a long word at this width; the lines were checked above
            assert author in owners, (kind, author, c["text"][:80], owners)


def test_the_corpus_has_comments_to_lose() -> None:
    total = sum(len(_outputs(str(p))[0]) for p in MAIL_FILES)
    assert total > 150


def test_stray_bytes_in_a_message_id_stay_visible_and_encodable() -> None:
    # samples/patchwork/refshdr.mbox: References holds raw 0xff bytes.
    from reviewkit.mail.headers import parse_msgid, parse_msgids

    raw = "<a@g" + b"\xff\xff".decode("utf-8", "surrogateescape") + ".com>"
    assert parse_msgids(raw) == ("<a@g\\xff\\xff.com>",)
    assert parse_msgid(raw) == parse_msgids(raw)[0]


# A hunk under a malformed header ('@@@ -1,1 +1,1 @@' in
# samples/b4/trailers-followup-with-cover.mbox) is read tolerantly, with a warning.
def test_a_hunk_the_parser_cannot_read_is_warned_about() -> None:
    doc = json.loads(_invoke("review", "json", str(CORPUS / "samples" / "b4" / "trailers-followup-with-cover.mbox"))
                     .stdout)
    for p in doc["patches"]:
        for f in p["files"]:
            if f["status"] == "modified" and not f["hunks"]:
                assert any(f["path"] in w for w in doc["warnings"]), (f["path"], doc["warnings"])
