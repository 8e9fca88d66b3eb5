"""Data touched outside its lock: a field, or a device register, that the
function writes under a lock and writes again after releasing it (RK107);
a field the old code read under a lock, read without it now while the
patch still writes it under the lock (RK111)."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator, NamedTuple

from reviewkit.cmap.graph import graph_of
from reviewkit.model import CfgNode, ChangedFunction, Confidence, NodeKind, Severity, Side
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import Call, find_field_reads, parse_statement
from reviewkit.rules.flows import FunctionFlows, PatchFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind
from reviewkit.rules.queries import introduced, node_calls, op_key, reached_nodes
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey, base_of, normalise_key


class Write(NamedTuple):
    """One write of a statement: a field, or a device register."""

    target: str  # `priv->enabled`, `regmap_write(priv->map, REG_CTRL)`
    what: str  # how a finding names it


def _writes(node, kb: KnowledgeBase) -> list[Write]:
    """The fields a statement assigns and the registers it writes."""
    out: list[Write] = []
    if node.kind is not NodeKind.STATEMENT or not node.text:
        return out
    stmt = parse_statement(node.text)
    for lv, _rv in stmt.assigned:
        if ("->" in lv or "." in lv) and not lv.startswith("*"):
            out.append(Write(lv, lv))
    for call in stmt.calls:
        spec = kb.io_writes.get(call.name)
        if spec is None:
            continue
        reg = _register(call, spec.address, spec.base)
        if reg:
            out.append(Write(reg, f"the register {reg}"))
    return out


def _register(call: Call, address: int, base: int | None) -> str | None:
    addr = call.arg_key(address)
    if addr is None:
        return None
    return f"{normalise_key(call.args[base])}:{addr}" if base is not None and base < len(call.args) else addr


def _held(states: list) -> tuple[frozenset[ResourceKey], frozenset[ResourceKey]]:
    """(the locks every state holds for sure, the locks some state holds)."""
    must = frozenset.intersection(*(frozenset(h.key for h in st.locks_held() if h.key not in st.unsure) for st in states))
    may = frozenset().union(*(frozenset(h.key for h in st.locks_held()) for st in states))
    return must, may


def _after_unlock(walk: Flow | None, kb: KnowledgeBase) -> dict[tuple[ResourceKey, str], Report]:
    out: dict[tuple[ResourceKey, str], Report] = {}
    if walk is None:
        return out
    cfg = walk.cfg
    if not any((op := kb.ops.get(c.name)) is not None and op.is_lock and op.kind is OpKind.RELEASE
               for n in cfg.nodes for c in node_calls(n)):
        return out  # most functions release no lock: nothing is after an unlock
    graph = graph_of(cfg)
    under: dict[ResourceKey, dict[str, int]] = {}  # lock -> target -> a line it is written on under the lock
    releases: dict[ResourceKey, list[int]] = {}
    unheld: list[tuple[CfgNode, frozenset[ResourceKey]]] = []
    for node, states in reached_nodes(walk):
        must, may = _held(states)
        for w in _writes(node, kb):
            for key in must:
                # a field of the object the lock belongs to: an out
                # parameter filled under the lock is the caller's
                # (mchp_core_pwm_get_state's state->period, linux-pwm archive)
                if key.name and base_of(w.target) == base_of(key.name):
                    under.setdefault(key, {}).setdefault(w.target, node.line)
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            if op is not None and op.is_lock and op.kind is OpKind.RELEASE:
                key = op_key(op, call)
                if key in may:
                    releases.setdefault(key, []).append(node.id)
        unheld.append((node, may))
    for key, rels in releases.items():
        targets = under.get(key)
        if not targets:
            continue
        after: set[int] = set()
        for r in rels:
            after |= graph.reach(r) - {r}
        for node, may in unheld:
            # another lock held at the write may be the one that guards it
            # there (an irq lock beside a mutex, a bus lock around a transfer)
            if node.id not in after or may:
                continue
            for w in _writes(node, kb):
                line = targets.get(w.target)
                if line is None or (key, w.target) in out:
                    continue
                rel = min((cfg.nodes[r] for r in rels if node.id in graph.reach(r)), key=lambda n: n.line)
                out[(key, w.target)] = Report(
                    node.line,
                    f"{w.what} is written here after {key} was released (line {rel.line}), "
                    f"but line {line} writes it with {key} held",
                    f"keep the write inside the {key} section (before line {rel.line}), or say in the commit "
                    f"message why it no longer needs the lock",
                    "a field or register the lock serialises elsewhere races with the other holders when written after the unlock",
                    Confidence.MEDIUM,
                )
    return out


@rule("RK107", category="lock-scope-change", severity=Severity.WARNING)
def write_after_unlock(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A field or device register written after its lock is dropped, which the same function writes under the lock.

    What it flags:
        An assignment to a field (``priv->enabled = false``) or a register
        write (``writel()``, ``regmap_write()`` to the same register) of
        the object the lock belongs to (``priv->lock``) on a
        path after a release of a lock, with the lock no longer held,
        where the same function writes that field or register with the
        lock held on every path: the unlock moved up, or the write down.

    Why it matters:
        What the lock serialises elsewhere is written here without it: a
        race with the other holders of the lock (an interrupt handler, the
        other callbacks).

    Example:
        Okay: void f(struct d *d) { spin_lock(&d->l); d->on = true; writel(1, d->base + CTRL); spin_unlock(&d->l); }
        RK107: void f(struct d *d, bool on) { spin_lock(&d->l); d->on = on; spin_unlock(&d->l); if (!on) d->on = false; }

    Suggested change:
        Keep the write inside the critical section, before the release.

    Knowledge used:
        ``[[lock]]`` acquires and releases, ``[[io_write]]`` accessors
        (which arguments name the register).

    Limits:
        Fields and registers are matched by their text within one
        function; writes through a helper are not seen. A write with
        another lock held is left alone (that lock may guard it there). In
        a new function (no unlock moved, no write moved) it is a note: the
        function may own the object by then (taken off a list, handed over
        by a completion), which the text cannot tell.
    """
    found = introduced(_after_unlock(flow.old, kb), _after_unlock(flow.new, kb))
    if fn.old is None:
        # a new function: no unlock moved up, no write moved down; the
        # function may own the object by then (taken off a list, after a
        # completion), which the text cannot tell: a note
        found = (r._replace(severity=Severity.INFO) for r in found)
    yield from found


