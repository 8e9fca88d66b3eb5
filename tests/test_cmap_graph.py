"""Graph facts of a CFG (reviewkit/cmap/graph.py): adjacency in edge order,
reachability, dominators, back edges and natural loops, straight runs, and
one graph per CFG."""

from __future__ import annotations

from itertools import islice

from reviewkit.cmap import build_cfgs_from_source
from reviewkit.cmap.graph import Graph, graph_of
from reviewkit.model import Cfg, CfgEdge, CfgNode, EdgeKind, NodeKind, Side

S, C, R, L = NodeKind.STATEMENT, NodeKind.CONDITION, NodeKind.RETURN, NodeKind.LOOP
T, F, N, J, B = EdgeKind.TRUE, EdgeKind.FALSE, EdgeKind.NEXT, EdgeKind.JUMP, EdgeKind.BACK


def cfg(nodes, edges) -> Cfg:
    ns = [CfgNode(0, NodeKind.ENTRY, 1, "f"), CfgNode(1, NodeKind.EXIT, 99, "")]
    ns += [CfgNode(i, kind, i, text) for i, (kind, text) in enumerate(nodes, start=2)]
    return Cfg("f", Side.NEW, tuple(ns), tuple(CfgEdge(a, b, k) for a, b, k in edges))


# a(); if (x) { b(); return 1; } c(); <unreachable d();> return 0;
DIAMOND = cfg(
    [(S, "a();"), (C, "x"), (S, "b();"), (R, "return 1;"), (S, "c();"), (S, "d();"), (R, "return 0;")],
    [(0, 2, N), (2, 3, N), (3, 4, T), (4, 5, N), (5, 1, J), (3, 6, F), (6, 8, N), (7, 8, N), (8, 1, J)],
)

# for_each_child_of_node(np, c) { if (bad(c)) return -EINVAL; } return 0;
LOOP = cfg(
    [(L, "for_each_child_of_node(np, c)"), (C, "bad(c)"), (R, "return -EINVAL;"), (R, "return 0;")],
    [(0, 2, N), (2, 3, T), (3, 4, T), (4, 1, J), (3, 2, B), (2, 5, F), (5, 1, J)],
)


def test_successors_and_predecessors_keep_the_edge_order():
    g = Graph(DIAMOND)
    assert g.successors(3) == (CfgEdge(3, 4, T), CfgEdge(3, 6, F))
    assert g.predecessors(8) == (CfgEdge(6, 8, N), CfgEdge(7, 8, N))
    assert g.predecessors(1) == (CfgEdge(5, 1, J), CfgEdge(8, 1, J))
    assert g.successors(1) == () and g.predecessors(0) == ()


def test_reachability_from_entry_and_within_a_region():
    g = Graph(DIAMOND)
    assert g.reachable == frozenset({0, 1, 2, 3, 4, 5, 6, 8})  # d() (7) is dead code
    assert g.reach(4) == {4, 5, 1}
    assert g.reach(3, within={4, 5}) == {3, 4, 5}


def test_reaching_forward_takes_no_back_edge():
    g = Graph(LOOP)
    # the test in the loop reaches the loop's head only by the back edge
    assert not g.reaches_forward([3], 2)
    assert g.reaches_forward([2], 4) and g.reaches_forward([4, 5], 1)
    assert not g.reaches_forward([], 1)
    # from either arm of the diamond, the other arm's statement is not reached
    assert not Graph(DIAMOND).reaches_forward([4], 6)


def test_dominators():
    dom = Graph(DIAMOND).dominators
    assert dom[0] == {0}
    assert dom[5] == {0, 2, 3, 4, 5}
    assert dom[8] == {0, 2, 3, 6, 8}  # 7 is unreachable: it does not count
    assert dom[1] == {0, 1, 2, 3}  # both returns reach EXIT
    assert 7 not in dom


def test_back_edges_and_natural_loops():
    g = Graph(LOOP)
    assert g.back_edges == {CfgEdge(3, 2, B)}
    assert g.loops == {2: frozenset({2, 3})}
    # a goto backwards closes a cycle without a BACK kind: found by the walk
    retry = cfg([(NodeKind.LABEL, "retry"), (C, "busy()"), (NodeKind.GOTO, "retry")], [(0, 2, N), (2, 3, N), (3, 4, T), (4, 2, J), (3, 1, F)])
    assert Graph(retry).back_edges == {CfgEdge(4, 2, J)}


def test_straight_runs():
    g = Graph(DIAMOND)
    assert [e.dst for e in g.straight_after(0)] == [2, 3]  # 3 branches: the run stops there
    assert [e.dst for e in g.straight_after(4)] == [5, 1]
    assert list(g.straight_before(5)) == [4, 3, 2, 0]
    assert list(g.straight_before(8)) == []  # two ways in
    # `for (;;) ;` goes round for ever: callers bound the run
    spin = cfg([(L, "for (;;)"), (S, "")], [(0, 2, N), (2, 3, T), (3, 2, B)])
    assert [e.dst for e in islice(Graph(spin).straight_after(2), 5)] == [3, 2, 3, 2, 3]


def test_one_graph_per_cfg_not_part_of_its_value():
    g = build_cfgs_from_source("int f(void)\n{\n\treturn 0;\n}\n")["f"]
    assert graph_of(g) is graph_of(g)
    twin = Cfg(g.function, g.side, g.nodes, g.edges, g.complete)
    assert twin == g and hash(twin) == hash(g)
    assert graph_of(twin) is not graph_of(g)
