"""Path-sensitive walk over one function's CFG: which locks and references
are held where, and in what state each path leaves the function.

States are the held counts per resource key plus the truth values of simple
boolean locals that the path has committed to (``clearlru =
TestClearPageLRU(page)`` is unknown; the TRUE edge of ``if (clearlru)``
makes it true, so a later ``if (clearlru)`` follows only its TRUE edge).
Loops are taken zero or one time; paths whose states are equal merge. After
``bound`` visited (node, state) pairs, or once the states it has stepped
through held more than ``WORK_BOUND`` resources in all (each step hashes and
copies its state), the walk stops and says so: the rules then report "not
analysed" rather than guess, or hang (5,000 spin_lock() calls in one
function took 75 s, tests/data/fuzz-found/probes/min-09-lock-dataflow-quadratic).
"""

from __future__ import annotations

import re
import dataclasses
from dataclasses import dataclass, field
from typing import Iterable

from reviewkit.model import Cfg, CfgEdge, CfgNode, EdgeKind, NodeKind
from reviewkit.rules.extract import Call, Cond, Stmt, parse_condition, parse_statement
from reviewkit.rules.knowledge import KnowledgeBase, Op, OpKind, Success, op_key_name
from reviewkit.rules.resources import ResourceKey, normalise_key

DEFAULT_BOUND = 10_000
WORK_BOUND = 50_000  # the corpus needs at most some 400 (move_pages_to_lru)
_CONSTANTS = {"true": True, "1": True, "false": False, "0": False, "NULL": False}


def replace(obj, /, **changes):
    """``dataclasses.replace`` for the walk's records (Held, State,
    ResourceKey): a copy of the instance dict with ``changes``, six times
    faster; the walk makes thousands of them (5,300 for
    tests/data/corpus/threads/lru-lock-v16.mbox). A class with slots, a
    ``__post_init__`` or a field outside ``__init__`` goes the slow way.

    Raises:
        TypeError: a name in ``changes`` is not a field.
    """
    names = _PLAIN_FIELDS.get(type(obj))
    if names is None:
        names = _PLAIN_FIELDS[type(obj)] = _plain_fields(type(obj))
    if not names or not names.issuperset(changes):
        return dataclasses.replace(obj, **changes)
    new = object.__new__(type(obj))
    d = new.__dict__
    d.update(obj.__dict__)
    d.update(changes)
    return new


_PLAIN_FIELDS: dict[type, frozenset[str]] = {}


def _plain_fields(cls: type) -> frozenset[str]:
    """The field names of ``cls`` when copying its dict is a right replace(), else empty."""
    fields = dataclasses.fields(cls)
    if hasattr(cls, "__slots__") or hasattr(cls, "__post_init__") or not all(f.init for f in fields):
        return frozenset()
    return frozenset(f.name for f in fields)


class NotAnalysed(Exception):
    """The function has more distinct path states than the bound allows."""


@dataclass(frozen=True, order=True)
class Held:
    """One resource on one path: how often it is held and how it got there."""

    key: ResourceKey
    variant: str  # lock variant id / ref id / guard class
    count: int
    sites: frozenset[int] = frozenset()  # node ids of the acquires
    scoped: bool = False  # released automatically (guard(), __free(), scoped iterator)
    until_line: int = 0  # for guard(): the last line of its scope (0: function end)
    iter_loop: int = -1  # for iterator references: the loop head node id
    left_at: int = -1  # the node where the path left that loop early
    escaped: bool = False  # a reference returned, stored or handed to a consumer
    passed: bool = False  # a reference passed to a callee of unknown behaviour
    from_result: bool = False  # a reference that is a call's result (NULL means none)
    released: frozenset[int] = frozenset()  # node ids of releases on this path
    borrowed: bool = False  # released before any acquire: the caller's lock
    carried: bool = False  # held across a loop's back edge: later iterations name other objects
    dropped_plain: int = -1  # node of a plain unlock inside an irqsave/irq/bh section, not yet retaken


@dataclass(frozen=True)
class State:
    held: tuple[Held, ...] = ()
    facts: frozenset[tuple[str, bool]] = frozenset()
    # var -> (key, variant, is_lock, success_when_truthy, site): a conditional
    # acquire whose result sits in var until a condition tests it
    pending: tuple[tuple[str, ResourceKey, str, bool, int], ...] = ()
    unsure: frozenset[ResourceKey] = frozenset()

    def get(self, key: ResourceKey) -> Held | None:
        for h in self.held:
            if h.key == key:
                return h
        return None

    def count(self, key: ResourceKey) -> int:
        h = self.get(key)
        return h.count if h else 0

    def put(self, h: Held | None, key: ResourceKey) -> "State":
        rest = tuple(x for x in self.held if x.key != key)
        if h is not None and (h.count != 0 or h.released or h.sites):
            rest = tuple(sorted(rest + (h,)))
        return replace(self, held=rest)

    def fact(self, var: str) -> bool | None:
        if (var, True) in self.facts:
            return True
        if (var, False) in self.facts:
            return False
        return None

    def locks_held(self) -> list[Held]:
        return [h for h in self.held if h.key.is_lock and h.count > 0]


