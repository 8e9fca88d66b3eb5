"""Whether a lock's irq variant fits where it is taken (RK305-RK307,
RK309): irqs already off, a lock an interrupt or softirq callback also
takes, a variant that turns irqs back on, a wait that drops the lock with
another variant than the one that took it.

Where code runs comes from the callbacks the visible code registers
(:func:`reviewkit.rules.context.find_atomic_callbacks`) and from the locks
held around it; how a variant treats the irq state from ``[[lock]]``
contexts and ``[[irq_state]]``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterator, NamedTuple

from reviewkit.model import ChangedFunction, CodeMap, Confidence, NodeKind, Severity, Side
from reviewkit.rules.context import AtomicCallback, find_atomic_callbacks
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import find_declared_types, parse_statement
from reviewkit.rules.flows import FunctionFlows, PatchFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind
from reviewkit.rules.queries import Taking, find_lock_takings, held_contexts, introduced, node_calls, reached_calls, reached_nodes
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey, normalise_key

# what a lock variant may turn off beside taking the lock
_SHIELDS = frozenset({"irq-off", "bh-off"})
_WHAT = {"irq-off": "irqs", "bh-off": "bottom halves"}


def _rewrite(flow: Flow, t: Taking, kb: KnowledgeBase, variant: str) -> tuple[str, str] | None:
    """(the taking as written, the same taking with ``variant``):
    ``spin_lock_irqsave(&l, flags)`` -> ``spin_lock(&l)``,
    ``guard(spinlock_irqsave)(&l)`` -> ``guard(spinlock)(&l)``."""
    node = flow.cfg.nodes[t.node]
    old, new = kb.locks.get(t.variant), kb.locks.get(variant)
    if old is None or new is None:
        return None
    flags = [] if kb.irq_restores.get(variant) is not True else ["flags"]
    for call in node_calls(node):
        if call.name in old.acquire and new.acquire:
            return call.display, f"{new.acquire[0]}({', '.join([*call.args[: new.arg + 1], *flags])})"
        if call.name in old.trylock and new.trylock:
            return call.display, f"{new.trylock[0]}({', '.join([*call.args[: new.arg + 1], *flags])})"
        if call.name in kb.scoped_guard_macros and call.args and kb.guards.get(call.args[0]) == t.variant:
            cls = kb.guard_class(variant)
            if cls is not None:
                return call.display, f"{call.name}({', '.join([cls, *call.args[1:]])})"
    guard = parse_statement(node.text).guard
    if guard is not None and guard[0] in kb.guard_macros and kb.guards.get(guard[1]) == t.variant:
        cls = kb.guard_class(variant)
        if cls is not None:
            return f"{guard[0]}({guard[1]})({', '.join(guard[2])})", f"{guard[0]}({cls})({', '.join(guard[2])})"
    return None


def _flags_note(kb: KnowledgeBase, old: str, new: str) -> str:
    """What happens to the ``flags`` variable going from variant ``old`` to ``new``."""
    before, after = kb.irq_restores.get(old) is True, kb.irq_restores.get(new) is True
    if before and not after:
        return " (the flags variable goes away)"
    if after and not before:
        return " (with an unsigned long flags)"
    return ""


def _release_rewrites(flow: Flow, t: Taking, kb: KnowledgeBase, variant: str) -> list[str]:
    """``spin_unlock_irqrestore(&l, flags) (line 12) -> spin_unlock(&l)``
    for each release of ``t``'s lock with ``t``'s variant."""
    old, new = kb.locks.get(t.variant), kb.locks.get(variant)
    if t.scoped or old is None or new is None or not new.release:
        return []
    flags = [] if kb.irq_restores.get(variant) is not True else ["flags"]
    out = []
    for node, call in reached_calls(flow):
        op = kb.ops.get(call.name)
        if call.name in old.release and op is not None and op.kind is OpKind.RELEASE and call.arg_key(old.arg) == t.key.name:
            out.append(f"{call.display} (line {node.line}) -> {new.release[0]}({', '.join([*call.args[: new.arg + 1], *flags])})")
    return out


def _where(flow: FunctionFlows, side: Side) -> tuple[frozenset[str], str]:
    """The contexts the function's whole body runs in because of how the
    visible code registers it, and why ("" when nothing says so)."""
    cb = flow.run.shared(find_atomic_callbacks, side).get(flow.fn.name)
    if cb is None:
        return frozenset(), ""
    return cb.spec.context, f"{flow.fn.name}() runs in {cb.spec.note} ({cb.how})"


def _holders(kb: KnowledgeBase, flow: Flow, nid: int, but: ResourceKey) -> str:
    """The locks held on every path into ``nid`` that turn irqs or bottom
    halves off, as text: ``spin_lock_irqsave(&a->lock, flags) (line 4)``."""
    out = []
    states = flow.visits.get(nid, [])
    keys = set.intersection(*({h.key for h in st.locks_held() if h.key != but} for st in states)) if states else set()
    for st in states[:1]:
        for h in st.locks_held():
            if h.key in keys and kb.lock_context(h.variant) & _SHIELDS:
                site = min(h.sites, key=lambda s: flow.cfg.nodes[s].line) if h.sites else None
                if site is not None:
                    out.append(f"{flow.cfg.nodes[site].text.rstrip(';')} (line {flow.cfg.nodes[site].line})")
    return ", ".join(out)


# ---------------------------------------------------------------- RK305


def _redundant(flow: FunctionFlows, side: Side, kb: KnowledgeBase) -> dict[tuple[ResourceKey, str], Report]:
    walk = flow.side(side)
    out: dict[tuple[ResourceKey, str], Report] = {}
    if walk is None:
        return out
    body_ctx, why = _where(flow, side)
    for t in find_lock_takings(walk):
        extra = kb.lock_context(t.variant) & _SHIELDS
        plain = kb.plain_variant(t.variant)
        if not extra or plain is None or kb.irq_restores.get(t.variant) is False:
            continue  # a variant that turns irqs on at its release is RK307's
        around = held_contexts(kb, walk.visits.get(t.node, []), t.key)
        if not extra <= body_ctx | around:
            continue
        rewrite = _rewrite(walk, t, kb, plain)
        if rewrite is None:
            continue
        line = walk.cfg.nodes[t.node].line
        what = " and ".join(_WHAT[c] for c in sorted(extra))
        reason = why if extra <= body_ctx else f"{_holders(kb, walk, t.node, t.key) or 'another lock'} already holds them off"
        rel = _release_rewrites(walk, t, kb, plain)
        out[(t.key, t.variant)] = Report(
            line,
            f"{rewrite[0]} turns {what} off, but they are off here already: {reason}",
            f"use {rewrite[1]}" + (f"; and {'; '.join(rel)}" if rel else "") + _flags_note(kb, t.variant, plain),
            "saving and restoring a state that cannot differ is noise to the reader and to lockdep",
            Confidence.HIGH if extra <= body_ctx else Confidence.MEDIUM,
        )
    return out


@rule("RK305", category="irq-workaround", severity=Severity.INFO)
def redundant_irq_variant(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock taken with its irq-saving (or bh) variant where irqs (or bottom halves) are off already.

    What it flags:
        ``spin_lock_irqsave()`` (or ``guard(spinlock_irqsave)``) in a
        function that runs with irqs off: an ``irq_chip`` callback, a
        hard-irq handler, or under another lock taken with irqs off on
        every path; ``spin_lock_bh()`` in a softirq callback (a timer, a
        tasklet) or under a lock that turned bottom halves off.

    Why it matters:
        The state saved and restored cannot differ: the plain variant does
        the same work, and the reader no longer wonders which callers run
        with irqs on.

    Example:
        Okay: void f(struct d *d) { unsigned long flags; spin_lock_irqsave(&d->l, flags); d->n++; spin_unlock_irqrestore(&d->l, flags); }
        RK305: void f(struct irq_data *data) { struct d *d = irq_data_get_irq_chip_data(data); unsigned long flags; spin_lock_irqsave(&d->l, flags); d->mask |= BIT(data->hwirq); spin_unlock_irqrestore(&d->l, flags); }
            ... static const struct irq_chip c = { .irq_mask = f, };
        RK305: void f(struct d *d) { unsigned long flags; spin_lock_irq(&d->a); spin_lock_irqsave(&d->b, flags); d->n++; spin_unlock_irqrestore(&d->b, flags); spin_unlock_irq(&d->a); }

    Suggested change:
        Take the lock with the plain variant (``spin_lock()``,
        ``guard(spinlock)``) and drop the ``flags`` variable.

    Knowledge used:
        ``[[lock]]`` contexts (which variants turn irqs or bottom halves
        off; the plain one of each family), ``[[irq_state]]``,
        ``[[atomic_callback]]`` and ``[[atomic_member]]`` contexts,
        ``[[guard]]`` classes.

    Limits:
        A function's context is known only from registrations the patch
        shows, or from locks it takes itself; what its callers hold is
        not seen. Variants that turn irqs on at their release are RK307's.
    """
    before = _redundant(flow, Side.OLD, kb) if fn.old is not None else {}
    yield from introduced(before, _redundant(flow, Side.NEW, kb))


