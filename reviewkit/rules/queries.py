"""What the lock, reference and context rules read off one side of a
function: the calls of a node, the resource a call names, acquire and
release sites, error exits, the statements after a node, and where each call
sits under which locks (callees inlined one level).
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import islice
from typing import TYPE_CHECKING, Callable, Collection, Hashable, Iterator, Mapping, NamedTuple, TypeVar

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, CfgNode, EdgeKind, FunctionView, NodeKind, Side
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import Call, condition_calls, find_param_names, is_error_value, parse_condition, parse_statement, returns_pointer
from reviewkit.rules.knowledge import KnowledgeBase, Op, OpKind, op_key_name
from reviewkit.rules.registry import Report
from reviewkit.rules.resources import ResourceKey, normalise_key
from reviewkit.rules.state import State

if TYPE_CHECKING:  # the flows hold the walks these queries read; only a type here
    from reviewkit.rules.flows import FunctionFlows

K = TypeVar("K", bound=Hashable)

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


def is_error_exit(flow: Flow, nid: int, st: State, kb: KnowledgeBase) -> bool:
    """An exit that reports failure: returns a negative errno, NULL,
    ERR_PTR(), or a variable this path has tested non-zero (``if (ret)``)."""
    node = flow.cfg.nodes[nid]
    if node.kind is not NodeKind.RETURN:
        return False
    ret = parse_statement(node.text).returns
    if is_error_value(ret):
        return True
    if not ret or re.fullmatch(r"[A-Za-z_]\w*", ret) is None:
        return False
    if any(not h.key.is_lock and h.count > 0 and h.key.name == ret for h in st.held):
        # `return gpio;` after `if (!gpio)`: the object the function made
        return False
    # a function returning a pointer: a variable tested non-zero is a
    # pointer tested non-NULL, the object it made (`if (!domain) goto err;
    # ... return domain;`), not an error code
    pointer = returns_pointer(flow.cfg.nodes[Cfg.ENTRY].ts_node)
    if st.fact(ret) is True and not pointer:
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
        if e.kind is EdgeKind.TRUE and not pointer:
            cond = parse_condition(flow.cfg.nodes[e.src].text)
            if cond.op == "atom" and cond.var == ret:
                return True
    return False


def exit_returns(flow: Flow, nid: int) -> str | None:
    """What the return statement at ``nid`` returns (None for another node)."""
    node = flow.cfg.nodes[nid]
    if node.kind is not NodeKind.RETURN:
        return None
    return parse_statement(node.text).returns


class Placement(NamedTuple):
    """A call and the locks held around it on one side."""

    text: str  # normalised call text (parameters of an inlined callee substituted)
    name: str
    line: int  # the line of the statement (of the call site for inlined calls)
    may: frozenset  # locks held on some path
    must: frozenset  # locks held on every path
    display: str = ""
    inlined_from: str | None = None


def param_mapping(view: FunctionView, call: Call) -> dict[str, str]:
    """A callee's parameter names -> the arguments ``call`` passes (where
    they differ), to read the callee's code as its caller's."""
    params = find_param_names(view.source)
    return {p: a for p, a in zip(params, call.args) if p != a}


def substitute_params(text: str, mapping: dict[str, str]) -> str:
    """``text`` with each parameter name of ``mapping`` replaced by its argument."""
    if not mapping:
        return text
    pattern = re.compile(r"(?<![\w.>])(" + "|".join(re.escape(k) for k in mapping) + r")(?![\w])")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def reached_nodes(flow: Flow) -> Iterator[tuple[CfgNode, list]]:
    """Each node some analysed path reaches, with the states it is reached in."""
    for node in flow.cfg.nodes:
        states = flow.visits.get(node.id)
        if states:
            yield node, states


def reached_calls(flow: Flow) -> Iterator[tuple[CfgNode, Call]]:
    """Each call of a node some analysed path reaches, with its node."""
    for node, _states in reached_nodes(flow):
        for call in node_calls(node):
            yield node, call


def find_placements(
    flow: Flow, kb: KnowledgeBase, callees: dict[str, FunctionFlows], self_name: str, side: Side
) -> list[Placement]:
    """Every call of one side with the locks held around it, the
    ``callees`` (by name) inlined one level."""
    out: list[Placement] = []
    for node, states in reached_nodes(flow):
        sets = [frozenset(h.key for h in s.locks_held()) for s in states]
        may = frozenset().union(*sets)
        must = frozenset.intersection(*sets)
        for call in node_calls(node):
            out.append(Placement(call.text, call.name, node.line, may, must, call.display))
            callee = callees.get(call.name)
            if callee is None or call.name == self_name:
                continue
            sub = callee.walked(side)
            view = callee.view(side)
            if sub is None or view is None:
                continue
            mapping = param_mapping(view, call)
            for inner in find_placements(sub, kb, {}, call.name, side):
                out.append(
                    Placement(
                        substitute_params(inner.text, mapping),
                        inner.name,
                        node.line,
                        may | inner.may,
                        must | inner.must,
                        inlined_from=call.name,
                    )
                )
    return out


def op_key(op: Op, call: Call) -> ResourceKey:
    """The resource a call of a knowledge operation names (name "" when the
    operation names none: irqs off, or an argument the call lacks)."""
    return ResourceKey(op.family, op_key_name(op, call) or "", op.is_lock)


def reached_lock_releases(flow: Flow, kb: KnowledgeBase) -> Iterator[tuple[CfgNode, list, Call, ResourceKey]]:
    """Each call that releases a lock on a node some analysed path reaches:
    (the node, the states it is reached in, the call, the lock)."""
    for node, states in reached_nodes(flow):
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            if op is not None and op.is_lock and op.kind is OpKind.RELEASE:
                yield node, states, call, op_key(op, call)


_CONTRACT = re.compile(r"\b__(acquires|releases|must_hold|cond_acquires)\s*\(")


def find_contract(view: FunctionView | None, kinds: Collection[str] = ("acquires", "releases", "must_hold", "cond_acquires")) -> frozenset[str]:
    """The locks a function's sparse annotations (``__acquires(l)``,
    ``__releases(l)``, ``__must_hold(l)``, ``__cond_acquires(l)``) say it
    is given, keeps or hands back: its caller's business, not a pairing
    to judge here. Each as a normalised key; ``kinds`` the annotations
    read (``("must_hold", "releases")``: the locks it is called with)."""
    if view is None:
        return frozenset()
    head = view.source.split("{", 1)[0]
    out = set()
    for m in _CONTRACT.finditer(head):
        if m.group(1) not in kinds:
            continue
        depth, end = 1, m.end()
        while end < len(head) and depth:
            depth += {"(": 1, ")": -1}.get(head[end], 0)
            end += 1
        out.add(normalise_key(head[m.end() : end - 1]))
    return frozenset(out)


def under_contract(key: ResourceKey, contract: frozenset[str]) -> bool:
    """``key`` is a lock the contract names: the same expression, or the
    same last member (``__acquires(&pool->lock)`` for ``p->lock``; kernel
    annotations often name the lock by its field)."""
    if not contract or not key.name:
        return False
    tail = re.split(r"->|\.", key.name)[-1]
    return any(c == key.name or re.split(r"->|\.", c)[-1] == tail for c in contract)


def site_call(flow: Flow, nid: int, key: ResourceKey, kb: KnowledgeBase, kinds: tuple[OpKind, ...]) -> str:
    """The text of the call at node ``nid`` that does one of ``kinds`` to
    ``key``'s family ("" when none does): ``mutex_unlock(&st->lock)``."""
    for call in node_calls(flow.cfg.nodes[nid]):
        op = kb.ops.get(call.name)
        if op is not None and op.is_lock == key.is_lock and op.kind in kinds and op.family == key.family:
            return call.text
    return ""