class EventKind:
    RELEASE_UNHELD = "release-unheld"
    MISMATCH = "mismatch"
    REACQUIRE = "reacquire"
    DOUBLE_PUT = "double-put"


@dataclass(frozen=True)
class Event:
    kind: str
    node: int
    key: ResourceKey
    detail: str = ""


@dataclass
class Flow:
    """What the walk saw. ``visits[n]``: the states on arrival at node n;
    ``exits``: (last node before EXIT, state at EXIT)."""

    cfg: Cfg
    visits: dict[int, list[State]] = field(default_factory=dict)
    exits: list[tuple[int, State]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    loops: dict[int, frozenset[int]] = field(default_factory=dict)  # head -> body node ids

    def held_sets(self, node_id: int) -> list[frozenset[ResourceKey]]:
        """The sets of held locks on arrival at a node, one per state."""
        return [frozenset(h.key for h in s.locks_held()) for s in self.visits.get(node_id, [])]


# ------------------------------------------------------------------ loops


def find_back_edges(cfg: Cfg) -> set[CfgEdge]:
    """BACK edges plus every edge that closes a cycle in a depth-first walk
    from ENTRY (continue, goto backwards)."""
    succ: dict[int, list[CfgEdge]] = {}
    for e in cfg.edges:
        succ.setdefault(e.src, []).append(e)
    back = {e for e in cfg.edges if e.kind is EdgeKind.BACK}
    color: dict[int, int] = {}
    stack: list[tuple[int, int]] = [(Cfg.ENTRY, 0)]
    color[Cfg.ENTRY] = 1
    while stack:
        nid, i = stack[-1]
        out = succ.get(nid, [])
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
    return back


def find_loops(cfg: Cfg, back: set[CfgEdge]) -> dict[int, frozenset[int]]:
    """Natural loops: head -> the nodes of its body (head included)."""
    pred: dict[int, list[int]] = {}
    for e in cfg.edges:
        pred.setdefault(e.dst, []).append(e.src)
    succ: dict[int, list[int]] = {}
    for e in cfg.edges:
        succ.setdefault(e.src, []).append(e.dst)
    loops: dict[int, set[int]] = {}
    for e in back:
        body = loops.setdefault(e.dst, {e.dst})
        work = [e.src]
        while work:
            n = work.pop()
            if n in body:
                continue
            body.add(n)
            work.extend(pred.get(n, []))
    for h, body in loops.items():
        head = cfg.nodes[h] if h < len(cfg.nodes) else None
        if head is None or head.kind is not NodeKind.LOOP:
            continue
        # a loop statement's body is what it encloses, also the statements
        # that never go round again (`prop = ...; break;` in
        # drivers/i2c/busses/i2c-pxa-pci.c add_i2c_device)
        work = [d for d in succ.get(h, []) if d < len(cfg.nodes) and cfg.nodes[d].loop_depth > head.loop_depth]
        while work:
            n = work.pop()
            if n in body or n >= len(cfg.nodes) or cfg.nodes[n].loop_depth <= head.loop_depth:
                continue
            body.add(n)
            work.extend(succ.get(n, []))
    return {h: frozenset(b) for h, b in loops.items()}


# ------------------------------------------------------------------ helpers


def mentions(expr: str, key: str) -> bool:
    """True when ``key`` occurs in ``expr`` as a whole expression part."""
    if not key:
        return False
    # a scan, not a regex per key: each key compiled its own pattern
    # (dozens over lru-lock-v16.mbox). ``\w`` is ``isalnum()`` or "_".
    at = expr.find(key)
    while at >= 0:
        before = expr[at - 1] if at else ""
        after = expr[at + len(key) : at + len(key) + 1]
        if not (before and (before.isalnum() or before in "_.>")) and not (after and (after.isalnum() or after == "_")):
            return True
        at = expr.find(key, at + 1)
    return False


def _base(name: str) -> str:
    """The object a key hangs off: ``obj`` for ``obj->ref``."""
    return re.split(r"->|\.|\[", name, maxsplit=1)[0]


def _commit(cond: Cond, value: bool) -> list[tuple[Cond, bool]] | None:
    """Atoms whose truth a condition's outcome fixes; None when it fixes none."""
    if cond.op == "atom":
        return [(cond, value)] if (cond.var or cond.call) else None
    if cond.op == "not":
        return _commit(cond.args[0], not value)
    if (cond.op == "and" and value) or (cond.op == "or" and not value):
        out: list[tuple[Cond, bool]] = []
        for a in cond.args:
            part = _commit(a, value)
            if part:
                out.extend(part)
        return out
    return None


def _evaluate(cond: Cond, state: State) -> bool | None:
    if cond.op == "atom":
        return state.fact(cond.var) if cond.var else None
    if cond.op == "not":
        v = _evaluate(cond.args[0], state)
        return None if v is None else not v
    vals = [_evaluate(a, state) for a in cond.args]
    if cond.op == "and":
        if any(v is False for v in vals):
            return False
        return True if all(v is True for v in vals) else None
    if any(v is True for v in vals):
        return True
    return False if all(v is False for v in vals) else None


def _calls_of(cond: Cond) -> list[Call]:
    if cond.op == "atom":
        return [cond.call] if cond.call else []
    return [c for a in cond.args for c in _calls_of(a)]


# ------------------------------------------------------------------ transfer


class Transfer:
    """What statements and condition edges do to a state, by the knowledge base."""

    def __init__(self, kb: KnowledgeBase, cfg: Cfg, loops: dict[int, frozenset[int]]) -> None:
        self.kb = kb
        self.cfg = cfg
        self.loops = loops
        self.events: set[Event] = set()
        self.tracked = _tracked_vars(cfg)
        self.initialised = _initialised_vars(cfg)

    # -- keys
    def key_for(self, op: Op, call: Call) -> ResourceKey | None:
        name = op_key_name(op, call)
        if name is None:
            return None
        return ResourceKey(op.family, name, op.is_lock)

    # -- primitive changes
    def acquire(self, st: State, key: ResourceKey, variant: str, site: int, **kw) -> State:
        h = st.get(key)
        if h is None:
            h = Held(key, variant, 0)
        if key.is_lock and h.count > 0 and key.name and not h.carried and not h.passed:
            self.events.add(Event(EventKind.REACQUIRE, site, key, variant))
        sites = h.sites | {site} if h.count >= 0 else frozenset({site})
        if h.dropped_plain >= 0 and h.count == 0:
            # retaken after a plain drop: the outer variant still rules
            # the irq state, and its release is the right one at the end
            h = replace(h, count=1, sites=sites, dropped_plain=-1, **kw)
            return st.put(h, key)
        h = replace(h, variant=variant, count=h.count + 1, sites=sites, **kw)
        return st.put(h, key)

    def release(self, st: State, key: ResourceKey, fn_name: str, site: int) -> State:
        h = st.get(key)
        if h is None:
            h = Held(key, "", 0)
        if not key.is_lock and h.sites and any(site in body and not h.sites <= body for body in self.loops.values()):
            # a put in a loop of a reference taken before it: the loop may
            # drop several references (one per enabled channel in
            # dwc_pwm_plat_remove, linux-pwm archive); counts say nothing
            st = replace(st, unsure=st.unsure | {key})
        if key.is_lock and key.name and h.count > 0 and h.variant in self.kb.locks and fn_name not in self.kb.locks[h.variant].release:
            rel = self.kb.ops.get(fn_name)
            plain = rel is not None and rel.variant in self.kb.locks and not (
                self.kb.locks[rel.variant].context - {"atomic", "sleepable"}
            )
            if plain and h.count == 1:
                # spin_unlock() inside a spin_lock_irqsave() section drops
                # the lock but keeps irqs off: fine if spin_lock() retakes
                # it (kernel/panic.c do_oops_enter_exit); judged at exit
                h = replace(h, dropped_plain=site)
            else:
                self.events.add(Event(EventKind.MISMATCH, site, key, f"{h.variant}:{fn_name}"))
        if h.count <= 0 and not h.sites:
            h = replace(h, borrowed=True)
        elif h.count <= 0 and key not in st.unsure and not h.borrowed and not h.carried and not (key.is_lock and h.passed):
            if key.is_lock and h.sites:
                self.events.add(Event(EventKind.RELEASE_UNHELD, site, key, fn_name))
            elif not key.is_lock and (h.sites or h.count < 0) and not h.scoped:
                self.events.add(Event(EventKind.DOUBLE_PUT, site, key, fn_name))
        h = replace(h, count=h.count - 1, released=h.released | {site})
        if h.count == 0:
            # an iterator's element keeps its loop: the macro drops it again
            # when it advances (see apply_edge)
            h = replace(h, escaped=False, passed=h.passed and key.is_lock, left_at=-1)
        return st.put(h, key)

    def drop(self, st: State, key: ResourceKey) -> State:
        """The resource is not held after all (a NULL result, a failed get)."""
        h = st.get(key)
        if h is None:
            return st
        return st.put(None, key)

    def mark(self, st: State, key_name: str, **kw) -> State:
        for h in st.held:
            if not h.key.is_lock and h.key.name == key_name and h.count > 0:
                st = st.put(replace(h, **kw), h.key)
        return st

    def hand_over_locks(self, st: State, expr: str) -> State:
        """A held lock whose object leaves the function (returned, stored,
        queued) goes with it: ``folio_lock(folio); ... return folio;``."""
        for h in st.held:
            if h.key.is_lock and h.count > 0 and h.key.name and not h.escaped and mentions(expr, _base(h.key.name)):
                st = st.put(replace(h, escaped=True), h.key)
        return st

    def set_fact(self, st: State, var: str, value: bool | None) -> State:
        if value is not None and var not in self.tracked:
            return st  # tested once: remembering it only splits states
        facts = frozenset(f for f in st.facts if f[0] != var)
        if value is not None:
            facts |= {(var, value)}
        return replace(st, facts=facts)

    # -- statements
    def apply_node(self, node: CfgNode, st: State) -> State:
        if node.kind in (NodeKind.ENTRY, NodeKind.EXIT, NodeKind.LABEL, NodeKind.GOTO, NodeKind.BREAK, NodeKind.CONTINUE):
            return st
        # scopes of guard() that ended before this node
        if any(h.until_line and h.until_line < node.line for h in st.held):
            st = replace(st, held=tuple(h for h in st.held if not (h.until_line and h.until_line < node.line)))
        if node.kind in (NodeKind.CONDITION, NodeKind.LOOP, NodeKind.SWITCH):
            # while ((page = get_next_page(curr))) assigns as it tests
            if "=" in node.text:
                st = self.apply_assignments(parse_statement(node.text), st, node)
            cond = parse_condition(node.text)
            atoms = {c.text for c in _calls_of(cond)}
            for call in _calls_of(cond) or self._cond_calls(node):
                op = self.kb.ops.get(call.name)
                if op is None or op.kind not in (OpKind.ACQUIRE, OpKind.RELEASE):
                    continue
                if op.kind is OpKind.ACQUIRE and not op.is_lock and call.text in atoms:
                    continue  # `if (!get_device(dev))`: the test says whether it took one (apply_edge)
                st = self.apply_call(call, op, st, node)
            return st
        stmt = parse_statement(node.text)
        return self.apply_stmt(stmt, st, node)

    def _cond_calls(self, node: CfgNode) -> list[Call]:
        from reviewkit.rules.extract import condition_calls

        return list(condition_calls(node.text))

    def apply_call(self, call: Call, op: Op, st: State, node: CfgNode, lhs: str | None = None) -> State:
        key = self.key_for(op, call)
        if op.kind is OpKind.ACQUIRE and key is not None:
            st = self.acquire(st, key, op.variant, node.id)
            # spin_lock(&pgdat->lru_lock) dereferences pgdat: from here on
            # a later `if (pgdat)` can only be true on this path
            # (tests/data/corpus/patches/118_v16-17-22-patch-posting.eml)
            m = re.match(r"^([A-Za-z_]\w*)->", key.name)
            if m:
                st = self.set_fact(st, m.group(1), True)
            return st
        if op.kind is OpKind.RELEASE and key is not None:
            return self.release(st, key, call.name, node.id)
        if op.kind is OpKind.TRY and key is not None:
            var = lhs or call.lhs
            if var:
                truthy_success = op.success is Success.NONZERO
                pending = tuple(p for p in st.pending if p[0] != var) + ((var, key, op.variant, truthy_success, node.id),)
                st = replace(st, pending=pending, unsure=st.unsure | {key})
                return self.set_fact(st, var, None)
            return replace(st, unsure=st.unsure | {key})
        if op.kind is OpKind.RETURNS:
            var = lhs or call.lhs
            if var:
                return self.acquire(st, ResourceKey(op.family, var, False), op.variant, node.id, from_result=True)
        return st

    def apply_stmt(self, stmt: Stmt, st: State, node: CfgNode) -> State:
        kb = self.kb
        free = dict(stmt.free_vars)
        st = self.apply_assignments(stmt, st, node)
        return self._apply_calls(stmt, st, node, free)

    def apply_assignments(self, stmt: Stmt, st: State, node: CfgNode) -> State:
        """What assignments do: stale facts go, constants become facts,
        and a variable given a new value no longer names what it held."""
        changed = [lv for lv, _ in stmt.assigned]
        # foo(&x) may change x
        changed += [c.arg_key(i) or "" for c in stmt.calls for i, a in enumerate(c.args) if a.startswith("&") and re.fullmatch(r"&\s*[A-Za-z_]\w*", a)]
        bit_lvs = {lv: rv for lv, _op, rv in stmt.bit_updates}
        for var in changed:
            # facts about x and about comparisons that read x are stale now;
            # `flags |= A` leaves what `flags & B` said alone
            stale = {
                f
                for f in st.facts
                if (f[0] == var or (var and mentions(f[0], var)))
                and not (var in bit_lvs and f[0].startswith(var + "&") and f[0] != f"{var}&{bit_lvs[var].lstrip('~').strip('()')}")
            }
            if stale:
                st = replace(st, facts=st.facts - stale)
        for var, rv in stmt.assigned:
            # flag = true / locked = 0: a constant the path now knows
            const = _CONSTANTS.get(rv)
            if const is not None:
                st = self.set_fact(st, var, const)
        for lv, op, rv in stmt.bit_updates:
            # priv->flags |= ID_P_PM_BLOCKED: a later `priv->flags & ID_P_PM_BLOCKED` holds
            if op == "|=":
                st = self.set_fact(st, f"{lv}&{rv}", True)
            elif rv.startswith("~"):
                st = self.set_fact(st, f"{lv}&{rv[1:].strip('()')}", False)
            if any(p[0] == var for p in st.pending):
                st = replace(st, pending=tuple(p for p in st.pending if p[0] != var))
            # `page = get_next_page(page)`: what the old value held stays
            # held, but no later text names it (mm/zsmalloc.c lock_zspage)
            # (a lock released and then renamed: kernel/workqueue.c
            # __queue_work retakes `pwq->pool->lock` for another pwq)
            if re.fullmatch(r"[A-Za-z_]\w*", var) and any((h.count > 0 or h.sites) and _base(h.key.name) == var and not h.scoped for h in st.held):
                renamed = []
                for h in st.held:
                    if (h.count > 0 or h.sites) and _base(h.key.name) == var and not h.scoped:
                        h = replace(h, key=replace(h.key, name=f"{h.key.name}@{node.line}"), carried=True)
                    renamed.append(h)
                st = replace(st, held=tuple(sorted(renamed)))
        return st

    def _apply_calls(self, stmt: Stmt, st: State, node: CfgNode, free: dict[str, str]) -> State:
        kb = self.kb
        if stmt.guard is not None:
            macro, cls, args = stmt.guard
            variant = kb.guards.get(cls)
            if macro in kb.guard_macros and variant is not None:
                st = self._guard(st, variant, args, node)
        for call in stmt.calls:
            if call.name in kb.scoped_guard_macros and len(call.args) >= 1:
                variant = kb.guards.get(call.args[0])
                if variant is not None:
                    st = self._guard(st, variant, call.args[1:], node, block=True)
                continue
            op = kb.ops.get(call.name)
            if op is not None:
                lhs = call.lhs
                if lhs is None and op.kind is OpKind.RETURNS and len(free) == 1:
                    lhs = next(iter(free))
                st = self.apply_call(call, op, st, node, lhs)
                if op.kind is OpKind.RETURNS and lhs in free:
                    st = self.mark(st, lhs, scoped=True)
                continue
            if call.name in kb.ownership:
                for a in call.args:
                    st = self.mark(st, normalise_key(a), escaped=True)
                continue
            arg_index = kb.consumers.get(call.name)
            if arg_index is not None:
                arg = call.args[arg_index] if -len(call.args) <= arg_index < len(call.args) else ""
                # list_add_tail(&page_tail->lru, list) hands page_tail over
                for h in st.held:
                    if not h.key.is_lock and h.count > 0 and mentions(arg, _base(h.key.name)):
                        st = self.mark(st, h.key.name, escaped=True)
                st = self.hand_over_locks(st, arg)
                continue
            if call.name not in kb.borrowers:
                for h in st.held:
                    if h.passed or not any(mentions(a, _base(h.key.name)) for a in call.args):
                        continue
                    if not h.key.is_lock:
                        if h.count > 0:
                            st = self.mark(st, h.key.name, passed=True)
                    elif re.fullmatch(r"[A-Za-z_]\w*", h.key.name) and (h.count > 0 or h.sites):
                        # lock_page(page); writepage(page): the object is
                        # the lock, and callees often unlock it (mm/page-writeback.c)
                        st = st.put(replace(h, passed=True), h.key)
        # stores: obj->field = np, list[i] = np, alias = np
        for lv, rv in stmt.assigned:
            if lv.startswith("*") or "->" in lv or "." in lv or "[" in lv:
                st = self.hand_over_locks(st, rv)
            for h in st.held:
                if h.key.is_lock or h.count <= 0 or lv == h.key.name:
                    continue
                if normalise_key(rv) == h.key.name or (mentions(rv, h.key.name) and rv.split("(")[0] in kb.ops):
                    st = self.mark(st, h.key.name, escaped=True)
        # a variable declared __free(CLASS) is released when it goes out of scope
        for var in free:
            st = self.mark(st, var, scoped=True)
        if stmt.returns:
            st = self.hand_over_locks(st, stmt.returns)
            for h in st.held:
                if not h.key.is_lock and h.count > 0 and mentions(stmt.returns, h.key.name):
                    st = self.mark(st, h.key.name, escaped=True)
        return st

    def _guard(self, st: State, variant: str, args: Iterable[str], node: CfgNode, block: bool = False) -> State:
        spec = self.kb.locks[variant]
        args = tuple(args)
        if spec.is_global:
            key = ResourceKey(spec.family, "", True)
        elif len(args) > spec.arg:
            key = ResourceKey(spec.family, normalise_key(args[spec.arg]), True)
        else:
            return st
        return self.acquire(st, key, variant, node.id, scoped=True, until_line=_scope_end(node, block))

    def _unsure_releases_after(self, nid: int, st: State) -> State:
        cur = nid
        for _ in range(8):
            if cur >= len(self.cfg.nodes) or cur == Cfg.EXIT:
                break
            node = self.cfg.nodes[cur]
            if node.kind is not NodeKind.STATEMENT:
                break
            for call in parse_statement(node.text).calls:
                op = self.kb.ops.get(call.name)
                if op is not None and op.kind is OpKind.RELEASE:
                    key = self.key_for(op, call)
                    if key is not None:
                        st = replace(st, unsure=st.unsure | {key})
            nxt = [e for e in self.cfg.edges if e.src == cur]
            if len(nxt) != 1:
                break
            cur = nxt[0].dst
        return st

    def _jump_after(self, nid: int, fallback: int) -> int:
        """The return/break/goto that a straight run of statements from
        ``nid`` ends in (``dev_err(...); return ret;``), else ``fallback``."""
        cur = nid
        for _ in range(12):
            if cur >= len(self.cfg.nodes) or cur == Cfg.EXIT:
                break
            node = self.cfg.nodes[cur]
            if node.kind in (NodeKind.RETURN, NodeKind.BREAK, NodeKind.GOTO):
                return cur
            if node.kind is not NodeKind.STATEMENT:
                break
            nxt = [e for e in self.cfg.edges if e.src == cur]
            if len(nxt) != 1:
                break
            cur = nxt[0].dst
        return fallback

    # -- edges
    def apply_edge(self, node: CfgNode, edge: CfgEdge, st: State, back: set[CfgEdge]) -> State | None:
        kb = self.kb
        # leaving a loop body early keeps the iterator's reference: note where
        for h in st.held:
            if h.iter_loop >= 0 and h.left_at < 0 and h.count > 0:
                body = self.loops.get(h.iter_loop, frozenset())
                if node.id in body and edge.dst not in body and not (node.id == h.iter_loop and edge.kind is EdgeKind.FALSE):
                    # `if (bad) return -EINVAL;`: the return is outside the
                    # natural loop; name the jump, not the condition
                    st = st.put(replace(h, left_at=self._jump_after(edge.dst, node.id)), h.key)
        if edge in back:
            # taken inside the loop and still held going round: the next
            # iteration's `folio` is another folio (mm/vmscan.c shrink_folio_list)
            body = self.loops.get(edge.dst, frozenset())
            if any(h.count > 0 and not h.carried and h.sites & body for h in st.held):
                st = replace(st, held=tuple(replace(h, carried=True) if h.count > 0 and h.sites & body else h for h in st.held))
        if edge in back and self.cfg.nodes[edge.dst].kind is NodeKind.LOOP:
            # the iterator macro drops the element's reference when it advances
            for h in st.held:
                if h.iter_loop != edge.dst:
                    continue
                if h.count > 0:
                    st = st.put(replace(h, count=h.count - 1, iter_loop=-1), h.key)
                else:
                    # put in the body, then `continue`: the iterator puts it
                    # again (tests/data/corpus/replies/067_leds-lp5860-lee-double-put.eml)
                    body = self.loops.get(edge.dst, frozenset())
                    puts = [n for n in h.released if n in body]
                    if puts:
                        self.events.add(Event(EventKind.DOUBLE_PUT, max(puts, key=lambda n: self.cfg.nodes[n].line), h.key, "iterator"))
                    st = st.put(replace(h, iter_loop=-1), h.key)
        if node.kind not in (NodeKind.CONDITION, NodeKind.LOOP):
            return st
        value: bool | None
        if edge.kind is EdgeKind.TRUE or (edge.kind is EdgeKind.BACK and node.kind is NodeKind.LOOP):
            value = True
        elif edge.kind is EdgeKind.FALSE:
            value = False
        else:
            value = None
        cond = parse_condition(node.text)
        if node.kind is NodeKind.LOOP:
            for call in _calls_of(cond):
                it = kb.iterators.get(call.name)
                if it is None:
                    continue
                held = call.arg_key(it.held_arg)
                if not held or it.scoped:
                    continue
                key = ResourceKey(kb.ops[it.put].family if it.put in kb.ops else "iterator", held, False)
                if value is True and edge.kind is EdgeKind.TRUE:
                    st = self.acquire(st, key, key.family, node.id, iter_loop=node.id)
                elif value is False:
                    h = st.get(key)
                    if h is not None and h.iter_loop == node.id:
                        st = st.put(replace(h, count=h.count - 1, iter_loop=-1), key)
                return st
        if value is None:
            return st
        known = _evaluate(cond, st)
        if known is not None and known != value:
            return None  # this path has already decided the other way
        commits = _commit(cond, value) or []
        if not commits:
            # `if (!np || !pctlnp) return -ENODEV;`: the TRUE edge does not
            # say which pointer was NULL, so whether a fresh reference is
            # held is unknown here (drivers/gpio/gpio-rockchip.c)
            named = _atom_vars(cond)
            for h in st.held:
                if not h.key.is_lock and h.count > 0 and (h.from_result or h.iter_loop >= 0 or h.left_at >= 0) and h.key.name in named:
                    st = replace(st, unsure=st.unsure | {h.key})
        # a state flag this path knows nothing about (`if (priv->flags &
        # ID_P_PM_BLOCKED) pm_runtime_put(dev);` after paths that never set
        # it, drivers/i2c/busses/i2c-rcar.c): what the branch releases is
        # the flag's business, not a verdict this walk can make
        if any(a.var and a.var in self.tracked and st.fact(a.var) is None and not _is_plain_flag(a.var, self) for a, _ in commits):
            st = self._unsure_releases_after(edge.dst, st)
        committed_calls = set()
        for atom, truth in commits:
            if atom.var:
                if st.fact(atom.var) is not None and st.fact(atom.var) != truth:
                    return None
                st = self.set_fact(st, atom.var, truth)
                for var, key, variant, truthy_success, site in st.pending:
                    if var == atom.var:
                        st = replace(st, pending=tuple(p for p in st.pending if p[0] != var), unsure=st.unsure - {key})
                        if truth == truthy_success:
                            st = self.acquire(st, key, variant, site)
                if not truth:
                    # a NULL pointer holds no reference
                    for h in list(st.held):
                        if not h.key.is_lock and h.key.name == atom.var and h.count > 0 and (h.from_result or h.iter_loop >= 0 or h.left_at >= 0):
                            st = self.drop(st, h.key)
            elif atom.call is not None:
                call = atom.call
                committed_calls.add(call.text)
                op = kb.ops.get(call.name)
                if op is not None and (op.kind is OpKind.TRY or (op.kind is OpKind.ACQUIRE and not op.is_lock)):
                    # a get whose result is tested returns NULL when it took
                    # nothing (drivers/pwm/core.c `if (!get_device(&chip->dev))`)
                    key = self.key_for(op, call)
                    if key is not None and truth == (op.success is Success.NONZERO):
                        st = self.acquire(st, key, op.variant, node.id)
                elif call.name in kb.error_checks and truth:
                    k = call.arg_key(0)
                    for h in list(st.held):
                        if h.from_result and h.key.name == k:
                            st = self.drop(st, h.key)
        for call in _calls_of(cond):
            op = kb.ops.get(call.name)
            if op is not None and op.kind is OpKind.TRY and call.text not in committed_calls:
                key = self.key_for(op, call)
                if key is not None:
                    st = replace(st, unsure=st.unsure | {key})
        return st


def _is_plain_flag(var: str, tr: "Transfer") -> bool:
    """A local the function itself initialises before testing (``bool
    locked = false``): its unknown value is a real either-way, unlike a
    field whose value came from elsewhere."""
    return var in tr.initialised


def _atom_vars(cond: Cond) -> set[str]:
    if cond.op == "atom":
        return {cond.var} if cond.var else set()
    return {v for a in cond.args for v in _atom_vars(a)}


def _tracked_vars(cfg: Cfg) -> frozenset[str]:
    """Variables tested by two or more conditions: only their values can
    correlate branches, so only they are remembered along a path."""
    seen: dict[str, int] = {}
    constant: set[str] = set()
    for node in cfg.nodes:
        if node.kind in (NodeKind.CONDITION, NodeKind.LOOP):
            for v in _atom_vars(parse_condition(node.text)):
                seen[v] = seen.get(v, 0) + 1
        elif node.kind is NodeKind.RETURN and node.text:
            # `if (!timeout) break; ... return timeout;`: what the caller
            # learns from the result is worth keeping (kernel/umh.c)
            ret = parse_statement(node.text).returns
            if ret and re.fullmatch(r"[A-Za-z_]\w*", ret):
                constant.add(ret)
        elif node.kind is NodeKind.STATEMENT and node.text:
            # `locked = true;` ... `if (locked)`: the assignment correlates too
            stmt = parse_statement(node.text)
            constant |= {lv for lv, rv in stmt.assigned if rv in _CONSTANTS}
            constant |= {f"{lv}&{rv.lstrip('~').strip('()')}" for lv, _op, rv in stmt.bit_updates}
    return frozenset(v for v, n in seen.items() if n >= 2 or v in constant)


def _initialised_vars(cfg: Cfg) -> frozenset[str]:
    """Locals declared with a value (``bool locked = false;``) and plain
    variables (not fields) that the function assigns."""
    out: set[str] = set()
    for node in cfg.nodes:
        if node.kind is NodeKind.STATEMENT and node.text:
            for lv, _rv in parse_statement(node.text).assigned:
                if re.fullmatch(r"[A-Za-z_]\w*", lv):
                    out.add(lv)
    return frozenset(out)


def _scope_end(node: CfgNode, block: bool) -> int:
    """The last line of the scope a guard holds for (0 when unknown: the
    whole function)."""
    ts = node.ts_node
    if ts is None:
        return 0
    offset = node.line - (ts.start_point.row + 1)
    if block:
        # scoped_guard(...) { }: the block is the head statement's next sibling
        n = ts
        while n is not None and n.next_named_sibling is None and n.parent is not None and n.parent.type != "compound_statement":
            n = n.parent
        sib = n.next_named_sibling if n is not None else None
        while n is not None and sib is None and n.parent is not None:
            n = n.parent
            sib = n.next_named_sibling
        if sib is not None and sib.type == "compound_statement":
            return sib.end_point.row + 1 + offset
        return 0
    n = ts.parent
    while n is not None and n.type != "compound_statement":
        n = n.parent
    if n is None or n.parent is None or n.parent.type == "function_definition":
        return 0
    return n.end_point.row + 1 + offset


# ------------------------------------------------------------------ the walk


def explore(cfg: Cfg, kb: KnowledgeBase, *, bound: int = DEFAULT_BOUND) -> Flow:
    """Walk every path of ``cfg`` (loops zero or one time), merging equal states.

    Raises:
        NotAnalysed: more than ``bound`` distinct (node, state) pairs.
    """
    back = find_back_edges(cfg)
    loops = find_loops(cfg, back)
    flow = Flow(cfg, loops=loops)
    tr = Transfer(kb, cfg, loops)
    succ: dict[int, list[CfgEdge]] = {}
    for e in cfg.edges:
        succ.setdefault(e.src, []).append(e)
    seen: set = set()
    visited: set = set()
    exits: set = set()
    work: list[tuple[int, State, frozenset]] = [(Cfg.ENTRY, State(), frozenset())]
    held_steps = 0
    while work:
        nid, st, taken = work.pop()
        held_steps += 1 + len(st.held)
        if held_steps > WORK_BOUND:
            raise NotAnalysed(f"{cfg.function}: its path states hold more than {WORK_BOUND:,} resources in all "
                              f"({len(st.held)} at line {cfg.nodes[nid].line if nid < len(cfg.nodes) else '?'})")
        item = (nid, st, taken)
        if item in seen:
            continue
        seen.add(item)
        if len(seen) > bound:
            raise NotAnalysed(f"{cfg.function}: more than {bound} path states")
        if nid < len(cfg.nodes) and nid != Cfg.EXIT:
            line = cfg.nodes[nid].line
            if any(h.until_line and h.until_line < line for h in st.held):
                # the guard's scope ended before this statement
                st = replace(st, held=tuple(h for h in st.held if not (h.until_line and h.until_line < line)))
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
        loop_done = any(e.dst == nid for e in taken)
        for edge in succ.get(nid, []):
            taken2 = taken
            if edge in back:
                if edge in taken:
                    continue
                taken2 = taken | {edge}
            if loop_done and node.kind is NodeKind.LOOP and edge.kind is EdgeKind.TRUE:
                continue  # zero or one time
            st3 = tr.apply_edge(node, edge, st2, back)
            if st3 is None:
                continue
            if edge.dst == Cfg.EXIT:
                for h in st3.held:
                    if h.dropped_plain >= 0:
                        rel = parse_statement(cfg.nodes[h.dropped_plain].text).calls
                        name = next((c.name for c in rel if c.name in kb.ops), "")
                        tr.events.add(Event(EventKind.MISMATCH, h.dropped_plain, h.key, f"{h.variant}:{name}"))
                # guards and __free() variables release themselves
                st3 = replace(st3, held=tuple(h for h in st3.held if not (h.scoped and h.key.is_lock)))
                if (nid, st3) not in exits:
                    exits.add((nid, st3))
                    flow.exits.append((nid, st3))
            work.append((edge.dst, st3, taken2))
    flow.events = sorted(tr.events, key=lambda e: (e.node, e.kind, e.key))
    return flow