# ---------------------------------------------------------------- RK306


class Taker(NamedTuple):
    """A callback that takes a lock in a context other takers must shut out."""

    function: str
    line: int
    context: frozenset[str]  # irq-off and/or bh-off
    note: str  # the callback's context in words
    via: str  # "" or the helper that takes it for the callback
    deadlock: str = ""  # how the shared lock deadlocks ("": the callback comes in on this CPU)


def _typed(name: str, types: dict[str, str]) -> str | None:
    """``priv->lock`` with ``priv`` a ``struct foo *`` -> ``foo->lock``."""
    m = re.match(r"^([A-Za-z_]\w*)((?:->|\.).+)$", name)
    if m is None or m.group(1) not in types:
        return None
    return types[m.group(1)] + m.group(2)


def _lock_ids(key: ResourceKey, types: dict[str, str]) -> list[tuple[str, str]]:
    """How a lock is recognised across functions: its text, and its
    member path under the declared type of the object it hangs off."""
    out = [(key.family, key.name)]
    typed = _typed(key.name, types)
    if typed:
        out.append((key.family, "struct " + typed))
    return out


def find_atomic_takers(run: PatchFlows, side: Side) -> dict[tuple[str, str], list[Taker]]:
    """The locks that functions running with irqs or bottom halves off
    take (themselves or through a visible helper, one level), by
    :func:`_lock_ids`. Read once per run (``PatchFlows.shared_walks``)."""
    out: dict[tuple[str, str], list[Taker]] = defaultdict(list)
    if run.codemap is None:
        return out
    callbacks = run.shared(find_atomic_callbacks, side)
    named = run.named(side)
    for name, cb in callbacks.items():
        shut = cb.spec.context & _SHIELDS
        if not shut or not cb.spec.interrupts or name not in named:
            continue  # (a callback that interrupts nothing never spins on a lock held under it)
        targets = [(name, "")]
        walk = named[name].walked(side)
        if walk is None:
            continue
        targets += [(c.name, name) for _n, c in reached_calls(walk) if c.name in named and c.name != name]
        for target, via in targets:
            ff = named[target]
            view = ff.view(side)
            sub = ff.walked(side)
            if sub is None or view is None:
                continue
            types = find_declared_types(view.source)
            for t in find_lock_takings(sub):
                if not t.key.name:
                    continue
                for lid in _lock_ids(t.key, types):
                    out[lid].append(Taker(name, sub.cfg.nodes[t.node].line, shut, cb.spec.note, target if via else "", cb.spec.deadlock))
    return out


