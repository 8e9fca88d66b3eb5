"""The path walk over hand-built CFGs (model types only): branch
correlation on boolean locals, conditional acquires on their success edge,
loops once, merging, the bound."""

from __future__ import annotations

import pytest

from reviewkit.model import Cfg, CfgEdge, CfgNode, EdgeKind, NodeKind, Side
from reviewkit.rules.dataflow import NotAnalysed, explore
from reviewkit.rules.knowledge import load_knowledge
from reviewkit.rules.resources import ResourceKey

S, C, R, L = NodeKind.STATEMENT, NodeKind.CONDITION, NodeKind.RETURN, NodeKind.LOOP
T, F, N, J, B = EdgeKind.TRUE, EdgeKind.FALSE, EdgeKind.NEXT, EdgeKind.JUMP, EdgeKind.BACK
LOCK = ResourceKey("spinlock", "d->l", True)


def cfg(nodes, edges, name="f"):
    ns = [CfgNode(0, NodeKind.ENTRY, 1, name), CfgNode(1, NodeKind.EXIT, 99, "")]
    for i, (kind, text) in enumerate(nodes, start=2):
        ns.append(CfgNode(i, kind, i, text))
    return Cfg(name, Side.NEW, tuple(ns), tuple(CfgEdge(a, b, k) for a, b, k in edges))


def exit_counts(flow, key):
    return sorted((flow.cfg.nodes[n].line, st.count(key)) for n, st in flow.exits)


def test_correlated_flag_follows_one_edge():
    # x = test(); spin_lock; if (x) spin_unlock; ...; if (!x) spin_unlock; return
    g = cfg(
        [(S, "x = test(p);"), (S, "spin_lock(&d->l);"), (C, "x"), (S, "spin_unlock(&d->l);"), (C, "!x"), (S, "spin_unlock(&d->l);"), (R, "return 0;")],
        [(0, 2, N), (2, 3, N), (3, 4, N), (4, 5, T), (4, 6, F), (5, 6, N), (6, 7, T), (6, 8, F), (7, 8, N), (8, 1, J)],
    )
    flow = explore(g, load_knowledge())
    assert exit_counts(flow, LOCK) == [(8, 0), (8, 0)]
    assert flow.events == []
    # the path that took `x` TRUE never reaches the second unlock
    assert all(st.fact("x") is False for st in flow.visits[7])


def test_trylock_counts_only_on_success_edge():
    g = cfg(
        [(C, "!spin_trylock(&d->l)"), (R, "return -EBUSY;"), (S, "spin_unlock(&d->l);"), (R, "return 0;")],
        [(0, 2, N), (2, 3, T), (3, 1, J), (2, 4, F), (4, 5, N), (5, 1, J)],
    )
    flow = explore(g, load_knowledge())
    assert exit_counts(flow, LOCK) == [(3, 0), (5, 0)]
    assert flow.events == []


def test_down_trylock_is_inverted():
    sem = ResourceKey("semaphore", "d->sem", True)
    g = cfg(
        [(C, "down_trylock(&d->sem)"), (R, "return -EBUSY;"), (R, "return 0;")],
        [(0, 2, N), (2, 3, T), (3, 1, J), (2, 4, F), (4, 1, J)],
    )
    flow = explore(g, load_knowledge())
    assert exit_counts(flow, sem) == [(3, 0), (4, 1)]


def test_assigned_trylock_resolves_at_the_test():
    g = cfg(
        [(S, "ret = mutex_lock_interruptible(&d->m);"), (C, "ret"), (R, "return ret;"), (S, "mutex_unlock(&d->m);"), (R, "return 0;")],
        [(0, 2, N), (2, 3, N), (3, 4, T), (4, 1, J), (3, 5, F), (5, 6, N), (6, 1, J)],
    )
    flow = explore(g, load_knowledge())
    m = ResourceKey("mutex", "d->m", True)
    assert exit_counts(flow, m) == [(4, 0), (6, 0)]
    assert flow.events == []


