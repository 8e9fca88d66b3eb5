"""Threading: real threads, archive pages by subject, broken headers."""

from __future__ import annotations

from pathlib import Path

from reviewkit.mail import build_threads, parse_message
from reviewkit.model import Message, MessageKind, RawMessage, Thread
from reviewkit.source import read_messages

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
MAIL = DATA / "mail"
SEED = CORPUS / "seed-duyck-mlock-v16-16.txt"
MLOCK = CORPUS / "threads" / "mlock-v16-16.mbox"
LRU = CORPUS / "threads" / "lru-lock-v16.mbox"


def _threads(*paths: Path) -> list[Thread]:
    return build_threads(parse_message(r) for r in read_messages([str(p) for p in paths]))


def _check_shape(t: Thread) -> None:
    """Reading order is depth first: every message follows its parent."""
    seen: set[str] = set()
    for m in t.messages:
        parent = t.parents.get(m.msgid)
        if parent is None:
            assert t.depth[m.msgid] == 0
        else:
            assert parent in seen
            assert t.depth[m.msgid] == t.depth[parent] + 1
        seen.add(m.msgid)
    assert len(seen) == len(t.messages) == len(t.depth)


def test_mlock_thread() -> None:
    threads = _threads(MLOCK)
    assert len(threads) == 1
    t = threads[0]
    _check_shape(t)
    assert len(t.messages) == 6
    root = t.messages[0]
    assert t.root == root.msgid == "<1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com>"
    assert root.kind is MessageKind.PATCH
    assert [m.author for m in t.messages] == [
        "Alex Shi", "Alexander Duyck", "Alex Shi", "Alexander Duyck", "Alex Shi", "Alex Shi",
    ]
    assert [t.depth[m.msgid] for m in t.messages] == [0, 1, 2, 3, 4, 5]


def test_lru_lock_thread() -> None:
    threads = _threads(LRU)
    assert len(threads) == 1
    t = threads[0]
    _check_shape(t)
    assert len(t.messages) == 66
    cover = t.messages[0]
    assert cover.kind is MessageKind.COVER
    assert cover.subject == "[PATCH v16 00/22] per memcg lru_lock"
    assert t.root == cover.msgid
    # the 22 patches hang off the cover letter, in order of their dates
    patches = [m for m in t.messages if t.parents.get(m.msgid) == cover.msgid and m.kind is MessageKind.PATCH]
    assert [m.series.index for m in patches] == list(range(1, 23))
    replies = [m for m in t.messages if m.kind is MessageKind.REPLY]
    assert len(replies) == 43
    # every reply sits below the patch its subject names, or below the cover
    by_id = {m.msgid: m for m in t.messages}
    for r in replies:
        ancestor = by_id[t.parents[r.msgid]]
        while ancestor.kind is MessageKind.REPLY:
            ancestor = by_id[t.parents[ancestor.msgid]]
        assert ancestor.series.index == r.series.index, r.subject


def test_children_in_date_order() -> None:
    t = _threads(LRU)[0]
    kids: dict[str, list[Message]] = {}
    for m in t.messages:
        if m.msgid in t.parents:
            kids.setdefault(t.parents[m.msgid], []).append(m)
    assert any(len(v) > 2 for v in kids.values())
    for siblings in kids.values():
        stamps = [m.timestamp for m in siblings]
        assert stamps == sorted(stamps)


def test_seed_alone_is_its_own_thread() -> None:
    threads = _threads(SEED)
    assert len(threads) == 1
    assert len(threads[0].messages) == 1
    assert threads[0].root.startswith("<archive-page-")


def test_seed_attaches_to_its_patch_by_subject() -> None:
    threads = _threads(MLOCK, SEED)
    assert len(threads) == 1
    t = threads[0]
    page = next(m for m in t.messages if m.msgid.startswith("<archive-page-"))
    assert t.parents[page.msgid] == "<1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com>"
    assert t.depth[page.msgid] == 1


def test_seed_attaches_to_the_patch_posting_alone() -> None:
    threads = _threads(CORPUS / "patches" / "117_v16-16-22-patch-posting.eml", SEED)
    assert len(threads) == 1
    assert [m.kind for m in threads[0].messages] == [MessageKind.PATCH, MessageKind.REPLY]


def test_page_without_headers_prefers_the_same_version() -> None:
    def mail(msgid: str, subject: str) -> Message:
        data = f"Message-ID: <{msgid}>\nSubject: {subject}\n\ndiff --git a/x b/x\n".encode()
        return parse_message(RawMessage(data=data, origin=msgid))

    v1 = mail("v1@x", "[PATCH 2/3] mm: fix it")
    v2 = mail("v2@x", "[PATCH v2 2/3] mm: fix it")
    page = parse_message(RawMessage(
        data=b"Re: [PATCH v2 2/3 RESEND] mm: fix it\n\nFrom: R\nDate: Mon Jan 1 2024 - 10:00:00 EST\n\nok\n",
        origin="page", archive_page=True,
    ))
    threads = build_threads([v1, v2, page])
    assert [len(t.messages) for t in threads] == [1, 2]
    assert threads[1].parents == {page.msgid: "<v2@x>"}


