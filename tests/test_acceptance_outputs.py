"""Acceptance: the three outputs over every file of the corpus, as a user runs them.

- Every file under tests/data/corpus (patches, replies, threads, samples,
  the seed page and the notes beside them) and both bundled threads, through
  ``review``, ``summary`` and ``check`` in every format: no traceback, exit
  0 (1 for a check with a failing item), or 2 with one line on stderr for
  input that is not what the command reads. Whether a 2 is right is judged
  here from the raw mail with the standard library, not from reviewkit.
- Nothing lost: each line of each comment is in the terminal review, the
  markdown review and the summary, under a header naming its author, and
  each comment exactly once in the JSON (tests/outputs.py).
"""

from __future__ import annotations

import email
import functools
import json
import mailbox
import re
from pathlib import Path

import pytest

from reviewkit.model.review import Review
from tests.conftest import CORPUS, MLOCK_THREAD, ROOT, SEED
from tests.outputs import build_review_once, find_lost_lines, invoke_once, render_outputs

FILES = sorted([MLOCK_THREAD, SEED, *(p for p in CORPUS.rglob("*") if p.is_file())])
MAIL_FILES = [p for p in FILES if p.suffix != ".md"]
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


@pytest.mark.parametrize("command", sorted(FORMATS))
@pytest.mark.parametrize("path", FILES, ids=_id)
def test_every_file_in_every_format(command: str, path: Path) -> None:
    want = _expected(path, command)
    for fmt in FORMATS[command]:
        result = invoke_once(command, fmt, str(path))
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
    result = invoke_once("check", "text", str(CORPUS / "replies" / "001_v16-00-duyck-regression-report.eml"))
    assert result.exit_code == 2
    assert "a reply, not a patch mail" in result.stderr and result.stdout == ""


# --------------------------------------------------------------------------
# nothing lost, attributed

@functools.cache
def _outputs(path: str) -> tuple[Review, dict[str, str]]:
    from reviewkit.config import load_config

    review = build_review_once((path,), load_config(None, repo=None))
    return review, render_outputs(review)


@pytest.mark.parametrize("path", MAIL_FILES, ids=_id)
def test_every_comment_line_reaches_every_output_under_its_author(path: Path) -> None:
    review, outputs = _outputs(str(path))
    assert find_lost_lines(review, outputs) == []


def test_the_corpus_has_comments_to_lose() -> None:
    total = sum(len(cs) for p in MAIL_FILES for cs in _outputs(str(p))[0].comments.values())
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
    doc = json.loads(invoke_once("review", "json", str(CORPUS / "samples" / "b4" / "trailers-followup-with-cover.mbox"))
                     .stdout)
    for p in doc["patches"]:
        for f in p["files"]:
            if f["status"] == "modified" and not f["hunks"]:
                assert any(f["path"] in w for w in doc["warnings"]), (f["path"], doc["warnings"])