def _shutting_variant(kb: KnowledgeBase, family: str, missing: frozenset[str]) -> str | None:
    """The variant of ``family`` to take a lock with where ``missing``
    must be shut out: the irq-saving one against an interrupt, the bh one
    against a softirq."""
    if "irq-off" in missing:
        return next((v for v, restores in kb.irq_restores.items() if restores and v in kb.locks and kb.locks[v].family == family), None)
    return next((v.id for v in kb.locks.values() if v.family == family and "bh-off" in v.context and v.acquire), None)


def _callers(codemap: CodeMap, side: Side) -> dict[str, set[str]]:
    """Function -> the visible functions that call it."""
    out: dict[str, set[str]] = defaultdict(set)
    for cf in codemap.functions:
        view = cf.new if side is Side.NEW else cf.old
        if view is None or view.cfg is None:
            continue
        for node in view.cfg.nodes:
            for call in node_calls(node):
                out[call.name].add(cf.name)
    return out


def _runs_shut(name: str, missing: frozenset[str], callers: dict[str, set[str]], callbacks: dict[str, AtomicCallback],
               seen: frozenset[str] = frozenset()) -> bool:
    """Whether ``name`` runs with ``missing`` shut out already: it is a
    callback that runs so, or every visible caller of it does (a helper
    of irq_chip callbacks, at any depth; a call cycle proves nothing)."""
    cb = callbacks.get(name)
    if cb is not None:
        return missing <= cb.spec.context
    mine = callers.get(name, set()) - {name}
    if not mine or name in seen:
        return False
    return all(_runs_shut(c, missing, callers, callbacks, seen | {name}) for c in mine)


