"""What the lock/reference rules share: the walk of each side of a changed
function (computed once per CFG), findings, and callee inlining.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from typing import Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, CfgNode, ChangedFunction, EdgeKind, CodeMap, FunctionStatus, FunctionView, NodeKind
from reviewkit.rules.dataflow import Flow, NotAnalysed, State, explore
from reviewkit.rules.extract import Call, condition_calls, find_param_names, parse_condition, parse_statement
from reviewkit.rules.knowledge import KnowledgeBase

# One walk per (cfg, kb): several rules read the same flow. Keyed by
# identity; the objects are kept alive alongside so an id is never reused.
_FLOWS: dict[tuple[int, int], tuple[Cfg, KnowledgeBase, Flow | NotAnalysed]] = {}
_FLOWS_MAX = 256


def find_flow(cfg: Cfg | None, kb: KnowledgeBase) -> Flow | None:
    """The walk of ``cfg``; None when there is no CFG.

    Raises:
        NotAnalysed: the function has too many path states.
    """
    if cfg is None:
        return None
    k = (id(cfg), id(kb))
    hit = _FLOWS.get(k)
    if hit is None or hit[0] is not cfg or hit[1] is not kb:
        try:
            result: Flow | NotAnalysed = explore(cfg, kb)
        except NotAnalysed as err:
            result = err
        if len(_FLOWS) >= _FLOWS_MAX:
            _FLOWS.clear()
        _FLOWS[k] = (cfg, kb, result)
        hit = _FLOWS[k]
    if isinstance(hit[2], NotAnalysed):
        raise hit[2]
    return hit[2]


def node_line(flow: Flow, nid: int) -> int:
    return flow.cfg.nodes[nid].line


_NO_CALLS = (NodeKind.ENTRY, NodeKind.EXIT, NodeKind.LABEL, NodeKind.GOTO)
_TESTS = (NodeKind.CONDITION, NodeKind.LOOP, NodeKind.SWITCH)


def node_calls(node) -> tuple[Call, ...]:
    """The calls of a node: a statement's, or a condition's."""
    # the rules ask 18,000 times over threads/lru-lock-v16.mbox
    kind = node.kind
    if kind in _NO_CALLS:
        return ()
    if kind in _TESTS:
        return condition_calls(node.text)
    return parse_statement(node.text).calls


def sides(fn: ChangedFunction) -> Iterator[tuple[str, FunctionView | None]]:
    yield "old", fn.old
    yield "new", fn.new


def flows(fn: ChangedFunction, kb: KnowledgeBase) -> tuple[Flow | None, Flow | None]:
    """(old flow, new flow); either None when that side has no CFG."""
    old = find_flow(fn.old.cfg if fn.old else None, kb)
    new = find_flow(fn.new.cfg if fn.new else None, kb)
    return old, new


def is_error_exit(flow: Flow, nid: int, st: State, kb: KnowledgeBase) -> bool:
    """An exit that reports failure: returns a negative errno, NULL,
    ERR_PTR(), or a variable this path has tested non-zero (``if (ret)``)."""
    from reviewkit.rules.extract import is_error_value

    node = flow.cfg.nodes[nid]
    if node.kind is not NodeKind.RETURN:
        return False
    ret = parse_statement(node.text).returns
    if is_error_value(ret):
        return True
    if not ret or re.fullmatch(r"[A-Za-z_]\w*", ret) is None:
        return False
    if st.fact(ret) is True:
        return True
    # `ret = PTR_ERR(x); dev_err(...); return ret;` (drivers/leds/leds-lp8860.c)
    graph = graph_of(flow.cfg)
    for cur in islice(graph.straight_before(nid), 6):
        pnode = flow.cfg.nodes[cur]
        if pnode.kind is not NodeKind.STATEMENT:
            break
        for lv, rv in parse_statement(pnode.text).assigned:
            if lv == ret:
                return is_error_value(rv)
    # `if (ret) return ret;` / `if (ret < 0) goto out; ... out: return ret;`:
    # the condition that led here tested the returned variable non-zero
    for e in graph.predecessors(nid):
        if e.kind is EdgeKind.TRUE:
            cond = parse_condition(flow.cfg.nodes[e.src].text)
            if cond.op == "atom" and cond.var == ret:
                return True
    return False


def exit_returns(flow: Flow, nid: int) -> str | None:
    node = flow.cfg.nodes[nid]
    if node.kind is not NodeKind.RETURN:
        return None
    return parse_statement(node.text).returns


@dataclass(frozen=True)
class Placement:
    """A call and the locks held around it on one side."""

    text: str  # normalised call text (parameters of an inlined callee substituted)
    name: str
    line: int  # the line of the statement (of the call site for inlined calls)
    may: frozenset  # locks held on some path
    must: frozenset  # locks held on every path
    display: str = ""
    inlined_from: str | None = None


def _substitute(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    pattern = re.compile(r"(?<![\w.>])(" + "|".join(re.escape(k) for k in mapping) + r")(?![\w])")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def find_callee_views(codemap: CodeMap | None, side: str) -> dict[str, FunctionView]:
    """Functions the same patch removes or changes, by name, on one side:
    their bodies are inlined one level into their callers."""
    out: dict[str, FunctionView] = {}
    if codemap is None:
        return out
    for cf in codemap.functions:
        if cf.status not in (FunctionStatus.REMOVED, FunctionStatus.CHANGED):
            continue
        view = cf.old if side == "old" else cf.new
        if view is not None and view.cfg is not None:
            out[cf.name] = view
    return out


def reached_nodes(flow: Flow) -> Iterator[tuple[CfgNode, list]]:
    """Each node some analysed path reaches, with the states it is reached in."""
    for node in flow.cfg.nodes:
        states = flow.visits.get(node.id)
        if states:
            yield node, states


def find_placements(
    flow: Flow, kb: KnowledgeBase, callees: dict[str, FunctionView], self_name: str
) -> list[Placement]:
    """Every call of a side with the locks held around it, callees that the
    patch removes or changes inlined one level."""
    out: list[Placement] = []
    for node, states in reached_nodes(flow):
        sets = [frozenset(h.key for h in s.locks_held()) for s in states]
        may = frozenset().union(*sets)
        must = frozenset.intersection(*sets)
        for call in node_calls(node):
            out.append(Placement(call.text, call.name, node.line, may, must, call.display))
            view = callees.get(call.name)
            if view is None or call.name == self_name:
                continue
            try:
                sub = find_flow(view.cfg, kb)
            except NotAnalysed:
                continue
            params = find_param_names(view.source)
            mapping = {p: a for p, a in zip(params, call.args) if p != a}
            for inner in find_placements(sub, kb, {}, call.name):
                out.append(
                    Placement(
                        _substitute(inner.text, mapping),
                        inner.name,
                        node.line,
                        may | inner.may,
                        must | inner.must,
                        inlined_from=call.name,
                    )
                )
    return out


def find_released_keys(flow: Flow, kb: KnowledgeBase) -> set:
    """Every lock/reference key the function releases somewhere."""
    from reviewkit.rules.knowledge import OpKind, op_key_name
    from reviewkit.rules.resources import ResourceKey

    out = set()
    for node in flow.cfg.nodes:
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            if op is not None and op.kind is OpKind.RELEASE:
                name = op_key_name(op, call) or ""
                out.add(ResourceKey(op.family, name, op.is_lock))
    return out


def cond_text(flow: Flow, nid: int) -> str:
    return flow.cfg.nodes[nid].text


__all__ = [
    "find_flow",
    "flows",
    "is_error_exit",
    "find_placements",
    "find_callee_views",
    "node_calls",
    "parse_condition",
]
