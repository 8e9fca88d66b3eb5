"""Reference rules (RK2xx): leaks and double drops, and where a get belongs."""

from __future__ import annotations

from typing import Iterator, NamedTuple

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, ChangedFunction, CodeMap, Confidence, EdgeKind, FunctionView, NodeKind, Severity, Side
from reviewkit.rules.dataflow import Flow, NotAnalysed, next_steps
from reviewkit.rules.extract import find_param_names, parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind, RefKind
from reviewkit.rules.queries import (
    introduced,
    is_error_exit,
    node_calls,
    param_mapping,
    reached_calls,
    statements_after,
    substitute_params,
)
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey, base_of, mentions, normalise_text
from reviewkit.rules.state import EventKind, State
from reviewkit.rules.transfer import Transfer
from reviewkit.rules.window import UNREGISTER_FIX, window_reports

PATH_BOUND = 4000


def _put_name(kb: KnowledgeBase, ref_id: str) -> str:
    spec = kb.refs.get(ref_id)
    return spec.put[0] if spec and spec.put else "the matching put"


_PAIRING = "each get needs exactly one put on every path that does not hand the reference on"


def _leaks(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[ResourceKey, str], Report]:
    """Success-path leaks and double drops of one side: (key, "leak" | "double") -> the report."""
    out: dict[tuple[ResourceKey, str], Report] = {}
    if flow is None or not flow.cfg.complete:
        return out  # the lines not shown may drop or hand on the reference
    # a put with no get before it on some path: the function adjusts a
    # reference its caller manages (pm_runtime_put in the disable branch of
    # drivers/pwm/pwm-dwc.c dwc_pwm_apply); no local pairing to judge
    foreign = {h.key for _, st in flow.exits for h in st.held if h.borrowed}
    error_exits = {nid for nid, st in flow.exits if is_error_exit(flow, nid, st, kb)}
    # what another successful exit gives back: a count on an object the
    # function was given that only its error exits drop is kept on purpose
    # (a resume callback's clk_prepare_enable(), an open's pm_runtime get)
    released = {h.key for nid, st in flow.exits if nid not in error_exits for h in st.held
                if h.released and h.count <= 0}
    # handed on at this exit by another path: if a loop body names it
    # (`gc->reg_base = base` for each chip), the paths differ in whether
    # the loop ran, which the walk cannot tell
    handed = {(nid, h.key) for nid, st in flow.exits for h in st.held if h.count > 0 and (h.escaped or h.passed or h.kept)}
    for nid, st in flow.exits:
        if nid in error_exits:
            continue  # RK401's business
        for h in st.held:
            if h.key.is_lock or h.count <= 0 or h.escaped or h.passed or h.kept or h.scoped or h.key in st.unsure:
                continue
            if h.iter_loop >= 0 or h.left_at >= 0 or h.key in foreign:
                continue  # RK401: a loop left early
            if (nid, h.key) in handed and _named_in_loop(flow.cfg, h.key):
                continue
            if not h.from_result and h.key not in released:
                # a get on an object the function was given, put on no
                # successful exit: kept on purpose (pm_runtime_get in an
                # enable callback, drivers/pwm/pwm-lpss.c), not a local pairing
                continue
            line = flow.cfg.nodes[nid].line
            site = min((flow.cfg.nodes[s].line for s in h.sites), default=0)
            put = _put_name(kb, h.variant)
            name, _, renamed_at = h.key.name.partition("@")
            if renamed_at:
                # the walk renamed it when the variable got another value
                out[(h.key, "leak")] = Report(
                    line,
                    f"the reference on {name} taken at line {site} is lost when line {renamed_at} gives "
                    f"{name} another value: nothing drops it before the exit at line {line}",
                    f"call {put}({name}) before giving {name} another value",
                    _PAIRING,
                )
                continue
            out[(h.key, "leak")] = Report(
                line,
                f"the reference on {h.key} taken at line {site} is neither dropped nor handed on "
                f"before the exit at line {line}",
                f"call {put}({h.key}) before this exit (or do not take the reference on this path)",
                _PAIRING,
            )
    for ev in flow.events:
        if ev.kind is EventKind.ITERATOR_PUT:
            node = flow.cfg.nodes[ev.node]
            out[(ev.key, "double")] = Report(
                node.line,
                f"{node.text.rstrip(';')} at line {node.line} drops the loop's reference on {ev.key}, "
                f"and the iterator drops it again when it moves to the next element",
                f"remove this put when the loop goes on to the next element; drop the reference only where the loop is left early",
                _PAIRING,
            )
        elif ev.kind is EventKind.DOUBLE_PUT:
            line = flow.cfg.nodes[ev.node].line
            op = kb.ops.get(ev.call)
            spec = kb.refs.get(op.variant) if op is not None else None
            if spec is not None and spec.kind is RefKind.ENABLE:
                # an enable count is the device's: a driver may keep one
                # between calls and give it back here (a disable branch
                # under a test of the hardware's state), or the two
                # disables sit under tests that exclude each other: a note
                # (linux-pwm's stm32 waveform callbacks; msc313e_wdt_probe()
                # and ep93xx_pwm_apply() in linux 6.12)
                out[(ev.key, "double")] = Report(
                    line,
                    f"{ev.call}({ev.key}) at line {line} drops an enable count this path has already dropped, "
                    f"unless an earlier call left one behind for it",
                    "disable once per enable on every path, or say in a comment which call took the count",
                    _PAIRING,
                    severity=Severity.INFO,
                )
                continue
            if ev.variant:
                out[(ev.key, "double")] = Report(
                    line,
                    f"{ev.call}({ev.key}) at line {line} drops a reference on {ev.key} after {ev.variant}() "
                    f"dropped the one the driver held, and this function took none of its own",
                    UNREGISTER_FIX.format(unregister=ev.variant),
                    _PAIRING,
                )
                continue
            out[(ev.key, "double")] = Report(
                line,
                f"{ev.call}({ev.key}) at line {line} drops a reference this path has already dropped",
                "drop the reference once per get on every path",
                _PAIRING,
            )
    return out