def test_references_fallback_when_in_reply_to_is_missing() -> None:
    def mail(msgid: str, extra: str, subject: str = "Re: x") -> Message:
        data = f"Message-ID: <{msgid}>\nSubject: {subject}\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n{extra}\nbody\n"
        return parse_message(RawMessage(data=data.encode(), origin=msgid))

    root = mail("r@x", "", subject="x")
    mid = mail("m@x", "In-Reply-To: <r@x>")
    # In-Reply-To names a missing message: the last known reference wins
    leaf = mail("l@x", "In-Reply-To: <gone@x>\nReferences: <r@x> <m@x> <gone@x>")
    t = build_threads([root, mid, leaf])[0]
    assert t.parents == {"<m@x>": "<r@x>", "<l@x>": "<m@x>"}


def test_loops_duplicates_and_orphans() -> None:
    threads = _threads(MAIL / "0009-broken-threading.mbox")
    assert len(threads) == 2
    loop, orphans = threads
    _check_shape(loop)
    _check_shape(orphans)
    # A and B name each other: the loop is cut and a warning says where
    ids = [m.msgid for m in loop.messages]
    assert ids == ["<loop-a@example.org>", "<loop-b@example.org>", "<loop-a@example.org#dup2>"]
    assert any("loop" in w for w in loop.messages[0].warnings)
    # the second <loop-a@...> keeps its text under a new id, with a warning
    dup = loop.messages[2]
    assert dup.author == "E" and any("duplicate Message-ID" in w for w in dup.warnings)
    # C and D share the missing cover letter: one thread, both roots, by date
    assert [m.author for m in orphans.messages] == ["D", "C"]
    assert orphans.parents == {}
    assert set(orphans.depth.values()) == {0}
    assert all(any("not in the input" in w for w in m.warnings) for m in orphans.messages)


def test_threads_are_ordered_by_date() -> None:
    threads = _threads(CORPUS / "samples" / "patchwork" / "revision-basic.mbox")
    assert [len(t.messages) for t in threads] == [3, 3]
    assert [t.messages[0].series.version for t in threads] == [None, 2]
    assert threads[0].messages[0].timestamp <= threads[1].messages[0].timestamp


def test_every_corpus_file_threads() -> None:
    paths = [SEED, *sorted(CORPUS.glob("threads/*.mbox")), *sorted(CORPUS.glob("patches/*.eml")),
             *sorted(CORPUS.glob("replies/*.eml")), *sorted(CORPUS.glob("samples/**/*.mbox"))]
    messages = [parse_message(r) for r in read_messages([str(p) for p in paths])]
    threads = build_threads(messages)
    for t in threads:
        _check_shape(t)
    assert sum(len(t.messages) for t in threads) == len(messages) == 184


def test_very_deep_thread() -> None:
    # a 3,000-reply chain: no recursion limit, depth counted right
    msgs = [parse_message(RawMessage(data=b"Message-ID: <m0@x>\nSubject: x\n\nb\n", origin="0"))]
    for i in range(1, 3000):
        data = f"Message-ID: <m{i}@x>\nIn-Reply-To: <m{i - 1}@x>\nSubject: Re: x\n\nb\n".encode()
        msgs.append(parse_message(RawMessage(data=data, origin=str(i))))
    (t,) = build_threads(reversed(msgs))
    assert [m.msgid for m in t.messages] == [f"<m{i}@x>" for i in range(3000)]
    assert t.depth["<m2999@x>"] == 2999


def test_empty_input() -> None:
    assert build_threads([]) == []


def test_renamed_duplicates_never_take_an_id_the_input_holds() -> None:
    # tests/data/fuzz-found/probes/min-04-msgid-dedupe-collision-comment-lost:
    # the second <a@x> used to become <a@x#dup2>, which the input already held
    path = DATA / "fuzz-found" / "probes" / "min-04-msgid-dedupe-collision-comment-lost" / "dup-collision.mbox"
    msgs = [m for t in _threads(path) for m in t.messages]
    assert [(m.msgid, m.author) for m in msgs] == [
        ("<a@x>", "Alice"), ("<a@x#dup2>", "Bob"), ("<a@x#dup3>", "Carol")]
    assert [any("duplicate Message-ID" in w for w in m.warnings) for m in msgs] == [False, False, True]


def test_every_copy_of_a_repeated_id_gets_its_own() -> None:
    def mail(msgid: str) -> Message:
        return parse_message(RawMessage(data=f"Message-ID: <{msgid}>\nSubject: s\n\nbody\n".encode(), origin=msgid))

    msgs = [mail("a@x"), mail("a@x#dup3")] + [mail("a@x")] * 3
    ids = [m.msgid for t in build_threads(msgs) for m in t.messages]
    assert sorted(ids) == sorted(["<a@x>", "<a@x#dup3>", "<a@x#dup2>", "<a@x#dup4>", "<a@x#dup5>"])
    ids = [m.msgid for t in _threads(DATA / "fuzz-found" / "thread-duplicate-msgid.mbox") for m in t.messages]
    assert len(ids) == len(set(ids)) == 5
