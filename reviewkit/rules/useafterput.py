"""Teardown in the wrong order: an object used after the put that may have
freed it (RK209); a resource released while the device that uses it is
still registered (RK220); a call that works only once a count is dropped,
made while it is still held (RK221)."""

from __future__ import annotations

import re
from itertools import islice
from typing import Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, CfgNode, ChangedFunction, Confidence, EdgeKind, NodeKind, Severity
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, Op, OpKind, RefKind, op_key_name
from reviewkit.rules.queries import introduced, node_calls
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey, normalise_key

# how far a walk from a put looks ahead, in nodes
_AHEAD = 40


def _object(name: str, member: bool) -> str:
    """The object a put's argument frees: ``&ctlr->dev`` (a member
    holding the count) frees ``ctlr``; ``buf`` frees ``buf``."""
    if member:
        m = re.match(r"^(.+)(?:->|\.)\w+$", name)
        if m:
            return m.group(1)
    return name


def _uses(text: str, obj: str) -> bool:
    """``text`` reaches through ``obj`` (``obj->x``, ``obj.x``)."""
    return re.search(r"(?<![\w>.])" + re.escape(obj) + r"\s*(->|\.)\s*\w", text) is not None


def _after_put(walk: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    out: dict[tuple[str, str], Report] = {}
    if walk is None:
        return out
    cfg = walk.cfg
    graph = graph_of(cfg)
    for node in cfg.nodes:
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            spec = kb.refs.get(op.family) if op is not None and not op.is_lock else None
            if op is None or op.kind is not OpKind.RELEASE or spec is None or not spec.frees:
                continue
            name = op_key_name(op, call)
            arg = call.args[op.arg] if op.arg is not None and op.arg < len(call.args) else ""
            if not name:
                continue
            obj = _object(name, arg.lstrip().startswith("&"))
            use = _first_use(cfg, graph, node.id, obj)
            if use is None:
                continue
            used = cfg.nodes[use]
            out[(obj, normalise_key(used.text))] = Report(
                used.line,
                f"`{used.text.rstrip(';')}` reaches through {obj} after {call.display} (line {node.line}) "
                f"dropped what may be the last reference to it",
                f"move {call.display} below the last use of {obj}",
                "a put that drops the last reference frees the object: what follows reads freed memory",
                Confidence.MEDIUM,
            )
    return out


def _first_use(cfg: Cfg, graph, start: int, obj: str) -> int | None:
    """The first node after ``start``, on some path, that reaches
    through ``obj`` before anything gives it a new value."""
    seen = {start}
    work = [e.dst for e in graph.successors(start) if e.kind is not EdgeKind.BACK]
    while work and len(seen) < _AHEAD:
        nid = work.pop(0)
        if nid in seen or nid == Cfg.EXIT:
            continue
        seen.add(nid)
        node = cfg.nodes[nid]
        if node.kind is NodeKind.LABEL:
            continue  # other paths join here: the put need not have run on them
        if _uses(node.text or "", obj):
            return nid
        if any(normalise_key(lv) == obj for lv, _rv in parse_statement(node.text or "").assigned):
            continue
        work += [e.dst for e in graph.successors(nid) if e.kind is not EdgeKind.BACK]
    return None


@rule("RK209", category="refcount-pairing", severity=Severity.WARNING)
def use_after_put(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """An object used after the put (or free) that may have dropped its last reference.

    What it flags:
        ``put_device(&ctlr->dev);`` (or ``kfree(buf)``, ``kobject_put()``
        ...) followed, on a path of the function, by a statement that
        reaches through the object (``ctlr->lock``, ``buf->len``) before
        anything assigns it anew; only what the patch introduces.

    Why it matters:
        When the put drops the last reference the object is freed at
        once: the next access reads or writes freed memory (KASAN:
        "use-after-free").

    Example:
        Okay: void f(struct c *ctlr) { mutex_unlock(&ctlr->lock); put_device(&ctlr->dev); }
        Okay: void f(struct c *c) { kfree(c->buf); c->buf = NULL; c->len = 0; }
        RK209: void f(struct c *ctlr) { put_device(&ctlr->dev); mutex_unlock(&ctlr->lock); }

    Suggested change:
        Move the put below the last use of the object.

    Knowledge used:
        ``[[ref]]`` entries with ``frees = true`` (the puts that may free
        the object) and which argument they take.

    Limits:
        Uses are seen in the function's own statements; a label joining
        other paths ends the walk (the put need not have run on them).
    """
    yield from introduced(_after_put(flow.old, kb), _after_put(flow.new, kb))


# ---------------------------------------------------------------- RK220


def _teardown_steps(cfg: Cfg, kb: KnowledgeBase) -> tuple[dict[str, int], dict[str, int]]:
    """The unregisters and the other releases of resources (an enable
    count, a request, a mapping, an allocation) a side makes, each by its
    text, with its node; a text made more than once is left out (which
    of them pairs with which is not known)."""
    unregs: dict[str, list[int]] = {}
    rels: dict[str, list[int]] = {}
    for node in cfg.nodes[2:]:
        if node.kind is not NodeKind.STATEMENT:
            continue
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            spec = kb.refs.get(op.family) if op is not None and not op.is_lock else None
            if op is None or spec is None or op.kind is not OpKind.RELEASE:
                continue
            if spec.kind is RefKind.REGISTRATION:
                unregs.setdefault(call.display, []).append(node.id)
            elif spec.kind in (RefKind.ENABLE, RefKind.REQUEST, RefKind.MAPPING):
                rels.setdefault(call.display, []).append(node.id)
    return ({t: ids[0] for t, ids in unregs.items() if len(ids) == 1},
            {t: ids[0] for t, ids in rels.items() if len(ids) == 1})


def _reaches(cfg: Cfg, start: int, goal: int) -> bool:
    """Some path from ``start`` reaches ``goal`` (loops not taken again)."""
    return graph_of(cfg).reaches_forward((start,), goal)


@rule("RK220", category="get-put-placement", severity=Severity.WARNING)
def release_before_unregister(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A resource released before the unregister that the old code ran first.

    What it flags:
        A release of an enable count, a request or a mapping
        (``clk_disable_unprepare()``, ``free_irq()``, ``iounmap()``) that
        the old code made after an unregister
        (``spi_unregister_controller()``, ``pwmchip_remove()``,
        ``iio_device_unregister()``) and the new code makes before it,
        on a path that goes on to the unregister.

    Why it matters:
        Until the unregister returns, the subsystem still calls into the
        driver (a transfer queued, a sysfs write, a request under way):
        those calls now run on a device whose clock is off, whose
        interrupt is gone or whose registers are unmapped, and hang or
        fault. Teardown undoes the setup in reverse: unregister first.

    Example:
        Okay: void f(struct d *d) { pwmchip_remove(&d->chip); clk_disable_unprepare(d->clk); } ==> void f(struct d *d) { pwmchip_remove(&d->chip); d->on = 0; clk_disable_unprepare(d->clk); }
        RK220: void f(struct d *d) { pwmchip_remove(&d->chip); clk_disable_unprepare(d->clk); } ==> void f(struct d *d) { clk_disable_unprepare(d->clk); pwmchip_remove(&d->chip); }

    Suggested change:
        Unregister first, then release what the registered device used.

    Knowledge used:
        ``[[ref]]`` entries by kind: ``registration`` puts (the
        unregisters) and ``enable``, ``request`` and ``mapping`` puts
        (the releases).

    Limits:
        Only an order the patch changes: both calls on both sides, each
        made once. A release of what the registered device does not use
        is reported all the same: the commit message should say so.
    """
    old, new = flow.old, flow.new
    if old is None or new is None:
        return
    o_unregs, o_rels = _teardown_steps(old.cfg, kb)
    n_unregs, n_rels = _teardown_steps(new.cfg, kb)
    for unreg, n_u in n_unregs.items():
        o_u = o_unregs.get(unreg)
        if o_u is None:
            continue
        for rel, n_r in n_rels.items():
            o_r = o_rels.get(rel)
            if o_r is None:
                continue
            if _reaches(old.cfg, o_u, o_r) and not _reaches(old.cfg, o_r, o_u) and _reaches(new.cfg, n_r, n_u):
                line = new.cfg.nodes[n_r].line
                yield Report(
                    line,
                    f"{rel} (line {line}) now runs before {unreg} (line {new.cfg.nodes[n_u].line}), which the old "
                    f"code ran first: until the unregister returns, calls into the device can still come, and "
                    f"find what {rel} released gone",
                    f"call {unreg} before {rel}, as before",
                    "teardown undoes the setup in reverse: unregister first, then release what the device used",
                    Confidence.MEDIUM,
                )


# ---------------------------------------------------------------- RK221

# how many statements of a straight run the rule looks along
_NEAR = 4


def _count_held_at(cfg: Cfg, nid: int, key: ResourceKey, kb: KnowledgeBase) -> CfgNode | None:
    """The get or the put, on the straight run through ``nid``, that says
    the count of ``key`` is held there: a put below it (the count is
    held until the put) or a get above it, with nothing of the family
    between. A put of the family right below on another name counts
    too (``pm_runtime_set_suspended(&pdev->dev);
    pm_runtime_disable(priv->dev);``: the teardown pair of one device)."""
    graph = graph_of(cfg)
    for i, e in enumerate(islice(graph.straight_after(nid), _NEAR)):
        node = cfg.nodes[e.dst]
        if e.dst == Cfg.EXIT or node.kind is not NodeKind.STATEMENT:
            break
        found = [(op, k) for op, k in _ref_ops(node, kb) if k.family == key.family]
        if found:
            return node if any(op.kind is OpKind.RELEASE and (k == key or i == 0) for op, k in found) else None
    for cur in islice(graph.straight_before(nid), _NEAR):
        node = cfg.nodes[cur]
        if cur < 2 or node.kind is not NodeKind.STATEMENT:
            break
        found = [(op, k) for op, k in _ref_ops(node, kb) if k.family == key.family]
        if found:
            return node if any(op.kind is OpKind.ACQUIRE and k == key for op, k in found) else None
    return None


def _ref_ops(node: CfgNode, kb: KnowledgeBase) -> Iterator[tuple[Op, ResourceKey]]:
    for call in node_calls(node):
        op = kb.ops.get(call.name)
        if op is not None and not op.is_lock and op.kind in (OpKind.ACQUIRE, OpKind.RELEASE):
            yield op, ResourceKey(op.family, op_key_name(op, call) or "", False)


def _while_held(flow: Flow | None, kb: KnowledgeBase) -> dict[str, Report]:
    out: dict[str, Report] = {}
    if flow is None:
        return out
    cfg = flow.cfg
    for node in cfg.nodes[2:]:
        if node.kind is not NodeKind.STATEMENT:
            continue
        for call in node_calls(node):
            family = kb.while_put.get(call.name)
            spec = kb.refs.get(family) if family is not None else None
            if spec is None or not spec.put:
                continue
            put = kb.ops.get(spec.put[0])
            name = op_key_name(put, call) if put is not None else None
            if not name:
                continue
            proof = _count_held_at(cfg, node.id, ResourceKey(spec.id, name, False), kb)
            if proof is None:
                continue
            out[normalise_key(call.text)] = Report(
                node.line,
                f"{call.display} runs while {proof.text.rstrip(';')} (line {proof.line}) says the {spec.kind.noun} "
                f"is held: {call.name}() takes effect only once it is dropped, and does nothing here",
                f"call {call.display} after {spec.put[0]}() (or before {spec.get[0] if spec.get else 'the get'}())",
                f"{call.name}() works only while the {spec.kind.noun} is not held: made where it is, it fails and "
                f"changes nothing",
                Confidence.MEDIUM,
            )
    return out


@rule("RK221", category="get-put-placement", severity=Severity.WARNING)
def call_while_held(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A call that takes effect only while a count is dropped, made where it is held.

    What it flags:
        A call of a ``[[ref]]`` entry's ``while_put`` list
        (``pm_runtime_set_suspended()``) right before the put of the same
        count (``pm_runtime_disable()``) or right after its get, with
        nothing of the family between: the count is held there. Only
        what the patch introduces.

    Why it matters:
        ``pm_runtime_set_suspended()`` and ``pm_runtime_set_active()``
        change the runtime-PM status only while runtime PM is disabled;
        with it enabled they return -EAGAIN and the device keeps the
        status it had: the parent's count and the power state disagree
        from then on.

    Example:
        Okay: void f(struct device *dev) { pm_runtime_disable(dev); pm_runtime_set_suspended(dev); }
        Okay: void f(struct device *dev) { pm_runtime_set_active(dev); pm_runtime_enable(dev); }
        RK221: void f(struct device *dev) { pm_runtime_set_suspended(dev); pm_runtime_disable(dev); }

    Suggested change:
        Make the call after the put (or before the get).

    Knowledge used:
        ``[[ref]]`` while_put, get and put.

    Limits:
        Only a get or a put a few statements away on the straight run
        proves the count held; a put of the same family right below on
        another name is taken to be of the same device.
    """
    yield from introduced(_while_held(flow.old, kb), _while_held(flow.new, kb))