def _named_in_loop(cfg: Cfg, key: ResourceKey) -> bool:
    """Some statement inside a loop of ``cfg`` names ``key``'s variable."""
    base = base_of(key.name)
    return any(
        mentions(cfg.nodes[n].text, base)
        for body in graph_of(cfg).loops.values()
        for n in body
        if cfg.nodes[n].kind is NodeKind.STATEMENT
    )


@rule("RK201", category="refcount-pairing", severity=Severity.ERROR)
def refcount_pairing(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A reference leaked on a success path, or dropped twice.

    What it flags:
        A get (or a function that returns a new reference) whose reference
        reaches a non-error exit without being dropped, returned, stored
        or passed on; a put on a path that already dropped that reference.
        From the hunks: a ``devm_`` get turned back into its plain form
        with no put added, or with puts added only on the error paths of
        the function that takes it (nothing releases it on unbind); or,
        for a resource whose unregister drops the
        plain get's reference (``spi_alloc_host()`` and
        ``spi_unregister_controller()``), with puts added only on the
        error paths: the unregister now frees the object, and the private
        data it holds, before the remove callback is done with them. A put
        after such an unregister, on a path that took no reference of its
        own on the object (``spi_unregister_controller(ctlr);
        spi_controller_put(ctlr);``): the unregister gave the reference
        back already (a warning when a get may sit above the lines shown).

    Why it matters:
        A leaked reference pins the object forever; a double drop frees it
        under its other users.

    Example:
        Okay: int f(struct device_node *p) { struct device_node *np = of_get_child_by_name(p, "x"); if (!np) return -ENODEV; of_node_put(np); return 0; }
        Okay: struct device_node *f(struct device_node *p) { struct device_node *np = of_get_child_by_name(p, "x"); return np; }
        RK201: int f(struct device_node *p) { u32 v; struct device_node *np = of_get_child_by_name(p, "x"); if (!np) return -ENODEV; of_property_read_u32(np, "v", &v); return 0; }
        RK201: void f(struct page *page) { get_page(page); put_page(page); put_page(page); }

    Suggested change:
        Drop the reference on that path, or take it only where it is kept.

    Knowledge used:
        ``[[ref]]`` get/put/get_conditional/returns_ref, ``[[consume]]``
        callees that take a reference over, ``[[borrow]]`` callees that
        only look at it; ``[[ref]]`` unregister; the functions a
        database learned from a kernel tree says return a counted
        reference or take one on their argument (``reviewkit knowledge
        build``).

    Limits:
        A reference passed to a callee of unknown behaviour on a success
        path is taken as handed over (no finding). Error exits are left to
        RK401. Only what the patch introduced is reported.
    """
    old, new = flow.old, flow.new
    reported = set()
    for report in introduced(_leaks(old, kb), _leaks(new, kb)):
        reported.add(report.line)
        yield report
    yield from window_reports(flow.window, locks=False, error_exits=False, taken=reported)


# ---------------------------------------------------------------- RK202


class PathFrom(NamedTuple):
    """One path from a get to the exit."""

    nodes: tuple[int, ...]
    puts: tuple[int, ...]  # its nodes that dropped the reference


def _walk_from(flow: Flow, kb: KnowledgeBase, g: int, key: ResourceKey) -> list[PathFrom] | None:
    """Every path from node ``g`` to the exit, by the walk's own steps.
    None when there are too many paths to judge, or when one leaks the
    reference (RK201 and RK401 speak for that)."""
    cfg = flow.cfg
    tr = Transfer(kb, cfg)
    out: list[PathFrom] = []
    steps = 0
    for st0 in flow.visits.get(g, []):
        st1 = tr.apply_node(cfg.nodes[g], st0)
        stack: list[tuple[int, State, tuple[int, ...], frozenset, tuple[int, ...]]] = [(g, st1, (g,), frozenset(), ())]
        while stack:
            nid, st, path, taken, puts = stack.pop()
            steps += 1
            if steps > PATH_BOUND:
                return None
            for edge, st2, taken2 in next_steps(tr, cfg.nodes[nid], st, taken):
                if edge.dst == Cfg.EXIT:
                    h = st2.get(key)
                    if not puts and (h is None or not (h.escaped or h.passed or h.kept) or is_error_exit(flow, nid, st2, kb)):
                        return None  # a leak, not a hand-over: RK201/RK401 speak for it
                    out.append(PathFrom(path, puts))
                    continue
                st3 = tr.apply_node(cfg.nodes[edge.dst], st2)
                dropped = st3.count(key) < st2.count(key)
                stack.append((edge.dst, st3, path + (edge.dst,), taken2, puts + ((edge.dst,) if dropped else ())))
    return out


class GetSite(NamedTuple):
    """A get that could move: its node, the reference, the call as written,
    and the variable its result goes to."""

    node: int
    key: ResourceKey
    text: str
    result: str | None


def _get_sites(flow: Flow, kb: KnowledgeBase) -> list[GetSite]:
    out = []
    for node, call in reached_calls(flow):
        op = kb.ops.get(call.name)
        if node.kind is not NodeKind.STATEMENT or op is None or op.is_lock or op.kind is not OpKind.ACQUIRE or op.arg is None:
            continue
        spec = kb.refs.get(op.family)
        if spec is not None and not spec.movable:
            continue  # pm_runtime_get_sync() powers the device for what follows
        k = call.arg_key(op.arg)
        if k:
            out.append(GetSite(node.id, ResourceKey(op.family, k, False), call.text, call.lhs))
    return out


def _old_get_followers(flow: FunctionFlows, kb: KnowledgeBase, key: ResourceKey) -> set[str]:
    """Statements that directly followed a get of ``key`` on the old side
    (in the function or in a callee the patch removes or changes)."""
    out: set[str] = set()
    fn = flow.fn
    try:
        old_flow = flow.old
    except NotAnalysed:
        return out
    if fn.old is None or old_flow is None:
        return out
    views: list[tuple[FunctionView, dict[str, str]]] = [(fn.old, {})]
    callees = flow.run.named(Side.OLD, changed=True)
    for node in old_flow.cfg.nodes:
        for call in node_calls(node):
            callee = callees.get(call.name)
            view = callee.fn.old if callee is not None and call.name != fn.name else None
            if view is not None:
                views.append((view, param_mapping(view, call)))
    for view, mapping in views:
        cfg = view.cfg
        if cfg is None:
            continue
        for node in cfg.nodes:
            for call in node_calls(node):
                op = kb.ops.get(call.name)
                if op is None or op.is_lock or op.kind is not OpKind.ACQUIRE or op.family != key.family:
                    continue
                if substitute_params(call.arg_key(op.arg or 0) or "", mapping) != key.name:
                    continue
                for nxt in statements_after(cfg, node.id, 1):
                    out.add(normalise_text(substitute_params(cfg.nodes[nxt].text, mapping)))
    return out


class GetMove(NamedTuple):
    """Where a get could go: the branch that keeps the reference."""

    get: GetSite
    split: int  # the condition where keeping and dropping paths part
    edge: EdgeKind  # its arm that keeps the reference
    target: int  # the statement to take the reference before
    from_old: bool  # the old code took it right before that statement
    puts: list[int]  # the puts that go away, by line


def _placements(flow: Flow, kb: KnowledgeBase, ff: FunctionFlows) -> dict[ResourceKey, GetMove]:
    out: dict[ResourceKey, GetMove] = {}
    cfg = flow.cfg
    for site in _get_sites(flow, kb):
        g, key, result = site.node, site.key, site.result
        paths = _walk_from(flow, kb, g, key)
        if not paths:
            continue
        keep = [p.nodes for p in paths if not p.puts]
        drop = [p for p in paths if p.puts]
        if not keep or not drop:
            continue
        choices: set[tuple[int, int, tuple[int, ...]]] = set()
        apart = False  # a kept path shares no start with a dropping one, or ends inside one
        for kp in keep:
            best = 0
            for dp, _ in drop:
                n = 0
                while n < len(kp) and n < len(dp) and kp[n] == dp[n]:
                    n += 1
                best = max(best, n)
            if best == 0 or best >= len(kp):
                apart = True
                continue
            div = kp[best - 1]
            choices.add((div, kp[best], kp[best:]))
        if len(choices) != 1 or apart:
            continue
        (div, start, rest), = choices
        if cfg.nodes[div].kind is not NodeKind.CONDITION or div == g:
            continue
        if result and mentions(cfg.nodes[div].text, result):
            # `ret = pm_runtime_get_sync(dev); if (ret < 0) ...`: the split
            # tests the get's own result, the get cannot move past it
            # (drivers/pwm/pwm-img.c img_pwm_config, linux-pwm archive)
            continue
        if any(start in dp for dp, _ in drop):
            continue
        followers = _old_get_followers(ff, kb, key)
        target = next((n for n in rest if normalise_text(cfg.nodes[n].text) in followers), None)
        from_old = target is not None
        if target is None:
            target = next((n for n in rest if mentions(cfg.nodes[n].text, key.name)), start)
        puts = sorted({n for _, ps in drop for n in ps}, key=lambda n: cfg.nodes[n].line)
        edge = next(e.kind for e in graph_of(cfg).successors(div) if e.dst == start)
        out[key] = GetMove(site, div, edge, target, from_old, puts)
    return out


@rule("RK202", category="get-put-placement", severity=Severity.WARNING)
def get_put_placement(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A reference taken earlier than needed, so that exits must drop it again.

    What it flags:
        A get whose paths split into some that drop the reference again in
        the function and some that keep it (hand it on), where the split
        happens at a later branch: the get can move into the keeping
        branch and the drops on the other paths go away.

    Why it matters:
        Every early get needs a matching put on each path that does not
        keep it; those puts are easy to miss in the next change, and the
        extra atomic operations are wasted on the paths that drop it.

    Example:
        Okay: void f(struct page *page, int c) { if (c) { get_page(page); keep(page); } }
        RK202: void f(struct page *page, int c) { get_page(page); if (c) { keep(page); } else { put_page(page); } }

    Suggested change:
        Take the reference on the keeping branch, just before its first
        statement that needs it; the listed puts then go away. Nothing
        between the old and the new place may need the reference.

    Knowledge used:
        ``[[ref]]`` get/put names.

    Limits:
        Paths from the get are enumerated (loops once) up to a bound;
        the branches must be told apart by boolean locals or by their
        shape. The old placement of the same get (also inside a callee
        the patch removes) is preferred as the new place when the keeping
        branch still has the statement it preceded.
    """
    old, new = flow.old, flow.new
    if new is None:
        return
    old_pl = _placements(old, kb, flow) if old is not None else {}
    cfg = new.cfg
    for key, pl in _placements(new, kb, flow).items():
        if key in old_pl:
            continue
        div = cfg.nodes[pl.split]
        target = cfg.nodes[pl.target]
        branch = f"`if ({div.text})` branch" if pl.edge is EdgeKind.TRUE else f"else branch of `if ({div.text})`"
        puts = "; ".join(f"{cfg.nodes[n].text.rstrip(';')} (line {cfg.nodes[n].line})" for n in pl.puts)
        where = " (where the old code took it)" if pl.from_old else ""
        get_line = cfg.nodes[pl.get.node].line
        yield Report(
            get_line,
            f"{pl.get.text} at line {get_line} is taken before the paths split at `if ({div.text})` "
            f"(line {div.line}); only the {branch} keeps the reference, the other paths drop it again",
            f"move {pl.get.text} into the {branch}, before {target.text.rstrip(';')} (line {target.line}){where}; "
            f"the put calls {puts} then go away. Check that nothing between line {get_line} and line "
            f"{target.line} needs the reference",
            "a reference taken only where it is kept needs no cleanup on the other paths",
            Confidence.MEDIUM,
        )


