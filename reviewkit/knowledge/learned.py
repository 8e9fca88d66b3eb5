"""The facts a database holds, as the rules ask for them: by the names a
patch calls, lazily, with the layering of the knowledge sources.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from reviewkit.knowledge.resolve import Definition, agreed, candidates
from reviewkit.knowledge.store import Database

SHIPPED = Path(__file__).with_name("data") / "linux.rkdb"
CLASS_PREFIX = "class:"
STRUCT_PREFIX = "struct:"
MAX_CHAIN = 32


class Evidence(NamedTuple):
    """Where a fact was read: a file of the tree the database was built
    from, a line in it, and what it shows there."""

    file: str
    line: int
    note: str


class SleepFact(NamedTuple):
    """``name`` may sleep (``gfp_arg`` None), or sleeps when its argument
    ``gfp_arg`` allows an allocation to (a gfp_t it passes down).

    ``evidence`` is the first step: the call (or the kernel-doc line) it
    was learned from; :meth:`LearnedKnowledge.chain` gives every step."""

    name: str
    gfp_arg: int | None
    via: str  # the callee the sleep comes through ("" : its kernel-doc says so)
    evidence: Evidence
    origin: str
    last: bool  # the chain ends here: ``via`` is a knowledge.toml sleeper, or the kernel-doc says so


class RefFact(NamedTuple):
    """``name`` returns a counted reference that ``put`` drops."""

    name: str
    put: str
    how: str  # "body": read from its returns; "kernel-doc": its documentation says so
    via: str  # the callee whose reference it returns ("" none)
    evidence: Evidence
    origin: str


class GetFact(NamedTuple):
    """``name`` takes a reference on its argument ``arg`` (and returns it);
    ``put`` drops it."""

    name: str
    arg: int
    put: str
    evidence: Evidence
    origin: str


class LockFact(NamedTuple):
    """``name`` returns holding a lock of ``variant`` (a knowledge.toml
    [[lock]] id) that it took; ``releases`` drop it (best match first)."""

    name: str
    variant: str
    family: str
    arg: int | None  # the parameter the lock belongs to; None: a global lock or the result's
    by_result: bool  # the lock is the returned object's (lruvec = lock_page_lruvec_irq(page))
    releases: tuple[str, ...]
    evidence: tuple[Evidence, ...]  # the acquire, and an __acquires() annotation when there is one
    origin: str
    conditional: bool  # it may return before taking the lock (a failure path, like a trylock's)


class TakesFact(NamedTuple):
    """``name`` takes a lock of ``variant`` on its argument ``arg``
    (``member`` from it: ``->state_lock``) and drops it before returning."""

    name: str
    variant: str
    arg: int
    member: str
    via: str  # the callee it takes the lock through ("" its own body)
    unlocked: str  # the variant that expects the lock held ("" unknown)
    evidence: Evidence
    origin: str


class CleanupFact(NamedTuple):
    """A linux/cleanup.h class: ``guard(name)``, ``__free(name)``,
    ``CLASS(name, ...)``."""

    name: str
    kind: str  # guard, guard_cond, free, class
    type: str
    acquire: str  # the call that takes it ("" none)
    release: str  # the call that drops it ("" none)
    variant: str  # the knowledge.toml [[lock]] id the acquire takes ("" unknown)
    tolerates: str  # "err_ptr": the release tests IS_ERR_OR_NULL/IS_ERR; "null": only NULL; "none"
    test: str
    evidence: Evidence
    origin: str


class CallbackFact(NamedTuple):
    """Core code calls ``struct``'s ``member`` in atomic context."""

    struct: str
    member: str
    evidence: Evidence  # the call, and why it is atomic (the lock held, the handler it is in)
    origin: str


class KnownNames(NamedTuple):
    """What the hand-written knowledge (knowledge.toml and the config)
    already says, by kind: a fact of the shipped database on these is
    dropped (the hand-written one wins); one of a user-built database is
    kept (it wins)."""

    sleep: frozenset[str] = frozenset()
    refs: frozenset[str] = frozenset()
    locks: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    members: frozenset[tuple[str, str]] = frozenset()


def known_names(kb: Any) -> KnownNames:
    """The names a :class:`reviewkit.rules.knowledge.KnowledgeBase` gives
    a meaning to, by kind."""
    ops = frozenset(kb.ops)
    return KnownNames(
        sleep=frozenset(kb.sleepers) | ops | frozenset(kb.scope_neutral),
        refs=ops | frozenset(kb.iterators),
        locks=ops,
        classes=frozenset(kb.guards) | frozenset(kb.free_classes),
        members=frozenset(kb.atomic_members),
    )


