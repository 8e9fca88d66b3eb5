"""An object used after the put that may have freed it (RK209)."""

from __future__ import annotations

import re
from typing import Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, ChangedFunction, Confidence, EdgeKind, NodeKind, Severity
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind, op_key_name
from reviewkit.rules.queries import introduced, node_calls
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import normalise_key

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