def test_leaked_lock_is_visible_at_its_exit():
    g = cfg(
        [(S, "spin_lock(&d->l);"), (C, "x"), (R, "return -EINVAL;"), (S, "spin_unlock(&d->l);"), (R, "return 0;")],
        [(0, 2, N), (2, 3, N), (3, 4, T), (4, 1, J), (3, 5, F), (5, 6, N), (6, 1, J)],
    )
    flow = explore(g, load_knowledge())
    assert exit_counts(flow, LOCK) == [(4, 1), (6, 0)]


def test_loop_taken_zero_or_one_time_and_iterator_reference():
    child = ResourceKey("of-node", "c", False)
    # for_each_child_of_node(np, c) { if (bad(c)) return -EINVAL; } return 0;
    g = cfg(
        [(L, "for_each_child_of_node(np, c)"), (C, "bad(c)"), (R, "return -EINVAL;"), (R, "return 0;")],
        [(0, 2, N), (2, 3, T), (3, 4, T), (4, 1, J), (3, 2, B), (2, 5, F), (5, 1, J)],
    )
    flow = explore(g, load_knowledge())
    held = {(g.nodes[n].line, st.count(child), st.get(child).left_at if st.get(child) else -1) for n, st in flow.exits}
    assert (4, 1, 4) in held  # left the loop early at the return, still holding c
    assert all(count == 0 for line, count, _ in held if line == 5)
    # the loop head is visited after at most one trip round the loop
    assert len(flow.visits[2]) <= 2


def _diamonds(conds):
    nodes, edges = [], [(0, 2, N)]
    nid = 2
    for c in conds:
        nodes += [(C, c), (S, f"a_{c}();")]
        edges += [(nid, nid + 1, T), (nid, nid + 2, F), (nid + 1, nid + 2, N)]
        nid += 2
    nodes.append((R, "return 0;"))
    edges.append((nid, 1, J))
    return cfg(nodes, edges)


def test_states_merge_when_nothing_correlates():
    # 20 if/else diamonds on different locals: 2**20 paths, one state
    flow = explore(_diamonds([f"c{i}" for i in range(20)]), load_knowledge())
    assert len(flow.exits) == 1
    assert all(len(states) == 1 for states in flow.visits.values())


def test_bound_stops_the_walk():
    # each local tested twice: its value is kept, 2**16 distinct states
    conds = [f"c{i}" for i in range(16)]
    with pytest.raises(NotAnalysed):
        explore(_diamonds(conds + conds), load_knowledge())


def test_the_walk_stops_when_its_states_grow_past_the_work_bound():
    # tests/data/fuzz-found/probes/min-09-lock-dataflow-quadratic: one path
    # taking 5,000 different locks; each step hashed and copied a state
    # holding all it had taken so far (75 s)
    from reviewkit.rules.dataflow import WORK_BOUND

    n = 1000
    g = cfg([(S, f"spin_lock(&d->l{i});") for i in range(n)] + [(R, "return 0;")],
            [(0, 2, N)] + [(i, i + 1, N) for i in range(2, n + 2)] + [(n + 2, 1, J)], name="many")
    assert sum(range(1, n + 1)) > WORK_BOUND
    with pytest.raises(NotAnalysed, match=r"^many: its path states hold more than 50,000 resources in all \(\d+ at line \d+\)$"):
        explore(g, load_knowledge())
    # a tenth of them is analysed: one exit, every lock still held
    g = cfg([(S, f"spin_lock(&d->l{i});") for i in range(100)] + [(R, "return 0;")],
            [(0, 2, N)] + [(i, i + 1, N) for i in range(2, 102)] + [(102, 1, J)], name="fewer")
    [(_node, st)] = explore(g, load_knowledge()).exits
    assert len(st.locks_held()) == 100
