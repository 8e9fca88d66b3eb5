"""Path-sensitive walk over one function's CFG: which locks and references
are held where, and in what state each path leaves the function.

A path's state (:mod:`reviewkit.rules.state`) changes by what its statements
and edges do (:mod:`reviewkit.rules.transfer`); conditions a path has
decided correlate later branches (:mod:`reviewkit.rules.conditions`).
Loops are taken zero or one time; paths whose states are equal merge. After
``bound`` visited (node, state) pairs, or once the states it has stepped
through held more than ``WORK_BOUND`` resources in all (each step hashes and
copies its state), the walk stops and says so: the rules then report "not
analysed" rather than guess, or hang (5,000 spin_lock() calls in one
function took 75 s, tests/data/fuzz-found/probes/min-09-lock-dataflow-quadratic).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, NamedTuple

from reviewkit.model import Cfg, CfgEdge, CfgNode, EdgeKind, NodeKind, Window
from reviewkit.rules.extract import parse_statement
from reviewkit.rules.knowledge import KnowledgeBase
from reviewkit.rules.state import Event, EventKind, State
from reviewkit.rules.transfer import Transfer

DEFAULT_BOUND = 10_000
WORK_BOUND = 50_000  # the corpus needs at most some 400 (move_pages_to_lru)


class NotAnalysed(Exception):
    """The function has more distinct path states than the bound allows."""


class Exit(NamedTuple):
    """One way a path leaves the function."""

    node: int  # the last node before EXIT
    state: State  # at EXIT (guards and __free() variables released)


@dataclass
class Flow:
    """What the walk saw. ``visits[n]``: the states on arrival at node n;
    ``exits``: each way a path leaves the function; ``events``: what some
    path did wrong, by node.

    For a function the hunks show in part, ``exits`` holds only the exits
    the lines shown prove (a return; falling off the end when the closing
    brace is shown); a path that runs out of the lines shown (the last line
    shown, a ``goto`` to a label not shown) ends in ``window_ends``, and a
    path that crosses lines not shown is no longer sure of what it held.
    """

    cfg: Cfg
    visits: dict[int, list[State]] = field(default_factory=dict)
    exits: list[Exit] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    window_ends: list[Exit] = field(default_factory=list)


def next_steps(tr: Transfer, node: CfgNode, st: State, taken: frozenset[CfgEdge]) -> Iterator[tuple[CfgEdge, State, frozenset[CfgEdge]]]:
    """The edges a path at ``node`` in state ``st`` (after the node) goes on
    by, with the state after each edge and the back edges the path has then
    taken: each back edge once per path, so a loop's body zero or one time,
    and no edge whose condition the path has already decided the other way.
    ``taken`` is the back edges the path took to get here."""
    loop_done = any(e.dst == node.id for e in taken)
    back = tr.graph.back_edges
    for edge in tr.graph.successors(node.id):
        now = taken
        if edge in back:
            if edge in taken:
                continue
            now = taken | {edge}
        if loop_done and node.kind is NodeKind.LOOP and edge.kind is EdgeKind.TRUE:
            continue  # zero or one time
        after = tr.apply_edge(node, edge, st)
        if after is not None:
            yield edge, after, now


def _runs_out(window: Window, node: CfgNode, edge: CfgEdge) -> bool:
    """An edge to EXIT that leaves the lines shown, not the function: the
    last statement shown falls through, or a jump to a label not shown."""
    if edge.kind is EdgeKind.JUMP and node.kind is NodeKind.RETURN:
        return False
    if node.kind is NodeKind.GOTO or edge.kind is EdgeKind.JUMP:
        return True  # a goto (or break/continue) whose target is not shown
    return not window.tail


def _crosses_gap(window: Window, cfg: Cfg, node: CfgNode, edge: CfgEdge) -> bool:
    """The path steps over lines the hunks do not show."""
    if edge.dst == Cfg.EXIT or edge.kind in (EdgeKind.JUMP, EdgeKind.BACK) or edge.dst >= len(cfg.nodes):
        return False
    return window.gap_between(node.line, cfg.nodes[edge.dst].line)


def _unsure_of_all(st: State) -> State:
    """What the lines not shown may have done: every resource now unsure."""
    keys = {h.key for h in st.held}
    return st._replace(unsure=st.unsure | keys) if keys - st.unsure else st


def explore(cfg: Cfg, kb: KnowledgeBase, *, bound: int = DEFAULT_BOUND, window: Window | None = None) -> Flow:
    """Walk every path of ``cfg`` (loops zero or one time), merging equal states.

    ``window``: the function is known only from the lines it holds; paths
    that leave those lines end in ``Flow.window_ends``.

    Raises:
        NotAnalysed: more than ``bound`` distinct (node, state) pairs.
    """
    flow = Flow(cfg)
    tr = Transfer(kb, cfg)
    seen: set = set()
    visited: set = set()
    exits: set = set()
    work: list[tuple[int, State, frozenset]] = [(Cfg.ENTRY, State(), frozenset())]
    held_steps = 0
    while work:
        nid, st, taken = work.pop()
        item = (nid, st, taken)
        if item in seen:
            continue
        seen.add(item)
        if len(seen) > bound:
            raise NotAnalysed(f"{cfg.function}: more than {bound} path states")
        held_steps += 1 + len(st.held)
        if held_steps > WORK_BOUND:
            raise NotAnalysed(f"{cfg.function}: its path states hold more than {WORK_BOUND:,} resources in all "
                              f"({len(st.held)} at line {cfg.nodes[nid].line if nid < len(cfg.nodes) else '?'})")
        if nid < len(cfg.nodes) and nid != Cfg.EXIT:
            line = cfg.nodes[nid].line
            if any(h.until_line and h.until_line < line for h in st.held):
                # the guard's scope ended before this statement
                st = st._replace(held=tuple(h for h in st.held if not (h.until_line and h.until_line < line)))
        if (nid, st) not in visited:
            visited.add((nid, st))
            flow.visits.setdefault(nid, []).append(st)
        if nid == Cfg.EXIT or nid >= len(cfg.nodes):
            continue
        node = cfg.nodes[nid]
        st2 = tr.apply_node(node, st)
        if node.kind is NodeKind.STATEMENT and node.text and kb.noreturn and any(
            c.name in kb.noreturn for c in parse_statement(node.text).calls
        ):
            continue  # BUG(): this path never reaches an exit (kernel/watch_queue.c)
        for edge, st3, taken2 in next_steps(tr, node, st2, taken):
            if window is not None and _crosses_gap(window, cfg, node, edge):
                st3 = _unsure_of_all(st3)
            if edge.dst == Cfg.EXIT and window is not None and _runs_out(window, node, edge):
                if (nid, st3) not in exits:
                    exits.add((nid, st3))
                    flow.window_ends.append(Exit(nid, st3))
                continue
            if edge.dst == Cfg.EXIT:
                for h in st3.held:
                    if h.dropped_plain >= 0:
                        rel = parse_statement(cfg.nodes[h.dropped_plain].text).calls
                        name = next((c.name for c in rel if c.name in kb.ops), "")
                        tr.events.add(Event(EventKind.MISMATCH, h.dropped_plain, h.key, call=name, variant=h.variant))
                # guards and __free() variables release themselves
                st3 = st3._replace(held=tuple(h for h in st3.held if not (h.scoped and h.key.is_lock)))
                if (nid, st3) not in exits:
                    exits.add((nid, st3))
                    flow.exits.append(Exit(nid, st3))
            work.append((edge.dst, st3, taken2))
    flow.events = sorted(tr.events, key=lambda e: (e.node, e.kind, e.key))
    return flow
