"""Load and validate the knowledge base (``knowledge.toml`` + the user's
``[knowledge]`` table) into lookup tables the rules read.

The rules never name kernel functions: every name lives in the TOML data.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from reviewkit.cache import Entry
from reviewkit.cmap.macros import SCOPE_MACROS
from reviewkit.config import parse_toml
from reviewkit.errors import ConfigError
from reviewkit.model import Confidence
from reviewkit.rules.resources import MEMBER_PATH

KNOWLEDGE_FILE = "knowledge.toml"

CONTEXTS = frozenset({"atomic", "sleepable", "irq-off", "bh-off", "rcu", "preempt-off"})
# Contexts in which sleeping is a bug.
ATOMIC_CONTEXTS = frozenset({"atomic", "irq-off", "bh-off", "rcu", "preempt-off"})

# table -> key -> (python type, required)
_STR_LIST = list
SCHEMA: dict[str, dict[str, tuple[type, bool]]] = {
    "lock": {
        "id": (str, True),
        "family": (str, True),
        "acquire": (_STR_LIST, True),
        "release": (_STR_LIST, True),
        "trylock": (_STR_LIST, False),
        "success": (str, False),
        "arg": (int, False),
        "global": (bool, False),
        "result": (bool, False),
        "context": (_STR_LIST, True),
    },
    "ref": {
        "id": (str, True),
        "get": (_STR_LIST, False),
        "put": (_STR_LIST, True),
        "get_conditional": (_STR_LIST, False),
        "success": (str, False),
        "returns_ref": (_STR_LIST, False),
        "arg": (int, False),
        "put_arg": (int, False),
        "weak_put": (_STR_LIST, False),
        "result": (str, False),
        "kind": (str, False),
        "movable": (bool, False),
        "frees": (bool, False),
        "learn": (bool, False),
        "unregister": (_STR_LIST, False),
        "while_put": (_STR_LIST, False),
    },
    "prefer": {"name": (str, True), "instead": (str, True), "why": (str, True)},
    "iterator": {
        "names": (_STR_LIST, True),
        "held_arg": (int, True),
        "put": (str, True),
        "scoped": (bool, False),
        "since": (str, False),
    },
    "sleep": {
        "names": (_STR_LIST, True),
        "confidence": (str, True),
        "gfp_arg": (int, False),
        "note": (str, False),
        "sure_with": (_STR_LIST, False),
        "never_with": (_STR_LIST, False),
        "never_when": (_STR_LIST, False),
    },
    "atomic_gfp": {"names": (_STR_LIST, True)},
    "irq_helper": {"name": (str, True), "twin": (str, True)},
    "guard": {"class": (str, True), "lock": (str, True)},
    "free_class": {"class": (str, True), "put": (str, True), "err_ok": (bool, False)},
    "ownership": {"names": (_STR_LIST, True)},
    "consume": {"names": (_STR_LIST, True), "arg": (int, True), "cleanup": (bool, False), "on_success": (bool, False)},
    "borrow": {"names": (_STR_LIST, True)},
    "error_check": {"names": (_STR_LIST, True)},
    "steady_test": {"names": (_STR_LIST, True)},
    "positive_success": {"names": (_STR_LIST, True)},
    "test_wrapper": {"names": (_STR_LIST, True), "arg": (int, True)},
    "cleanup": {"guard": (_STR_LIST, True)},
    "noreturn": {"names": (_STR_LIST, True)},
    "scope_neutral": {"names": (_STR_LIST, True)},
    "callback_result": {"names": (_STR_LIST, True)},
    "atomic_callback": {
        "names": (_STR_LIST, True),
        "arg": (int, True),
        "context": (_STR_LIST, True),
        "confidence": (str, True),
        "note": (str, True),
        "returns": (_STR_LIST, False),
        "calls": (_STR_LIST, False),
        "deadlock": (str, False),
        "interrupts": (bool, False),
    },
    "managed": {
        "names": (_STR_LIST, True),
        "arg": (int, False),
        "release": (_STR_LIST, True),
        "release_arg": (int, False),
        "instead": (str, False),
        "undoes": (_STR_LIST, False),
    },
    # what the context, runtime-PM and cleanup rules read beside the pairs
    "atomic_member": {
        "struct": (str, True),
        "members": (_STR_LIST, True),
        "context": (_STR_LIST, True),
        "confidence": (str, True),
        "note": (str, True),
        "distinct": (bool, False),
        "when": (str, False),
        "instead": (str, False),
        "deadlock": (str, False),
        "interrupts": (bool, False),
    },
    "irq_state": {"lock": (str, True), "restores": (bool, True)},
    "locked_wait": {
        "names": (_STR_LIST, True),
        "lock": (str, True),
        "lock_arg": (int, False),
        "queue_arg": (int, False),
        "member": (str, False),
    },
    "devm_action": {
        "names": (_STR_LIST, True),
        "action_arg": (int, True),
        "data_arg": (int, True),
        "reset": (bool, False),
    },
    "io_write": {"names": (_STR_LIST, True), "address": (int, True), "base": (int, False)},
    "lock_init": {
        "names": (_STR_LIST, True),
        "arg": (int, True),
        "type": (str, True),
        "destroy": (_STR_LIST, False),
        "managed": (bool, False),
    },
    # functions that take a lock of their argument and drop it before
    # returning: calling one with that lock held deadlocks
    "takes_lock": {
        "names": (_STR_LIST, True),
        "lock": (str, True),
        "arg": (int, True),
        "member": (str, True),
        "unlocked": (str, False),
        "note": (str, False),
    },
    # lockdep_assert_held(&l): the caller holds the lock its argument names
    "held_assert": {"names": (_STR_LIST, True), "arg": (int, True)},
    "cleanup_define": {
        "macro": (str, True),
        "kind": (str, True),
        "type_arg": (int, False),
        "acquire_arg": (int, False),
        "release_arg": (int, False),
        "suffix_arg": (int, False),
    },
    # the seeds of `reviewkit knowledge build` (reviewkit/knowledge/seeds.py)
    "learn": {
        "gfp_type": (_STR_LIST, False),
        "sleeping_gfp": (_STR_LIST, False),
        "context_tests": (_STR_LIST, False),
        "never_sleeps": (_STR_LIST, False),
        "atomic_suffix": (_STR_LIST, False),
        "doc_sleeps": (_STR_LIST, False),
        "doc_atomic": (_STR_LIST, False),
        "failure_values": (_STR_LIST, False),
        "put_words": (_STR_LIST, False),
        "ref_doc": (_STR_LIST, False),
        "ref_doc_return": (_STR_LIST, False),
        "ref_kinds": (_STR_LIST, False),
        "core_files": (_STR_LIST, False),
    },
}
CLEANUP_KINDS = frozenset({"guard", "guard_cond", "free", "class"})


class Success(enum.Enum):
    """What a conditional acquire returns when it got the resource."""

    NONZERO = "nonzero"
    ZERO = "zero"


class RefKind(enum.Enum):
    """What a [[ref]] entry counts: the words a finding uses for it."""

    REFERENCE = "reference"  # a reference count: get_device / put_device
    ALLOCATION = "allocation"  # memory or an id: kmalloc / kfree, ida_alloc / ida_free
    ENABLE = "enable"  # an enable count: clk_prepare_enable / clk_disable_unprepare
    REGISTRATION = "registration"  # register / unregister
    REQUEST = "request"  # request_irq / free_irq
    MAPPING = "mapping"  # ioremap / iounmap
    ASYNC = "async"  # work queued or a timer armed: it runs later, on the object, until cancelled

    @property
    def noun(self) -> str:
        """``the {noun} of X``: what leaks when the release is missing."""
        return {"reference": "reference", "allocation": "allocation", "enable": "enable count",
                "registration": "registration", "request": "request", "mapping": "mapping",
                "async": "pending work"}[self.value]


class OpKind(enum.Enum):
    ACQUIRE = "acquire"
    RELEASE = "release"
    TRY = "try"  # conditional acquire: held only on success
    RETURNS = "returns"  # the result holds a new reference


class LockSpec(NamedTuple):
    id: str
    family: str
    acquire: tuple[str, ...]
    release: tuple[str, ...]
    trylock: tuple[str, ...]
    success: Success
    arg: int
    is_global: bool
    context: frozenset[str]
    by_result: bool = False  # the acquires return the object they locked


class RefSpec(NamedTuple):
    id: str
    get: tuple[str, ...]
    put: tuple[str, ...]
    get_conditional: tuple[str, ...]
    success: Success
    returns_ref: tuple[str, ...]
    arg: int
    movable: bool = True  # False: the get does more than pin (powers the device up)
    put_arg: int = 0  # the argument of a put naming the resource
    status_result: bool = False  # a get returns a status (0/-errno), not the object
    kind: RefKind = RefKind.REFERENCE
    frees: bool = False  # the put may free the object (its last reference): nothing may use it after
    learn: bool = True  # the learning follows its gets (False: wrappers hand the object on first)
    # unregistering drops the reference a plain get gave (the object and what
    # it holds are freed there, before remove() is done), which the managed
    # form defers to the end of the unbind
    unregister: tuple[str, ...] = ()
    # calls that take effect only while the count is not held (runtime PM
    # disabled): made where it is held they do nothing
    while_put: tuple[str, ...] = ()


class Op(NamedTuple):
    """What calling one function does to a lock or a reference."""

    kind: OpKind
    family: str  # lock family or ref id
    variant: str  # lock variant id or ref id
    is_lock: bool
    arg: int | None  # the argument naming the resource; None: global / result
    success: Success = Success.NONZERO
    by_result: bool = False  # an acquire that returns the locked object (lruvec = lock_page_lruvec_irq(page))
    status_result: bool = False  # a get whose result is a status (0/-errno), not the object it counts


class IteratorSpec(NamedTuple):
    names: tuple[str, ...]
    held_arg: int
    put: str
    scoped: bool
    since: str = ""  # a scoped one's: the date (YYYY-MM-DD) by which a released kernel had it


class FlagSpec(NamedTuple):
    """``STRUCT.FIELD = VALUE``: a setting the visible code may make: one
    that makes a structure's callbacks run in atomic context
    (``gpio_chip.can_sleep = false``), or that keeps a call from sleeping
    (``regmap_config.fast_io = true``)."""

    struct: str
    field: str
    value: str  # "true"/"false" for a boolean, else the text

    def __str__(self) -> str:
        return f"{self.field} = {self.value}"


class SleepSpec(NamedTuple):
    name: str
    confidence: Confidence
    gfp_arg: int | None
    note: str
    sure_with: frozenset[str] = frozenset()  # calls that, seen in the code, make the sleep sure
    never_with: frozenset[str] = frozenset()  # calls that, seen in the code (and no sure_with), rule it out
    never_when: tuple[FlagSpec, ...] = ()  # settings that, seen in the code (and no sure_with), rule it out


class CallbackSpec(NamedTuple):
    """A registrar whose callback argument runs in atomic context."""

    registrar: str  # the registering function ("" for a `returns` or `calls` marker)
    arg: int
    context: frozenset[str]
    confidence: Confidence
    note: str  # the context's name, e.g. "hard-irq context"
    deadlock: str = ""  # how a lock it shares, taken elsewhere with it let in, deadlocks ("": it comes in on the CPU holding it)
    interrupts: bool = True  # False: it runs with irqs off but interrupts nothing (a syscore operation)


class ManagedSpec(NamedTuple):
    """A device-managed getter or registrar and the plain releases that
    must not be used on what it gives."""

    name: str
    arg: int | None  # the argument naming the resource; None: the result
    release: tuple[str, ...]
    release_arg: int
    instead: str  # the managed release ("" when there is none)
    undoes: tuple[str, ...] = ()  # releases the core also makes on unbind, still allowed to the driver


class MemberSpec(NamedTuple):
    """A structure member whose function runs in atomic context."""

    struct: str
    member: str
    context: frozenset[str]
    confidence: Confidence
    note: str
    distinct: bool = False  # no other structure has a member of that name
    when: FlagSpec | None = None  # only when the code sets this
    instead: str = ""  # what a callback there does instead of sleeping
    deadlock: str = ""  # as CallbackSpec.deadlock
    interrupts: bool = True  # as CallbackSpec.interrupts


class LockedWait(NamedTuple):
    """A wait that drops and retakes a lock its caller holds."""

    name: str
    lock: str  # the [[lock]] id the caller must hold it with
    lock_arg: int | None  # the argument naming the lock; None: the queue's own
    queue_arg: int
    member: str  # the queue's lock member


class DevmAction(NamedTuple):
    """A registrar of a devres action (``devm_add_action_or_reset``)."""

    name: str
    action_arg: int
    data_arg: int
    reset: bool  # a failed registration runs the action itself


class LockInit(NamedTuple):
    """A lock's initialiser: which argument names the lock, the type a
    structure member of that lock is declared with, the calls that tear a
    lock it initialised down (they take the lock as their first argument),
    and whether it arranges that teardown itself (a devres action)."""

    name: str
    arg: int
    type: str
    destroy: tuple[str, ...] = ()
    managed: bool = False


class LockTaker(NamedTuple):
    """A function that takes a lock of one of its arguments and releases
    it before it returns: ``adis_write_reg(adis, ...)`` takes
    ``adis->state_lock``."""

    name: str
    lock: str  # the [[lock]] id it takes
    family: str
    arg: int  # the argument naming the lock's owner
    member: str  # the lock from that argument: "->state_lock", ".lock" (an argument that is a struct)
    unlocked: str = ""  # the variant that expects the lock held ("" unknown)
    note: str = ""  # where this was learned


class IoWrite(NamedTuple):
    """A register write: which arguments name the register."""

    name: str
    address: int
    base: int | None


@dataclass(frozen=True)
class KnowledgeBase:
    """Lookup tables built from the knowledge data."""

    locks: dict[str, LockSpec] = field(default_factory=dict)
    refs: dict[str, RefSpec] = field(default_factory=dict)
    ops: dict[str, Op] = field(default_factory=dict)  # function name -> effect
    iterators: dict[str, IteratorSpec] = field(default_factory=dict)
    sleepers: dict[str, SleepSpec] = field(default_factory=dict)
    atomic_gfp: frozenset[str] = frozenset()
    irq_twins: dict[str, str] = field(default_factory=dict)  # __helper -> irq-safe twin
    guards: dict[str, str] = field(default_factory=dict)  # guard class -> lock id
    free_classes: dict[str, str] = field(default_factory=dict)  # __free class -> put
    ownership: frozenset[str] = frozenset()
    consumers: dict[str, int] = field(default_factory=dict)  # callee -> consumed arg
    cleanup_takers: frozenset[str] = frozenset()  # consumers that undo all the argument holds (managed actions)
    # consumers that take the argument over only when they succeed: on
    # failure the caller still holds it (device_add())
    consumed_on_success: frozenset[str] = frozenset()
    borrowers: frozenset[str] = frozenset()
    error_checks: frozenset[str] = frozenset()
    steady_tests: frozenset[str] = frozenset()  # asked twice in a function, the same answer
    positive_success: frozenset[str] = frozenset()  # calls that may return > 0 on success: failure is < 0
    test_wrappers: dict[str, int] = field(default_factory=dict)  # WARN_ON(cond) -> index of cond
    guard_macros: frozenset[str] = frozenset()  # guard(CLASS)(&l)
    scoped_guard_macros: frozenset[str] = frozenset()  # scoped_guard(CLASS, &l) { }: the code map's SCOPE_MACROS
    noreturn: frozenset[str] = frozenset()  # BUG(), panic(): the path ends
    scope_neutral: frozenset[str] = frozenset()  # logging: where it runs relative to a lock does not matter
    callback_results: frozenset[str] = frozenset()  # values only callbacks return that may run with irqs off
    atomic_callbacks: dict[str, CallbackSpec] = field(default_factory=dict)  # registrar -> spec
    atomic_returns: dict[str, CallbackSpec] = field(default_factory=dict)  # returned value -> spec
    atomic_calls: dict[str, CallbackSpec] = field(default_factory=dict)  # call only such a callback makes -> spec
    managed: dict[str, tuple[ManagedSpec, ...]] = field(default_factory=dict)  # devm getter -> specs
    managed_releases: dict[str, int] = field(default_factory=dict)  # plain release -> resource argument
    prefer: dict[str, tuple[str, str]] = field(default_factory=dict)  # call -> (the call to use instead, why)
    weak_releases: dict[str, str] = field(default_factory=dict)  # look-alike that does not release -> family
    unregisters: dict[str, str] = field(default_factory=dict)  # unregister that drops a plain get's reference -> ref id
    while_put: dict[str, str] = field(default_factory=dict)  # call that works only while the count is not held -> ref id
    # what the context, runtime-PM and cleanup rules read beside the pairs
    atomic_members: dict[tuple[str, str], MemberSpec] = field(default_factory=dict)  # (struct, member) -> spec
    irq_restores: dict[str, bool] = field(default_factory=dict)  # irq-off lock id -> its release restores
    locked_waits: dict[str, LockedWait] = field(default_factory=dict)
    devm_actions: dict[str, DevmAction] = field(default_factory=dict)
    io_writes: dict[str, IoWrite] = field(default_factory=dict)
    lock_inits: dict[str, LockInit] = field(default_factory=dict)
    lock_takers: dict[str, LockTaker] = field(default_factory=dict)  # takes and drops a lock of its argument
    held_asserts: dict[str, int] = field(default_factory=dict)  # lockdep_assert_held(&l) -> the lock argument
    free_err_ok: frozenset[str] = frozenset()  # __free classes whose release takes an ERR_PTR()

    def lock_context(self, variant: str) -> frozenset[str]:
        spec = self.locks.get(variant)
        return spec.context if spec else frozenset()

    def release_names(self, variant: str) -> tuple[str, ...]:
        """The release functions of a lock variant or a ref id."""
        if variant in self.locks:
            return self.locks[variant].release
        if variant in self.refs:
            return self.refs[variant].put
        return ()

    def acquire_names(self, variant: str) -> tuple[str, ...]:
        if variant in self.locks:
            return self.locks[variant].acquire or self.locks[variant].trylock
        if variant in self.refs:
            return self.refs[variant].get
        return ()

    # Lookups the context and cleanup rules make. The reviewed entries
    # answer first; a database learned from a kernel tree (DEFINE_FREE
    # classes, callbacks that run in atomic context) is consulted behind
    # them, here and nowhere else.

    def atomic_member(self, struct: str, member: str) -> MemberSpec | None:
        """The spec of ``struct``'s ``member`` when its function runs in
        atomic context; with ``struct`` "" (the type is not known), only a
        member whose name no other structure has."""
        if struct:
            return self.atomic_members.get((struct, member))
        found = [m for (s, n), m in self.atomic_members.items() if n == member and m.distinct]
        return found[0] if len(found) == 1 else None

    def free_release(self, cls: str) -> tuple[str, bool] | None:
        """(the put, whether it takes an ERR_PTR()) of a ``__free(cls)``
        class; None when the class is unknown."""
        put = self.free_classes.get(cls)
        return None if put is None else (put, cls in self.free_err_ok)

    def guard_class(self, variant: str) -> str | None:
        """The cleanup.h guard class of a lock variant (``mutex``)."""
        return next((cls for cls, lock in self.guards.items() if lock == variant), None)

    def plain_variant(self, variant: str) -> str | None:
        """The variant of ``variant``'s family that leaves irqs and bottom
        halves alone (spinlock for spinlock-irqsave); None if none."""
        spec = self.locks.get(variant)
        if spec is None:
            return None
        return next((v.id for v in self.locks.values() if v.family == spec.family and v.acquire
                     and not v.context & {"irq-off", "bh-off"} and not v.is_global), None)

    def restoring_variant(self, variant: str) -> str | None:
        """For a variant whose release turns irqs on whatever they were
        (spinlock-irq), the one of its family that restores them."""
        spec = self.locks.get(variant)
        if spec is None or self.irq_restores.get(variant, True):
            return None
        return next((v for v, restores in self.irq_restores.items() if restores and v in self.locks
                     and self.locks[v].family == spec.family), None)


def op_key_name(op: Op, call) -> str | None:
    """The name of the resource a call of ``op`` acts on: "" for a global
    one (irqs, RCU), the assigned variable for an acquire that returns what
    it locked, else the normalised argument; None when it cannot be told."""
    from reviewkit.rules.resources import normalise_key

    if op.by_result:
        return normalise_key(call.lhs) if call.lhs else None
    if op.arg is None:
        return "" if op.is_lock else None
    name = call.arg_key(op.arg)
    if op.kind is OpKind.ACQUIRE and not op.is_lock and call.lhs and name and "(" in name:
        # `host = spi_controller_get(platform_get_drvdata(pdev));`: a get
        # returns what it took, and only the variable names it afterwards
        return normalise_key(call.lhs)
    return name


def _check_table(where: str, table: str, entries: Any) -> list[dict[str, Any]]:
    schema = SCHEMA.get(table)
    if schema is None:
        raise ConfigError(f"{where}: unknown table [[{table}]]; known: {', '.join(sorted(SCHEMA))}")
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: [{table}] must be an array of tables ([[{table}]])")
    out = []
    for i, entry in enumerate(entries):
        at = f"{where}: [[{table}]] #{i + 1}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{at}: must be a table")
        for key, value in entry.items():
            if key not in schema:
                raise ConfigError(f"{at}: unknown key {key!r}; known: {', '.join(sorted(schema))}")
            typ, _req = schema[key]
            if typ is list:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"{at}: key {key!r} must be a list of strings")
            elif typ is int:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ConfigError(f"{at}: key {key!r} must be an integer")
            elif not isinstance(value, typ):
                raise ConfigError(f"{at}: key {key!r} must be a {typ.__name__}")
        for key, (_typ, req) in schema.items():
            if req and key not in entry:
                raise ConfigError(f"{at}: missing key {key!r}")
        if "success" in entry and entry["success"] not in {s.value for s in Success}:
            raise ConfigError(f"{at}: key 'success' must be 'nonzero' or 'zero'")
        if "context" in entry:
            bad = set(entry["context"]) - CONTEXTS
            if bad:
                raise ConfigError(f"{at}: key 'context' has unknown value(s) {', '.join(sorted(bad))}")
        if "confidence" in entry and entry["confidence"] not in {c.value for c in Confidence}:
            raise ConfigError(f"{at}: key 'confidence' must be low, medium or high")
        if table == "cleanup_define" and entry["kind"] not in CLEANUP_KINDS:
            raise ConfigError(f"{at}: key 'kind' must be one of {', '.join(sorted(CLEANUP_KINDS))}")
        out.append(entry)
    return out


def _merge(base: dict[str, list], extra: Mapping[str, Any], where: str) -> dict[str, list]:
    merged = {k: list(v) for k, v in base.items()}
    for table, entries in extra.items():
        merged.setdefault(table, []).extend(_check_table(where, table, entries))
    return merged


def build_knowledge(data: Mapping[str, list[dict[str, Any]]], where: str = KNOWLEDGE_FILE) -> KnowledgeBase:
    """Turn validated tables into lookup maps.

    Raises:
        ConfigError: a cross-reference is broken (a guard names an unknown
            lock) or a name has two different meanings; the message names
            the file, the table and the key.
    """
    locks: dict[str, LockSpec] = {}
    refs: dict[str, RefSpec] = {}
    ops: dict[str, Op] = {}

    def add_op(name: str, op: Op, table: str, key: str) -> None:
        old = ops.get(name)
        if old is not None and old != op:
            # The same release serves several variants of one family
            # (mutex_unlock for mutex_lock and mutex_lock_interruptible).
            if old.kind == op.kind == OpKind.RELEASE and old.family == op.family:
                return
            raise ConfigError(f"{where}: [[{table}]] key {key!r}: {name} already means {old.kind.value} of {old.variant}")
        ops[name] = op

    for entry in data.get("lock", []):
        success = Success(entry.get("success", "nonzero"))
        spec = LockSpec(
            id=entry["id"],
            family=entry["family"],
            acquire=tuple(entry["acquire"]),
            release=tuple(entry["release"]),
            trylock=tuple(entry.get("trylock", ())),
            success=success,
            arg=entry.get("arg", 0),
            is_global=entry.get("global", False),
            context=frozenset(entry["context"]),
            by_result=entry.get("result", False),
        )
        if spec.id in locks:
            raise ConfigError(f"{where}: [[lock]] key 'id': {spec.id!r} defined twice")
        locks[spec.id] = spec
        arg = None if spec.is_global else spec.arg
        for name in spec.acquire:
            if spec.by_result:
                add_op(name, Op(OpKind.ACQUIRE, spec.family, spec.id, True, None, by_result=True), "lock", "acquire")
            else:
                add_op(name, Op(OpKind.ACQUIRE, spec.family, spec.id, True, arg), "lock", "acquire")
        for name in spec.trylock:
            add_op(name, Op(OpKind.TRY, spec.family, spec.id, True, arg, success), "lock", "trylock")
        for name in spec.release:
            add_op(name, Op(OpKind.RELEASE, spec.family, spec.id, True, arg), "lock", "release")
    for entry in data.get("ref", []):
        success = Success(entry.get("success", "nonzero"))
        kind = entry.get("kind", RefKind.REFERENCE.value)
        if kind not in {k.value for k in RefKind}:
            raise ConfigError(f"{where}: [[ref]] {entry['id']!r} key 'kind': {kind!r} is not one of "
                              f"{', '.join(k.value for k in RefKind)}")
        result = entry.get("result", "object")
        if result not in ("object", "status"):
            raise ConfigError(f"{where}: [[ref]] {entry['id']!r} key 'result': must be 'object' or 'status'")
        spec_r = RefSpec(
            id=entry["id"],
            get=tuple(entry.get("get", ())),
            put=tuple(entry["put"]),
            get_conditional=tuple(entry.get("get_conditional", ())),
            success=success,
            returns_ref=tuple(entry.get("returns_ref", ())),
            arg=entry.get("arg", 0),
            movable=entry.get("movable", True),
            put_arg=entry.get("put_arg", entry.get("arg", 0)),
            status_result=result == "status",
            kind=RefKind(kind),
            frees=entry.get("frees", False),
            learn=entry.get("learn", True),
            unregister=tuple(entry.get("unregister", ())),
            while_put=tuple(entry.get("while_put", ())),
        )
        if spec_r.id in refs:
            raise ConfigError(f"{where}: [[ref]] key 'id': {spec_r.id!r} defined twice")
        if not (spec_r.get or spec_r.get_conditional or spec_r.returns_ref):
            raise ConfigError(f"{where}: [[ref]] {spec_r.id!r}: needs one of 'get', 'get_conditional', 'returns_ref'")
        refs[spec_r.id] = spec_r
        status = spec_r.status_result
        for name in spec_r.get:
            add_op(name, Op(OpKind.ACQUIRE, spec_r.id, spec_r.id, False, spec_r.arg, status_result=status), "ref", "get")
        for name in spec_r.get_conditional:
            add_op(name, Op(OpKind.TRY, spec_r.id, spec_r.id, False, spec_r.arg, success, status_result=status),
                   "ref", "get_conditional")
        for name in spec_r.put:
            add_op(name, Op(OpKind.RELEASE, spec_r.id, spec_r.id, False, spec_r.put_arg), "ref", "put")
        for name in spec_r.returns_ref:
            add_op(name, Op(OpKind.RETURNS, spec_r.id, spec_r.id, False, None), "ref", "returns_ref")

    iterators: dict[str, IteratorSpec] = {}
    for entry in data.get("iterator", []):
        it = IteratorSpec(tuple(entry["names"]), entry["held_arg"], entry["put"], entry.get("scoped", False),
                          entry.get("since", ""))
        if not it.scoped and it.put not in ops:
            raise ConfigError(f"{where}: [[iterator]] key 'put': {it.put!r} is not a known put")
        for name in it.names:
            iterators[name] = it

    sleepers: dict[str, SleepSpec] = {}
    for entry in data.get("sleep", []):
        never_when = tuple(_parse_flag(t, f"{where}: [[sleep]] {entry['names'][0]!r}", "never_when") for t in entry.get("never_when", ()))
        for name in entry["names"]:
            sleepers[name] = SleepSpec(
                name, Confidence(entry["confidence"]), entry.get("gfp_arg"), entry.get("note", ""),
                frozenset(entry.get("sure_with", ())), frozenset(entry.get("never_with", ())), never_when,
            )

    guards: dict[str, str] = {}
    for entry in data.get("guard", []):
        if entry["lock"] not in locks:
            raise ConfigError(f"{where}: [[guard]] key 'lock': {entry['lock']!r} is not a [[lock]] id")
        guards[entry["class"]] = entry["lock"]

    callbacks: dict[str, CallbackSpec] = {}
    markers: dict[str, CallbackSpec] = {}
    marker_calls: dict[str, CallbackSpec] = {}
    for entry in data.get("atomic_callback", []):
        ctx = frozenset(entry["context"])
        conf = Confidence(entry["confidence"])
        dead, interrupts = entry.get("deadlock", ""), entry.get("interrupts", True)
        for name in entry["names"]:
            callbacks[name] = CallbackSpec(name, entry["arg"], ctx, conf, entry["note"], dead, interrupts)
        for value in entry.get("returns", ()):
            markers[value] = CallbackSpec("", -1, ctx, conf, entry["note"], dead, interrupts)
        for name in entry.get("calls", ()):
            marker_calls[name] = CallbackSpec("", -1, ctx, conf, entry["note"], dead, interrupts)

    managed: dict[str, tuple[ManagedSpec, ...]] = {}
    for entry in data.get("managed", []):
        for name in entry["names"]:
            spec_m = ManagedSpec(name, entry.get("arg"), tuple(entry["release"]), entry.get("release_arg", 0),
                                 entry.get("instead", ""), tuple(entry.get("undoes", ())))
            managed[name] = managed.get(name, ()) + (spec_m,)

    def names_of(table: str) -> frozenset[str]:
        return frozenset(n for e in data.get(table, []) for n in e["names"])

    return KnowledgeBase(
        locks=locks,
        refs=refs,
        ops=ops,
        iterators=iterators,
        sleepers=sleepers,
        atomic_gfp=names_of("atomic_gfp"),
        irq_twins={e["name"]: e["twin"] for e in data.get("irq_helper", [])},
        guards=guards,
        free_classes={e["class"]: e["put"] for e in data.get("free_class", [])},
        ownership=names_of("ownership"),
        consumers={n: e["arg"] for e in data.get("consume", []) for n in e["names"]},
        cleanup_takers=frozenset(n for e in data.get("consume", []) if e.get("cleanup") for n in e["names"]),
        consumed_on_success=frozenset(n for e in data.get("consume", []) if e.get("on_success") for n in e["names"]),
        borrowers=names_of("borrow"),
        error_checks=names_of("error_check"),
        steady_tests=names_of("steady_test"),
        positive_success=names_of("positive_success"),
        test_wrappers={n: e["arg"] for e in data.get("test_wrapper", []) for n in e["names"]},
        guard_macros=frozenset(n for e in data.get("cleanup", []) for n in e["guard"]),
        scoped_guard_macros=SCOPE_MACROS,
        noreturn=names_of("noreturn"),
        scope_neutral=names_of("scope_neutral"),
        callback_results=names_of("callback_result"),
        atomic_callbacks=callbacks,
        atomic_returns=markers,
        atomic_calls=marker_calls,
        managed=managed,
        managed_releases={r: m.release_arg for specs in managed.values() for m in specs for r in m.release},
        prefer={e["name"]: (e["instead"], e["why"]) for e in data.get("prefer", [])},
        weak_releases={n: e["id"] for e in data.get("ref", []) for n in e.get("weak_put", ())},
        unregisters={n: r.id for r in refs.values() for n in r.unregister},
        while_put={n: r.id for r in refs.values() for n in r.while_put},
        free_err_ok=frozenset(e["class"] for e in data.get("free_class", []) if e.get("err_ok", False)),
        **_context_tables(data, locks, where),
    )


def _parse_flag(text: str, at: str, key: str = "when") -> FlagSpec:
    """``"gpio_chip.can_sleep = false"`` -> the flag.

    Raises:
        ConfigError: not of the form STRUCT.FIELD = VALUE.
    """
    m = re.fullmatch(r"\s*(\w+)\.(\w+)\s*=\s*(\S+)\s*", text)
    if m is None:
        raise ConfigError(f"{at} key {key!r}: {text!r} is not of the form STRUCT.FIELD = VALUE")
    value = {"1": "true", "0": "false"}.get(m.group(3), m.group(3))
    return FlagSpec(m.group(1), m.group(2), value)


def _context_tables(data: Mapping[str, list[dict[str, Any]]], locks: dict[str, LockSpec], where: str) -> dict[str, Any]:
    """The tables the context, runtime-PM and cleanup rules read.

    Raises:
        ConfigError: an entry names an unknown [[lock]] id, or an
            irq_state lock that does not turn irqs off.
    """
    members: dict[tuple[str, str], MemberSpec] = {}
    for entry in data.get("atomic_member", []):
        at = f"{where}: [[atomic_member]] {entry['struct']!r}"
        when = _parse_flag(entry["when"], at) if "when" in entry else None
        for name in entry["members"]:
            members[(entry["struct"], name)] = MemberSpec(
                entry["struct"], name, frozenset(entry["context"]), Confidence(entry["confidence"]), entry["note"],
                entry.get("distinct", False), when, entry.get("instead", ""), entry.get("deadlock", ""),
                entry.get("interrupts", True),
            )
    restores: dict[str, bool] = {}
    for entry in data.get("irq_state", []):
        lock = locks.get(entry["lock"])
        if lock is None or "irq-off" not in lock.context:
            raise ConfigError(f"{where}: [[irq_state]] key 'lock': {entry['lock']!r} is not a [[lock]] id with the irq-off context")
        restores[entry["lock"]] = entry["restores"]
    waits: dict[str, LockedWait] = {}
    for entry in data.get("locked_wait", []):
        if entry["lock"] not in locks:
            raise ConfigError(f"{where}: [[locked_wait]] key 'lock': {entry['lock']!r} is not a [[lock]] id")
        for name in entry["names"]:
            waits[name] = LockedWait(name, entry["lock"], entry.get("lock_arg"), entry.get("queue_arg", 0),
                                     entry.get("member", "lock"))
    actions = {
        name: DevmAction(name, e["action_arg"], e["data_arg"], e.get("reset", False))
        for e in data.get("devm_action", []) for name in e["names"]
    }
    writes = {name: IoWrite(name, e["address"], e.get("base")) for e in data.get("io_write", []) for name in e["names"]}
    inits = {name: LockInit(name, e["arg"], e["type"], tuple(e.get("destroy", ())), e.get("managed", False))
             for e in data.get("lock_init", []) for name in e["names"]}
    takers: dict[str, LockTaker] = {}
    for entry in data.get("takes_lock", []):
        lock = locks.get(entry["lock"])
        if lock is None:
            raise ConfigError(f"{where}: [[takes_lock]] key 'lock': {entry['lock']!r} is not a [[lock]] id")
        if not MEMBER_PATH.fullmatch(entry["member"]):
            raise ConfigError(f"{where}: [[takes_lock]] key 'member': {entry['member']!r} is not a member path "
                              f"such as '->lock' or '.dev.mutex'")
        for name in entry["names"]:
            takers[name] = LockTaker(name, lock.id, lock.family, entry["arg"], entry["member"],
                                     entry.get("unlocked", ""), entry.get("note", ""))
    asserts = {name: e["arg"] for e in data.get("held_assert", []) for name in e["names"]}
    return {"atomic_members": members, "irq_restores": restores, "locked_waits": waits, "devm_actions": actions,
            "io_writes": writes, "lock_inits": inits, "lock_takers": takers, "held_asserts": asserts}


def _parse_shipped_toml() -> dict[str, Any]:
    """knowledge.toml parsed. The parse takes 3 ms of every ``check``, so
    its result is kept in the cache (:mod:`reviewkit.cache`) as JSON, which
    reads back in 0.1 ms; an entry that fails its checks or does not decode
    to a table is parsed again.

    Raises:
        ConfigError: the file is not valid TOML.
    """
    path = Path(__file__).with_name(KNOWLEDGE_FILE)
    entry = Entry("knowledge", path)
    payload = entry.read()
    if payload is not None:
        try:
            raw = json.loads(payload)
        except ValueError:
            raw = None
        if isinstance(raw, dict):
            return raw
    raw = parse_toml(path.read_bytes(), KNOWLEDGE_FILE)  # not TOML: a packaging bug, still one line
    try:
        payload = json.dumps(raw, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):  # a TOML date: the schema check that follows names it
        return raw
    entry.write(payload)
    return raw


@functools.cache
def _shipped() -> dict[str, list]:
    raw = _parse_shipped_toml()
    return {table: _check_table(KNOWLEDGE_FILE, table, entries) for table, entries in raw.items()}


def knowledge_tables(extra: dict | None = None, *, where: str = "config [knowledge]") -> dict[str, list]:
    """The validated tables of knowledge.toml, extended by ``extra`` (the
    config's ``[knowledge]`` table): table name -> entries, as data.

    Raises:
        ConfigError: the data is malformed.
    """
    return _merge(_shipped(), extra, where) if extra else {t: list(e) for t, e in _shipped().items()}


def load_knowledge(extra: dict | None = None, *, where: str = "config [knowledge]") -> KnowledgeBase:
    """The shipped knowledge base, extended by ``extra`` (the config's
    ``[knowledge]`` table, same schema).

    Returns:
        The KnowledgeBase; never None.

    Raises:
        ConfigError: the data is malformed; the message names the file (or
            the config), the table and the key.
    """
    if not extra:
        return _shipped_kb()
    data = _merge(_shipped(), extra, where)
    return build_knowledge(data, where)


@functools.cache
def _shipped_kb() -> KnowledgeBase:
    return build_knowledge(_shipped())
