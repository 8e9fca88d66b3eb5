"""The whole linux-pwm public-inbox archive (23,541 messages) goes through
the source and mail stages without an exception."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from reviewkit.mail import build_threads, parse_message
from reviewkit.model import MessageKind
from reviewkit.source import read_messages
from tests.conftest import ARCHIVE, needs_archive

ARCHIVE_MESSAGES = 23541


@pytest.mark.slow
@pytest.mark.shared
@needs_archive()
def test_whole_archive_parses_and_threads() -> None:
    kinds: Counter[MessageKind] = Counter()
    messages = []
    for raw in read_messages([str(ARCHIVE)]):
        assert raw.origin.startswith("archive:")
        m = parse_message(raw)
        kinds[m.kind] += 1
        messages.append(m)
    assert len(messages) == ARCHIVE_MESSAGES
    # a list of patches and their review: both kinds are plentiful
    assert kinds[MessageKind.PATCH] > 5000
    assert kinds[MessageKind.REPLY] > 10000
    assert kinds[MessageKind.COVER] > 500
    assert sum(1 for m in messages if m.timestamp is None) < 10
    assert sum(1 for m in messages if m.msgid.endswith("@reviewkit>")) < 10

    threads = build_threads(messages)
    assert sum(len(t.messages) for t in threads) == ARCHIVE_MESSAGES
    assert len({m.msgid for t in threads for m in t.messages}) == ARCHIVE_MESSAGES
    assert 100 < len(threads) < ARCHIVE_MESSAGES // 2


@pytest.mark.slow
@pytest.mark.shared
@needs_archive()
def test_the_shortcuts_read_each_archive_message_as_the_mail_parser_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # the index reads the head alone; parse_message takes the body of a
    # message of one part whole: both as email.message_from_bytes reads it
    import reviewkit.mail.parse as parse
    from reviewkit.mail import parse_threading
    from reviewkit.mail.parse import has_own_msgid

    shortcut = parse._one_part
    for raw in read_messages([str(ARCHIVE)]):
        m = parse_message(raw)
        assert parse_threading(raw) == (m.msgid, m.in_reply_to, m.references, m.subject, m.timestamp,
                                        has_own_msgid(m)), raw.origin
        monkeypatch.setattr(parse, "_one_part", lambda *args: None)
        assert parse_message(raw) == m, raw.origin
        monkeypatch.setattr(parse, "_one_part", shortcut)


# A real patch of the archive; its thread holds the cover letter, the patch
# and seven replies: the review by Uwe Kleine-König and Thierry Reding, and
# Uwe's Acked-by (benchmarks/bench_archive.py times the same command).
PATCH = "<1571191899-6150-2-git-send-email-gurus@codeaurora.org>"


def _run(*args: str) -> str:
    from typer.testing import CliRunner

    from reviewkit.cli import app

    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.slow
@pytest.mark.shared
@needs_archive()
def test_msgid_reads_one_thread_of_the_archive_from_the_cached_index(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import reviewkit.mail.index as index_module

    doc = json.loads(_run("review", str(ARCHIVE), "--msgid", PATCH, "--format", "json", "--no-rules"))
    [thread] = doc["threads"]
    assert PATCH in thread["messages"] and len(thread["messages"]) == len(doc["messages"]) == 9
    assert [p["msgid"] for p in doc["patches"]] == [PATCH]
    # the second run reads the index from the cache
    monkeypatch.setattr(index_module, "build_index", lambda *a, **k: pytest.fail("index built again"))
    again = json.loads(_run("review", str(ARCHIVE), "--msgid", PATCH, "--format", "json", "--no-rules"))
    assert again == doc


@pytest.mark.slow
@pytest.mark.shared
@needs_archive()
def test_scan_of_the_archive_a_line_per_posting_the_same_on_a_dask_cluster(tmp_path: Path) -> None:
    import json
    import re

    whole = tmp_path / "whole.jsonl"
    table = _run("scan", str(ARCHIVE), "--no-rules", "--jobs", "2", "-o", str(whole))
    lines = [json.loads(line) for line in whole.read_text(encoding="utf-8").splitlines()]
    kinds = Counter(d["kind"] for d in lines)
    assert kinds["patch"] > 5000 and kinds["cover"] > 500 and set(kinds) == {"patch", "cover"}
    assert len({d["msgid"] for d in lines}) == len(lines)
    assert f"scanned {ARCHIVE_MESSAGES:,} messages" in table
    assert re.search(rf": {len(lines):,} patch mails and cover letters, 0 findings", table), table
    [patch] = [d for d in lines if d["msgid"] == PATCH]
    assert len(patch["replies"]) == 7
    assert [(t["key"], t["name"]) for t in patch["trailers"]] == [("Acked-by", "Uwe Kleine-König")]
    # the threads of the last months: the same lines on a Dask cluster of two
    pytest.importorskip("distributed")
    part, dask = tmp_path / "part.jsonl", tmp_path / "dask.jsonl"
    _run("scan", str(ARCHIVE), "--no-rules", "--since", "2024-10-01", "--jobs", "2", "-o", str(part))
    _run("scan", str(ARCHIVE), "--no-rules", "--since", "2024-10-01", "--engine", "dask", "--jobs", "2",
         "-o", str(dask))
    assert part.read_bytes() == dask.read_bytes() and part.stat().st_size
    assert set(part.read_text(encoding="utf-8").splitlines()) <= set(whole.read_text(encoding="utf-8").splitlines())
