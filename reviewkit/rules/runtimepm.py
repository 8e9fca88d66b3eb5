"""Counts dropped more often than they were taken (RK206): a put in a loop
of a reference (a runtime-PM usage count above all) that the function
took once, before the loop."""

from __future__ import annotations

from typing import Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import ChangedFunction, Confidence, NodeKind, Severity
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind
from reviewkit.rules.queries import introduced, node_calls, op_key, reached_calls, site_call, statements_after
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey, base_of

_LEAVES = (NodeKind.BREAK, NodeKind.RETURN, NodeKind.GOTO)


def _acquire_sites(flow: Flow, kb: KnowledgeBase) -> dict[ResourceKey, set[int]]:
    """Reference -> the reached nodes that take it (get or conditional get)."""
    out: dict[ResourceKey, set[int]] = {}
    for node, call in reached_calls(flow):
        op = kb.ops.get(call.name)
        if op is not None and not op.is_lock and op.kind in (OpKind.ACQUIRE, OpKind.TRY) and op.arg is not None:
            out.setdefault(op_key(op, call), set()).add(node.id)
    return out


def _every_pass(cfg, head: int, nid: int) -> bool:
    """``nid`` runs on every pass of the loop at ``head``: its straight run
    back reaches the loop head's TRUE edge with no test in between."""
    graph = graph_of(cfg)
    cur = nid
    for _ in range(32):
        into = graph.predecessors(cur)
        if len(into) != 1:
            return False
        if into[0].src == head:
            return True
        if cfg.nodes[into[0].src].kind is not NodeKind.STATEMENT:
            return False
        cur = into[0].src
    return False


def _loop_puts(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[ResourceKey, str], Report]:
    out: dict[tuple[ResourceKey, str], Report] = {}
    if flow is None:
        return out
    cfg = flow.cfg
    loops = graph_of(cfg).loops
    if not loops:
        return out
    gets = _acquire_sites(flow, kb)
    for node, call in reached_calls(flow):
        op = kb.ops.get(call.name)
        if op is None or op.is_lock or op.kind is not OpKind.RELEASE or op.arg is None:
            continue
        key = op_key(op, call)
        sites = gets.get(key)
        if not key.name or "[" in key.name or not sites:
            continue
        around = [h for h, body in loops.items() if node.id in body and node.id != h]
        if not around:
            continue
        head = min(around, key=lambda h: len(loops[h]))
        body = loops[head]
        if any(sites & b for b in loops.values()):
            # taken per pass, here or in another loop (`while (i < n)
            # clk_enable(clk);` then `while (cnt--) clk_disable(clk);`,
            # pwm-atmel and pwm-sifive, linux-pwm archive): counted alike
            continue
        base = base_of(key.name)
        if any(a == base for c in node_calls(cfg.nodes[head]) for a in c.args) or any(
            lv == base for n in body if cfg.nodes[n].kind is NodeKind.STATEMENT and cfg.nodes[n].text
            for lv, _rv in parse_statement(cfg.nodes[n].text).assigned
        ):
            continue  # each pass names another object (the iterator's, or one it assigns)
        if any(cfg.nodes[n].kind in _LEAVES for n in statements_after(cfg, node.id)):
            continue  # put, then leave the loop: once
        if not _every_pass(cfg, head, node.id):
            # `if (channel_enabled(chip, idx)) pm_runtime_put(dev);`: one
            # per element that holds a count taken elsewhere (dwc_pwm_plat_remove,
            # drivers/pwm/pwm-dwc.c, linux-pwm archive)
            continue
        site = min(sites - body, key=lambda s: cfg.nodes[s].line)
        taken = site_call(flow, site, key, kb, (OpKind.ACQUIRE, OpKind.TRY)) or f"the get of {key}"
        loop = cfg.nodes[head]
        noun = kb.refs[op.variant].kind.noun if op.variant in kb.refs else "reference"
        out[(key, loop.text)] = Report(
            node.line,
            f"{call.display} runs on every pass of the loop at line {loop.line} ({loop.text}), but {taken} "
            f"(line {cfg.nodes[site].line}) took the {noun} once: the count drops below what this function holds",
            f"drop it once, after the loop; or take one per pass, inside the loop, if each pass needs its own",
            "a count dropped more often than it was taken underflows: the device suspends (or the object is freed) "
            "under another user",
            Confidence.MEDIUM,
        )
    return out


@rule("RK206", category="refcount-pairing", severity=Severity.WARNING)
def put_in_loop(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A put inside a loop of a reference (a runtime-PM usage count) the function took once, before the loop.

    What it flags:
        ``pm_runtime_put(dev)`` (or another put) in a loop body whose
        passes all name the same object, when the function took that
        reference once before the loop and takes none inside it, and the
        put is not followed by leaving the loop.

    Why it matters:
        Each pass drops a count taken once: the usage count underflows
        ("Runtime PM usage count underflow!") and the device suspends
        under its other users, or the object is freed under them.

    Example:
        Okay: int f(struct device *dev, int n) { int i; pm_runtime_get_sync(dev); for (i = 0; i < n; i++) g(dev, i); pm_runtime_put(dev); return 0; }
        RK206: int f(struct device *dev, int n) { int i; pm_runtime_get_sync(dev); for (i = 0; i < n; i++) { g(dev, i); pm_runtime_put(dev); } return 0; }

    Suggested change:
        Put once after the loop, or take a reference per pass inside it.

    Knowledge used:
        ``[[ref]]`` gets and puts (``kind`` for the wording).

    Limits:
        Loops whose passes name another object (an iterator variable, a
        variable assigned in the body, an indexed array) are left alone;
        gets inside a visible helper the loop calls are not seen.
    """
    yield from introduced(_loop_puts(flow.old, kb), _loop_puts(flow.new, kb), same=lambda k: k[0])
