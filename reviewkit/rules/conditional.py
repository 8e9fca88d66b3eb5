"""Conditional locking (RK106): a lock taken and released only when a flag
the caller passes says so."""

from __future__ import annotations

from typing import Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, ChangedFunction, Confidence, EdgeKind, FunctionView, NodeKind, Severity, Side
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


def _flags(flow: Flow, view: FunctionView, nid: int) -> set[str]:
    """The parameters the condition right above ``nid`` tests."""
    test = _controlling_test(flow, nid)
    if test is None:
        return set()
    # a parameter itself, not a field of one: `foo->atomic` is the
    # device's own state (drivers/pwm/core.c pwmchip_lock())
    params = set(find_param_names(view.source))
    return {v for v in atom_vars(parse_condition(flow.cfg.nodes[test[0]].text)) if v in params}


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
        flags = _flags(walk, view, t.node)
        if not flags or not _held_either_way(walk, t.key):
            continue
        releases = [
            node for node in cfg.nodes for call in node_calls(node)
            if (op := kb.ops.get(call.name)) is not None and op.is_lock and op.kind is OpKind.RELEASE and op_key(op, call) == t.key
        ]
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


@rule("RK106", category="lock-pairing", severity=Severity.WARNING)
def conditional_locking(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock taken and released only when a flag the caller passes says so.

    What it flags:
        ``if (lock) spin_lock(&l);`` ... ``if (lock) spin_unlock(&l);``
        (or ``if (!is_stop) ...``): an acquire and a release of the same
        lock, each right under a test of the same parameter.

    Why it matters:
        Whether the lock is held depends on every caller passing the right
        flag; neither the reader nor lockdep can tell which callers hold
        it, and a wrong flag is a race or a deadlock.

    Example:
        Okay: void f(struct d *d, bool lock) { spin_lock(&d->l); d->n++; spin_unlock(&d->l); if (lock) g(d); }
        RK106: void f(struct d *d, bool lock) { if (lock) spin_lock(&d->l); d->n++; if (lock) spin_unlock(&d->l); }

    Suggested change:
        A locked wrapper around an unlocked helper: ``foo()`` takes the
        lock and calls ``__foo()``; callers that hold the lock call
        ``__foo()``, which can say so with ``lockdep_assert_held()``.

    Knowledge used:
        ``[[lock]]`` acquires and releases.

    Limits:
        Only tests of the function's own parameters, right above the
        acquire and the release, with code between them that runs both
        locked and unlocked (an early return on a parameter above a plain
        lock is not conditional locking).
    """
    before = _conditional(flow, Side.OLD, kb) if fn.old is not None else {}
    yield from introduced(before, _conditional(flow, Side.NEW, kb))
