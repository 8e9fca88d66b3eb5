"""Conditional locking (RK106): a lock taken and released only when a flag
the caller passes says so."""

from __future__ import annotations

from typing import Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, CfgNode, ChangedFunction, Confidence, EdgeKind, FunctionView, NodeKind, Severity, Side
from reviewkit.rules.conditions import atom_vars
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import find_param_names, parse_condition
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind
from reviewkit.rules.queries import find_lock_takings, node_calls, op_key, introduced
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey


def _controlling_test(flow: Flow, nid: int) -> tuple[int, bool] | None:
    """The condition whose TRUE or FALSE edge starts the straight run that
    reaches ``nid`` (``if (lock) spin_lock(&l);``), and which edge; None
    when ``nid`` is not right under a test."""
    graph = graph_of(flow.cfg)
    cur = nid
    for _ in range(8):
        into = graph.predecessors(cur)
        if len(into) != 1:
            return None
        e = into[0]
        src = flow.cfg.nodes[e.src]
        if e.kind in (EdgeKind.TRUE, EdgeKind.FALSE) and src.kind is NodeKind.CONDITION:
            return e.src, e.kind is EdgeKind.TRUE
        if src.kind is not NodeKind.STATEMENT:
            return None
        cur = e.src
    return None


def _tested(flow: Flow, nid: int) -> set[str]:
    """The variables and fields the condition right above ``nid`` tests."""
    test = _controlling_test(flow, nid)
    if test is None:
        return set()
    return atom_vars(parse_condition(flow.cfg.nodes[test[0]].text))


def _flags(flow: Flow, view: FunctionView, nid: int) -> set[str]:
    """The parameters the condition right above ``nid`` tests."""
    # a parameter itself, not a field of one: `foo->atomic` is the
    # device's own state (drivers/pwm/core.c pwmchip_lock())
    tested = _tested(flow, nid)
    if not tested:
        return set()  # no test above it: no need to parse the whole function for its parameters
    params = set(find_param_names(view.source))
    return {v for v in tested if v in params}


def _fields(flow: Flow, nid: int) -> set[str]:
    """The fields (``opt->ignore_lock``) the condition right above ``nid`` tests."""
    return {v for v in _tested(flow, nid) if "->" in v or "." in v}


def _held_either_way(flow: Flow, key: ResourceKey) -> bool:
    """Some node of the function is reached both with ``key`` held and
    without it: the code between a conditional acquire and its release
    runs locked or not. An early return above a plain acquire
    (``if (val) return -EINVAL; mutex_lock()``) or a lock taken and dropped
    in one ``case`` leaves no such node."""
    return any(nid != Cfg.EXIT and any(s.count(key) for s in states) and not all(s.count(key) for s in states)
               for nid, states in flow.visits.items())


