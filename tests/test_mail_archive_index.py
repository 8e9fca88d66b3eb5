"""An input reviewed thread by thread: the index of its heads, the units it
is cut into, one thread picked out by Message-ID, subject or date, the
index kept in the cache, and the JSON of many units written section by
section in the shape of one document.

The archives here are small public-inbox epochs built by the test from
real mail: the six messages of the mlock thread (threads/mlock-v16-16.mbox)
and three LED-driver reviews of other threads (tests/data/corpus/replies).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import reviewkit.mail.index as index_module
from reviewkit.cache import cache_dir
from reviewkit.cli import app
from reviewkit.config import Config
from reviewkit.mail.index import build_index, find_units, load_index
from reviewkit.pipeline import build_review, open_reviews
from reviewkit.render import build_summary_json, merge_summary_json, render_json
from reviewkit.render.jsontext import render_json_text
from reviewkit.render.safe import json_escape
from reviewkit.source import Input
from reviewkit.streaming import JsonSections
from tests.conftest import CORPUS, DATA, MLOCK_THREAD, make_inbox

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

PATCH_ID = "<1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com>"
COVER_ID = "<1594429136-20002-1-git-send-email-alex.shi@linux.alibaba.com>"  # not in the input
LEDS = ("059_leds-omnia-lee-sleep-in-irq.eml", "062_leds-tlc5928-jaillet-missing-unlock.eml",
        "064_leds-ktd202x-jaillet-of-node-put.eml")


def _mlock_messages() -> list[bytes]:
    with Input([str(MLOCK_THREAD)]) as source:
        return [raw.data for _, raw in source.scan()]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An epoch of 9 messages: the mlock thread and three other threads' replies."""
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    repo = tmp_path_factory.mktemp("inbox") / "list.git"
    mails = _mlock_messages() + [(CORPUS / "replies" / name).read_bytes() for name in LEDS]
    make_inbox(repo, mails, drop_refs=True)
    return repo


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, [*args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _json(*args: str) -> dict:
    return json.loads(_run(*args))


# --------------------------------------------------------------------------
# the units


@needs_git
def test_an_archive_is_cut_into_its_threads(archive: Path) -> None:
    with Input([str(archive)], reread=True) as source:
        index = build_index(source)
        assert index.messages == 9
        # the mlock thread is one unit; each LED review (its patch is not in
        # the archive) is a unit of its own; by the date of the first message
        units = [index.entries(n) for n in range(len(index))]
        first = [unit[0] for unit in units]
        assert [len(unit) for unit in units] == [index.size(n) for n in range(len(index))] == [6, 1, 1, 1]
        assert PATCH_ID in {e.msgid for e in units[0]}
        assert index.find(PATCH_ID.upper().strip("<>")) == 0 and index.find("<nowhere@x>") is None
        assert [e.subject[:40] for e in first[1:]] == ["Re: [PATCH v5 2/2] leds: add ktd202x dri",
                                                       "Re: [PATCH leds v3 06/11] leds: turris-o",
                                                       "Re: [PATCH 1/2] leds: tlc5928: Driver fo"]
        # read again by place: the same messages as the scan, in input order
        again = list(source.read(index.places(0)))
        assert [r.data for r in again] == _mlock_messages()[::-1]  # an epoch is read newest first


def _entry(msgid: str, subject: str, irt: str | None = None, refs: tuple[str, ...] = (), own: bool = True):
    from reviewkit.mail.index import IndexEntry
    from reviewkit.source import Place

    return IndexEntry(Place(0), msgid, irt, refs, subject, 0.0, own)


def test_units_join_what_the_pipeline_may_link() -> None:
    entries = [
        _entry("<p@x>", "[PATCH] mm: fix the lock"),
        _entry("<r@x>", "Re: [PATCH] mm: fix the lock"),  # no headers: placed by its subject
        _entry("<o1@x>", "Re: [PATCH 1/2] a", "<gone@x>", ("<gone@x>",)),  # orphans of one missing mail
        _entry("<o2@x>", "Re: [PATCH 2/2] b", "<other@x>", ("<gone@x>", "<other@x>")),
        _entry("<d@x>", "[PATCH] d"),
        _entry("<d@x#dup2>", "[PATCH] d again"),  # what a second <d@x> would be renamed to
        _entry("<no-msgid-1@reviewkit>", "[PATCH 1/2] one", own=False),  # git format-patch files
        _entry("<no-msgid-2@reviewkit>", "[PATCH 2/2] two", own=False),
        _entry("<alone@x>", "[PATCH] alone"),
    ]
    assert find_units(entries) == [[0, 1], [2, 3], [4, 5], [6, 7], [8]]


def test_every_input_of_one_thread_is_one_unit_and_reviewed_as_before() -> None:
    paths = [str(MLOCK_THREAD), str(CORPUS / "seed-duyck-mlock-v16-16.txt")]  # a headerless page joins by subject
    with open_reviews(paths, config=Config(rules=False)) as reviews:
        assert len(reviews) == 1 and reviews.messages == 7
        (review,) = list(reviews)
    assert render_json(review) == render_json(build_review(paths, config=Config(rules=False)))


LRU_V16 = DATA / "corpus" / "threads" / "lru-lock-v16.mbox"
LRU_V17 = DATA / "versions" / "lru-lock-v17.mbox"


def test_a_small_input_of_many_units_is_reviewed_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """v16 and v17 of a series are two threads (two units): reviewed
    together, the versions stage links them and the v16 comments show under
    the v17 lines; over the bound, each unit is reviewed alone."""
    paths = [str(LRU_V16), str(LRU_V17)]
    with open_reviews(paths, config=Config(rules=False)) as reviews:
        assert reviews.messages == 148 and len(reviews.units) == 2 and len(reviews) == 1
        (review,) = list(reviews)
    assert review.versions is not None and [v.version for v in review.versions.series[0].versions] == [16, 17]
    md = _run("review", *paths, "--format", "markdown", "--no-rules")
    assert "From v16 (`mm/swap.c:" in md
    with open_reviews(paths, config=Config(rules=False), whole_max=147) as reviews:
        assert len(reviews) == 2 and list(reviews.sizes()) == [66, 82]
        assert [r.versions for r in reviews] == [None, None]
    monkeypatch.setattr("reviewkit.pipeline.WHOLE_MAX", 147)
    md = _run("review", *paths, "--format", "markdown", "--no-rules")
    assert "From v16 (`" not in md and md.count("# Review of 2") == 2  # 22 patches, then 21


# --------------------------------------------------------------------------
# picking threads


@needs_git
def test_msgid_reads_the_thread_of_that_message_only(archive: Path) -> None:
    doc = _json("review", str(archive), "--msgid", PATCH_ID, "--format", "json", "--no-rules")
    assert [t["root"] for t in doc["threads"]] == [PATCH_ID]
    assert len(doc["messages"]) == 6 and [p["msgid"] for p in doc["patches"]] == [PATCH_ID]
    # the same as the thread's own mbox with the same --msgid, but for where
    # each message was read (and the notes that name a message by it)
    mbox = _json("review", str(MLOCK_THREAD), "--msgid", PATCH_ID, "--format", "json", "--no-rules")
    for d in (doc, mbox):
        for m in d["messages"]:
            assert m.pop("origin").startswith("archive:" if d is doc else str(MLOCK_THREAD))
        d.pop("warnings")
    assert doc == mbox


@needs_git
def test_subject_and_since_pick_threads(archive: Path) -> None:
    doc = _json("summary", str(archive), "--subject", "KTD202X", "--format", "json")
    # the patch the reply quotes, rebuilt from the quote
    assert [(p["subject"], p["source"]) for p in doc["patches"]] == [
        ("[PATCH v5 2/2] leds: add ktd202x driver", "quoted")]
    doc = _json("review", str(archive), "--since", "2024-01-01", "--format", "json", "--no-rules")
    dates = sorted(m["date"][:16] for m in doc["messages"])
    assert dates == ["Mon, 31 Mar 2025", "Wed, 9 Oct 2024 "]


@needs_git
def test_a_pick_that_finds_nothing_is_one_line_and_exit_2(archive: Path) -> None:
    result = CliRunner().invoke(app, ["review", str(archive), "--msgid", "nowhere@example.org"])
    assert result.exit_code == 2
    assert result.output == "reviewkit: no mail with Message-ID <nowhere@example.org> in the input\n"
    result = CliRunner().invoke(app, ["review", str(archive), "--since", "2030-01-01"])
    assert (result.exit_code, result.output) == (2, "reviewkit: no thread of the input matches --since\n")


# --------------------------------------------------------------------------
# the index in the cache


@needs_git
def test_the_index_is_kept_checked_and_made_again_when_damaged(archive: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "CACHE_MIN", 1)
    with Input([str(archive)], reread=True) as source:
        first = load_index(source)
    (entry,) = list(cache_dir().glob("index-*.cache"))
    calls = []
    monkeypatch.setattr(index_module, "build_index", lambda source, **kw: calls.append(1) or first)
    with Input([str(archive)], reread=True) as source:
        kept = load_index(source)
        assert kept.text == first.text and kept.starts == first.starts and kept.parts == first.parts and not calls
        assert [r.data for r in source.read(kept.places(0))] == _mlock_messages()[::-1]
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0x40
    entry.write_bytes(bytes(data))
    with Input([str(archive)], reread=True) as source:
        load_index(source)
    assert calls == [1]  # the damaged entry was not used


def test_standard_input_is_spooled_and_its_index_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "CACHE_MIN", 1)
    data = MLOCK_THREAD.read_bytes()
    result = CliRunner().invoke(app, ["review", "-", "--msgid", PATCH_ID, "--format", "json", "--no-rules"],
                                input=data)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert len(doc["messages"]) == 6 and doc["messages"][0]["origin"] == "<stdin>#1"
    assert not list(cache_dir().glob("index-*.cache"))


