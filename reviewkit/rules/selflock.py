"""A call, with a lock held, of a function that takes that lock itself (RK112)."""

from __future__ import annotations

from typing import Iterator, NamedTuple

from reviewkit.model import ChangedFunction, Confidence, FunctionStatus, FunctionView, Severity, Side
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import Call, find_param_names
from reviewkit.rules.flows import FunctionFlows, PatchFlows
from reviewkit.rules.knowledge import KnowledgeBase, LockTaker
from reviewkit.rules.queries import find_acquire_sites, find_contract, find_lock_takings, introduced, node_calls, reached_nodes
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import MEMBER_PATH, base_of, lock_of_argument, normalise_key, variant_names

def _taker_of(walk: Flow, view: FunctionView, kb: KnowledgeBase) -> LockTaker | None:
    """The lock of a parameter a function the patch shows takes and drops
    again on every exit the walk sees (a ``guard()``'s scope ends with the
    function), with the one function it calls holding it when their names
    hold one another; None if none."""
    exits = walk.exits
    takings = find_lock_takings(walk) if exits else []
    # the names come from parsing the whole function: only for one that takes a lock
    params = find_param_names(view.source) if takings else ()
    if not params:
        return None
    for taking in takings:
        key = taking.key
        root = base_of(key.name)
        rest = key.name[len(root):]
        if root not in params or not MEMBER_PATH.fullmatch(rest):
            continue
        if any((h := st.get(key)) is not None and h.count > 0 and not h.scoped for _nid, st in exits):
            continue  # a wrapper that returns holding it, or a path that leaks it
        inside = {c.name for node, states in reached_nodes(walk) if any(st.count(key) > 0 for st in states)
                  for c in node_calls(node) if c.name not in kb.ops and c.name not in kb.scope_neutral
                  and c.name not in kb.guard_macros and c.name not in kb.scoped_guard_macros}
        twin = next(iter(inside)) if len(inside) == 1 else ""
        return LockTaker(view.function.name, kb.guards.get(taking.variant, taking.variant), key.family,
                         params.index(root), rest, twin if variant_names(view.function.name, twin) else "",
                         f"{view.function.file}:{view.function.start}, shown in this patch")
    return None


def find_patch_takers(run: PatchFlows, side: Side) -> dict[str, LockTaker]:
    """The functions of the patch (on ``side``) that take a lock of a
    parameter and drop it again: the patch's own helpers, known without a
    database; read once per run."""
    out: dict[str, LockTaker] = {}
    for ff in run.functions:
        view = ff.view(side)
        if view is None or view.cfg is None:
            continue
        walk = ff.walked(side)
        if walk is None:
            continue
        found = _taker_of(walk, view, run.kb)
        if found is not None:
            out[ff.fn.name] = found
    return out


class Held(NamedTuple):
    """A lock held at a call: its key's name, its family ("" when a
    contract names it), and why it is held."""

    name: str
    family: str
    line: int  # where it was taken (0: the function is called with it held)
    how: str  # "taken at line N", "asserted held at line N", "annotated __must_hold()"


def _held_at(walk: Flow, view: FunctionView, kb: KnowledgeBase) -> dict[int, list[Held]]:
    """Node id -> the locks held there on every path the walk saw, and the
    locks the function says it is called with (``__must_hold()``,
    ``lockdep_assert_held()``) where no path has released them."""
    cfg = walk.cfg
    contract = [Held(k, "", 0, f"annotated as called with {k} held") for k in find_contract(view, ("must_hold", "releases"))]
    for node in cfg.nodes:
        for call in node_calls(node):
            arg = kb.held_asserts.get(call.name)
            if arg is not None and arg < len(call.args):
                contract.append(Held(normalise_key(call.args[arg]), "", node.line, f"asserted held at line {node.line}"))
    out: dict[int, list[Held]] = {}
    for node, states in reached_nodes(walk):
        sets = [{h.key: h for h in st.locks_held() if h.key not in st.unsure} for st in states]
        common = set(sets[0]).intersection(*sets[1:]) if sets else set()
        here = []
        for key in common:
            sites = [s for st in sets for s in st[key].sites]
            line = min((cfg.nodes[s].line for s in sites), default=0)
            here.append(Held(key.name, key.family, line, f"taken at line {line}" if line else "held"))
        released = {h.key.name for st in states for h in st.held if h.key.is_lock and (h.count < 0 or h.released)}
        here += [c for c in contract if c.name not in released and c.name not in {h.name for h in here}]
        if here:
            out[node.id] = here
    return out