class Read(NamedTuple):
    """One statement or condition that reads a field, and the locks there."""

    line: int
    must: frozenset[ResourceKey]  # held on every path that reaches it
    may: frozenset[ResourceKey]  # held on some path


def _field_reads(walk: Flow, kb: KnowledgeBase) -> dict[str, list[Read]]:
    """Field -> the places the walk reads it (logging arguments aside)."""
    out: dict[str, list[Read]] = defaultdict(list)
    for node, states in reached_nodes(walk):
        if node.kind not in (NodeKind.STATEMENT, NodeKind.CONDITION, NodeKind.RETURN) or not node.text:
            continue
        fields = find_field_reads(node.text, kb.scope_neutral)
        if fields:
            must, may = _held(states)
            for f in fields:
                out[f].append(Read(node.line, must, may))
    return out


def find_locked_writes(run: PatchFlows, side: Side) -> dict[str, frozenset[ResourceKey]]:
    """Field -> the locks held on every path at some assignment of it, over
    every function of the patch on ``side``; read once per run."""
    out: dict[str, set[ResourceKey]] = defaultdict(set)
    for ff in run.functions:
        walk = ff.walked(side)
        if walk is None:
            continue
        for node, states in reached_nodes(walk):
            fields = [w.target for w in _writes(node, run.kb) if w.target == w.what]
            if fields:
                must = _held(states)[0]
                for f in fields:
                    out[f] |= must
    return {f: frozenset(keys) for f, keys in out.items()}


@rule("RK111", category="lock-scope-change", severity=Severity.WARNING)
def read_out_of_lock(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A field the old code read under a lock, read without it now, while the patch still writes it under the lock.

    What it flags:
        A field of the object a lock belongs to (``adc->config`` beside
        ``adc->lock``) that the old code of a function read with the lock
        held (for sure at one read, and never without it), and the new
        code reads with no lock held,
        where the patch's new code assigns that field with the lock held
        (in this function or another): the read left the critical
        section that still serialises the writes, typically because the
        lock moved into a helper that does only the write.

    Why it matters:
        A value tested or copied outside the lock and written back under
        it is a check-then-act race: two callers read the same old value,
        and the later write loses the earlier one (or the test decides on
        a value another caller is changing).

    Example:
        Okay: int f(struct d *d) { int v; mutex_lock(&d->lock); v = d->cfg; mutex_unlock(&d->lock); return v; } ==> int f(struct d *d) { int v; mutex_lock(&d->lock); v = d->cfg; d->n++; mutex_unlock(&d->lock); return v; }
        RK111: void f(struct d *d, int c) { mutex_lock(&d->lock); if (d->cfg != c) d->cfg = c; mutex_unlock(&d->lock); } ==> void f(struct d *d, int c) { if (d->cfg != c) { mutex_lock(&d->lock); d->cfg = c; mutex_unlock(&d->lock); } }

    Suggested change:
        Take the lock around the read and the write together (in the
        caller), or say in the commit message why the read needs no lock.

    Knowledge used:
        ``[[lock]]`` acquires and releases; ``[[scope_neutral]]`` calls
        (a field logged outside the lock is not reported).

    Limits:
        Fields are matched by their text across the patch; a write
        through a helper the patch does not show is not seen, so the
        rule says nothing then. A read with another lock held is left
        alone (that lock may guard it there).
    """
    old, new = flow.old, flow.new
    if old is None or new is None:
        return
    before = _field_reads(old, kb)
    if not before:
        return
    writes = flow.run.shared_walks(find_locked_writes, Side.NEW)
    for field, reads in sorted(_field_reads(new, kb).items()):
        olds = before.get(field)
        guarded = writes.get(field)
        if not olds or not guarded:
            continue
        if any(r.may for r in reads):
            continue  # another lock may guard it there
        # held for sure at one old read, and at none without it: the
        # hidden lines between two hunks leave the later reads unsure of
        # it (tests/data/fixes/linux-iio-125.rev.eml, old line 142)
        old_held = frozenset().union(*(r.must for r in olds)) & frozenset.intersection(*(r.may for r in olds))
        for key in sorted(old_held & guarded, key=str):
            if not key.name or key.name == field or base_of(field) != base_of(key.name):
                continue
            first = min(r.line for r in reads)
            yield Report(
                first,
                f"{field} is read here without {key}, which the old code held at every read of it in "
                f"{fn.name}(), while the patch still writes {field} with {key} held",
                f"take {key} around the read and the write together, or say in the commit message why "
                f"the read needs no lock",
                "a field tested or copied outside its lock and written back under it is a check-then-act race",
                Confidence.MEDIUM,
            )
            break