def _conditional(flow: FunctionFlows, side: Side, kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    walk, view = flow.side(side), flow.view(side)
    out: dict[tuple[str, str], Report] = {}
    if walk is None or view is None:
        return out
    cfg = walk.cfg
    takings = [t for t in find_lock_takings(walk) if not t.scoped and t.key.name]
    if not takings:
        return out
    for t in takings:
        if not _held_either_way(walk, t.key):
            continue
        releases = [
            node for node in cfg.nodes for call in node_calls(node)
            if (op := kb.ops.get(call.name)) is not None and op.is_lock and op.kind is OpKind.RELEASE and op_key(op, call) == t.key
        ]
        flags = _flags(walk, view, t.node)
        if not flags:
            # two tests (in one arm the field is read once), and a lock
            # taken or not, not one lock or another: `if (chip->atomic)
            # spin_lock() else mutex_lock()` picks by the device's kind
            fields = _fields(walk, t.node)
            test = _controlling_test(walk, t.node)
            if test is None or any(o.node != t.node and (_controlling_test(walk, o.node) or (None,))[0] == test[0] for o in takings):
                continue
            reread = [r for r in releases if _fields(walk, r.id) & fields and _controlling_test(walk, r.id) != test]
            if reread:
                out[(str(t.key), sorted(_fields(walk, reread[0].id) & fields)[0])] = _reread(flow.fn.name, t.key, fields, cfg.nodes[t.node], reread[0], _fields(walk, reread[0].id))
            continue
        tested = [r for r in releases if _flags(walk, view, r.id) & flags]
        if not tested:
            continue
        flag = sorted(flags)[0]
        taken = cfg.nodes[t.node]
        rel = tested[0]
        name = flow.fn.name
        out[(str(t.key), flag)] = Report(
            taken.line,
            f"{t.key} is taken (line {taken.line}) and released (line {rel.line}) only when {flag}, which the "
            f"caller passes, says so: {name}() locks or not at its caller's choice",
            f"split it: let {name}() take the lock and call __{name}(), which does the work unlocked; callers "
            f"that already hold {t.key} call __{name}() (and say so with lockdep_assert_held())",
            "conditional locking hides from the reader and from lockdep which callers hold the lock; a wrong flag "
            "is a race or a deadlock no one sees in review",
            Confidence.MEDIUM,
        )
    return out


def _reread(name: str, key: object, fields: set[str], taken: CfgNode, rel: CfgNode, at_release: set[str]) -> Report:
    """A lock taken and released under tests of the same field, read anew at each."""
    field = sorted(fields & at_release)[0]
    return Report(
        taken.line,
        f"{key} is taken (line {taken.line}) and released (line {rel.line}) only when {field} says so, and "
        f"the release reads {field} again: if it changes while the lock is held, {name}() returns with the "
        f"lock held, or releases a lock it never took",
        f"read {field} once into a local before the acquire and test the local at both places",
        "a test of shared state is two reads; the acquire and the release must agree on one answer",
        Confidence.MEDIUM,
    )


@rule("RK106", category="lock-pairing", severity=Severity.WARNING)
def conditional_locking(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock taken and released only when a flag the caller passes (or a field read twice) says so.

    What it flags:
        ``if (lock) spin_lock(&l);`` ... ``if (lock) spin_unlock(&l);``
        (or ``if (!is_stop) ...``): an acquire and a release of the same
        lock, each right under a test of the same parameter. Also the
        same shape under two tests of one field (``if
        (!st->ignore_lock)``), where the test decides whether to lock at
        all (no other lock is taken in its other arm).

    Why it matters:
        Whether the lock is held depends on every caller passing the right
        flag; neither the reader nor lockdep can tell which callers hold
        it, and a wrong flag is a race or a deadlock. A field is read
        anew at the release: if it changed meanwhile, the function
        returns with the lock held or releases one it never took.

    Example:
        Okay: void f(struct d *d, bool lock) { spin_lock(&d->l); d->n++; spin_unlock(&d->l); if (lock) g(d); }
        Okay: void f(struct d *d) { bool nolock = d->nolock; if (!nolock) mutex_lock(&d->m); d->n++; if (!nolock) mutex_unlock(&d->m); }
        Okay: void f(struct d *d) { if (d->atomic) spin_lock(&d->l); else mutex_lock(&d->m); d->n++; if (d->atomic) spin_unlock(&d->l); else mutex_unlock(&d->m); }
        RK106: void f(struct d *d, bool lock) { if (lock) spin_lock(&d->l); d->n++; if (lock) spin_unlock(&d->l); }
        RK106: void f(struct d *d) { if (!d->nolock) mutex_lock(&d->m); d->n++; if (!d->nolock) mutex_unlock(&d->m); }

    Suggested change:
        A locked wrapper around an unlocked helper: ``foo()`` takes the
        lock and calls ``__foo()``; callers that hold the lock call
        ``__foo()``, which can say so with ``lockdep_assert_held()``. A
        field: read it once into a local and test the local twice.

    Knowledge used:
        ``[[lock]]`` acquires and releases.

    Limits:
        Only tests of the function's own parameters or of fields, right
        above the acquire and the release, with code between them that
        runs both locked and unlocked (an early return on a parameter
        above a plain lock is not conditional locking).
    """
    before = _conditional(flow, Side.OLD, kb) if fn.old is not None else {}
    yield from introduced(before, _conditional(flow, Side.NEW, kb))
