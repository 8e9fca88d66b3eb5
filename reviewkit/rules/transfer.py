"""What statements and condition edges do to a path's state, by the
knowledge base: acquires and releases (variants, trylocks, references a
call returns), escapes and hand-overs, guard() and __free() scopes,
iterator references, and the facts a condition commits the path to.
"""

from __future__ import annotations

import re
from itertools import chain, islice
from typing import Iterable, Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, CfgEdge, CfgNode, EdgeKind, NodeKind
from reviewkit.rules.conditions import CONSTANTS, atom_vars, calls_of, committed_atoms, evaluate, initialised_vars, tracked_vars, unwrap_tests
from reviewkit.rules.extract import Call, Cond, Stmt, find_automatic_names, parse_condition, parse_statement
from reviewkit.rules.knowledge import KnowledgeBase, Op, OpKind, Success, op_key_name
from reviewkit.rules.resources import ResourceKey, base_of, mentions, normalise_key
from reviewkit.rules.state import Event, EventKind, Held, Pending, State

_SIZEOF = re.compile(r"\bsizeof\s*\(\s*\*?\s*[A-Za-z_]\w*\s*\)")


class Transfer:
    """What statements and condition edges do to a state, by the knowledge base."""

    def __init__(self, kb: KnowledgeBase, cfg: Cfg) -> None:
        self.kb = kb
        self.cfg = cfg
        self.graph = graph_of(cfg)
        self.loops = self.graph.loops
        self.events: set[Event] = set()
        self.tracked = tracked_vars(cfg, kb.steady_tests)
        self.initialised = initialised_vars(cfg)
        entry = cfg.nodes[Cfg.ENTRY].ts_node if cfg.complete and cfg.nodes else None
        # the names the function declares with automatic storage (None when
        # it is not seen whole: an undeclared name may be a local not shown)
        self.automatic = find_automatic_names(entry) if entry is not None and entry.type == "function_definition" else None
        self.free_scopes = _free_scopes(cfg)

    def outlives(self, var: str) -> bool:
        """``var`` is a variable of static storage (file scope, a static
        local): what it is given stays when the function returns."""
        return self.automatic is not None and re.fullmatch(r"[A-Za-z_]\w*", var) is not None and var not in self.automatic

    def condition(self, text: str) -> Cond:
        """The boolean shape of a condition, a ``WARN_ON(!np)`` read as the test of ``!np``."""
        return unwrap_tests(parse_condition(text), self.kb.test_wrappers)

    # -- keys
    def key_for(self, op: Op, call: Call) -> ResourceKey | None:
        name = op_key_name(op, call)
        if name is None:
            return None
        return ResourceKey(op.family, name, op.is_lock)

    def unsure_of(self, st: State, op: Op, call: Call) -> State:
        """``st``, no longer sure whether the resource ``call`` names is held."""
        key = self.key_for(op, call)
        return st if key is None else st._replace(unsure=st.unsure | {key})

    # -- primitive changes
    def acquire(self, st: State, key: ResourceKey, variant: str, site: int, **kw) -> State:
        h = st.get(key)
        if h is None:
            h = Held(key, variant, 0)
        if key.is_lock and h.count > 0 and key.name and not h.carried and not h.passed:
            self.events.add(Event(EventKind.REACQUIRE, site, key, variant=variant))
        sites = h.sites | {site} if h.count >= 0 else frozenset({site})
        if h.dropped_plain >= 0 and h.count == 0:
            # retaken after a plain drop: the outer variant still rules
            # the irq state, and its release is the right one at the end
            h = h._replace(count=1, sites=sites, dropped_plain=-1, **kw)
            return st.put(h, key)
        h = h._replace(variant=variant, count=h.count + 1, sites=sites, **kw)
        return st.put(h, key)

    def release(self, st: State, key: ResourceKey, fn_name: str, site: int) -> State:
        h = st.get(key)
        if h is None:
            h = Held(key, "", 0)
        if not key.is_lock and h.sites and any(site in body and not h.sites <= body for body in self.loops.values()):
            # a put in a loop of a reference taken before it: the loop may
            # drop several references (one per enabled channel in
            # dwc_pwm_plat_remove, linux-pwm archive); counts say nothing
            st = st._replace(unsure=st.unsure | {key})
        if key.is_lock and key.name and h.count > 0 and h.variant in self.kb.locks and fn_name not in self.kb.locks[h.variant].release:
            rel = self.kb.ops.get(fn_name)
            plain = rel is not None and rel.variant in self.kb.locks and not (
                self.kb.locks[rel.variant].context - {"atomic", "sleepable"}
            )
            if plain and h.count == 1:
                # spin_unlock() inside a spin_lock_irqsave() section drops
                # the lock but keeps irqs off: fine if spin_lock() retakes
                # it (kernel/panic.c do_oops_enter_exit); judged at exit
                h = h._replace(dropped_plain=site)
            else:
                self.events.add(Event(EventKind.MISMATCH, site, key, call=fn_name, variant=h.variant))
        if h.count < 0 and not h.sites and not h.carried and key not in st.unsure:
            # released again on a path that never took it: whatever the
            # caller held, it held it once (`unlock(&l); unlock(&l);`)
            kind = EventKind.RELEASE_UNHELD if key.is_lock else EventKind.DOUBLE_PUT
            self.events.add(Event(kind, site, key, call=fn_name, variant=h.unregistered))
        if h.count <= 0 and not h.sites:
            h = h._replace(borrowed=True)
        elif h.count <= 0 and key not in st.unsure and not h.borrowed and not h.carried and not (key.is_lock and h.passed):
            if key.is_lock and h.sites:
                self.events.add(Event(EventKind.RELEASE_UNHELD, site, key, call=fn_name))
            elif not key.is_lock and (h.sites or h.count < 0) and not h.scoped:
                self.events.add(Event(EventKind.DOUBLE_PUT, site, key, call=fn_name))
        h = h._replace(count=h.count - 1, released=h.released | {site})
        if h.count == 0:
            # an iterator's element keeps its loop: the macro drops it again
            # when it advances (see apply_edge)
            h = h._replace(escaped=False, kept=False, passed=h.passed and key.is_lock, left_at=-1)
        return st.put(h, key)

    def unregister(self, st: State, ref_id: str, call: Call, node: CfgNode) -> State:
        """An unregister that drops the reference the plain get gave
        (``[[ref]]`` unregister): with no reference of the path's own on
        the object, it drops the one the caller holds, so a put after it
        drops one too many; with one of its own (taken to keep the object
        past the unregister), that one is still held."""
        spec = self.kb.refs[ref_id]
        put = self.kb.ops.get(spec.put[0]) if spec.put else None
        key = self.key_for(put, call) if put is not None else None
        if key is None:
            return st
        h = st.get(key)
        if key in st.unsure or (h is not None and (h.count > 0 or h.sites)):
            return st
        st = self.release(st, key, call.name, node.id)
        h = st.get(key)
        return st if h is None else st.put(h._replace(unregistered=call.name), key)

    def drop(self, st: State, key: ResourceKey) -> State:
        """The resource is not held after all (a NULL result, a failed get)."""
        h = st.get(key)
        if h is None:
            return st
        return st.put(None, key)

    def mark(self, st: State, key_name: str, **kw) -> State:
        for h in st.held:
            if not h.key.is_lock and h.key.name == key_name and h.count > 0:
                st = st.put(h._replace(**kw), h.key)
        return st

    def hand_over_locks(self, st: State, expr: str) -> State:
        """A held lock whose object leaves the function (returned, stored,
        queued) goes with it: ``folio_lock(folio); ... return folio;``."""
        for h in st.held:
            if h.key.is_lock and h.count > 0 and h.key.name and not h.escaped and mentions(expr, base_of(h.key.name)):
                st = st.put(h._replace(escaped=True), h.key)
        return st

    def set_fact(self, st: State, var: str, value: bool | None) -> State:
        if value is not None and var not in self.tracked:
            return st  # tested once: remembering it only splits states
        facts = frozenset(f for f in st.facts if f[0] != var)
        if value is not None:
            facts |= {(var, value)}
        return st._replace(facts=facts)

    # -- statements
    def apply_node(self, node: CfgNode, st: State) -> State:
        if node.kind in (NodeKind.ENTRY, NodeKind.EXIT, NodeKind.LABEL, NodeKind.GOTO, NodeKind.BREAK, NodeKind.CONTINUE):
            return st
        # scopes of guard() that ended before this node
        if any(h.until_line and h.until_line < node.line for h in st.held):
            st = st._replace(held=tuple(h for h in st.held if not (h.until_line and h.until_line < node.line)))
        if node.kind in (NodeKind.CONDITION, NodeKind.LOOP, NodeKind.SWITCH):
            # while ((page = get_next_page(curr))) assigns as it tests
            if "=" in node.text:
                st = self.apply_assignments(parse_statement(node.text), st, node)
            cond = self.condition(node.text)
            atoms = {c.text for c in calls_of(cond)}
            for call in calls_of(cond) or self._cond_calls(node):
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
                pending = tuple(p for p in st.pending if p.var != var) + (
                    Pending(var, key, op.variant, truthy_success, node.id, key in st.unsure),
                )
                st = st._replace(pending=pending, unsure=st.unsure | {key})
                return self.set_fact(st, var, None)
            return st._replace(unsure=st.unsure | {key})
        if op.kind is OpKind.RETURNS:
            var = lhs or call.lhs
            if var:
                # `priv->np = of_get_child_by_name(...)`: stored as it is
                # made; `cache = kcalloc(...)` into a file-scope variable: kept
                stored = re.fullmatch(r"[A-Za-z_]\w*", var) is None
                return self.acquire(st, ResourceKey(op.family, var, False), op.variant, node.id, from_result=True,
                                    escaped=stored, kept=self.outlives(var))
        return st

    def apply_stmt(self, stmt: Stmt, st: State, node: CfgNode) -> State:
        free = dict(stmt.free_vars)
        for lv, _rv in stmt.assigned:
            # `T *p __free(x) = NULL;` ... `p = get();`: p still frees what it holds
            cls = next((c for first, last, c in self.free_scopes.get(lv, ()) if first <= node.line <= last), None)
            if cls is not None:
                free.setdefault(lv, cls)
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
                st = st._replace(facts=st.facts - stale)
        for var, rv in stmt.assigned:
            # flag = true / locked = 0: a constant the path now knows
            const = CONSTANTS.get(rv)
            if const is not None:
                st = self.set_fact(st, var, const)
        for lv, op, rv in stmt.bit_updates:
            # priv->flags |= ID_P_PM_BLOCKED: a later `priv->flags & ID_P_PM_BLOCKED` holds
            if op == "|=":
                st = self.set_fact(st, f"{lv}&{rv}", True)
            elif rv.startswith("~"):
                st = self.set_fact(st, f"{lv}&{rv[1:].strip('()')}", False)
        for var, rv in stmt.assigned:
            if any(p.var == var for p in st.pending):
                st = st._replace(pending=tuple(p for p in st.pending if p.var != var))
            # `dev = kzalloc(...)` again: what the old value held stays held,
            # but no later text names it (a lock released and then renamed:
            # kernel/workqueue.c __queue_work retakes `pwq->pool->lock` for
            # another pwq). `np = of_get_next_child(p, np)` hands the old
            # value to the call first, which the calls' turn sees; the
            # sizeof(*dev) of an allocation reads no value.
            if mentions(_SIZEOF.sub("", rv), var):
                continue
            if re.fullmatch(r"[A-Za-z_]\w*", var) and any((h.count > 0 or h.sites) and base_of(h.key.name) == var and not h.scoped for h in st.held):
                renamed = []
                for h in st.held:
                    if (h.count > 0 or h.sites) and base_of(h.key.name) == var and not h.scoped:
                        h = h._replace(key=h.key._replace(name=f"{h.key.name}@{node.line}"), carried=True)
                    renamed.append(h)
                st = st._replace(held=tuple(sorted(renamed)))
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
            if call.name in kb.unregisters:
                st = self.unregister(st, kb.unregisters[call.name], call, node)
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
                # list_add_tail(&page_tail->lru, list) hands page_tail over;
                # a managed action's data hands over all it holds, and what
                # was taken with it (a notifier registered with &data->nb);
                # so does the device it is registered on: its callback undoes
                # what probe did to that device (pm_runtime_disable(dev) in
                # the action of drivers/pwm/pwm-rzg2l-gpt.c, given the chip)
                taker = call.name in kb.cleanup_takers
                data = base_of(arg.lstrip("&*( "))
                for h in st.held:
                    if h.key.is_lock or h.count <= 0:
                        continue
                    if mentions(arg, base_of(h.key.name)) or taker and data and any(
                        mentions(self.cfg.nodes[site].text, data) for site in h.sites
                    ) or taker and bool(call.args) and normalise_key(call.args[0]) == h.key.name:
                        st = self.mark(st, h.key.name, escaped=True)
                st = self.hand_over_locks(st, arg)
                continue
            if call.name not in kb.borrowers:
                for h in st.held:
                    if h.passed or not any(mentions(a, base_of(h.key.name)) for a in call.args):
                        continue
                    if not h.key.is_lock:
                        if h.count > 0:
                            st = self.mark(st, h.key.name, passed=True)
                    elif re.fullmatch(r"[A-Za-z_]\w*", h.key.name) and (h.count > 0 or h.sites):
                        # lock_page(page); writepage(page): the object is
                        # the lock, and callees often unlock it (mm/page-writeback.c)
                        st = st.put(h._replace(passed=True), h.key)
        # stores: obj->field = np, list[i] = np, alias = np
        for lv, rv in stmt.assigned:
            if lv.startswith("*") or "->" in lv or "." in lv or "[" in lv:
                st = self.hand_over_locks(st, rv)
            for h in st.held:
                if h.key.is_lock or h.count <= 0 or lv == h.key.name:
                    continue
                callee = kb.ops.get(rv.split("(")[0].strip())
                if normalise_key(rv) == h.key.name or (
                    mentions(rv, h.key.name) and callee is not None and not callee.status_result
                ) or (rv.startswith("&") and base_of(rv[1:].strip()) == h.key.name):
                    # `np2 = of_node_get(np)` aliases np; `ret =
                    # pm_runtime_get_sync(dev)` is a status, not dev;
                    # `base = &state->base` carries state (container_of);
                    # a file-scope variable keeps it
                    if self.outlives(lv):
                        st = self.mark(st, h.key.name, kept=True)
                    else:
                        st = self.mark(st, h.key.name, escaped=True)
        # a variable declared __free(CLASS) is released when it goes out of scope
        for var in free:
            st = self.mark(st, var, scoped=True)
        if stmt.returns:
            st = self.hand_over_locks(st, stmt.returns)
            for h in st.held:
                # `return fw;` hands over what fw holds (`fw->consumers`)
                if not h.key.is_lock and h.count > 0 and mentions(stmt.returns, base_of(h.key.name)):
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
        return self.acquire(st, key, variant, node.id, scoped=True, until_line=scope_end(node, block))

    def _straight_run(self, nid: int, limit: int) -> Iterator[CfgNode]:
        """``nid`` and the nodes of its straight run, at most ``limit``, up to EXIT."""
        ids = chain((nid,), (e.dst for e in self.graph.straight_after(nid)))
        for cur in islice(ids, limit):
            if cur >= len(self.cfg.nodes) or cur == Cfg.EXIT:
                return
            yield self.cfg.nodes[cur]

    def _unsure_releases_after(self, nid: int, st: State) -> State:
        for node in self._straight_run(nid, 8):
            if node.kind is not NodeKind.STATEMENT:
                break
            for call in parse_statement(node.text).calls:
                op = self.kb.ops.get(call.name)
                if op is not None and op.kind is OpKind.RELEASE:
                    st = self.unsure_of(st, op, call)
        return st

    def _jump_after(self, nid: int, fallback: int) -> int:
        """The return/break/goto that a straight run of statements from
        ``nid`` ends in (``dev_err(...); return ret;``), else ``fallback``."""
        for node in self._straight_run(nid, 12):
            if node.kind in (NodeKind.RETURN, NodeKind.BREAK, NodeKind.GOTO):
                return node.id
            if node.kind is not NodeKind.STATEMENT:
                break
        return fallback

    # -- edges
    def apply_edge(self, node: CfgNode, edge: CfgEdge, st: State) -> State | None:
        kb = self.kb
        # leaving a loop body early keeps the iterator's reference: note where
        for h in st.held:
            if h.iter_loop >= 0 and h.left_at < 0 and h.count > 0:
                body = self.loops.get(h.iter_loop, frozenset())
                if node.id in body and edge.dst not in body and not (node.id == h.iter_loop and edge.kind is EdgeKind.FALSE):
                    # `if (bad) return -EINVAL;`: the return is outside the
                    # natural loop; name the jump, not the condition
                    st = st.put(h._replace(left_at=self._jump_after(edge.dst, node.id)), h.key)
        back = self.graph.back_edges
        if edge in back:
            # taken inside the loop and still held going round: the next
            # iteration's `folio` is another folio (mm/vmscan.c shrink_folio_list)
            body = self.loops.get(edge.dst, frozenset())
            if any(h.count > 0 and not h.carried and h.sites & body for h in st.held):
                st = st._replace(held=tuple(h._replace(carried=True) if h.count > 0 and h.sites & body else h for h in st.held))
        if edge in back and self.cfg.nodes[edge.dst].kind is NodeKind.LOOP:
            # the iterator macro drops the element's reference when it advances
            for h in st.held:
                if h.iter_loop != edge.dst:
                    continue
                if h.count > 0:
                    st = st.put(h._replace(count=h.count - 1, iter_loop=-1), h.key)
                else:
                    # put in the body, then `continue`: the iterator puts it
                    # again (tests/data/corpus/replies/067_leds-lp5860-lee-double-put.eml)
                    body = self.loops.get(edge.dst, frozenset())
                    puts = [n for n in h.released if n in body]
                    if puts:
                        self.events.add(Event(EventKind.ITERATOR_PUT, max(puts, key=lambda n: self.cfg.nodes[n].line), h.key))
                    st = st.put(h._replace(iter_loop=-1), h.key)
        if node.kind not in (NodeKind.CONDITION, NodeKind.LOOP):
            return st
        value: bool | None
        if edge.kind is EdgeKind.TRUE or (edge.kind is EdgeKind.BACK and node.kind is NodeKind.LOOP):
            value = True
        elif edge.kind is EdgeKind.FALSE:
            value = False
        else:
            value = None
        cond = self.condition(node.text)
        if node.kind is NodeKind.LOOP:
            for call in calls_of(cond):
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
                    was = st.get(key)
                    if was is not None and was.iter_loop == node.id:
                        st = st.put(was._replace(count=was.count - 1, iter_loop=-1), key)
                return st
        if value is None:
            return st
        known = evaluate(cond, st)
        if known is not None and known != value:
            return None  # this path has already decided the other way
        m = _NEGATIVE_TEST.fullmatch(node.text)
        if m and value is True:
            # `if (id < 0)`: a negative id or errno from an allocator holds nothing
            for h in list(st.held):
                if not h.key.is_lock and h.from_result and h.key.name == m.group(1):
                    st = self.drop(st, h.key)
        commits = committed_atoms(cond, value) or []
        if not commits:
            # `if (!np || !pctlnp) return -ENODEV;`: the TRUE edge does not
            # say which pointer was NULL, so whether a fresh reference is
            # held is unknown here (drivers/gpio/gpio-rockchip.c)
            named = atom_vars(cond)
            for h in st.held:
                if not h.key.is_lock and h.count > 0 and (h.from_result or h.iter_loop >= 0 or h.left_at >= 0) and h.key.name in named:
                    st = st._replace(unsure=st.unsure | {h.key})
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
                for var, key, variant, truthy_success, site, was_unsure in st.pending:
                    if var == atom.var:
                        # the test settles this call; what the path was unsure
                        # of before it (lines not shown) stays unsure
                        unsure = st.unsure if was_unsure else st.unsure - {key}
                        st = st._replace(pending=tuple(p for p in st.pending if p.var != var), unsure=unsure)
                        if truth == truthy_success:
                            st = self.acquire(st, key, variant, site)
                if not truth and not (m and m.group(1) == atom.var):
                    # a NULL pointer holds no reference (`id < 0` false is
                    # the other way round: a valid id)
                    for h in list(st.held):
                        if not h.key.is_lock and h.key.name == atom.var and h.count > 0 and (h.from_result or h.iter_loop >= 0 or h.left_at >= 0):
                            st = self.drop(st, h.key)
            elif atom.call is not None:
                call = atom.call
                committed_calls.add(call.text)
                # `if (pm_runtime_enabled(dev))` asked again later takes
                # the same branch (set_fact keeps only the tracked ones)
                st = self.set_fact(st, call.text, truth)
                op = kb.ops.get(call.name)
                if op is not None and (op.kind is OpKind.TRY or (op.kind is OpKind.ACQUIRE and not op.is_lock)):
                    # a get whose result is tested returns NULL when it took
                    # nothing (drivers/pwm/core.c `if (!get_device(&chip->dev))`)
                    got = self.key_for(op, call)
                    if got is not None and truth == (op.success is Success.NONZERO):
                        st = self.acquire(st, got, op.variant, node.id)
                elif call.name in kb.error_checks and truth:
                    k = call.arg_key(0)
                    for h in list(st.held):
                        if h.from_result and h.key.name == k:
                            st = self.drop(st, h.key)
        for call in calls_of(cond):
            op = kb.ops.get(call.name)
            if op is not None and op.kind is OpKind.TRY and call.text not in committed_calls:
                st = self.unsure_of(st, op, call)
        return st