def _unshielded(flow: FunctionFlows, side: Side, kb: KnowledgeBase) -> dict[tuple[ResourceKey, str], Report]:
    walk = flow.side(side)
    view = flow.view(side)
    out: dict[tuple[ResourceKey, str], Report] = {}
    if walk is None or view is None or flow.run.codemap is None:
        return out
    takers = flow.run.shared_walks(find_atomic_takers, side)
    if not takers:
        return out
    body_ctx, _why = _where(flow, side)
    callbacks = flow.run.shared(find_atomic_callbacks, side)
    types = find_declared_types(view.source)
    callers = None
    for t in find_lock_takings(walk):
        if not t.key.name or t.key.family not in {kb.locks[v].family for v in kb.irq_restores if v in kb.locks}:
            continue
        others = [x for lid in _lock_ids(t.key, types) for x in takers.get(lid, ()) if x.function != flow.fn.name]
        if not others:
            continue
        have = kb.lock_context(t.variant) | body_ctx | held_contexts(kb, walk.visits.get(t.node, []), t.key)
        need = frozenset().union(*(x.context for x in others))
        missing = need - have
        if "irq-off" in have:
            missing -= {"bh-off"}  # no softirq runs on this CPU with irqs off
        if not missing:
            continue
        if callers is None:
            callers = _callers(flow.run.codemap, side)
        if flow.fn.name not in callbacks and _runs_shut(flow.fn.name, missing, callers, callbacks):
            continue  # a helper only those callbacks call: it runs shut off already
        # a function the visible code neither calls nor registers may be
        # called with irqs off (from another file, or by a registration the
        # knowledge does not name): the hazard is likely, not sure
        unseen = flow.fn.name not in callbacks and not callers.get(flow.fn.name, set()) - {flow.fn.name}
        x = next(o for o in others if o.context & missing)
        want = _shutting_variant(kb, t.key.family, missing)
        rewrite = _rewrite(walk, t, kb, want) if want else None
        if want is None or rewrite is None:
            continue
        line = walk.cfg.nodes[t.node].line
        how = f" (through {x.via}())" if x.via else ""
        what = " and ".join(_WHAT[c] for c in sorted(missing))
        rel = _release_rewrites(walk, t, kb, want)
        out[(t.key, t.variant)] = Report(
            line,
            f"{rewrite[0]} leaves {what} on, but {x.function}(){how} takes {t.key} too (line {x.line}), and it runs in {x.note}: "
            + (x.deadlock or "if it comes in on this CPU while the lock is held here, it spins on it for ever")
            + (f"; nothing visible calls {flow.fn.name}(), so it may run with {what} off already" if unseen else ""),
            f"use {rewrite[1]}" + (f"; and {'; '.join(rel)}" if rel else "") + _flags_note(kb, t.variant, want),
            "a lock shared with an interrupt or softirq must be taken with it shut out everywhere else",
            Confidence.HIGH if (t.key.family, t.key.name) in takers and not x.via and not unseen else Confidence.MEDIUM,
            severity=Severity.WARNING if unseen else None,
        )
    return out


