"""What the learning starts from: knowledge.toml's tables turned into one
picklable record that every worker process gets once.

No kernel name lives in this package's code: each seed (a sleeping
primitive, a get and its put, a lock and its release, a cleanup macro, a
test of the execution context) is data in ``rules/knowledge.toml``, extended
by the user's config.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from reviewkit.model import Confidence
from reviewkit.rules.knowledge import ATOMIC_CONTEXTS, OpKind, build_knowledge

# A lock op as the learner needs it: (kind, lock variant or ref id, family,
# index of the argument naming the resource, -1 when none does: a CPU state or
# the acquire's result). kind: "acquire", "try", "release" for locks; "get",
# "try", "put", "returns" for references.
LockOp = tuple[str, str, str, int]


class CleanupMacro(NamedTuple):
    macro: str
    kind: str
    type_arg: int = -1
    acquire_arg: int = -1
    release_arg: int = -1
    suffix_arg: int = -1


@dataclass(frozen=True)
class Seeds:
    """The learning's seeds, from knowledge tables (see knowledge.toml's
    ``[[learn]]`` and the tables it names)."""

    # sleeping: name -> gfp argument index (None: sleeps whatever the flags)
    sleepers: dict[str, int | None] = field(default_factory=dict)
    never_sleeps: frozenset[str] = frozenset()
    atomic_suffix: tuple[str, ...] = ()
    sleeping_gfp: frozenset[str] = frozenset()
    atomic_gfp: frozenset[str] = frozenset()
    gfp_type: frozenset[str] = frozenset()
    context_tests: frozenset[str] = frozenset()
    doc_sleeps: tuple[str, ...] = ()
    doc_atomic: tuple[str, ...] = ()
    # locks and references
    lock_ops: dict[str, LockOp] = field(default_factory=dict)
    atomic_variants: frozenset[str] = frozenset()  # lock variants whose holder is in atomic context
    lock_release: dict[str, tuple[str, ...]] = field(default_factory=dict)  # variant -> its releases
    lock_family: dict[str, str] = field(default_factory=dict)  # variant -> family
    ref_ops: dict[str, LockOp] = field(default_factory=dict)
    ref_put: dict[str, str] = field(default_factory=dict)  # ref id -> its first put
    iterators: dict[str, tuple[int, str]] = field(default_factory=dict)  # macro -> (held arg, put)
    failure_values: frozenset[str] = frozenset()
    error_checks: frozenset[str] = frozenset()
    put_words: tuple[str, ...] = ()
    ref_doc: tuple[str, ...] = ()
    ref_doc_return: tuple[str, ...] = ()
    # cleanup.h
    cleanup_macros: dict[str, CleanupMacro] = field(default_factory=dict)
    guard_macros: frozenset[str] = frozenset()  # guard(CLASS)(...): held to the end of the block
    scoped_guard_macros: frozenset[str] = frozenset()  # scoped_guard(CLASS, ...) { }: held in its block
    guard_classes: dict[str, str] = field(default_factory=dict)  # class -> lock variant
    # atomic callbacks
    registrars: dict[str, int] = field(default_factory=dict)  # registrar -> callback argument
    atomic_members: dict[str, frozenset[str]] = field(default_factory=dict)  # struct -> members
    core_files: tuple[str, ...] = ()
    # names whose meaning knowledge.toml fixes: never learned over
    fixed: frozenset[str] = frozenset()

    def is_core(self, path: str) -> bool:
        """Whether ``path`` (relative to the tree) is core code."""
        return any(path_matches(path, pat) for pat in self.core_files)

    def context_regex(self) -> re.Pattern[str] | None:
        if not self.context_tests:
            return None
        return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, self.context_tests))) + r")\b")


def path_matches(path: str, pattern: str) -> bool:
    """``path`` matches ``pattern`` segment by segment: ``*`` does not
    cross a ``/`` (``drivers/pci/*.c`` is not ``drivers/pci/controller/x.c``);
    a last segment ``**`` matches any depth below."""
    parts = path.split("/")
    pats = pattern.split("/")
    if pats[-1] == "**":
        pats = pats[:-1]
        if len(parts) <= len(pats):
            return False
        parts = parts[:len(pats)]
    elif len(parts) != len(pats):
        return False
    return all(fnmatchcase(a, b) for a, b in zip(parts, pats))


def _strings(tables: Mapping[str, list[dict[str, Any]]], table: str, key: str) -> list[str]:
    return [v for e in tables.get(table, []) for v in e.get(key, ())]


def build_seeds(tables: Mapping[str, list[dict[str, Any]]]) -> Seeds:
    """The seeds of the learning from validated knowledge tables (as
    :func:`reviewkit.rules.knowledge.knowledge_tables` gives them): what
    the KnowledgeBase makes of them, plus the tables only the learning
    reads ([[learn]], [[cleanup_define]])."""
    kb = build_knowledge(tables)
    # a low-confidence sleeper (regmap: fast_io maps take a spinlock) is no
    # seed: the learning claims only what is sure
    sleepers = {n: s.gfp_arg for n, s in kb.sleepers.items() if s.confidence is not Confidence.LOW}
    lock_ops: dict[str, LockOp] = {}
    ref_ops: dict[str, LockOp] = {}
    # the [[ref]] entries the learning follows: [[learn]] ref_kinds, and not learn = false
    ref_kinds = frozenset(_strings(tables, "learn", "ref_kinds"))
    followed = {r: spec for r, spec in kb.refs.items() if spec.kind.value in ref_kinds and spec.learn}
    for name, op in kb.ops.items():
        # -1: no argument names the lock (a CPU state, or the acquire's result)
        arg = -1 if op.arg is None else op.arg
        if not op.is_lock and op.family not in followed:
            continue
        if op.is_lock:
            kind = {OpKind.ACQUIRE: "acquire", OpKind.TRY: "try", OpKind.RELEASE: "release"}.get(op.kind)
            if kind is not None:
                lock_ops[name] = (kind, op.variant, op.family, arg)
        else:
            kind = {OpKind.ACQUIRE: "get", OpKind.TRY: "try", OpKind.RELEASE: "put", OpKind.RETURNS: "returns"}[op.kind]
            ref_ops[name] = (kind, op.variant, op.family, arg)
    cleanup_macros = {
        e["macro"]: CleanupMacro(e["macro"], e["kind"], e.get("type_arg", -1), e.get("acquire_arg", -1),
                                 e.get("release_arg", -1), e.get("suffix_arg", -1))
        for e in tables.get("cleanup_define", [])
    }
    never = frozenset(_strings(tables, "learn", "never_sleeps")) | kb.scope_neutral
    iterators = {n: (it.held_arg, it.put) for n, it in kb.iterators.items() if not it.scoped}
    fixed = frozenset(sleepers) | frozenset(kb.ops) | frozenset(iterators) | never | kb.noreturn
    return Seeds(
        sleepers=sleepers,
        never_sleeps=never,
        atomic_suffix=tuple(_strings(tables, "learn", "atomic_suffix")),
        sleeping_gfp=frozenset(_strings(tables, "learn", "sleeping_gfp")),
        atomic_gfp=kb.atomic_gfp,
        gfp_type=frozenset(_strings(tables, "learn", "gfp_type")),
        context_tests=frozenset(_strings(tables, "learn", "context_tests")),
        doc_sleeps=tuple(p.lower() for p in _strings(tables, "learn", "doc_sleeps")),
        doc_atomic=tuple(p.lower() for p in _strings(tables, "learn", "doc_atomic")),
        lock_ops=lock_ops,
        atomic_variants=frozenset(v for v, spec in kb.locks.items() if spec.context & ATOMIC_CONTEXTS),
        lock_release={v: spec.release for v, spec in kb.locks.items()},
        lock_family={v: spec.family for v, spec in kb.locks.items()},
        ref_ops=ref_ops,
        ref_put={r: spec.put[0] for r, spec in followed.items()},
        iterators=iterators,
        failure_values=frozenset(_strings(tables, "learn", "failure_values")),
        error_checks=kb.error_checks,
        put_words=tuple(_strings(tables, "learn", "put_words")),
        ref_doc=tuple(p.lower() for p in _strings(tables, "learn", "ref_doc")),
        ref_doc_return=tuple(p.lower() for p in _strings(tables, "learn", "ref_doc_return")),
        cleanup_macros=cleanup_macros,
        guard_macros=kb.guard_macros,
        scoped_guard_macros=kb.scoped_guard_macros,
        guard_classes=dict(kb.guards),
        registrars={n: spec.arg for n, spec in kb.atomic_callbacks.items()},
        atomic_members={s: frozenset(m for (s2, m) in kb.atomic_members if s2 == s) for (s, _m) in kb.atomic_members},
        core_files=tuple(_strings(tables, "learn", "core_files")),
        fixed=fixed,
    )