# ---------------------------------------------------------------- RK204


def _helper_keeps(view, index: int, kb: KnowledgeBase) -> bool | None:
    """Whether a visible function may take over its ``index``-th parameter:
    it drops, stores or returns it. None when its code cannot be read."""
    if view is None or view.cfg is None:
        return None
    params = find_param_names(view.source)
    if index >= len(params):
        return None
    name = params[index]
    for node in view.cfg.nodes:
        if not node.text:
            continue
        stmt = parse_statement(node.text) if node.kind in (NodeKind.STATEMENT, NodeKind.RETURN) else None
        if stmt is not None:
            if stmt.returns and mentions(stmt.returns, name):
                return True
            if any(rv == name and ("->" in lv or "." in lv) for lv, rv in stmt.assigned):
                return True
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            if op is not None and op.kind is OpKind.RELEASE and not op.is_lock and op.arg is not None and call.arg_key(op.arg) == name:
                return True
            if call.name in kb.consumers and call.arg_key(kb.consumers[call.name]) == name:
                return True
    return False


def _borrowed_puts(fn: ChangedFunction, flow: Flow | None, codemap: CodeMap | None, kb: KnowledgeBase, side: Side) -> dict[ResourceKey, Report]:
    """Parameters whose reference the function never took but drops on its
    error exits only: key -> the report (at the put)."""
    out: dict[ResourceKey, Report] = {}
    view = fn.new if side is Side.NEW else fn.old
    if flow is None or view is None or not flow.cfg.complete:
        return out
    borrowed = {h.key for _, st in flow.exits for h in st.held if not h.key.is_lock and h.borrowed}
    # the names come from parsing the whole function: only when some reference is borrowed
    params = set(find_param_names(view.source)) if borrowed else set()
    helpers = {cf.name: (cf.new if side is Side.NEW else cf.old) for cf in codemap.functions} if codemap else {}
    cfg = flow.cfg
    keys = {key for key in borrowed if key.name in params}
    for key in keys:
        err_puts, clean, bad = [], [], False
        for nid, st in flow.exits:
            h = st.get(key)
            released = h.released if h is not None and h.borrowed else frozenset()
            put = bool(released)
            error = is_error_exit(flow, nid, st, kb)
            if put and error:
                err_puts.append(min(cfg.nodes[r].line for r in released))
            elif put:
                bad = True  # a success exit drops it too: the function consumes it
            elif not error:
                clean.append(cfg.nodes[nid].line)
        if bad or not err_puts or not clean:
            continue
        # nothing the function hands the object to may have kept it: only
        # callees known to look, and visible helpers that neither drop,
        # store nor return it
        for node in cfg.nodes:
            for call in node_calls(node):
                idx = [i for i, _a in enumerate(call.args) if call.arg_key(i) == key.name]
                if not idx or call.name in kb.borrowers:
                    continue
                op = kb.ops.get(call.name)
                if op is not None and op.kind is OpKind.RELEASE:
                    continue
                if call.name in helpers and call.name != fn.name and all(_helper_keeps(helpers[call.name], i, kb) is False for i in idx):
                    continue
                bad = True
        if not bad:
            put_fn, put_line, ok_line = _put_name(kb, key.family), min(err_puts), min(clean)
            out[key] = Report(
                put_line,
                f"{put_fn}({key.name}) at line {put_line} drops a reference on parameter {key.name} that {fn.name}() never took, "
                f"and only on an error exit; the exit at line {ok_line} keeps it",
                f"remove this {put_fn}() and drop the reference where it was taken (in the caller, e.g. before it leaves its loop)",
                "a callee that drops its caller's reference on failure only makes the caller's cleanup wrong either way",
                Confidence.MEDIUM,
            )
    return out


