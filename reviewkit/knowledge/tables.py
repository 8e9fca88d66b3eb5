"""The learned facts of a patch's names, as knowledge tables of one run.

The pipeline calls :func:`with_learned` between the code map and the rules:

``reviewkit knowledge build`` learns from a kernel tree which functions may
sleep (and through which calls), return a counted reference, take a
reference on their argument, return holding a lock, and which cleanup
classes and atomic callbacks the tree declares (:mod:`reviewkit.knowledge`).
The rules read none of that directly: before they run, the names the patch's
changed functions call are looked up, and the facts found join the
knowledge tables in the schema of ``rules/knowledge.toml``, below what the
hand-written tables say (a name they already give a meaning keeps it).
So every rule that reads sleepers, references, locks, guards, ``__free``
classes or atomic callbacks reads the learned ones too, and a finding that
rests on a learned fact says where it was learned.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from reviewkit.config import Config
from reviewkit.model import CodeMap
from reviewkit.rules.knowledge import KnowledgeBase, build_knowledge, knowledge_tables
from reviewkit.rules.queries import node_calls

if TYPE_CHECKING:
    from reviewkit.knowledge import LearnedKnowledge

_CLASS_USE = re.compile(r"\b(?:guard|scoped_guard|__free|CLASS|scoped_cond_guard)\s*\(\s*(\w+)")
_STRUCT_TAG = re.compile(r"\bstruct\s+(\w+)")


def find_patch_names(codemap: CodeMap) -> tuple[set[str], set[str], set[str]]:
    """(the functions the changed functions call, the cleanup classes they
    name, the struct tags they mention), both sides."""
    calls: set[str] = set()
    classes: set[str] = set()
    structs: set[str] = set()
    for fn in codemap.functions:
        for view in (fn.old, fn.new):
            if view is None:
                continue
            classes.update(_CLASS_USE.findall(view.source))
            structs.update(_STRUCT_TAG.findall(view.source))
            if view.cfg is not None:
                calls.update(c.name for n in view.cfg.nodes for c in node_calls(n))
    return calls, classes, structs


def with_learned(kb: KnowledgeBase, codemap: CodeMap | None, config: Config,
                 learned: LearnedKnowledge) -> KnowledgeBase:
    """``kb`` and the learned facts on the names ``codemap`` uses; ``kb``
    itself when no database knows anything new about them.

    ``learned`` is the run's (``LearnedKnowledge.for_config(config)``),
    one for every patch: it reads a database's index once and keeps the
    buckets it has read.

    Raises:
        ReviewkitError: a database is unreadable or damaged.
    """
    if codemap is None or not codemap.functions:
        return kb
    from reviewkit.knowledge import known_names

    calls, classes, structs = find_patch_names(codemap)
    file = codemap.functions[0].file
    facts = learned.lookup(calls, classes=classes, structs=structs, file=file, known=known_names(kb))
    extra = _as_tables(facts, learned, kb, file)
    if not any(extra.values()):
        return kb
    tables = copy.deepcopy(knowledge_tables(config.knowledge or None))
    by_id = {e["id"]: e for e in tables.get("ref", [])}
    for (ref_id, field), names in extra.pop("ref_extend").items():
        by_id[ref_id].setdefault(field, []).extend(names)
    for table, entries in extra.items():
        tables.setdefault(table, []).extend(entries)
    return build_knowledge(tables, "the learned knowledge")


def _as_tables(facts: Any, learned: Any, kb: KnowledgeBase, file: str) -> dict[str, Any]:
    """The learned ``facts`` in knowledge.toml's schema, only where they
    fit what ``kb`` knows (a put it knows, a lock variant it has)."""
    sleep: list[dict] = []
    for name, fact in sorted(facts.sleeps.items()):
        chain = learned.chain(name, file=file)
        steps = " → ".join(ev.note for ev in chain) or fact.evidence.note
        entry = {"names": [name], "confidence": "medium",
                 "note": f"may sleep, learned from the tree: {steps} ({fact.evidence.file}:{fact.evidence.line})"}
        if fact.gfp_arg is not None:
            entry["gfp_arg"] = fact.gfp_arg
        sleep.append(entry)
    # (a [[ref]] id, "returns_ref" or "get") -> names to add to that entry
    ref_extend: dict[tuple[str, str], list[str]] = {}
    for name, fact in sorted(facts.refs.items()):
        put = kb.ops.get(fact.put)
        if put is not None and put.family in kb.refs and name not in kb.ops:
            ref_extend.setdefault((put.family, "returns_ref"), []).append(name)
    for name, gfact in sorted(facts.gets.items()):
        put = kb.ops.get(gfact.put)
        ref = kb.refs.get(put.family) if put is not None else None
        if ref is not None and ref.arg == gfact.arg and name not in kb.ops and not ref.status_result:
            ref_extend.setdefault((ref.id, "get"), []).append(name)
    locks: list[dict[str, Any]] = []
    for name, lfact in sorted(facts.locks.items()):
        lock = kb.locks.get(lfact.variant)
        if lock is None or name in kb.ops:
            continue
        releases = [r for r in lfact.releases if r not in kb.ops or kb.ops[r].family == lock.family]
        if not releases:
            continue
        variant: dict[str, Any] = {"id": f"{lfact.variant} via {name}", "family": lock.family, "release": releases,
                                   "context": sorted(lock.context)}
        if lfact.conditional:
            variant.update(acquire=[], trylock=[name], success="nonzero")
        else:
            variant["acquire"] = [name]
        if lfact.by_result:
            variant["result"] = True
        elif lfact.arg is None:
            variant["global"] = True
        else:
            variant["arg"] = lfact.arg
        locks.append(variant)
    takes: list[dict[str, Any]] = []
    for name, tfacts in sorted(facts.takes.items()):
        for tfact in tfacts:
            if tfact.variant not in kb.locks or name in kb.ops or name in kb.lock_takers:
                continue
            ev = tfact.evidence
            taker: dict[str, Any] = {"names": [name], "lock": tfact.variant, "arg": tfact.arg, "member": tfact.member,
                                     "note": f"{ev.note}, learned from the tree ({ev.file}:{ev.line})"}
            if tfact.unlocked:
                taker["unlocked"] = tfact.unlocked
            takes.append(taker)
            break  # one lock per function: the rule reads one
    guards: list[dict] = []
    frees: list[dict] = []
    for name, cfact in sorted(facts.cleanups.items()):
        if cfact.kind in ("guard", "guard_cond") and cfact.variant in kb.locks and name not in kb.guards:
            guards.append({"class": name, "lock": cfact.variant})
        elif cfact.kind == "free" and cfact.release in kb.ops and name not in kb.free_classes:
            frees.append({"class": name, "put": cfact.release, "err_ok": cfact.tolerates == "err_ptr"})
    members: list[dict] = []
    for struct, ms in sorted(facts.members.items()):
        for member, mfact in sorted(ms.items()):
            if (struct, member) in kb.atomic_members:
                continue
            members.append({"struct": struct, "members": [member], "context": ["atomic"], "confidence": "medium",
                            "note": f"a {struct}.{member} callback, which core code calls in atomic context "
                                    f"({mfact.evidence.file}:{mfact.evidence.line}, learned from the tree)"})
    return {"sleep": sleep, "ref_extend": ref_extend, "lock": locks, "guard": guards, "free_class": frees,
            "atomic_member": members, "takes_lock": takes}


