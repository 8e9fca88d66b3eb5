"""Error-path rules (RK4xx): cleanup that error exits skip."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import ChangedFunction, CodeMap, Confidence, NodeKind, Severity, Side
from reviewkit.rules.dataflow import Flow, NotAnalysed
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind
from reviewkit.rules.queries import introduced, is_error_exit, node_calls, site_call
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey
from reviewkit.rules.window import find_direct_exits, window_reports


def _iterator_put(kb: KnowledgeBase, family: str) -> str:
    for it in kb.iterators.values():
        if it.put and kb.ops.get(it.put) is not None and kb.ops[it.put].family == family:
            return it.put
    spec = kb.refs.get(family)
    return spec.put[0] if spec and spec.put else "the matching put"


_UNDO = "error paths must undo what the function did before them"


def _put_after(flow: Flow, nid: int, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """Some node the walk reached after ``nid`` (by line) releases ``key``."""
    line = flow.cfg.nodes[nid].line
    for node in flow.cfg.nodes:
        if node.line > line and flow.visits.get(node.id):
            for call in node_calls(node):
                op = kb.ops.get(call.name)
                if op is not None and op.kind is OpKind.RELEASE and op.family == key.family:
                    return True
    return False


def _skips(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[ResourceKey, str, object], Report]:
    """(key, "loop" | "error", where) -> the report, for one side."""
    out: dict[tuple[ResourceKey, str, object], Report] = {}
    if flow is None:
        return out
    cfg = flow.cfg
    # which acquire sites some path releases again (a path that runs out of
    # the lines a hunk shows counts: it did release)
    ends = flow.exits + flow.window_ends
    released_sites: dict = {}
    for _nid, st in ends:
        for h in st.held:
            if not h.key.is_lock and h.count <= 0 and h.released:
                for s in h.sites:
                    released_sites.setdefault((h.key, s), True)
    foreign = {h.key for _, st in ends for h in st.held if h.borrowed}
    # another path to the same exit that released it: the paths differ in
    # how often a loop or a test ran (puts in a loop undoing gets in a loop),
    # which the walk cannot tell apart
    released_here = {(nid, h.key) for nid, st in ends for h in st.held if h.count <= 0 and h.released}
    for nid, st, proven in [(*e, True) for e in flow.exits] + [(*e, False) for e in flow.window_ends]:
        for h in st.held:
            if h.key.is_lock or h.count <= 0 or h.escaped or h.scoped or h.key in st.unsure:
                continue
            put = _iterator_put(kb, h.key.family)
            if h.left_at >= 0 and (proven or not _put_after(flow, h.left_at, h.key, kb)):
                # left the loop early: the lines shown after the jump do not
                # drop the element either
                leave = cfg.nodes[h.left_at]
                how = {NodeKind.RETURN: "returns", NodeKind.BREAK: "breaks", NodeKind.GOTO: "jumps"}.get(leave.kind, "leaves")
                loop = cfg.nodes[next(iter(h.sites))] if h.sites else None
                loop_text = f"{loop.text} (line {loop.line})" if loop is not None else "the loop"
                out[(h.key, "loop", leave.text)] = Report(
                    leave.line,
                    f"{how} out of {loop_text} at line {leave.line} while {h.key} still holds the loop's reference",
                    f"call {put}({h.key}) before leaving the loop early, or use the _scoped variant of the iterator",
                    _UNDO,
                    Confidence.HIGH,
                )
                continue
            if (h.left_at >= 0 or h.iter_loop >= 0 or h.carried or h.key in foreign or not proven
                    or (nid, h.key) in released_here):
                # carried: the variable names another object by now
                continue
            if not is_error_exit(flow, nid, st, kb):
                continue
            if not any((h.key, s) in released_sites for s in h.sites) and not (h.from_result and not h.passed):
                # no other exit drops it either, and it is not a fresh
                # reference that nobody else could hold: not this rule's call
                continue
            others = any((h.key, s) in released_sites for s in h.sites)
            if h.kept and not others:
                # a file-scope variable holds it; only the function's own
                # release on another exit says this one must undo it too
                continue
            line = cfg.nodes[nid].line
            site = min((cfg.nodes[s].line for s in h.sites), default=0)
            what = (
                f"skips {put}({h.key}) that the other exits do"
                if others
                else f"leaves without {put}({h.key}), and nothing else holds that reference yet"
            )
            noun = kb.refs[h.variant].kind.noun if h.variant in kb.refs else "reference"
            suggestion = f"drop the {noun} before returning, or jump to the label that does"
            taken = [site_call(flow, s, h.key, kb, (OpKind.ACQUIRE, OpKind.TRY)) for s in sorted(h.sites)]
            better = next((kb.prefer[t.split("(")[0]] for t in taken if t.split("(")[0] in kb.prefer), None)
            if better is not None:
                suggestion += f"; or use {better[0]}(): {better[1]}"
            out[(h.key, "error", line)] = Report(
                line,
                f"the error exit at line {line} {what} ({noun} taken at line {site})",
                suggestion,
                _UNDO,
                Confidence.MEDIUM if h.passed else Confidence.HIGH,
            )
    return out


@rule("RK401", category="error-path-cleanup", severity=Severity.ERROR)
def error_path_cleanup(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """An error exit skips a release that the other exits do.

    What it flags:
        Leaving a reference-holding iterator loop (``for_each_child_of_node``
        and friends) by return, break or goto without dropping the current
        element's reference; an error exit (negative errno, NULL,
        ERR_PTR(), or a tested error variable) that keeps a reference the
        success exits drop.

    Why it matters:
        Error paths are the least tested; a reference leaked there pins
        the object (a device node, a device) for good.

    Example:
        Okay: int f(struct device_node *np) { struct device_node *c; for_each_child_of_node(np, c) { if (bad(c)) { of_node_put(c); return -EINVAL; } } return 0; }
        Okay: int f(struct device_node *np) { struct device_node *c; for_each_child_of_node_scoped(np, c) { if (bad(c)) return -EINVAL; } return 0; }
        RK401: int f(struct device_node *np) { struct device_node *c; for_each_child_of_node(np, c) { if (bad(c)) return -EINVAL; } return 0; }
        RK401: int f(struct device *d) { int ret; get_device(d); ret = setup(d); if (ret) return ret; put_device(d); return 0; }

    Suggested change:
        Drop the reference before the early exit (``of_node_put(child)``),
        jump to the cleanup label, or use a ``_scoped`` iterator or a
        ``__free()`` variable.

    Knowledge used:
        ``[[iterator]]`` (held argument, put, scoped), ``[[ref]]``,
        ``[[error_check]]``, ``[[borrow]]``, ``[[steady_test]]`` (a test
        asked twice takes the same branch).

    Limits:
        Locks are left to RK101. An error exit must return an error value
        or a variable the path tested non-zero. Where the hunks show the
        function in part, a put the patch removes from an error path that
        still returns an error is a warning; if a call on the way to it
        was given the object (not a known borrower), the callee may have
        taken the reference over, and the finding is a note.
    """
    old, new = flow.old, flow.new
    # an exit that moved is the same skip: compare by resource and kind
    reported = set()
    for report in introduced(_skips(old, kb), _skips(new, kb), same=lambda k: k[:2]):
        reported.add(report.line)
        yield report
    yield from window_reports(flow.window, locks=False, error_exits=True, taken=reported)


# ---------------------------------------------------------------- RK402


def _scoped_twins(kb: KnowledgeBase) -> dict[str, str]:
    """Iterator -> its ``_scoped`` variant, where the knowledge lists one."""
    scoped = {n for n, it in kb.iterators.items() if it.scoped}
    return {n: n + "_scoped" for n, it in kb.iterators.items() if not it.scoped and n + "_scoped" in scoped}


def find_scoped_in_use(codemap: CodeMap, kb: KnowledgeBase, side: Side) -> frozenset[str]:
    """The ``_scoped`` iterators the visible code uses, on either side:
    the tree the patch is for has them. (Read once per run:
    ``PatchFlows.shared``.)"""
    scoped = {n for n, it in kb.iterators.items() if it.scoped}
    used: set[str] = set()
    for cf in codemap.functions:
        for view in (cf.old, cf.new):
            if view is not None and view.cfg is not None:
                used.update(c.name for node in view.cfg.nodes for c in node_calls(node) if c.name in scoped)
    return frozenset(used)


def _available(kb: KnowledgeBase, twin: str, in_use: frozenset[str], mailed: float | None) -> bool:
    """The tree the patch is for has the scoped iterator ``twin``: the code
    it shows uses it (``in_use``), or it was mailed (``mailed``, seconds
    since the epoch) after a released kernel had it (its ``since``)."""
    if twin in in_use:
        return True
    since = kb.iterators[twin].since
    if not since or mailed is None:
        return False
    return mailed >= datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()


def _manual_loop_puts(flow: Flow | None, kb: KnowledgeBase, twins: dict[str, str]) -> dict[str, Report]:
    """Iterator loops left early only after an explicit put of the element,
    whose iterator has a ``_scoped`` twin in ``twins``: loop text -> the
    report. Loops that some early exit leaves without the put are RK401's."""
    out: dict[str, Report] = {}
    if flow is None:
        return out
    cfg = flow.cfg
    for head, body in graph_of(cfg).loops.items():
        node = cfg.nodes[head]
        if node.kind is not NodeKind.LOOP:
            continue
        call = next((c for c in node_calls(node) if c.name in twins), None)
        if call is None:
            continue
        held = call.arg_key(kb.iterators[call.name].held_arg)
        puts: set[int] = set()
        leak = False
        for _nid, st in flow.exits:
            for h in st.held:
                if h.key.is_lock or h.key.name != held:
                    continue
                if h.left_at >= 0 and h.count > 0:
                    leak = True
                if h.iter_loop == head and h.count == 0:
                    # still the loop's element on an exit: it left early,
                    # after these puts (the natural loop ends before them)
                    puts |= set(h.released)
        if leak or not puts:
            continue
        lines = sorted(cfg.nodes[p].line for p in puts)
        listed = ", ".join(str(p) for p in lines)
        out[node.text] = Report(
            node.line,
            f"{call.name}() at line {node.line} is left early only after explicit puts of the element (line{'s' if len(lines) > 1 else ''} {listed})",
            f"use {twins[call.name]}() and drop those puts: the scoped iterator releases the element on every exit",
            "manual puts on each early exit are the first thing the next error path forgets",
            Confidence.MEDIUM,
        )
    return out


