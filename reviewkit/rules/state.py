"""What one path holds: the records the walk carries from node to node.

A :class:`State` is the held count of each resource (:class:`Held`), the
truth values of the boolean locals the path has committed to, the
conditional acquires waiting for a test (:class:`Pending`) and the
resources it cannot be sure of. :class:`Event` records what the walk saw
happen on some path.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from reviewkit.rules.resources import ResourceKey


class Held(NamedTuple):
    """One resource on one path: how often it is held and how it got there.

    The walk makes thousands of these (and of :class:`State`), each a copy
    of the last with a field changed: plain tuples, copied with
    ``_replace``, keep that cheap.
    """

    key: ResourceKey
    variant: str  # lock variant id / ref id / guard class
    count: int  # type: ignore[assignment]  # a field may shadow tuple.count: NamedTuple allows it
    sites: frozenset[int] = frozenset()  # node ids of the acquires
    scoped: bool = False  # released automatically (guard(), __free(), scoped iterator)
    until_line: int = 0  # for guard(): the last line of its scope (0: function end)
    iter_loop: int = -1  # for iterator references: the loop head node id
    left_at: int = -1  # the node where the path left that loop early
    escaped: bool = False  # a reference returned, stored or handed to a consumer
    passed: bool = False  # a reference passed to a callee of unknown behaviour
    kept: bool = False  # stored in a variable of static storage (file scope): it outlives the call
    from_result: bool = False  # a reference that is a call's result (NULL means none)
    released: frozenset[int] = frozenset()  # node ids of releases on this path
    borrowed: bool = False  # released before any acquire: the caller's lock
    carried: bool = False  # held across a loop's back edge: later iterations name other objects
    dropped_plain: int = -1  # node of a plain unlock inside an irqsave/irq/bh section, not yet retaken
    unregistered: str = ""  # the unregister that dropped the reference the caller held (no get of its own)


class Pending(NamedTuple):
    """A conditional acquire whose result sits in ``var`` until a condition
    tests it (``ret = mutex_lock_interruptible(&m); if (ret) ...``)."""

    var: str
    key: ResourceKey
    variant: str
    truthy_success: bool  # a true (non-zero) result means it took the resource
    site: int  # the acquire's node
    was_unsure: bool = False  # the path was unsure of the resource before the call


class State(NamedTuple):
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
        return self._replace(held=rest)

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


class Event(NamedTuple):
    kind: EventKind
    node: int
    key: ResourceKey
    call: str = ""  # the release that did it (RELEASE_UNHELD, MISMATCH, DOUBLE_PUT)
    variant: str = ""  # the variant that holds the lock (MISMATCH, REACQUIRE); the unregister that dropped it (DOUBLE_PUT)