@dataclass
class LearnedFacts:
    """The facts on the names asked for (those without any are absent)."""

    sleeps: dict[str, SleepFact] = field(default_factory=dict)
    refs: dict[str, RefFact] = field(default_factory=dict)
    gets: dict[str, GetFact] = field(default_factory=dict)
    locks: dict[str, LockFact] = field(default_factory=dict)
    takes: dict[str, tuple[TakesFact, ...]] = field(default_factory=dict)
    cleanups: dict[str, CleanupFact] = field(default_factory=dict)
    members: dict[str, dict[str, CallbackFact]] = field(default_factory=dict)


class _Def(NamedTuple):
    file: str
    local: bool
    stub: bool
    line: int
    facts: dict[str, list]


class _Source(NamedTuple):
    db: Database
    origin: str
    wins: bool  # a user-built database: its facts win over the hand-written knowledge


class LearnedKnowledge:
    """Facts learned from kernel trees, looked up by name.

    Sources, lowest first: the database shipped in the package, then a
    database the user built (``knowledge = PATH`` in the config, or the one
    ``reviewkit knowledge build`` wrote for ``--repo``'s tree). A user
    database built from a whole kernel tree replaces the shipped one; one
    built from a part of a tree shadows it name by name. Nothing is read
    until the first lookup, and then only the index and the buckets of the
    names asked for.
    """

    def __init__(self, sources: Sequence[tuple[Path, str, bool]]) -> None:
        """``sources``: (database file, origin shown in evidence, wins over
        the hand-written knowledge), lowest first."""
        self._sources = [_Source(Database(p), origin, wins) for p, origin, wins in sources]

    @classmethod
    def for_config(cls, config: Any, *, shipped: bool = True) -> "LearnedKnowledge":
        """The shipped database (if ``shipped``) under the config's
        ``knowledge`` database, else the one built for ``config.repo``."""
        sources: list[tuple[Path, str, bool]] = []
        if shipped and SHIPPED.is_file():
            sources.append((SHIPPED, "shipped", False))
        user = getattr(config, "knowledge_db", None)
        if user is None and getattr(config, "repo", None) is not None:
            found = default_database_path(Path(config.repo))
            user = found if found.is_file() else None
        if user is not None:
            sources.append((Path(user), str(user), True))
        return cls(sources)

    @property
    def sources(self) -> list[tuple[Path, dict[str, Any]]]:
        """Each database and its metadata (kernel version, counts)."""
        return [(s.db.path, s.db.meta) for s in self._sources]

    def _active(self) -> list[_Source]:
        """The sources a lookup reads: a user database built from a whole
        kernel tree hides the sources below it (their facts may be stale
        for that tree); one built from a part of a tree shadows them name
        by name."""
        for k in range(len(self._sources) - 1, -1, -1):
            src = self._sources[k]
            if src.wins and src.db.meta.get("complete"):
                return self._sources[k:]
        return self._sources

    def _records(self, keys: Sequence[str]) -> dict[str, tuple[Any, _Source]]:
        out: dict[str, tuple[Any, _Source]] = {}
        for src in self._active():
            for k, v in src.db.get_many(keys).items():
                out[k] = (v, src)
        return out

    def lookup(self, names: Iterable[str], *, classes: Iterable[str] = (), structs: Iterable[str] = (),
               file: str | None = None, known: KnownNames | None = None) -> LearnedFacts:
        """The facts on the functions (and function-like macros) a patch
        calls, the cleanup classes it names, the struct tags it fills in.

        Args:
            names: the called names; duplicates and names without facts
                are fine.
            classes: cleanup classes (``guard(mutex)``, ``__free(kfree)``).
            structs: struct tags whose members a patch sets (``irq_chip``).
            file: the patched file's path in the tree: its own static
                functions win, as in C, and its architecture decides
                between variants.
            known: what the hand-written knowledge says (see
                :func:`known_names`).

        Returns:
            The facts found, by kind; never None.

        Raises:
            ReviewkitError: a database is unreadable or damaged.
        """
        fns = sorted(set(names))
        cls = sorted(set(classes))
        tags = sorted(set(structs))
        recs = self._records(fns + [CLASS_PREFIX + n for n in cls] + [STRUCT_PREFIX + n for n in tags])
        known = known or KnownNames()
        out = LearnedFacts()
        for name in fns:
            if name in recs:
                value, src = recs[name]
                self._functions(name, value, src, file, known, out)
        for name in cls:
            if CLASS_PREFIX + name in recs:
                value, src = recs[CLASS_PREFIX + name]
                fact = _cleanup(name, value, src)
                if fact is not None and (src.wins or name not in known.classes):
                    out.cleanups[name] = fact
        for name in tags:
            if STRUCT_PREFIX + name in recs:
                value, src = recs[STRUCT_PREFIX + name]
                ms = {m: CallbackFact(name, m, Evidence(v[0], v[1], f"{v[2]}: {v[3]}"), src.origin)
                      for m, v in sorted(value.items()) if src.wins or (name, m) not in known.members}
                if ms:
                    out.members[name] = ms
        return out

    def _functions(self, name: str, value: list, src: _Source, file: str | None, known: KnownNames,
                   out: LearnedFacts) -> None:
        defs = [_Def(d[0], bool(d[2] & 1), bool(d[2] & 2), d[1], d[3]) for d in value]
        cands = [defs[i] for i in candidates([Definition(d.file, d.local, d.stub) for d in defs], file)]

        def one(kind: str) -> tuple[_Def, list] | None:
            got = agreed(cands, lambda d: d.stub, lambda d: _comparable(kind, d.facts.get(kind)))
            if got is None:
                return None
            return got[0], got[0].facts[kind]

        s = one("s")
        if s is not None and (src.wins or name not in known.sleep):
            d, (state, cond, via, line, note) = s
            out.sleeps[name] = SleepFact(name, cond if state == 1 else None, via,
                                         Evidence(d.file, line, _sleep_note(name, via, note)), src.origin,
                                         note == "seed" or not via)
        r = one("r")
        if r is not None and (src.wins or name not in known.refs):
            d, (put, how, line, via) = r
            note = (f"kernel-doc names {put}()" if how == "kernel-doc" else
                    f"returns what {via}() returns" if via else "returns the object it took a reference on")
            out.refs[name] = RefFact(name, put, how, via, Evidence(d.file, line, note), src.origin)
        gt = one("g")
        if gt is not None and (src.wins or name not in known.refs):
            d, (arg, put, line) = gt
            out.gets[name] = GetFact(name, arg, put, Evidence(d.file, line, f"returns argument {arg} after taking a reference"),
                                     src.origin)
        lk = one("l")
        if lk is not None and (src.wins or name not in known.locks):
            d, (variant, family, arg, by_result, _glob, releases, line, ann, early) = lk
            ev = [Evidence(d.file, line, f"takes a {variant} lock and returns holding it")]
            if ann:
                ev.append(Evidence(d.file, ann, "annotated __acquires()"))
            out.locks[name] = LockFact(name, variant, family, arg, bool(by_result), tuple(releases), tuple(ev),
                                       src.origin, bool(early))

        tk = one("t")
        if tk is not None and (src.wins or name not in known.locks):
            d, facts = tk
            out.takes[name] = tuple(
                TakesFact(name, variant, arg, member, via, twin,
                          Evidence(d.file, line, f"takes (argument {arg}){member} and releases it before returning"
                                   + (f" (through {via}())" if via else "")), src.origin)
                for variant, arg, member, line, via, twin in facts)

    def chain(self, name: str, *, file: str | None = None) -> tuple[Evidence, ...]:
        """The calls through which ``name`` may sleep, from its definition
        to a sleeping primitive (or the kernel-doc that says it sleeps);
        () when no database says it sleeps."""
        out: list[Evidence] = []
        seen = set()
        here = file
        while name and len(out) < MAX_CHAIN and (name, here) not in seen:
            seen.add((name, here))
            fact = self.lookup([name], file=here).sleeps.get(name)
            if fact is None:
                break
            out.append(fact.evidence)
            if fact.last:
                break
            here, name = fact.evidence.file, fact.via
        return tuple(out)