_NEGATIVE_TEST = re.compile(r"\s*(?:\(\s*)?([A-Za-z_]\w*)\s*<\s*0\s*(?:\)\s*)?")


def _free_scopes(cfg: Cfg) -> dict[str, list[tuple[int, int, str]]]:
    """The variables declared ``__free(CLASS)``: name -> (first line, last
    line, CLASS) of each declaration's scope."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    last_line = max((n.line for n in cfg.nodes), default=0)
    for node in cfg.nodes:
        if node.kind is not NodeKind.STATEMENT or "__free" not in node.text:
            continue
        for var, cls in parse_statement(node.text).free_vars:
            out.setdefault(var, []).append((node.line, scope_end(node, False) or last_line, cls))
    return out


def _is_plain_flag(var: str, tr: "Transfer") -> bool:
    """A local the function itself initialises before testing (``bool
    locked = false``): its unknown value is a real either-way, unlike a
    field whose value came from elsewhere."""
    return var in tr.initialised


def scope_end(node: CfgNode, block: bool) -> int:
    """The last line of the scope a guard holds for (0 when unknown: the
    whole function)."""
    scope = scope_node(node, block)
    if scope is None or node.ts_node is None:
        return 0
    return scope.end_point.row + 1 + node.line - (node.ts_node.start_point.row + 1)


def _guards_itself(text: str) -> bool:
    """``scoped_guard(...) stmt;`` as one statement's text: something
    follows the macro's closing parenthesis."""
    start = text.find("(")
    depth = 0
    for i in range(start, len(text)) if start >= 0 else ():
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return bool(text[i + 1:].strip(" \t\n;{"))
    return False