@rule("RK402", category="error-path-cleanup", severity=Severity.INFO)
def scoped_iterator(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A child-node loop whose early exits drop the element by hand, where a ``_scoped`` iterator would.

    What it flags:
        A new ``for_each_child_of_node()`` (or fwnode/device) loop that is
        left early (return, break, goto) only after an explicit
        ``of_node_put()``/``fwnode_handle_put()`` of the current element,
        when the knowledge lists a ``_scoped`` variant of the iterator that
        the tree the patch is for has: the code the patch shows uses it,
        or the mail was sent after a released kernel had it.

    Why it matters:
        Every early exit must remember the put; the next error path added
        to the loop forgets it. The ``_scoped`` iterator drops the
        reference on every exit by itself.

    Example:
        Okay: int f(struct device_node *np) { struct device_node *c; for_each_child_of_node(np, c) { if (bad(c)) return -EINVAL; } return 0; }
        Okay: int f(struct device_node *np) { for_each_child_of_node_scoped(np, c) { if (bad(c)) return -EINVAL; } return 0; }
        Okay: int f(struct device_node *np) { struct device_node *c; for_each_child_of_node(np, c) { use(c); } return 0; }
        Okay: int f(struct device_node *np) { struct device_node *c; for_each_child_of_node(np, c) { if (bad(c)) { of_node_put(c); return -EINVAL; } } return 0; }
        RK402: int f(struct device_node *np) { struct device_node *c; for_each_child_of_node_scoped(np, d) { use(d); } for_each_child_of_node(np, c) { if (bad(c)) { of_node_put(c); return -EINVAL; } } return 0; }

    Suggested change:
        Use the ``_scoped`` iterator (it declares the loop variable) and
        drop the explicit puts on the early exits.

    Knowledge used:
        ``[[iterator]]`` entries and their ``_scoped`` variants.

    Limits:
        A patch does not say which tree it is for: the mail's date stands
        for it (``[[iterator]]`` ``since``). A patch for an older stable
        tree, mailed later, is still told. Loops that an exit leaves
        without the put are RK401's; only loops the patch adds are
        reported.
    """
    old, new = flow.old, flow.new
    twins = _scoped_twins(kb)
    if new is None or flow.run.codemap is None or not any(
            c.name in twins for n in new.cfg.nodes if n.kind is NodeKind.LOOP for c in node_calls(n)):
        return  # no loop of such an iterator: what the tree has need not be asked
    in_use = flow.run.shared(find_scoped_in_use, Side.NEW)
    mailed = flow.run.patch.timestamp if flow.run.patch is not None else None
    twins = {n: twin for n, twin in twins.items() if _available(kb, twin, in_use, mailed)}
    yield from introduced(_manual_loop_puts(old, kb, twins), _manual_loop_puts(new, kb, twins))


# ---------------------------------------------------------------- RK409


@rule("RK409", category="error-path-cleanup", severity=Severity.WARNING)
def exit_made_direct(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A goto or a break becomes a return, past the code its way out ran.

    What it flags:
        A ``return`` the patch puts in place of a ``goto`` (or of the
        ``break`` that ends a switch's arm) whose way out ran code that the
        patch leaves in place for the function's other exits: the label's
        cleanup, the common exit after the switch. Where the hunks show
        that code, the finding names its calls; where they do not (the
        label, or the end of the switch, lies outside the lines shown),
        the code is unchanged by the patch and still reached from
        elsewhere, and the return no longer runs it.

    Why it matters:
        The common exit is where the function undoes what it did (an
        unlock, a put, a power-down, a state reset). An exit made to
        return directly, with the rest of the function still going
        through that code, skips it on one path: a lock left held, a
        reference leaked, a device left on.

    Example:
        Okay: int f(struct d *d) { int ret = start(d); if (ret) goto out; ret = run(d); out: return ret; } ==> int f(struct d *d) { int ret = start(d); if (ret) return ret; ret = run(d); out: return ret; }
        Okay: int f(struct d *d) { int ret = start(d); if (ret) goto out; ret = run(d); out: stop(d); return ret; } ==> int f(struct d *d) { int ret = start(d); if (ret) { stop(d); return ret; } ret = run(d); out: stop(d); return ret; }
        RK409: int f(struct d *d) { int ret = start(d); if (ret) goto out; ret = run(d); if (ret) goto out; ret = 1; out: stop(d); return ret; } ==> int f(struct d *d) { int ret = start(d); if (ret) return ret; ret = run(d); if (ret) goto out; ret = 1; out: stop(d); return ret; }

    Suggested change:
        Keep the goto (or the break), or do before the return what the
        code it skips does.

    Knowledge used:
        ``[[scope_neutral]]`` (logging is no cleanup); the known
        operations (``[[lock]]``, ``[[ref]]``), whose releases on the way
        out RK101 and RK401 judge with what the path holds.

    Limits:
        Where the way out is not shown, what it does is not known: a
        label that only returns makes the finding moot. A break counts
        only where its arm set the value the new return returns (``ret =
        X; break;`` made ``return X;``): a ``default: break;`` made
        ``return -EINVAL;`` skips the work after the switch on purpose.
        A break out of a loop is left alone. Nothing where the
        patch changes what the function takes or releases, converts a
        resource to a managed, guard() or __free() form, or has the new
        exit's arm call what the old one did not.
    """
    facts = flow.run.file_facts(fn.file)
    try:
        # a return the hunks prove leaves a resource held is RK101's or RK401's
        proven = {issue.line for issue in flow.window}
    except NotAnalysed:
        proven = set()
    for ex in find_direct_exits(fn, facts, kb):
        if ex.line in proven:
            continue
        where = f"the code at {ex.label}:" if ex.label else "the code after the switch"
        if ex.skipped:
            message = (f"the return at line {ex.line} replaces `{ex.old_text}` (old line {ex.old_line}): this path "
                       f"no longer runs {', '.join(ex.skipped)}, which {where} still runs for the other exits")
        else:
            message = (f"the return at line {ex.line} replaces `{ex.old_text}` (old line {ex.old_line}), and "
                       f"{where} is not shown: the patch leaves it as it was, for the other exits, and this path "
                       f"no longer runs it; if it releases what this path holds (an unlock, a put), the return "
                       f"leaves that held")
        yield Report(
            ex.line,
            message,
            f"keep `{ex.old_text}`, or do what {where} does before returning",
            "an exit that skips the common exit skips the function's cleanup",
            Confidence.MEDIUM if ex.skipped else Confidence.LOW,
        )