def _comparable(kind: str, fact: list | None):
    """The part of a fact that must agree between two definitions."""
    if fact is None:
        return None
    if kind == "s":
        return (fact[0], fact[1])
    if kind in ("r",):
        return fact[0]
    if kind == "g":
        return (fact[0], fact[1])
    if kind == "l":
        return (fact[0], fact[2], fact[3], fact[4])
    if kind == "t":
        return tuple(sorted((t[0], t[1], t[2]) for t in fact))
    return tuple(map(str, fact))


def _sleep_note(name: str, via: str, note: str) -> str:
    if note == "seed":
        return f"{name}() calls {via}(), which sleeps (knowledge.toml)"
    if not via:
        return note
    return f"{name}() calls {via}()"


def _cleanup(name: str, value: list, src: _Source) -> CleanupFact | None:
    """One class; None when its definitions disagree (two architectures'
    guards of one name around different locks)."""
    first = value[0]
    if any(v[2:8] != first[2:8] for v in value[1:]):
        return None
    path, line, kind, typ, acquire, release, variant, tolerates, test = first
    what = f"{kind} class: acquire {acquire or '-'}, release {release or '-'}" + (f", tests {test}" if test else "")
    return CleanupFact(name, kind, typ, acquire, release, variant, tolerates, test, Evidence(path, line, what), src.origin)


def default_database_path(tree: Path) -> Path:
    """Where ``reviewkit knowledge build TREE`` writes by default, and where
    ``--repo TREE`` finds it: under ``$XDG_CACHE_HOME/reviewkit/knowledge``,
    named after the tree's resolved path."""
    from reviewkit.cache import cache_dir

    resolved = str(tree.resolve())
    tag = zlib.crc32(resolved.encode("utf-8", "surrogateescape"))
    return cache_dir() / "knowledge" / f"{tree.resolve().name or 'root'}-{tag:08x}.rkdb"