def scope_node(node: CfgNode, block: bool):
    """The block a guard declared at ``node`` holds for: the block of a
    ``scoped_guard(...) { }``, or the one statement of a
    ``scoped_guard(...) stmt;`` (``block``), else the block the declaration
    sits in; None when unknown or when it is the function's body."""
    ts = node.ts_node
    if ts is None:
        return None
    if block:
        if ts.type == "function_definition":
            # `scoped_guard(rcu) {` parses as a definition whose body is the
            # block (the CFG reads it so); its next sibling is the statement
            # after the block, which the guard does not hold for
            return ts.child_by_field_name("body")
        if _guards_itself(node.text):
            return ts  # scoped_guard(...) stmt; in a block parses as one statement
        # scoped_guard(...) { } (or, after a label, scoped_guard(...) stmt;):
        # the block or the statement is the head statement's next sibling
        n = ts
        while n is not None and n.next_named_sibling is None and n.parent is not None and n.parent.type != "compound_statement":
            n = n.parent
        sib = n.next_named_sibling if n is not None else None
        if sib is not None:
            return sib
        while n is not None and sib is None and n.parent is not None:
            n = n.parent
            sib = n.next_named_sibling
        return sib if sib is not None and sib.type == "compound_statement" else None
    n = ts.parent
    while n is not None and n.type != "compound_statement":
        n = n.parent
    if n is None or n.parent is None or n.parent.type == "function_definition":
        return None
    return n