@rule("RK306", category="irq-workaround", severity=Severity.ERROR)
def lock_shared_with_irq(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock that an interrupt (or softirq) callback also takes is taken here without shutting it out.

    What it flags:
        ``spin_lock()`` (or ``guard(spinlock)``) on a lock that a hard-irq
        handler or an ``irq_chip`` callback of the same code also takes,
        itself or through a visible helper; ``spin_lock()`` on a lock a
        timer or tasklet callback takes. The lock is matched by its text,
        or by its member under the declared type of the object it hangs
        off (``priv->lock`` and ``p->lock`` of one ``struct foo``).

    Why it matters:
        If the interrupt comes in on this CPU while the lock is held here,
        its handler spins on the lock for ever: a deadlock lockdep
        reports as "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage".
        A callback the irq core calls from a task under the descriptor's
        lock (``irq_set_type``) makes a lock order instead: an interrupt
        taken here waits for a descriptor's lock whose holder waits for
        this one.

    Example:
        Okay: void f(struct d *d) { unsigned long flags; spin_lock_irqsave(&d->l, flags); d->n++; spin_unlock_irqrestore(&d->l, flags); }
        RK306: int f(struct d *d) { spin_lock(&d->l); d->n++; spin_unlock(&d->l); return 0; }
            ... irqreturn_t g(int irq, void *p) { struct d *d = p; spin_lock(&d->l); d->n = 0; spin_unlock(&d->l); return IRQ_WAKE_THREAD; }

        (An example line continued by ``...`` adds a function on a line of
        its own; the findings are on the first.)

    Suggested change:
        Take it with ``spin_lock_irqsave()`` (``spin_lock_bh()`` against a
        softirq) outside the callback; inside the handler the plain
        variant is right.

    Knowledge used:
        ``[[atomic_callback]]`` and ``[[atomic_member]]`` (which callbacks
        run with irqs or bottom halves off, and how a lock they share
        deadlocks), ``[[lock]]`` contexts, ``[[irq_state]]``, ``[[guard]]``.

    Limits:
        The callback and its registration must be in the code the patch
        shows; the callback's helpers are followed one level. A function
        that only such callbacks call (directly or through helpers) is
        taken to run as they do. A function nothing visible calls or
        registers may run with irqs off already (its caller is elsewhere):
        a warning.
    """
    before = _unshielded(flow, Side.OLD, kb) if fn.old is not None else {}
    yield from introduced(before, _unshielded(flow, Side.NEW, kb))


# ---------------------------------------------------------------- RK307


def find_irq_off_calls(run: PatchFlows, side: Side) -> dict[str, tuple[str, int, str]]:
    """Function name -> (a visible caller, the line, the lock that turned
    irqs off) for calls made with irqs off on some path of the caller.
    Read once per run (``PatchFlows.shared_walks``)."""
    out: dict[str, tuple[str, int, str]] = {}
    kb = run.kb
    for name, ff in run.named(side).items():
        walk = ff.walked(side)
        if walk is None:
            continue
        for node, states in reached_nodes(walk):
            if "irq-off" not in held_contexts(kb, states):
                continue
            offs = [h for h in states[0].locks_held() if "irq-off" in kb.lock_context(h.variant)]
            if not offs:
                continue
            for call in node_calls(node):
                if call.name != name and call.name not in out:
                    out[call.name] = (name, node.line, str(offs[0].key) or kb.acquire_names(offs[0].variant)[0] + "()")
    return out


def _reenables(flow: FunctionFlows, side: Side, kb: KnowledgeBase) -> dict[tuple[ResourceKey, str], Report]:
    walk = flow.side(side)
    out: dict[tuple[ResourceKey, str], Report] = {}
    if walk is None:
        return out
    body_ctx, why = _where(flow, side)
    for t in find_lock_takings(walk):
        if kb.irq_restores.get(t.variant) is not False:
            continue
        states = walk.visits.get(t.node, [])
        if any(h.key == t.key and h.borrowed for st in states for h in st.held):
            # retaking a lock the caller holds and this function dropped
            # (mm/vmscan.c move_pages_to_lru()): the caller's variant rules
            continue
        if "irq-off" in body_ctx:
            # irqs are off for the whole callback: the plain variant
            fix, reason, conf = kb.plain_variant(t.variant), why, Confidence.HIGH
        elif "irq-off" in held_contexts(kb, states, t.key):
            fix = kb.restoring_variant(t.variant)
            reason = f"{_holders(kb, walk, t.node, t.key) or 'another lock'} holds irqs off on every path to it"
            conf = Confidence.HIGH
        else:
            caller = flow.run.shared_walks(find_irq_off_calls, side).get(flow.fn.name)
            if caller is None or any(h.borrowed and h.key.is_lock for _n, st in walk.exits for h in st.held):
                # a function that drops its caller's lock and retakes it
                # follows the caller's protocol (mm/vmscan.c move_pages_to_lru(),
                # tests/data/corpus/patches/119_v16-18-22-patch-posting.eml)
                continue
            fix = kb.restoring_variant(t.variant)
            reason = f"{caller[0]}() calls {flow.fn.name}() at line {caller[1]} with {caller[2]} held, irqs off"
            conf = Confidence.MEDIUM
        if fix is None:
            continue
        rewrite = _rewrite(walk, t, kb, fix)
        if rewrite is None:
            continue
        rel = _release_rewrites(walk, t, kb, fix)
        release = kb.release_names(t.variant)
        out[(t.key, t.variant)] = Report(
            walk.cfg.nodes[t.node].line,
            f"{release[0] if release else 'the release'}() of {rewrite[0]} turns irqs on whatever they were before, "
            f"but they may be off already: {reason}",
            f"use {rewrite[1]}" + (f"; and {'; '.join(rel)}" if rel else "") + _flags_note(kb, t.variant, fix),
            "turning irqs on where the caller had them off lets an interrupt in on a section that must not be interrupted",
            conf,
        )
    return out


@rule("RK307", category="irq-workaround", severity=Severity.ERROR)
def irq_reenabled(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock variant whose release turns irqs on (``spin_lock_irq()``) where irqs may already be off.

    What it flags:
        ``spin_lock_irq()``/``spin_unlock_irq()`` (and ``local_irq_disable()``
        ... ``local_irq_enable()``) in a function that runs with irqs off
        (a hard-irq handler, an ``irq_chip`` callback), nested in a
        section that turned irqs off, or in a function a visible caller
        calls with irqs off.

    Why it matters:
        The release turns irqs on unconditionally: inside a hard-irq
        handler, or inside the caller's irq-off section, an interrupt comes
        in where none may ("WARNING: ... irqs enabled in hardirq").

    Example:
        Okay: void f(struct d *d) { spin_lock_irq(&d->l); d->n++; spin_unlock_irq(&d->l); }
        RK307: void f(struct d *d) { unsigned long flags; spin_lock_irqsave(&d->a, flags); spin_lock_irq(&d->b); d->n++; spin_unlock_irq(&d->b); spin_unlock_irqrestore(&d->a, flags); }

    Suggested change:
        ``spin_lock_irqsave()``/``spin_unlock_irqrestore()``, which give
        back the state they found; in a function that always runs with
        irqs off, the plain ``spin_lock()``.

    Knowledge used:
        ``[[irq_state]]`` (which releases restore), ``[[lock]]``
        contexts, ``[[atomic_callback]]``, ``[[atomic_member]]``.

    Limits:
        Callers are seen only in the code the patch shows, one level.
    """
    before = _reenables(flow, Side.OLD, kb) if fn.old is not None else {}
    yield from introduced(before, _reenables(flow, Side.NEW, kb))


# ---------------------------------------------------------------- RK309


def _wait_mismatches(walk: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, ResourceKey], Report]:
    out: dict[tuple[str, ResourceKey], Report] = {}
    if walk is None or not kb.locked_waits:
        return out
    for node, states in reached_nodes(walk):
        for call in node_calls(node):
            spec = kb.locked_waits.get(call.name)
            if spec is None:
                continue
            if spec.lock_arg is not None:
                name = call.arg_key(spec.lock_arg)
            else:
                queue = call.arg_key(spec.queue_arg)
                name = f"{queue}.{spec.member}" if queue else None
            if not name:
                continue
            for st in states:
                h = next((h for h in st.locks_held() if h.key.name == normalise_key(name)), None)
                if h is None or h.variant == spec.lock or h.key in st.unsure:
                    continue
                want = kb.acquire_names(spec.lock)
                took = kb.acquire_names(h.variant)
                fits = [n for n, w in kb.locked_waits.items() if w.lock == h.variant and (w.lock_arg is None) == (spec.lock_arg is None)]
                out[(call.name, h.key)] = Report(
                    node.line,
                    f"{call.name}() drops and retakes {h.key} as {want[0] if want else spec.lock}() does, "
                    f"but it was taken with {took[0] if took else h.variant}()",
                    (f"use {fits[0]}()" if fits else f"take {h.key} with {want[0] if want else spec.lock}()")
                    + " so that the wait gives back the irq state the lock was taken with",
                    "the wait re-enables irqs (or leaves them off while it sleeps) behind the caller's back",
                    Confidence.HIGH,
                )
                break
    return out