def _takers(flow: FunctionFlows, side: Side, kb: KnowledgeBase) -> dict[str, LockTaker]:
    """What the rule knows takes a lock: the knowledge base's, under the
    patch's own functions of ``side``."""
    return {**kb.lock_takers, **flow.run.shared_walks(find_patch_takers, side)}


def _report(call: Call, taker: LockTaker, lock: str, held: Held, line: int) -> Report:
    twin = f"{taker.unlocked}()" if taker.unlocked else "the variant that expects the lock held"
    return Report(
        line,
        f"{call.name}() takes {lock} itself and it is held here ({held.how}): this deadlocks",
        f"call {twin} here, or drop {lock} before the call",
        f"a {held.family or taker.family} is not recursive: taking it again on the same path waits for itself"
        + (f" ({call.name}() takes it: {taker.note})" if taker.note else ""),
    )


def _proven(walk: Flow | None, view: FunctionView | None, flow: FunctionFlows, side: Side,
            kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    """(callee, lock) -> the report, for each call whose callee takes a
    lock the walk holds there."""
    out: dict[tuple[str, str], Report] = {}
    if walk is None or view is None:
        return out
    takers = _takers(flow, side, kb)
    held_at: dict[int, list[Held]] | None = None
    for node, _states in reached_nodes(walk):
        for call in node_calls(node):
            taker = takers.get(call.name)
            if taker is None or call.name == flow.fn.name or taker.arg >= len(call.args):
                continue
            lock = lock_of_argument(call.args[taker.arg], taker.member)
            if lock is None:
                continue
            if held_at is None:
                held_at = _held_at(walk, view, kb)
            for held in held_at.get(node.id, ()):
                if held.name == lock and held.family in ("", taker.family):
                    out.setdefault((call.name, lock), _report(call, taker, lock, held, node.line))
    return out


def _gap(flow: FunctionFlows, line: int) -> tuple[int, int]:
    """The old-side lines between the shared lines around new ``line``:
    where the lines an added line replaces stood (the whole old function
    where the patch's line map is not at hand)."""
    fn = flow.fn
    assert fn.old is not None
    facts = flow.run.file_facts(fn.file)
    if facts is None or not facts.old_to_new:
        return fn.old.function.start, fn.old.function.end
    above = [(n, o) for o, n in facts.old_to_new.items() if n < line]
    below = [(n, o) for o, n in facts.old_to_new.items() if n > line]
    return (max(above)[1] if above else fn.old.function.start, min(below)[1] if below else fn.old.function.end)


def _locks_itself(run: PatchFlows, name: str, member: str, kb: KnowledgeBase) -> bool:
    """Whether the old code of ``name``, as far as the patch shows it,
    takes or drops a lock ``member`` of a parameter itself (the acquire
    may lie above the hunk, the release in it), or may: a function the
    patch changes is no longer what its old callers called (linux-pwm:
    "hwmon: pwm-fan: split __set_pwm into locked/unlocked functions"
    makes the old locking __set_pwm() the unlocked one)."""
    ff = run.named(Side.OLD).get(name)
    view = ff.view(Side.OLD) if ff is not None else None
    if ff is not None and ff.fn.status is FunctionStatus.CHANGED:
        return True
    if view is None or view.cfg is None:
        return False
    params = find_param_names(view.source)
    for node in view.cfg.nodes:
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            if op is None or not op.is_lock or op.arg is None or op.arg >= len(call.args):
                continue
            key = normalise_key(call.args[op.arg])
            if base_of(key) in params and key.endswith(member[2:] if member.startswith("->") else member[1:]):
                return True
    return False


def _swapped(flow: FunctionFlows, kb: KnowledgeBase, reported: set[tuple[str, str]]) -> Iterator[Report]:
    """Calls the patch switches from the variant that expects a lock held
    to the one that takes it, where the old code did not take the lock
    around the call itself: the caller holds it, as far as the patch tells."""
    fn, old, new = flow.fn, flow.old, flow.new
    if old is None or new is None or fn.old is None:
        return
    takers = _takers(flow, Side.NEW, kb)
    old_takers = flow.run.shared_walks(find_patch_takers, Side.OLD)
    own = {k.name for k in find_acquire_sites(new, kb)}
    holder = "this function's caller" if new.cfg.complete else "the lines above the hunk or this function's caller"
    for node, _states in reached_nodes(new):
        if node.line not in fn.added_lines:
            continue
        for call in node_calls(node):
            taker = takers.get(call.name)
            if taker is None or call.name == fn.name or taker.arg >= len(call.args):
                continue
            lock = lock_of_argument(call.args[taker.arg], taker.member)
            if lock is None or (call.name, lock) in reported or lock in own:
                continue  # the function takes the lock itself elsewhere: its callers do not hold it
            old_taker = old_takers.get(call.name)
            twins = {taker.unlocked} | ({old_taker.unlocked} if old_taker is not None else set())
            twins.discard("")
            lo, hi = _gap(flow, node.line)
            for onode, ostates in reached_nodes(old):
                if not lo <= onode.line <= hi or onode.line not in fn.removed_lines:
                    continue
                if any(h.key.name == lock and h.count > 0 for st in ostates for h in st.held):
                    continue  # the old code took the lock around it itself
                # a variant that took the lock itself in the old code is not
                # one that expects it held
                ocall = next((c for c in node_calls(onode) if c.name in twins and c.name not in kb.lock_takers
                              and not _locks_itself(flow.run, c.name, taker.member, kb)
                              and any(base_of(normalise_key(a)) == base_of(lock) for a in c.args)), None)
                if ocall is None:
                    continue
                reported.add((call.name, lock))
                yield Report(
                    node.line,
                    f"{call.name}() takes {lock} itself, where the old code called {ocall.name}(), the variant "
                    f"that expects it held: if {lock} is held here (by {holder}), this deadlocks",
                    f"keep {ocall.name}() if the caller holds {lock}; else say in the commit message why the lock "
                    f"is free here",
                    "a variant that expects the lock held is called where the lock is held; the one that takes "
                    "the lock itself waits for it there forever"
                    + (f" ({call.name}() takes it: {taker.note})" if taker.note else ""),
                    Confidence.MEDIUM,
                    severity=Severity.WARNING,
                )
                break


@rule("RK112", category="lock-pairing", severity=Severity.ERROR)
def lock_taken_again(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A call, with a lock held, of a function that takes that lock itself.

    What it flags:
        A call of a function that takes a lock of its argument and drops
        it before returning (``adis_write_reg(adis, ...)`` takes
        ``adis->state_lock``), where the caller holds that lock on every
        path: taken above in the function, or the function is annotated
        ``__must_hold()`` or asserts it with ``lockdep_assert_held()``.
        The argument decides the lock: ``&st->adis`` reaches
        ``st->adis.state_lock``. Also a call the patch switches from the
        variant that expects the lock held (``__adis_write_reg()``) to the
        one that takes it, where the old code did not take the lock
        itself around the call: a warning, the caller's lock inferred.

    Why it matters:
        A mutex or spinlock is not recursive: the callee waits for the
        lock its own caller holds, forever (lockdep: "possible recursive
        locking detected").

    Example:
        Okay: void f(struct d *d) { mutex_lock(&d->m); __set(d); mutex_unlock(&d->m); }
        ... void set(struct d *d) { mutex_lock(&d->m); __set(d); mutex_unlock(&d->m); }
        Okay: void f(struct d *d) { mutex_lock(&d->m); d->n = 0; mutex_unlock(&d->m); set(d); }
        ... void set(struct d *d) { mutex_lock(&d->m); __set(d); mutex_unlock(&d->m); }
        RK112: void f(struct d *d) { mutex_lock(&d->m); set(d); mutex_unlock(&d->m); }
        ... void set(struct d *d) { mutex_lock(&d->m); __set(d); mutex_unlock(&d->m); }
        RK112: void f(struct d *d) { lockdep_assert_held(&d->m); set(d); }
        ... void set(struct d *d) { guard(mutex)(&d->m); __set(d); }

    Suggested change:
        Call the variant that expects the lock held (``__adis_write_reg()``),
        or drop the lock before the call.

    Knowledge used:
        ``[[takes_lock]]``: functions that take a lock of their argument
        and release it before returning, learned from a kernel tree
        (``reviewkit knowledge build``: directly, or through a callee they
        hand the argument to) and read off the functions the patch shows;
        ``[[held_assert]]`` (``lockdep_assert_held()``); ``[[lock]]`` and
        ``[[guard]]`` for what the walk holds.

    Limits:
        Only locks reached from a parameter (``p->lock``), and only one
        level of the patch's own functions (a database goes deeper). A
        lock the function's callers hold is seen only through an
        annotation, an assertion, or a switch of variants; on a window of
        the hunks, a lock taken above the lines shown is not seen.
    """
    found = _proven(flow.old, fn.old, flow, Side.OLD, kb)
    fresh = _proven(flow.new, fn.new, flow, Side.NEW, kb)
    reported = set(fresh)
    complete = flow.new is not None and flow.new.cfg.complete
    for report in introduced(found, fresh):
        sure = complete or report.line in fn.added_lines
        yield report if sure else report._replace(severity=Severity.WARNING, confidence=Confidence.MEDIUM)
    yield from _swapped(flow, kb, reported)
