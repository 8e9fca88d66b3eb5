"""What one path holds: the records the walk carries from node to node.

A :class:`State` is the held count of each resource (:class:`Held`), the
truth values of the boolean locals the path has committed to, the
conditional acquires waiting for a test (:class:`Pending`) and the
resources it cannot be sure of. :class:`Event` records what the walk saw
happen on some path. :func:`replace` copies these records quickly.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import NamedTuple

from reviewkit.rules.resources import ResourceKey


def replace(obj, /, **changes):
    """``dataclasses.replace`` for the walk's records (Held, State,
    ResourceKey): a copy of the instance dict with ``changes``, six times
    faster; the walk makes thousands of them (5,300 for
    tests/data/corpus/threads/lru-lock-v16.mbox). A class with slots, a
    ``__post_init__`` or a field outside ``__init__`` goes the slow way.

    Raises:
        TypeError: a name in ``changes`` is not a field.
    """
    names = _PLAIN_FIELDS.get(type(obj))
    if names is None:
        names = _PLAIN_FIELDS[type(obj)] = _plain_fields(type(obj))
    if not names or not names.issuperset(changes):
        return dataclasses.replace(obj, **changes)
    new = object.__new__(type(obj))
    d = new.__dict__
    d.update(obj.__dict__)
    d.update(changes)
    return new


_PLAIN_FIELDS: dict[type, frozenset[str]] = {}


def _plain_fields(cls: type) -> frozenset[str]:
    """The field names of ``cls`` when copying its dict is a right replace(), else empty."""
    fields = dataclasses.fields(cls)
    if hasattr(cls, "__slots__") or hasattr(cls, "__post_init__") or not all(f.init for f in fields):
        return frozenset()
    return frozenset(f.name for f in fields)


@dataclass(frozen=True, order=True)
class Held:
    """One resource on one path: how often it is held and how it got there."""

    key: ResourceKey
    variant: str  # lock variant id / ref id / guard class
    count: int
    sites: frozenset[int] = frozenset()  # node ids of the acquires
    scoped: bool = False  # released automatically (guard(), __free(), scoped iterator)
    until_line: int = 0  # for guard(): the last line of its scope (0: function end)
    iter_loop: int = -1  # for iterator references: the loop head node id
    left_at: int = -1  # the node where the path left that loop early
    escaped: bool = False  # a reference returned, stored or handed to a consumer
    passed: bool = False  # a reference passed to a callee of unknown behaviour
    from_result: bool = False  # a reference that is a call's result (NULL means none)
    released: frozenset[int] = frozenset()  # node ids of releases on this path
    borrowed: bool = False  # released before any acquire: the caller's lock
    carried: bool = False  # held across a loop's back edge: later iterations name other objects
    dropped_plain: int = -1  # node of a plain unlock inside an irqsave/irq/bh section, not yet retaken


class Pending(NamedTuple):
    """A conditional acquire whose result sits in ``var`` until a condition
    tests it (``ret = mutex_lock_interruptible(&m); if (ret) ...``)."""

    var: str
    key: ResourceKey
    variant: str
    truthy_success: bool  # a true (non-zero) result means it took the resource
    site: int  # the acquire's node
    was_unsure: bool = False  # the path was unsure of the resource before the call


@dataclass(frozen=True)
class State:
    held: tuple[Held, ...] = ()
    facts: frozenset[tuple[str, bool]] = frozenset()
    pending: tuple[Pending, ...] = ()
    unsure: frozenset[ResourceKey] = frozenset()

    def get(self, key: ResourceKey) -> Held | None:
        for h in self.held:
            if h.key == key:
                return h
        return None

    def count(self, key: ResourceKey) -> int:
        h = self.get(key)
        return h.count if h else 0

    def put(self, h: Held | None, key: ResourceKey) -> "State":
        rest = tuple(x for x in self.held if x.key != key)
        if h is not None and (h.count != 0 or h.released or h.sites):
            rest = tuple(sorted(rest + (h,)))
        return replace(self, held=rest)

    def fact(self, var: str) -> bool | None:
        if (var, True) in self.facts:
            return True
        if (var, False) in self.facts:
            return False
        return None

    def locks_held(self) -> list[Held]:
        return [h for h in self.held if h.key.is_lock and h.count > 0]


class EventKind(str, enum.Enum):
    """What a walk saw happen on some path (events sort by their value)."""

    RELEASE_UNHELD = "release-unheld"  # a lock released on a path that released it already
    MISMATCH = "mismatch"  # a lock released by another variant than the one that took it
    REACQUIRE = "reacquire"  # a lock taken on a path that holds it
    DOUBLE_PUT = "double-put"  # a reference dropped on a path that dropped it already
    ITERATOR_PUT = "iterator-put"  # dropped in an iterator loop's body, which the iterator drops again


@dataclass(frozen=True)
class Event:
    kind: EventKind
    node: int
    key: ResourceKey
    call: str = ""  # the release that did it (RELEASE_UNHELD, MISMATCH, DOUBLE_PUT)
    variant: str = ""  # the variant that holds the lock (MISMATCH, REACQUIRE)
