"""``build_threads``: messages into threads, in reading order."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import replace

from reviewkit.mail.subject import strip_reply_prefixes
from reviewkit.model import Message, Series, Thread


def build_threads(messages: Iterable[Message]) -> list[Thread]:
    """Thread messages by Message-ID, In-Reply-To and References.

    The parent is the In-Reply-To message when the input holds it, else the
    last References entry the input holds. A reply with no threading
    headers at all (an archive page such as the seed) attaches to the
    message whose subject, without reply prefixes, is its own; failing
    that, to one whose title (tags removed) is its own; failing that it
    starts a thread. A duplicate Message-ID keeps the first message as is;
    later ones get a suffixed msgid and a warning. Links that would close a
    loop are dropped (with a warning). Orphans whose parent is missing
    become roots; orphans that point at the same missing thread start share
    one thread.

    Returns:
        Threads ordered by their first root's date (then input order);
        messages in reading order: depth first, children by date then input
        order. ``parents`` and ``depth`` are filled. Empty input gives [].
    """
    msgs = _dedupe(list(messages))
    by_id = {m.msgid: i for i, m in enumerate(msgs)}
    parent: list[int | None] = [None] * len(msgs)
    for i, m in enumerate(msgs):
        parent[i] = _find_parent(i, m, by_id)
    _attach_by_subject(msgs, parent)
    _break_loops(msgs, parent)
    for i, m in enumerate(msgs):
        missing = _missing_root(m)
        if parent[i] is None and missing is not None:
            note = f"parent {m.in_reply_to or m.references[-1]} is not in the input; shown as a thread start"
            msgs[i] = replace(m, warnings=m.warnings + (note,))

    children: dict[int, list[int]] = {}
    roots: list[int] = []
    for i, p in enumerate(parent):
        if p is None:
            roots.append(i)
        else:
            children.setdefault(p, []).append(i)

    def when(i: int) -> tuple[float, int]:
        ts = msgs[i].timestamp
        return (ts if ts is not None else math.inf, i)

    for kids in children.values():
        kids.sort(key=when)

    # Orphans that point at the same missing message (their first
    # reference, or In-Reply-To) go in one thread.
    groups: dict[str, list[int]] = {}
    order: list[list[int]] = []
    for r in sorted(roots, key=when):
        key = _missing_root(msgs[r])
        if key is None:
            order.append([r])
        elif key in groups:
            groups[key].append(r)
        else:
            groups[key] = [r]
            order.append(groups[key])

    threads = []
    for group in order:
        seq: list[Message] = []
        parents: dict[str, str] = {}
        depth: dict[str, int] = {}
        for root in group:
            stack = [(root, 0)]
            while stack:
                i, d = stack.pop()
                m = msgs[i]
                seq.append(m)
                depth[m.msgid] = d
                if parent[i] is not None:
                    parents[m.msgid] = msgs[parent[i]].msgid  # type: ignore[index]
                stack.extend((k, d + 1) for k in reversed(children.get(i, ())))
        threads.append(Thread(root=msgs[group[0]].msgid, messages=tuple(seq), parents=parents, depth=depth))
    return threads


def _dedupe(msgs: list[Message]) -> list[Message]:
    """Messages with unique msgids: a repeated Message-ID's later copies
    become ``<id#dupN>`` with the least N >= 2 that no message of the input
    holds and no earlier copy took (tests/data/fuzz-found/probes/
    min-04-msgid-dedupe-collision-comment-lost: ``<a@x>``, ``<a@x#dup2>``,
    ``<a@x>`` -- the third copy becomes ``<a@x#dup3>``)."""
    taken = {m.msgid for m in msgs}
    seen: set[str] = set()
    next_n: dict[str, int] = {}
    out = []
    for m in msgs:
        if m.msgid in seen:
            base, close = (m.msgid[:-1], ">") if m.msgid.endswith(">") else (m.msgid, "")
            n = next_n.get(m.msgid, 2)
            while f"{base}#dup{n}{close}" in taken:
                n += 1
            next_n[m.msgid] = n + 1
            new_id = f"{base}#dup{n}{close}"
            taken.add(new_id)
            note = f"duplicate Message-ID {m.msgid}; this copy is known as {new_id}"
            m = replace(m, msgid=new_id, warnings=m.warnings + (note,))
        seen.add(m.msgid)
        out.append(m)
    return out


_DUP = re.compile(r"^(.*)#dup\d+(>?)$")


def dedupe_base(msgid: str) -> str | None:
    """The Message-ID whose copies :func:`build_threads` would name like
    ``msgid`` (``<a@x#dup2>`` -> ``<a@x>``); None for any other id. The
    name a copy gets depends on the ids it could collide with, so they
    are threaded together."""
    m = _DUP.match(msgid)
    return m.group(1) + m.group(2) if m else None


def _find_parent(i: int, m: Message, by_id: dict[str, int]) -> int | None:
    if m.in_reply_to is not None:
        p = by_id.get(m.in_reply_to)
        if p is not None and p != i:
            return p
    for ref in reversed(m.references):
        p = by_id.get(ref)
        if p is not None and p != i:
            return p
    return None


def _missing_root(m: Message) -> str | None:
    if m.references:
        return m.references[0]
    return m.in_reply_to


def _attach_by_subject(msgs: list[Message], parent: list[int | None]) -> None:
    # Only messages without any threading header: a header naming a missing
    # message says where the mail belongs better than its subject does.
    lonely = [i for i, m in enumerate(msgs) if parent[i] is None and is_lonely(m.in_reply_to, m.references, m.series)]
    if not lonely:
        return
    by_subject: dict[str, int] = {}
    by_title: dict[str, list[int]] = {}
    for i, m in enumerate(msgs):
        if m.series.is_reply:
            continue
        subject, title = subject_keys(m.subject, m.series)
        by_subject.setdefault(subject, i)
        by_title.setdefault(title, []).append(i)
    for i in lonely:
        m = msgs[i]
        p = by_subject.get(subject_keys(m.subject, m.series)[0])
        if p is None:
            # Same title, tags differ ("[PATCH v16 16/22]" quoted as
            # "[PATCH 16/22]"): prefer the posting with the same numbers.
            same = by_title.get(m.series.title.lower(), [])
            numbered = [j for j in same if (msgs[j].series.version, msgs[j].series.index) == (m.series.version, m.series.index)]
            p = next(iter(numbered or same), None)
        if p is not None and p != i:
            parent[i] = p


def is_lonely(in_reply_to: str | None, references: tuple[str, ...], series: Series) -> bool:
    """A reply without threading headers: :func:`build_threads` places it
    by its subject (:func:`subject_keys`)."""
    return in_reply_to is None and not references and series.is_reply


def subject_keys(subject: str, series: Series) -> tuple[str, str]:
    """What a lonely reply is matched by, and a posting is found by: the
    subject without reply prefixes, and the title, both in lower case."""
    return strip_reply_prefixes(subject).lower(), series.title.lower()


def _break_loops(msgs: list[Message], parent: list[int | None]) -> None:
    state = [0] * len(msgs)  # 0 unseen, 1 on the current walk, 2 done
    for start in range(len(msgs)):
        path = []
        i: int | None = start
        while i is not None and state[i] == 0:
            state[i] = 1
            path.append(i)
            i = parent[i]
        if i is not None and state[i] == 1:
            # The walk came back to itself: cut the link into the loop's
            # first message, which then starts the thread.
            parent[i] = None
            msgs[i] = replace(msgs[i], warnings=msgs[i].warnings + ("threading headers form a loop; the loop was cut here",))
        for j in path:
            state[j] = 2