# --------------------------------------------------------------------------
# many units, one document


@needs_git
def test_the_json_of_many_threads_is_one_document_of_their_sections(archive: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reviewkit.pipeline.WHOLE_MAX", 0)  # each unit alone, as in a large input
    doc = _json("review", str(archive), "--format", "json", "--no-rules")
    with open_reviews([str(archive)], config=Config(rules=False)) as reviews:
        parts = [render_json(r) for r in reviews]
    assert len(parts) == 4
    assert list(doc) == list(parts[0])
    for key, value in doc.items():
        if isinstance(value, list):
            assert value == [item for part in parts for item in part[key]], key
        else:
            assert value == parts[0][key]
    summary = _json("summary", str(archive), "--format", "json")
    parts = [build_summary_json(r) for r in _reviews(archive)]
    assert summary["series"]["patches_in_review"] == 4  # the patch mail and three rebuilt from quotes
    assert summary["series"]["title"] == parts[0]["series"]["title"] == "mm/mlock: reorder isolation sequence during munlock"
    assert summary["patches"] == [p for part in parts for p in part["patches"]]


def _reviews(archive: Path) -> list:
    with open_reviews([str(archive)], config=Config()) as reviews:
        return list(reviews)


def test_the_sections_of_one_document_are_its_text() -> None:
    doc = render_json(build_review([str(DATA / "corpus" / "threads" / "lru-lock-v16.mbox")], config=Config()))
    pieces: list[str] = []
    with JsonSections() as sections:
        sections.add(doc)
        sections.write(pieces.append)
    assert "".join(pieces) == json_escape(render_json_text(doc)) + "\n"


def test_summary_series_of_two_parts() -> None:
    a = {"title": "A", "versions": [2], "total": 3, "patches_in_review": 3,
         "all": [{"title": "A", "version": 2, "versions": [2], "total": 3, "patches_in_review": 3}]}
    b = {"title": "B", "versions": [1, 5], "total": None, "patches_in_review": 1,
         "all": [{"title": "B", "version": 5, "versions": [5], "total": None, "patches_in_review": 1}]}
    empty = {"title": "", "versions": [], "total": None, "patches_in_review": 0, "all": []}
    merged = merge_summary_json("series", merge_summary_json("series", empty, a), b)
    assert merged == {"title": "A", "versions": [1, 2, 5], "total": 3, "patches_in_review": 4,
                      "all": a["all"] + b["all"]}
    assert merge_summary_json("schema", "reviewkit.summary", "reviewkit.summary") == "reviewkit.summary"


def test_the_versions_of_many_units_are_one_record() -> None:
    """A unit whose series is in two versions brings ``versions`` to the
    review's JSON: the first unit may have none; every unit's are kept."""
    from reviewkit.render import merge_review_json
    from reviewkit.render.versions import versions_body

    review = build_review([str(LRU_V16), str(LRU_V17)], config=Config(rules=False))
    assert review.versions is not None
    body = versions_body(review.versions)
    assert body["comments"] and body["counts"]["comments"]
    plain = {"schema": "reviewkit.review", "messages": [1]}
    pieces: list[str] = []
    with JsonSections(merge_review_json) as sections:
        for doc in (plain, {**plain, "versions": body}, {**plain, "versions": body}):
            sections.add(doc)
        sections.write(pieces.append)
    doc = json.loads("".join(pieces))
    assert list(doc) == ["schema", "messages", "versions"] and doc["messages"] == [1, 1, 1]
    merged = doc["versions"]
    for key in ("series", "comments", "findings", "trailers"):
        assert merged[key] == body[key] + body[key], key
    assert merged["counts"]["comments"] == [{"verdict": c["verdict"], "count": 2 * c["count"]}
                                            for c in body["counts"]["comments"]]
