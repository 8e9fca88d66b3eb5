"""Graph facts of a control-flow graph, computed once per graph.

A :class:`~reviewkit.model.Cfg` is a plain record of nodes and edges; what
the rules ask of it again and again (a node's successors and predecessors,
what ENTRY reaches, dominators, back edges and natural loops, straight runs
of statements) lives here, in a :class:`Graph` that :func:`graph_of` builds
on first use and keeps with the CFG it describes (a CFG never changes, so
its graph never goes stale).
"""

from __future__ import annotations

from functools import cached_property
from typing import Iterable, Iterator

from reviewkit.model import Cfg, CfgEdge, EdgeKind, NodeKind


def graph_of(cfg: Cfg) -> Graph:
    """The graph of ``cfg``, built on first use and kept on it."""
    graph = cfg.derived.get("graph")
    if graph is None:
        graph = cfg.derived["graph"] = Graph(cfg)
    return graph


class Graph:
    """Successors, predecessors, reachability, dominators and loops of one CFG.

    Edge lists keep the CFG's edge order: walks that follow them visit
    paths in the same order whoever asks.
    """

    def __init__(self, cfg: Cfg) -> None:
        self.cfg = cfg
        succ: dict[int, list[CfgEdge]] = {}
        pred: dict[int, list[CfgEdge]] = {}
        for e in cfg.edges:
            succ.setdefault(e.src, []).append(e)
            pred.setdefault(e.dst, []).append(e)
        self._succ = {n: tuple(es) for n, es in succ.items()}
        self._pred = {n: tuple(es) for n, es in pred.items()}

    def successors(self, nid: int) -> tuple[CfgEdge, ...]:
        """The edges out of ``nid``."""
        return self._succ.get(nid, ())

    def predecessors(self, nid: int) -> tuple[CfgEdge, ...]:
        """The edges into ``nid``."""
        return self._pred.get(nid, ())

    # ------------------------------------------------------------ reachability

    def reach(self, start: int, within: Iterable[int] | None = None) -> set[int]:
        """``start`` and the nodes it reaches; with ``within``, only through
        nodes of that set."""
        inside = None if within is None else set(within)
        seen, work = {start}, [start]
        while work:
            for e in self.successors(work.pop()):
                if e.dst not in seen and (inside is None or e.dst in inside):
                    seen.add(e.dst)
                    work.append(e.dst)
        return seen

    def reaches_forward(self, starts: Iterable[int], goal: int) -> bool:
        """Some path from one of ``starts`` reaches ``goal`` without taking
        a back edge: before the code runs again (the back edges are the
        CFG's own, see :attr:`back_edges`)."""
        seen = set(starts)
        work = list(seen)
        while work:
            nid = work.pop()
            if nid == goal:
                return True
            for e in self.successors(nid):
                if e.kind is not EdgeKind.BACK and e.dst not in seen:
                    seen.add(e.dst)
                    work.append(e.dst)
        return False

    @cached_property
    def reachable(self) -> frozenset[int]:
        """The nodes a path from ENTRY reaches."""
        return frozenset(self.reach(Cfg.ENTRY))

    @cached_property
    def dominators(self) -> dict[int, frozenset[int]]:
        """Reachable node -> the nodes every path from ENTRY to it passes
        (itself included)."""
        reach = self.reachable
        dom: dict[int, frozenset[int]] = {n: reach for n in reach}
        dom[Cfg.ENTRY] = frozenset({Cfg.ENTRY})
        changed = True
        while changed:
            changed = False
            for n in sorted(reach):
                if n == Cfg.ENTRY:
                    continue
                ps = [dom[e.src] for e in self.predecessors(n) if e.src in reach]
                new = frozenset.intersection(*ps) | {n} if ps else frozenset({n})
                if new != dom[n]:
                    dom[n] = new
                    changed = True
        return dom

    # ------------------------------------------------------------ loops

    @cached_property
    def back_edges(self) -> frozenset[CfgEdge]:
        """BACK edges plus every edge that closes a cycle in a depth-first
        walk from ENTRY (continue, goto backwards)."""
        back = {e for e in self.cfg.edges if e.kind is EdgeKind.BACK}
        color: dict[int, int] = {Cfg.ENTRY: 1}
        stack: list[tuple[int, int]] = [(Cfg.ENTRY, 0)]
        while stack:
            nid, i = stack[-1]
            out = self.successors(nid)
            if i < len(out):
                stack[-1] = (nid, i + 1)
                e = out[i]
                c = color.get(e.dst, 0)
                if c == 1:
                    back.add(e)
                elif c == 0:
                    color[e.dst] = 1
                    stack.append((e.dst, 0))
            else:
                color[nid] = 2
                stack.pop()
        return frozenset(back)

    @cached_property
    def loops(self) -> dict[int, frozenset[int]]:
        """Natural loops: head -> the nodes of its body (head included)."""
        nodes = self.cfg.nodes
        loops: dict[int, set[int]] = {}
        for e in self.back_edges:
            body = loops.setdefault(e.dst, {e.dst})
            work = [e.src]
            while work:
                n = work.pop()
                if n in body:
                    continue
                body.add(n)
                work.extend(p.src for p in self.predecessors(n))
        for h, body in loops.items():
            head = nodes[h] if h < len(nodes) else None
            if head is None or head.kind is not NodeKind.LOOP:
                continue
            # a loop statement's body is what it encloses, also the statements
            # that never go round again (`prop = ...; break;` in
            # drivers/i2c/busses/i2c-pxa-pci.c add_i2c_device)
            work = [e.dst for e in self.successors(h) if e.dst < len(nodes) and nodes[e.dst].loop_depth > head.loop_depth]
            while work:
                n = work.pop()
                if n in body or n >= len(nodes) or nodes[n].loop_depth <= head.loop_depth:
                    continue
                body.add(n)
                work.extend(e.dst for e in self.successors(n))
        return {h: frozenset(b) for h, b in loops.items()}

    # ------------------------------------------------------------ straight runs

    def straight_after(self, nid: int) -> Iterator[CfgEdge]:
        """The edges of the straight run from ``nid``: each node's only
        out-edge, for as long as the node has exactly one. A loop of single
        edges (``for (;;) ;``) goes round for ever: callers take a bounded
        number."""
        out = self.successors(nid)
        while len(out) == 1:
            yield out[0]
            out = self.successors(out[0].dst)

    def straight_before(self, nid: int) -> Iterator[int]:
        """The nodes before ``nid`` on its straight run back: each node's only
        predecessor, for as long as the node has exactly one (unbounded,
        as :meth:`straight_after`)."""
        into = self.predecessors(nid)
        while len(into) == 1:
            yield into[0].src
            into = self.predecessors(into[0].src)