def find_released_keys(flow: Flow, kb: KnowledgeBase) -> set[ResourceKey]:
    """Every lock/reference key the function releases somewhere."""
    out = set()
    for node in flow.cfg.nodes:
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            if op is not None and op.kind is OpKind.RELEASE:
                out.add(op_key(op, call))
    return out


def find_acquire_sites(flow: Flow, kb: KnowledgeBase) -> dict[ResourceKey, list[int]]:
    """Lock -> the reached nodes that take it (acquire or trylock)."""
    out: dict[ResourceKey, list[int]] = defaultdict(list)
    for node, call in reached_calls(flow):
        op = kb.ops.get(call.name)
        if op is not None and op.is_lock and op.kind in (OpKind.ACQUIRE, OpKind.TRY):
            out[op_key(op, call)].append(node.id)
    return out


def statements_after(cfg: Cfg, nid: int, limit: int = 8) -> list[int]:
    """The nodes that follow ``nid`` on its straight run, up to the first
    jump, branch or label (included), a loop's back edge or ``limit``."""
    out = []
    graph = graph_of(cfg)
    for e in islice(graph.straight_after(nid), limit):
        cur = e.dst
        if cur == Cfg.EXIT or e.kind is EdgeKind.BACK:
            break
        if cfg.nodes[cur].text and all(x.kind is EdgeKind.BACK for x in graph.successors(cur)):
            break  # a for loop's update (`i++`): part of the loop, not of the branch
        out.append(cur)
        if cfg.nodes[cur].kind in (NodeKind.RETURN, NodeKind.GOTO, NodeKind.CONTINUE, NodeKind.BREAK, NodeKind.CONDITION, NodeKind.LOOP, NodeKind.LABEL):
            break
    return out