@rule("RK309", category="sleep-in-atomic", severity=Severity.ERROR)
def locked_wait_variant(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A wait that drops its caller's lock (``wait_event_*_locked()``) with another variant than the one that took it.

    What it flags:
        ``wait_event_interruptible_locked()`` (which drops and retakes the
        queue's lock with ``spin_unlock()``/``spin_lock()``),
        ``wait_event_lock_irq()`` and the ``_locked_irq`` waits (which use
        ``spin_unlock_irq()``/``spin_lock_irq()``) on a lock the path took
        with another variant, ``spin_lock_irqsave()`` above all.

    Why it matters:
        The wait sleeps with irqs off (a plain drop of an irq-off lock),
        or comes back with irqs on inside a section whose caller had them
        off; the final ``spin_unlock_irqrestore()`` then restores a state
        that no longer matches.

    Example:
        Okay: void f(struct d *d) { spin_lock_irq(&d->wq.lock); wait_event_interruptible_locked_irq(d->wq, d->done); spin_unlock_irq(&d->wq.lock); }
        RK309: void f(struct d *d) { unsigned long flags; spin_lock_irqsave(&d->wq.lock, flags); wait_event_interruptible_locked_irq(d->wq, d->done); spin_unlock_irqrestore(&d->wq.lock, flags); }

    Suggested change:
        Take the lock with the variant the wait expects (``spin_lock_irq()``
        for the ``_irq`` waits), or use the wait that matches the lock.

    Knowledge used:
        ``[[locked_wait]]``, ``[[lock]]`` variants.

    Limits:
        The lock must be taken in the same function.
    """
    yield from introduced(_wait_mismatches(flow.old, kb), _wait_mismatches(flow.new, kb))


# ---------------------------------------------------------------- RK310


def _returns_callback_result(walk: Flow, kb: KnowledgeBase) -> bool:
    """The function returns a value only callbacks that may run with irqs
    off return (``IRQ_HANDLED``): where it runs is not the code's to say."""
    for node in walk.cfg.nodes:
        if not node.text or node.kind in (NodeKind.ENTRY, NodeKind.LABEL, NodeKind.GOTO):
            continue  # the function's or a label's name: no code to parse
        returned = parse_statement(node.text).returns
        if returned and set(re.findall(r"\w+", returned)) & kb.callback_results:
            return True
    return False


def _shields_taken(walk: Flow, kb: KnowledgeBase) -> dict[ResourceKey, frozenset[str]]:
    """Lock -> what every taking of it on this side shuts out (irqs,
    bottom halves)."""
    out: dict[ResourceKey, frozenset[str]] = {}
    for t in find_lock_takings(walk):
        shut = kb.lock_context(t.variant) & _SHIELDS
        out[t.key] = out[t.key] & shut if t.key in out else shut
    return out


def _unshielded_now(flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    old, new = flow.old, flow.new
    if old is None or new is None or _returns_callback_result(new, kb):
        return
    before = _shields_taken(old, kb)
    after = _shields_taken(new, kb)
    body_ctx, _why = _where(flow, Side.NEW)
    for t in find_lock_takings(new):
        dropped = before.get(t.key, frozenset()) - after.get(t.key, frozenset())
        if not t.key.name or not dropped:
            continue
        have = kb.lock_context(t.variant) | body_ctx | held_contexts(kb, new.visits.get(t.node, []), t.key)
        missing = dropped - have
        if "irq-off" in have:
            missing -= {"bh-off"}  # no softirq runs on this CPU with irqs off
        if not missing:
            continue
        was = next((o for o in find_lock_takings(old) if o.key == t.key and kb.lock_context(o.variant) & missing), None)
        if was is None:
            continue
        before_text = next((c.display for c in node_calls(old.cfg.nodes[was.node])), None)
        rewrite = _rewrite(new, t, kb, was.variant)
        if before_text is None or rewrite is None:
            continue
        line = new.cfg.nodes[t.node].line
        what = " and ".join(_WHAT[c] for c in sorted(missing))
        yield Report(
            line,
            f"{rewrite[0]} takes {t.key}, which the old code took with {before_text} (old line "
            f"{old.cfg.nodes[was.node].line}): {what} now stay on while it is held, so an interrupt or softirq "
            f"path that takes {t.key} too can come in on this CPU and spin on it for ever",
            f"keep {rewrite[1]}, or say in the commit message why nothing that runs with {what} off takes {t.key}",
            "a lock shared with an interrupt or softirq must be taken with it shut out everywhere else; "
            "the handler that takes it is rarely in the lines a patch shows",
            Confidence.MEDIUM,
        )


@rule("RK310", category="irq-workaround", severity=Severity.WARNING)
def irq_protection_dropped(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock the old code took with irqs (or bottom halves) off is now taken with them on.

    What it flags:
        ``spin_lock_irqsave()`` (or ``spin_lock_irq()``, ``spin_lock_bh()``,
        their guards) turned into a variant that leaves irqs (bottom
        halves) on, ``spin_lock()`` above all, in a function that does not
        run with them off already: no registration or lock the code shows
        turns them off, and it returns no value of an irq handler or a
        timer callback.

    Why it matters:
        The irq-off variant is there because an interrupt or softirq path
        takes the same lock; with it gone, that path can interrupt the
        holder on its own CPU and spin on the lock for ever. Lockdep
        reports it as "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage".

    Example:
        Okay: int f(struct d *d) { unsigned long flags; spin_lock_irqsave(&d->l, flags); d->n++; spin_unlock_irqrestore(&d->l, flags); return 0; } ==> int f(struct d *d) { unsigned long flags; spin_lock_irqsave(&d->l, flags); d->n += 2; spin_unlock_irqrestore(&d->l, flags); return 0; }
        Okay: irqreturn_t f(int irq, void *p) { struct d *d = p; unsigned long flags; spin_lock_irqsave(&d->l, flags); d->n++; spin_unlock_irqrestore(&d->l, flags); return IRQ_HANDLED; } ==> irqreturn_t f(int irq, void *p) { struct d *d = p; spin_lock(&d->l); d->n++; spin_unlock(&d->l); return IRQ_HANDLED; }
        RK310: int f(struct d *d) { unsigned long flags; spin_lock_irqsave(&d->l, flags); d->n++; spin_unlock_irqrestore(&d->l, flags); return 0; } ==> int f(struct d *d) { spin_lock(&d->l); d->n++; spin_unlock(&d->l); return 0; }

    Suggested change:
        Keep the irq-off variant, or say in the commit message why no
        interrupt or softirq path takes the lock.

    Knowledge used:
        ``[[lock]]`` contexts, ``[[atomic_callback]]`` and
        ``[[atomic_member]]`` contexts, ``[[callback_result]]`` (values
        only callbacks of unknown context return).

    Limits:
        Only variants that change under the patch; a lock taken with irqs
        on from the start is RK306's, and only when the handler is shown.
    """
    yield from _unshielded_now(flow, kb)