@rule("RK204", category="get-put-placement", severity=Severity.WARNING)
def borrowed_put_on_error(fn: ChangedFunction, flow: FunctionFlows, codemap: CodeMap, kb: KnowledgeBase) -> Iterator[Report]:
    """A function drops a reference it was given, and only on its error exits.

    What it flags:
        A put of a parameter (``of_node_put(np)``) that the function never
        took a reference on, on its error exits only, while its success
        exits keep it; nothing the function passes the object to may take
        it over (only callees known to look at it, and visible helpers that
        neither drop, store nor return it).

    Why it matters:
        The caller cannot tell from the result whether it still holds the
        reference: it drops it again (a double put) or, fixing that, leaks
        it on the paths that did not fail. The put belongs where the
        reference was taken, usually the caller's loop or error path.

    Example:
        Okay: int f(struct device_node *np) { int ret = setup(np); if (ret) return ret; return 0; }
        Okay: int f(struct device_node *np) { u32 v; if (of_property_read_u32(np, "reg", &v)) { of_node_put(np); return -EINVAL; } of_node_put(np); return 0; }
        RK204: int f(struct device_node *np) { u32 v; if (of_property_read_u32(np, "reg", &v)) { of_node_put(np); return -EINVAL; } return 0; }

    Suggested change:
        Drop the put from this function and do it where the reference
        was taken (``of_node_put(child)`` before the caller leaves its
        loop, or a ``_scoped`` iterator there).

    Knowledge used:
        ``[[ref]]`` puts, ``[[borrow]]`` callees, ``[[consume]]`` callees.

    Limits:
        The whole function must be visible. Callees of unknown behaviour
        that get the object may take it over: no finding then.
    """
    old, new = flow.old, flow.new
    before = _borrowed_puts(fn, old, codemap, kb, Side.OLD) if old is not None else {}
    yield from introduced(before, _borrowed_puts(fn, new, codemap, kb, Side.NEW))