def introduced(
    before: Mapping[K, object], after: Mapping[K, Report], same: Callable[[K], Hashable] | None = None
) -> Iterator[Report]:
    """The new side's reports whose key the old side does not have, by line:
    what the patch introduced. ``same`` maps a key to what the two sides
    compare by (default: the key)."""
    old = {same(k) for k in before} if same is not None else before
    for key, report in sorted(after.items(), key=lambda kv: kv[1].line or 0):
        if (same(key) if same is not None else key) not in old:
            yield report


class Taking(NamedTuple):
    """A place one side takes a lock, and the variant it takes it with."""

    node: int
    key: ResourceKey
    variant: str
    scoped: bool  # by guard() or scoped_guard(): released where its scope ends


def find_lock_takings(flow: Flow) -> list[Taking]:
    """Every node that takes a lock on some analysed path (a call, a
    trylock that succeeded, a guard() or scoped_guard()), read off the
    walk's states, by line."""
    out: dict[tuple[int, ResourceKey], Taking] = {}
    graph = graph_of(flow.cfg)
    for node, _states in reached_nodes(flow):
        for e in graph.successors(node.id):
            for st in flow.visits.get(e.dst, ()):
                for h in st.held:
                    if h.key.is_lock and h.count > 0 and node.id in h.sites and (node.id, h.key) not in out:
                        out[(node.id, h.key)] = Taking(node.id, h.key, h.variant, h.scoped)
    return sorted(out.values(), key=lambda t: (flow.cfg.nodes[t.node].line, t.key))


def held_contexts(kb: KnowledgeBase, states: list[State], but: ResourceKey | None = None) -> frozenset[str]:
    """The contexts (irq-off, bh-off ...) that the locks held on every one
    of ``states`` put the code in, ``but`` one lock left out."""
    sets = [
        frozenset().union(*(kb.lock_context(h.variant) for h in st.locks_held() if h.key != but and h.key not in st.unsure))
        for st in states
    ]
    return frozenset.intersection(*sets) if sets else frozenset()
