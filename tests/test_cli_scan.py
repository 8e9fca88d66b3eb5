"""``reviewkit scan``: a JSON line per patch mail and cover letter of an
archive, the same lines whatever runs the batches (this process, a pool of
processes, a Dask cluster), resumed where a run stopped.

The archive is a small public-inbox epoch built here from real mail: the
mlock thread (its patch 16/22 and five replies), the cover letter, patches
1 to 4 and 6 of the same v16 series and Kirill's Reviewed-by of patch 6,
three of Duyck's reviews of v17 (whose postings are not there), and four
LED-driver reviews of threads of their own.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import reviewkit.scanner as scanner
from reviewkit.cli import app
from reviewkit.config import Config
from reviewkit.mail.index import build_index
from reviewkit.source import Input
from tests.conftest import CORPUS, MLOCK_THREAD, make_inbox

REPLIES = ("005_v16-06-kirill-reviewed-by.eml", "017_v17-03-duyck-comment-wording.eml",
           "018_v17-11-duyck-reviewed-by.eml", "019_v17-13-duyck-unneeded-change.eml",
           "059_leds-omnia-lee-sleep-in-irq.eml", "062_leds-tlc5928-jaillet-missing-unlock.eml",
           "064_leds-ktd202x-jaillet-of-node-put.eml", "067_leds-lp5860-lee-double-put.eml")
PATCH_06 = "<1594429136-20002-7-git-send-email-alex.shi@linux.alibaba.com>"
PATCH_16 = "<1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com>"
COVER = "<1594429136-20002-1-git-send-email-alex.shi@linux.alibaba.com>"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    with Input([str(MLOCK_THREAD)]) as source:
        mails = [raw.data for _, raw in source.scan()]
    mails += [p.read_bytes() for p in sorted((CORPUS / "patches").glob("10[1-57]_*.eml"))]
    mails += [(CORPUS / "replies" / name).read_bytes() for name in REPLIES]
    repo = tmp_path_factory.mktemp("inbox") / "list.git"
    make_inbox(repo, mails, drop_refs=True)
    return repo


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # a handful of batches out of 20 messages, so that order and resuming show
    monkeypatch.setattr(scanner, "BATCH_MESSAGES", 3)


def _scan(*args: str) -> tuple[list[dict], str]:
    result = CliRunner().invoke(app, ["scan", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [], result.stdout


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_line_per_posting_with_its_replies_trailers_and_findings(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "findings.jsonl"
    _, table = _scan(str(archive), "-o", str(out))
    lines = _lines(out)
    assert {(d["schema"], d["version"]) for d in lines} == {("reviewkit.scan", 1)}
    by_id = {d["msgid"]: d for d in lines}
    # the seven postings: the v16 cover letter, patches 1-4, 6 and 16
    assert len(lines) == 7 and by_id[COVER]["kind"] == "cover" and by_id[PATCH_16]["kind"] == "patch"
    assert [d["series"]["index"] for d in lines] == [0, 1, 2, 3, 4, 6, 16]
    # the patches answer the cover letter: one thread
    assert {d["thread"] for d in lines} == {COVER}
    mlock = by_id[PATCH_16]
    assert mlock["series"] == {"version": 16, "index": 16, "total": 22} and len(mlock["replies"]) == 5
    assert ("RK202", "mm/mlock.c", "munlock_vma_page") in {(f["rule"], f["file"], f["function"])
                                                            for f in mlock["findings"]}
    assert [(t["key"], t["name"]) for t in by_id[PATCH_06]["trailers"]] == [("Reviewed-by", "Kirill A. Shutemov")]
    # the table: every message, every posting, the findings per rule
    counts = {}
    for d in lines:
        for f in d["findings"]:
            counts[f["rule"]] = counts.get(f["rule"], 0) + 1
    assert re.search(r"scanned 20 messages in [\d.]+ s \([\d,]+ messages/s\): 7 patch mails and "
                     rf"cover letters, {sum(counts.values())} findings", table), table
    for rule, count in counts.items():
        assert re.search(rf"^{rule}\s+{count}\s*$", table, re.M), (rule, table)


def test_the_lines_of_a_pool_of_processes_are_those_of_one(archive: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    _scan(str(archive), "-o", str(one))
    _scan(str(archive), "-o", str(two), "--jobs", "2")
    assert one.read_bytes() == two.read_bytes() and one.stat().st_size


def test_the_lines_of_a_dask_cluster_of_two_workers_are_those_of_jobs(archive: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    _scan(str(archive), "--no-rules", "-o", str(local), "--jobs", "2")
    _scan(str(archive), "--no-rules", "-o", str(dask), "--engine", "dask", "--jobs", "2")
    assert local.read_bytes() == dask.read_bytes() and len(_lines(local)) == 7


def test_the_lines_of_a_cluster_named_by_its_scheduler_are_those_of_jobs(archive: Path, tmp_path: Path) -> None:
    # a cluster started apart, as a real one is: --scheduler names it
    distributed = pytest.importorskip("distributed")
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    _scan(str(archive), "--no-rules", "-o", str(local), "--jobs", "2")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        _scan(str(archive), "--no-rules", "-o", str(dask), "--engine", "dask", "--scheduler",
              cluster.scheduler_address)
    assert local.read_bytes() == dask.read_bytes() and len(_lines(local)) == 7


@pytest.mark.slow  # the client waits out its connection timeout
def test_an_unreachable_scheduler_is_one_line_and_exit_2(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(scanner, "SCHEDULER_TIMEOUT", "2s")  # nothing listens there: no need to wait 20 s
    result = CliRunner().invoke(app, ["scan", str(archive), "--no-rules", "--engine", "dask", "--scheduler",
                                      "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert result.output.startswith("reviewkit: --scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert len(result.output.strip().splitlines()) == 1


def test_an_interrupted_scan_resumes_after_its_last_whole_batch(archive: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    whole = tmp_path / "whole.jsonl"
    _scan(str(archive), "--no-rules", "-o", str(whole))
    out = tmp_path / "cut.jsonl"
    real = scanner.scan_batch
    seen: list[int] = []

    def stops_at_the_third(batch, config):  # type: ignore[no-untyped-def]
        seen.append(batch.number)
        if batch.number == 2:
            raise KeyboardInterrupt
        return real(batch, config)

    monkeypatch.setattr(scanner, "scan_batch", stops_at_the_third)
    result = CliRunner().invoke(app, ["scan", str(archive), "--no-rules", "-o", str(out)])
    assert result.exit_code == 130
    cut = out.read_bytes()
    assert cut and whole.read_bytes().startswith(cut) and seen == [0, 1, 2]
    # a half-written line after the last whole batch is cut away on resume
    with open(out, "ab") as f:
        f.write(b'{"half a li')
    monkeypatch.setattr(scanner, "scan_batch", real)
    seen.clear()
    monkeypatch.setattr(scanner, "scan_batch", lambda b, c: seen.append(b.number) or real(b, c))
    result = CliRunner().invoke(app, ["scan", str(archive), "--no-rules", "-o", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == whole.read_bytes()
    assert seen[0] == 2 and "resumed after 2 batches" in result.stdout


def test_resume_needs_an_output_and_says_when_there_is_nothing_to_resume(archive: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scan", str(archive), "--resume"])
    assert (result.exit_code, result.output) == (2, "reviewkit: --resume needs -o FILE: the output it continues\n")
    out = tmp_path / "new.jsonl"
    result = CliRunner().invoke(app, ["scan", str(archive), "--no-rules", "-o", str(out), "--resume"])
    assert result.exit_code == 0 and "nothing to resume; scanning from the start" in result.stderr
    assert len(_lines(out)) == 7


def test_batches_hold_whole_threads_in_order(archive: Path) -> None:
    with Input([str(archive)], reread=True) as source:
        index = build_index(source)
        batches = list(scanner.plan_batches(index, range(len(index)), size=3))
    assert [b.number for b in batches] == list(range(len(batches)))
    units = [u for b in batches for u in b.units]
    assert [len(u) for u in units] == [index.size(n) for n in range(len(index))]
    assert all(b.messages >= 3 for b in batches[:-1])
    assert len(batches) == 4  # [13 messages], [3 of v17], [3 reviews of LEDs], [1]
    lines = [line for b in batches for line in scanner.scan_batch(b, Config(rules=False)).lines]
    assert len(lines) == 7


def test_the_json_schema_document_names_every_field_of_a_line(archive: Path, tmp_path: Path) -> None:
    # the findings and trailers of a line are those of reviewkit.review, named there
    doc = (Path(__file__).parent.parent / "docs" / "json-schema.md").read_text(encoding="utf-8")
    assert "## `reviewkit.scan`, version 1" in doc
    documented = set(re.findall(r"`([a-z_]+)(?:\[\])?`", doc)) | set(re.findall(r"`[a-z_]+\.([a-z_]+)(?:\[\])?`", doc))
    out = tmp_path / "lines.jsonl"
    _scan(str(archive), "-o", str(out))

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    produced = {k for line in _lines(out) for k in keys(line)}
    assert "fingerprint" in produced and "key" in produced  # findings and trailers are there
    assert not sorted(produced - documented)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from reviewkit import streaming

    monkeypatch.setattr(streaming, "DELAY", 0.0)
    screen = _Terminal()
    with streaming.Progress(stream=screen) as progress:
        progress.indexing(256)
        progress.indexing(512)
        progress.units(40, what="scanning")
        progress.advance(30)
    shown = screen.getvalue()
    assert "reading the input" in shown and "scanning" in shown and "30/40" in shown
    pipe = io.StringIO()
    with streaming.Progress(stream=pipe) as progress:
        progress.indexing(512)
        progress.units(40, what="scanning")
        progress.advance(30)
    assert not progress.enabled and pipe.getvalue() == ""
    # the output on the same terminal: a bar while indexing only
    screen = _Terminal()
    with streaming.Progress(stream=screen, quiet_output=True) as progress:
        progress.indexing(512)
        progress.units(40)
        progress.advance(30)
    shown = screen.getvalue()
    assert "reading the input" in shown and "reviewing" not in shown
