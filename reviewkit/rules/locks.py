"""Lock rules (RK1xx): pairing, variants, unlock-path merges, scope changes."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterator, Mapping, NamedTuple

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, ChangedFunction, Confidence, EdgeKind, NodeKind, Severity, Side
from reviewkit.rules.dataflow import Flow, NotAnalysed
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind
from reviewkit.rules.queries import (
    exit_returns,
    find_acquire_sites,
    find_contract,
    find_placements,
    find_released_keys,
    introduced,
    is_error_exit,
    node_calls,
    reached_lock_releases,
    site_call,
    statements_after,
    under_contract,
)
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey
from reviewkit.rules.state import EventKind, State
from reviewkit.rules.window import window_reports


def _release_name(kb: KnowledgeBase, variant: str) -> str:
    names = kb.release_names(variant)
    return names[0] if names else "the matching release"


class ExitHold(NamedTuple):
    """How often one exit of a walk leaves a lock held."""

    node: int  # the last node before EXIT
    held: int  # how often
    variant: str
    state: State


_PAIRING = "every path through a function must leave each lock as it found it"


def _pairing_issues(flow: Flow | None, kb: KnowledgeBase, contract: frozenset[str] = frozenset()) -> dict[tuple[ResourceKey, str], Report]:
    """(key, "held" | "unheld" | "twice") -> the report, for one side.
    ``contract``: the locks the function's annotations leave to its caller."""
    out: dict[tuple[ResourceKey, str], Report] = {}
    if flow is None or not flow.cfg.complete:
        # a fragment with gaps: the missing lines may hold the release
        return out
    by_key: dict[ResourceKey, list[ExitHold]] = defaultdict(list)
    acquired: set[ResourceKey] = set()
    released = find_released_keys(flow, kb)
    # a release on a path that never took the lock, in a function that
    # takes it itself on another path before releasing it: not the
    # caller's lock (a `goto out_unlock` above the mutex_lock())
    took_first = {h.key for _, st in flow.exits for h in st.held if h.key.is_lock and h.sites and h.released and not h.borrowed}
    for nid, st in flow.exits:
        for h in st.held:
            if h.key in took_first and h.borrowed and not h.sites and h.count < 0 and not under_contract(h.key, contract):
                first = min(h.released, key=lambda n: flow.cfg.nodes[n].line)
                line = flow.cfg.nodes[first].line
                call = site_call(flow, first, h.key, kb, (OpKind.RELEASE,)) or f"the release of {h.key}"
                out[(h.key, "unheld")] = Report(
                    line,
                    f"{call} at line {line} releases {h.key} on a path that never took it",
                    "jump to a label past the release on the paths that did not take the lock, "
                    "or take the lock before the first jump to it",
                    _PAIRING,
                )
    # the caller's lock (released before any acquire on some path), or a
    # lock handed to the caller with its object: their protocol is not
    # visible here (mm/hugetlb.c gather_surplus_pages, mm/filemap.c); and
    # the locks the annotations name
    foreign = {h.key for _, st in flow.exits for h in st.held if h.borrowed or (h.key.is_lock and (h.escaped or h.passed or h.carried))}
    foreign |= {h.key for _, st in flow.exits for h in st.held if under_contract(h.key, contract)}
    for nid, st in flow.exits:
        for h in st.held:
            if not h.key.is_lock or h.scoped or h.key in foreign:
                continue
            if h.sites:
                acquired.add(h.key)
            if h.key in st.unsure:
                continue
            by_key[h.key].append(ExitHold(nid, h.count, h.variant, st))
    for nid, st in flow.exits:
        for key in acquired - foreign:
            if st.get(key) is None and key not in st.unsure:
                by_key[key].append(ExitHold(nid, 0, "", st))
    # evidence of local pairing: a path that took the lock and released it
    paired = {h.key for _, st in flow.exits for h in st.held if h.key.is_lock and h.sites and h.released and h.count == 0}
    for key, rows in by_key.items():
        if key not in acquired or key not in released or key not in paired:
            continue  # a function that only takes a lock hands it to its caller
        counts = {r.held for r in rows}
        if len(counts) < 2 and 1 not in counts and 2 not in counts:
            continue
        if len(counts) < 2:
            continue  # every exit agrees: a lock/unlock wrapper
        base = 0 if 0 in counts else min(counts)
        # trylock-style wrappers return whether they took the lock
        returned = {exit_returns(flow, r.node) for r in rows if r.held != base}
        balanced = {exit_returns(flow, r.node) for r in rows if r.held == base}
        flags = {"true", "false", "0", "1"}
        if returned and balanced and not (returned & balanced) and (returned | balanced) <= flags:
            continue
        # lock-and-return helpers: success keeps the lock, the error exits
        # release it (mm/page_ext.c page_ext_get returns NULL after unlocking)
        # the returned variable tells the caller: zero on the exits that
        # dropped the lock (kernel/umh.c usermodehelper_read_lock_wait)
        rets = {exit_returns(flow, r.node) for r in rows}
        if len(rets) == 1:
            v = next(iter(rets))
            if v and re.fullmatch(r"[A-Za-z_]\w*", v):
                if all(r.state.fact(v) is False for r in rows if r.held == base) and all(
                    r.state.fact(v) is not False for r in rows if r.held > base
                ):
                    continue
        # (kernel/kcmp.c kcmp_lock: `return err;` is 0 with the locks held)
        held_exits = [r for r in rows if r.held > base]
        if held_exits and all(exit_returns(flow, r.node) and not is_error_exit(flow, r.node, r.state, kb) for r in held_exits) and all(
            is_error_exit(flow, r.node, r.state, kb) for r in rows if r.held == base
        ):
            continue
        for r in held_exits:
            line = flow.cfg.nodes[r.node].line
            name = str(key)
            rel = _release_name(kb, r.variant)
            out[(key, "held")] = Report(
                line,
                f"a path leaves {flow.cfg.function}() at line {line} with {name} still held",
                f"call {rel}(&{name}) before this exit, or jump to the exit that releases it",
                _PAIRING,
            )
    for ev in flow.events:
        if ev.kind is EventKind.RELEASE_UNHELD:
            line = flow.cfg.nodes[ev.node].line
            out[(ev.key, "unheld")] = Report(
                line,
                f"{ev.call}() at line {line} releases {ev.key} on a path that already released it",
                "drop this release, or make the paths that reach it take the lock",
                _PAIRING,
            )
        elif ev.kind is EventKind.REACQUIRE:
            line = flow.cfg.nodes[ev.node].line
            out[(ev.key, "twice")] = Report(
                line,
                f"{ev.key} is taken at line {line} on a path that already holds it (self-deadlock)",
                "release it before taking it again, or drop the second acquire",
                _PAIRING,
            )
    return out


@rule("RK101", category="lock-pairing", severity=Severity.ERROR)
def lock_pairing(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A path leaves the function with a lock held, or releases one it does not hold.

    What it flags:
        A lock the function takes that some exit leaves held while other
        exits release it; a release on a path that already released the
        lock, or on a path that never took a lock the function takes
        itself on its other paths (a ``goto out_unlock`` above the
        ``mutex_lock()``); a lock taken twice on one path.

    Why it matters:
        A lock left held deadlocks the next taker; a double release
        corrupts the lock.

    Example:
        Okay: int f(int x) { spin_lock(&d->l); if (x) { spin_unlock(&d->l); return 1; } spin_unlock(&d->l); return 0; }
        Okay: int f(int x) { if (!mutex_trylock(&d->m)) return -EBUSY; mutex_unlock(&d->m); return 0; }
        Okay: void f(int x) { bool locked = false; if (x) { spin_lock(&d->l); locked = true; } if (locked) spin_unlock(&d->l); }
        Okay: int f(int x) { guard(mutex)(&d->m); if (x) return 1; return 0; }
        Okay: static void f(struct d *d) __releases(&d->l) { d->n = 0; spin_unlock(&d->l); }
        Okay: static struct d *f(struct d *d) __acquires(&d->l) { spin_lock(&d->l); if (!d->n) { spin_unlock(&d->l); return NULL; } return d; }
        RK101: int f(int x) { spin_lock(&d->l); if (x) return -EINVAL; spin_unlock(&d->l); return 0; }
        RK101: int f(char *s) { int ret = 0; if (!s) { ret = -EINVAL; goto out; } mutex_lock(&d->m); d->s = s; out: mutex_unlock(&d->m); return ret; }

    Suggested change:
        Release the lock on the exit that skips it (or jump to the exit
        that releases it).

    Knowledge used:
        ``[[lock]]`` acquire/release/trylock names and their ``success``
        sense; ``[[guard]]``/``[[cleanup]]`` for scope-based locks. The
        function's sparse annotations (``__acquires``, ``__releases``,
        ``__must_hold``, ``__cond_acquires``) state its contract: the locks
        they name are the caller's to pair.

    Limits:
        Paths take loops zero or one time; only boolean locals correlate
        branches. Functions whose exits return whether they took the lock
        (trylock wrappers) are skipped. Findings only for what the patch
        introduced (the old side must not show the same issue).
    """
    old, new = flow.old, flow.new
    reported = set()
    for report in introduced(_pairing_issues(old, kb, find_contract(fn.old)), _pairing_issues(new, kb, find_contract(fn.new))):
        reported.add(report.line)
        yield report
    yield from window_reports(flow.window, locks=True, taken=reported)


@rule("RK102", category="lock-pairing", severity=Severity.ERROR)
def lock_variant_mismatch(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock released with another variant than the one that took it.

    What it flags:
        ``spin_lock_irqsave()`` released by ``spin_unlock_irq()``,
        ``spin_lock_bh()`` by ``spin_unlock()`` and the like.

    Why it matters:
        The irq/bh state is restored wrongly: irqs get enabled inside a
        caller that had them off, or stay off.

    Example:
        Okay: void f(void) { unsigned long fl; spin_lock_irqsave(&d->l, fl); spin_unlock_irqrestore(&d->l, fl); }
        RK102: void f(void) { unsigned long fl; spin_lock_irqsave(&d->l, fl); spin_unlock_irq(&d->l); }

    Suggested change:
        Use the release that matches the acquire.

    Knowledge used:
        ``[[lock]]`` variants of one ``family``.

    Limits:
        Same path model as RK101.
    """
    old, new = flow.old, flow.new
    old_keys = {(e.key, e.variant, e.call) for e in (old.events if old else []) if e.kind is EventKind.MISMATCH}
    if new is None:
        return
    for ev in new.events:
        if ev.kind is not EventKind.MISMATCH or (ev.key, ev.variant, ev.call) in old_keys:
            continue
        want = _release_name(kb, ev.variant)
        acquire = kb.acquire_names(ev.variant)
        yield Report(
            new.cfg.nodes[ev.node].line,
            f"{ev.key} taken with {acquire[0] if acquire else ev.variant}() is released with {ev.call}()",
            f"release it with {want}()",
            "mismatched lock variants restore the irq/bh state wrongly",
        )


# ---------------------------------------------------------------- RK110


class Unpaired(NamedTuple):
    """A lock every exit of a function leaves changed: taken here and held
    at each exit (``acquires``), or released here and taken by the caller."""

    acquires: bool
    node: int  # the first acquire (or release) on the way


def _unpaired(flow: Flow | None) -> dict[ResourceKey, Unpaired]:
    """The locks every exit leaves held (taken here) or released (taken by
    the caller), with the same count; only for a walk of the whole
    function, where each exit is known and sure."""
    out: dict[ResourceKey, Unpaired] = {}
    if flow is None or not flow.cfg.complete or not flow.exits:
        return out
    keys = {h.key for _, st in flow.exits for h in st.held if h.key.is_lock and h.key.name and not h.scoped}
    for key in keys:
        rows = [(st.get(key), st) for _, st in flow.exits]
        if any(h is None or key in st.unsure or h.escaped or h.passed or h.carried for h, st in rows):
            continue
        held = [h for h, _ in rows if h is not None]
        counts = {h.count for h in held}
        acquires = counts == {1} and all(h.sites and not h.borrowed for h in held)
        if acquires or counts == {-1} and all(h.borrowed and not h.sites for h in held):
            nodes = (n for h in held for n in (h.sites if acquires else h.released))
            out[key] = Unpaired(acquires, min(nodes, key=lambda n: flow.cfg.nodes[n].line))
    return out


def _paired_everywhere(flow: Flow | None, key: ResourceKey) -> bool:
    """Every exit of the whole function leaves ``key`` as it found it, and
    some path takes and releases it there."""
    if flow is None or not flow.cfg.complete or not flow.exits:
        return False
    rows = [st.get(key) for _, st in flow.exits]
    return all(h is None or (h.count == 0 and not h.borrowed) for h in rows) and any(
        h is not None and h.sites and h.released for h in rows
    )


@rule("RK110", category="lock-pairing", severity=Severity.WARNING)
def lock_contract_changed(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A function now hands a lock to its caller (or takes one from it) on every path, and no annotation says so.

    What it flags:
        A function whose every exit returns holding a lock it took (or
        having released a lock its caller took), where the old code
        either said so with a sparse annotation (``__acquires(l)``,
        ``__releases(l)``) that the patch removes, or took and released
        the lock on every path itself (the release, or the acquire, is
        gone from all of them).

    Why it matters:
        The annotation is the function's locking contract: sparse checks
        each caller against it and reports a context imbalance without
        it. A release dropped from every path (or an acquire) leaves the
        lock held for the next taker (or releases one nobody took), and
        RK101 cannot see it: every exit agrees, as in a lock wrapper.

    Example:
        Okay: static void f(struct d *d) __acquires(&d->l) { spin_lock(&d->l); d->n = 1; } ==> static void f(struct d *d) __acquires(&d->l) { spin_lock(&d->l); d->n = 2; }
        RK110: static void f(struct d *d) __acquires(&d->l) { spin_lock(&d->l); d->n = 1; } ==> static void f(struct d *d) { spin_lock(&d->l); d->n = 1; }
        RK110: static void f(struct d *d) { spin_lock(&d->l); d->n = 1; spin_unlock(&d->l); } ==> static void f(struct d *d) { spin_lock(&d->l); d->n = 1; }

    Suggested change:
        Keep the annotation (``__acquires(&d->l)`` after the parameter
        list); or, when the function is not meant to hand the lock over,
        restore the release (or the acquire).

    Knowledge used:
        ``[[lock]]`` acquire and release names; the function's sparse
        annotations.

    Limits:
        Only functions the patch shows whole (both sides), and only locks
        every exit leaves changed by one; a lock handed on through a
        returned object or a stored pointer is left alone.
    """
    old, new = flow.old, flow.new
    if old is None or new is None:
        return
    old_contract, new_contract = find_contract(fn.old), find_contract(fn.new)
    before = _unpaired(old)
    for key, how in sorted(_unpaired(new).items(), key=lambda kv: str(kv[0])):
        if under_contract(key, new_contract):
            continue
        annotation = "__acquires" if how.acquires else "__releases"
        if under_contract(key, old_contract) and key in before:
            yield Report(
                fn.new.function.start if fn.new is not None else None,
                f"the patch removes the {annotation}() annotation of {fn.name}(), which still "
                f"{'returns holding' if how.acquires else 'releases'} {key} on every path",
                f"keep {annotation}(&{key}) after the parameter list",
                "the annotation is the function's locking contract: sparse checks the callers against it "
                "and reports a context imbalance without it",
                Confidence.HIGH,
            )
        elif _paired_everywhere(old, key):
            line = new.cfg.nodes[how.node].line
            call = site_call(new, how.node, key, kb, (OpKind.ACQUIRE, OpKind.TRY, OpKind.RELEASE)) or str(key)
            gone = "release" if how.acquires else "acquire"
            yield Report(
                line,
                f"{fn.name}() now {'returns holding' if how.acquires else 'releases'} {key} on every path "
                f"({call} at line {line}): the old code took and released it itself, and the {gone} is gone "
                f"from every path",
                f"restore the {gone}; if the function now hands the lock "
                f"{'to' if how.acquires else 'back from'} its caller, say so with {annotation}(&{key})",
                _PAIRING,
                Confidence.MEDIUM,
            )


# ---------------------------------------------------------------- RK103


def _release_sites(flow: Flow, kb: KnowledgeBase) -> dict[ResourceKey, list[int]]:
    """Nodes that release a lock while some path holds it."""
    out: dict[ResourceKey, list[int]] = defaultdict(list)
    for node, states, _call, key in reached_lock_releases(flow, kb):
        if any(s.count(key) > 0 for s in states):
            out[key].append(node.id)
    return out


def _early_exit(cfg: Cfg, nid: int, kb: KnowledgeBase) -> bool:
    """``unlock; ...; return`` with no branch between: an early exit
    (``unlock; BUG();`` is none: that path never returns)."""
    after = statements_after(cfg, nid)
    if not after or cfg.nodes[after[-1]].kind is not NodeKind.RETURN:
        return False
    if any(c.name in kb.noreturn for n in after for c in node_calls(cfg.nodes[n])):
        return False
    # a return that other paths also reach is a join, not an early exit
    return len(graph_of(cfg).predecessors(after[-1])) == 1


def _labels_held(flow: Flow, key: ResourceKey, kb: KnowledgeBase) -> list[int]:
    """Jump labels that exist to reach a release of ``key``: reached with
    it held, their straight way on releases it before any other work
    (logging aside). A label that skips part of the locked work and lands
    on the rest is no way to an unlock."""
    cfg = flow.cfg
    out = []
    for n in cfg.nodes:
        if (n.kind is not NodeKind.LABEL or (n.label or "").startswith(("case ", "default"))
                or not any(s.count(key) > 0 for s in flow.visits.get(n.id, []))):
            continue
        for nid in statements_after(cfg, n.id):
            calls = node_calls(cfg.nodes[nid])
            if any(c.name in kb.ops and kb.ops[c.name].kind is OpKind.RELEASE and kb.ops[c.name].is_lock for c in calls):
                out.append(n.id)
                break
            if cfg.nodes[nid].kind is not NodeKind.LABEL and any(c.name not in kb.scope_neutral for c in calls):
                break
    return out


class Arm(NamedTuple):
    """One arm of a branch that releases a lock and then rejoins the other."""

    locked: list[str]  # its statements before the release
    after: list[str]  # its statements after it
    release: int  # the release node


class Merge(NamedTuple):
    """A condition whose two arms each release the same lock."""

    cond: int
    arms: dict[EdgeKind, Arm]  # TRUE and FALSE


def _sibling_merges(flow: Flow, kb: KnowledgeBase) -> dict[ResourceKey, Merge]:
    """Conditions whose both arms release the same lock and then rejoin."""
    cfg = flow.cfg
    sites = _release_sites(flow, kb)
    if not sites:
        # no release to share: the dominator sets would go unread (most
        # functions of threads/lru-lock-v16.mbox release no lock)
        return {}
    graph = graph_of(cfg)
    dom = graph.dominators
    out: dict[ResourceKey, Merge] = {}
    for node in cfg.nodes:
        if node.kind is not NodeKind.CONDITION or node.id not in dom:
            continue
        arms = {e.kind: e.dst for e in graph.successors(node.id) if e.kind in (EdgeKind.TRUE, EdgeKind.FALSE)}
        if len(arms) != 2:
            continue
        regions = {}
        for kind, entry in arms.items():
            regions[kind] = {n for n, ds in dom.items() if entry in ds} if len(graph.predecessors(entry)) == 1 else set()
        for key, rel in sites.items():
            in_arm = {k: [r for r in rel if r in reg] for k, reg in regions.items()}
            if not all(in_arm.values()):
                continue
            # both arms must go on to a common point (not end in return/goto)
            joins = []
            for k, reg in regions.items():
                joins.append({e.dst for n in reg for e in graph.successors(n) if e.dst not in reg and e.kind is EdgeKind.NEXT})
            common = joins[0] & joins[1]
            if not common:
                continue

            def reaches_join(r: int, reg: set[int]) -> bool:
                # `unlock; return -EINVAL;` inside an arm is an early exit,
                # not a release the arms could share
                # (drivers/pwm/pwm-microchip-core.c, linux-pwm archive)
                return any(
                    e.dst in common and e.kind is EdgeKind.NEXT for n in graph.reach(r, reg) for e in graph.successors(n)
                )

            in_arm = {k: [r for r in rs if reaches_join(r, regions[k])] for k, rs in in_arm.items()}
            if not all(in_arm.values()):
                continue
            shape: dict[EdgeKind, Arm] = {}
            for k, reg in regions.items():
                r = min(in_arm[k], key=lambda n: cfg.nodes[n].line)
                rl = cfg.nodes[r].line
                nodes = sorted((cfg.nodes[n] for n in reg if cfg.nodes[n].text and cfg.nodes[n].kind is NodeKind.STATEMENT), key=lambda n: n.line)
                shape[k] = Arm([n.text for n in nodes if n.line < rl], [n.text for n in nodes if n.line > rl], r)
            out.setdefault(key, Merge(node.id, shape))
    return out


def _guard_of(cfg: Cfg, dom: Mapping[int, frozenset[int]], nid: int) -> str | None:
    """The nearest condition one of whose arms alone leads to ``nid``,
    written as the test that holds there (``clearlru`` for the FALSE arm
    of ``!clearlru``); None when no single arm does."""
    graph = graph_of(cfg)
    best = None
    for node in cfg.nodes:
        if node.kind is not NodeKind.CONDITION or node.id not in dom.get(nid, ()):
            continue
        for e in graph.successors(node.id):
            if e.kind in (EdgeKind.TRUE, EdgeKind.FALSE) and len(graph.predecessors(e.dst)) == 1 and e.dst in dom.get(nid, ()):
                if best is None or node.id in dom.get(best[0], ()) or len(dom.get(node.id, ())) > len(dom.get(best[0], ())):
                    best = (node.id, e.kind)
    if best is None:
        return None
    text = cfg.nodes[best[0]].text
    if best[1] is EdgeKind.TRUE:
        return text
    return text[1:] if text.startswith("!") and "&&" not in text and "||" not in text else f"!({text})"


def _locked_work(cfg: Cfg, dom: Mapping[int, frozenset[int]], nid: int) -> list[str]:
    """Statements on the way to release ``nid`` that only its path runs:
    the work to keep under the condition before the single release."""
    cond_nodes = [n for n in dom.get(nid, ()) if cfg.nodes[n].kind is NodeKind.CONDITION]
    if not cond_nodes:
        return []
    nearest = max(cond_nodes, key=lambda n: len(dom.get(n, ())))
    out = []
    for n in sorted(dom.get(nid, ()), key=lambda n: cfg.nodes[n].line):
        node = cfg.nodes[n]
        if n != nid and node.kind is NodeKind.STATEMENT and node.text and nearest in dom.get(n, ()) and n != nearest:
            out.append(node.text)
    return out


def _indent(lines: list[str], depth: int = 1) -> list[str]:
    return ["\t" * depth + t for t in lines]


def _block(head: str, body: list[str]) -> list[str]:
    """``head`` and its statements, in braces when there are several."""
    body = body or [";"]
    return [head + " {", *_indent(body), "}"] if len(body) > 1 else [head, *_indent(body)]


def _exit_merge_report(flow: Flow, key: ResourceKey, exits: list[int], kb: KnowledgeBase, *, file_uses_cleanup: bool) -> Report:
    """Several ``unlock; return`` exits of one lock: one label would do, or a guard."""
    cfg = flow.cfg
    lines = sorted(cfg.nodes[r].line for r in exits)
    release = site_call(flow, exits[0], key, kb, (OpKind.RELEASE,)) or f"release({key})"
    variant = next((h.variant for s in flow.visits.get(exits[0], []) for h in s.held if h.key == key), "")
    guard = next((cls for cls, lock in kb.guards.items() if lock == variant), None)
    arg = release[release.index("(") + 1 : release.rindex(")")] if "(" in release else str(key)
    label = ["\tret = ...;", "\tif (ret)", "\t\tgoto out_unlock;", "\t...", "out_unlock:", f"\t{release};", "\treturn ret;"]
    suggestion = "release it at one place: set the return value and jump to a single exit label, e.g.\n" + "\n".join(label)
    if guard is not None:
        where = "this file already uses linux/cleanup.h, so" if file_uses_cleanup else "or, where the tree has linux/cleanup.h,"
        suggestion += f"\n{where} take it with guard({guard})({arg}); and return directly: the releases go away"
    return Report(
        lines[0],
        f"{key} is released before {len(lines)} separate returns (lines {', '.join(map(str, lines))})",
        suggestion,
        "every exit that releases the lock by hand is a place the next change can forget it",
        Confidence.MEDIUM,
    )


class Tail(NamedTuple):
    """What follows one release site: the sketch's unlocked work."""

    line: int  # of the release
    after: list[str]  # the statements after it
    guard: str | None  # the test that leads only there


@rule("RK103", category="unlock-path-merge", severity=Severity.INFO)
def unlock_path_merge(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """The same lock is released in several places where one release would do.

    What it flags:
        An if/else whose arms both release the same lock and then go on
        with different work; a new or changed function that releases a
        lock right before three or more separate returns (two where the
        file already uses linux/cleanup.h), more than the old version;
        or a function whose new version has more release sites and jump
        labels for a lock than the old one (besides such early exits).

    Why it matters:
        Every extra release site is a place to get the pairing wrong in a
        later change, and jump labels that only exist to reach an unlock
        make the locked region hard to see.

    Example:
        Okay: void f(int c) { spin_lock(&d->l); if (c) a(); spin_unlock(&d->l); if (c) b(); else e(); }
        RK103: void f(int c) { spin_lock(&d->l); if (c) { a(); spin_unlock(&d->l); b(); } else { spin_unlock(&d->l); e(); } }
        RK103: int f(struct st *st) { int ret; mutex_lock(&st->lock); ret = a(st); if (ret) { mutex_unlock(&st->lock); return ret; } ret = b(st); if (ret) { mutex_unlock(&st->lock); return ret; } mutex_unlock(&st->lock); return 0; }

    Suggested change:
        Keep the locked work in the branch, release once after it, then
        branch again for the unlocked work:
        ``if (c) a(); spin_unlock(&l); if (c) b(); else e();`` — or use
        ``guard()``/``scoped_guard()`` where the file uses linux/cleanup.h.
        For several ``unlock; return`` exits: one ``out_unlock:`` label
        that every exit jumps to, or ``guard(mutex)(&lock)``.

    Knowledge used:
        ``[[lock]]`` release names; ``[[guard]]`` classes for the guard()
        a suggestion names.

    Limits:
        Arms are the nodes each branch dominates; the suggested shape is
        a sketch to adapt, not a patch.
    """
    old, new = flow.old, flow.new
    if new is None:
        return
    old_merges = _sibling_merges(old, kb) if old is not None else {}
    old_sites = _release_sites(old, kb) if old is not None else {}
    cleanup = (
        "; this file already uses linux/cleanup.h, so guard() or scoped_guard() around the locked work would remove the explicit releases"
        if fn.file_uses_cleanup
        else ""
    )
    reported = set()
    cfg = new.cfg
    # the same branch already released one lock in both arms: a lock the
    # patch renames (pgdat->lru_lock -> lruvec in
    # tests/data/corpus/patches/119_v16-18-22-patch-posting.eml) is no new merge
    old_conds = {old.cfg.nodes[m.cond].text for m in old_merges.values()} if old is not None else set()
    for key, merge in _sibling_merges(new, kb).items():
        if key in old_merges or cfg.nodes[merge.cond].text in old_conds:
            continue
        cond = cfg.nodes[merge.cond]
        t_locked, t_after, t_rel = merge.arms[EdgeKind.TRUE]
        f_locked, f_after, f_rel = merge.arms[EdgeKind.FALSE]
        release = site_call(new, t_rel, key, kb, (OpKind.RELEASE,)) or f"release({key})"
        sketch = []
        if t_locked:
            sketch += [f"if ({cond.text}) {{", *_indent(t_locked), "}"]
        if f_locked:
            sketch += [f"if (!({cond.text})) {{", *_indent(f_locked), "}"]
        sketch.append(f"{release};")
        sketch += _block(f"if ({cond.text})", t_after)
        if f_after:
            sketch += _block("else", f_after)
        reported.add(key)
        yield Report(
            cfg.nodes[t_rel].line,
            f"both arms of `if ({cond.text})` (line {cond.line}) release {key} "
            f"(lines {cfg.nodes[t_rel].line} and {cfg.nodes[f_rel].line}) and then do different work",
            "merge the unlock paths: do the locked work in the branch, release once, then branch for the rest:\n"
            + "\n".join(sketch)
            + cleanup,
            "one release site per lock keeps the critical section visible and the pairing hard to break",
            Confidence.MEDIUM,
        )
    for key, rel in _release_sites(new, kb).items():
        if key in reported:
            continue
        exits = [r for r in rel if _early_exit(cfg, r, kb)]
        old_exits = [r for r in old_sites.get(key, []) if _early_exit(old.cfg, r, kb)] if old is not None else []
        if len(exits) >= (2 if fn.file_uses_cleanup else 3) and len(exits) > len(old_exits):
            reported.add(key)
            yield _exit_merge_report(new, key, exits, kb, file_uses_cleanup=fn.file_uses_cleanup)
            continue
        if old is None or not old_sites.get(key):
            continue  # a new lock: nothing to compare with
        new_rel = [r for r in rel if not _early_exit(cfg, r, kb)]
        new_labels = _labels_held(new, key, kb)
        old_rel = [r for r in old_sites.get(key, []) if not _early_exit(old.cfg, r, kb)]
        old_labels = _labels_held(old, key, kb)
        if len(new_rel) < 2 or len(new_rel) + len(new_labels) <= len(old_rel) + len(old_labels):
            continue
        release = site_call(new, new_rel[0], key, kb, (OpKind.RELEASE,)) or f"release({key})"
        dom = graph_of(cfg).dominators
        tails = []
        for r in sorted(new_rel, key=lambda n: cfg.nodes[n].line):
            after = [cfg.nodes[n].text for n in statements_after(cfg, r) if cfg.nodes[n].text]
            tails.append(Tail(cfg.nodes[r].line, after, _guard_of(cfg, dom, r)))
        # the site only a condition leads to goes first, the catch-all last
        tails.sort(key=lambda t: (t.guard is None, t.line))
        sketch = []
        for r in sorted(new_rel, key=lambda n: cfg.nodes[n].line):
            guard, work = _guard_of(cfg, dom, r), _locked_work(cfg, dom, r)
            if guard and work:
                sketch += [f"if ({guard}) {{", *_indent(work), "}"]
        if not sketch:
            sketch = ["<locked work, each part under its condition>"]
        sketch.append(f"{release};")
        for i, tail in enumerate(tails):
            test = tail.guard or f"<condition of the path through line {tail.line}>"
            head = f"if ({test})" if i == 0 else ("else" if i == len(tails) - 1 else f"else if ({test})")
            sketch += _block(head, tail.after)
        lines = ", ".join(str(cfg.nodes[r].line) for r in sorted(new_rel, key=lambda n: cfg.nodes[n].line))
        labels = ", ".join(cfg.nodes[n].label or "" for n in new_labels)
        yield Report(
            cfg.nodes[min(new_rel, key=lambda n: cfg.nodes[n].line)].line,
            f"{key} is now released at {len(new_rel)} places (lines {lines})"
            + (f" with jump label(s) {labels}" if labels else "")
            + f"; the old code had {len(old_rel)} release site(s) and {len(old_labels)} label(s)",
            "release it once: keep the locked work under its condition, unlock, then branch on the same condition "
            "for the unlocked work, e.g.\n" + "\n".join(sketch) + cleanup,
            "fewer release sites and jump labels keep the critical section visible",
            Confidence.MEDIUM,
        )


# ---------------------------------------------------------------- RK104 / RK105


def _resource_call(name: str, kb: KnowledgeBase) -> bool:
    return name in kb.ops or name in kb.iterators or name in kb.scope_neutral


def _compile_time(p) -> bool:
    """IS_ENABLED(CONFIG_OF): a macro of constants, decided at build time
    (drivers/pwm/core.c, linux-pwm archive)."""
    return p.name.isupper() and bool(p.text) and all(
        re.fullmatch(r"[A-Z_][A-Z0-9_]*", a) for a in re.findall(r"\((.*)\)", p.text)[0].split(",") if a
    )


def _named_in(name: str, text: str) -> bool:
    """``text`` names the function ``name``, or it without its driver's
    prefix (``pwm_calculate()`` for ``sun4i_pwm_calculate()``): a word of
    two parts or more that ``name`` ends with."""
    return any(name == word or name.endswith("_" + word)
               for word in re.findall(r"\b[A-Za-z]\w*_\w+\b", text))


@rule("RK104", category="lock-scope-change", severity=Severity.WARNING)
def lock_scope_change(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A call moved into or out of a critical section.

    What it flags:
        A call that the old code made with a lock held on every path and
        the new code makes with that lock held on no path (or the
        reverse). Calls are matched by their normalised text; calls into
        a function that the same patch removes or changes are inlined one
        level, with its parameters replaced by the arguments.

    Why it matters:
        What the lock serialised before is no longer serialised (or new
        work now runs under a lock that may not allow it): a race the
        commit message should explain.

    Example:
        Okay: void f(struct d *d) { spin_lock(&d->l); a(d); spin_unlock(&d->l); } ==> void f(struct d *d) { spin_lock(&d->l); a(d); b(d); spin_unlock(&d->l); }
        RK104: void f(struct d *d) { spin_lock(&d->l); a(d); spin_unlock(&d->l); } ==> void f(struct d *d) { a(d); spin_lock(&d->l); spin_unlock(&d->l); }

    Suggested change:
        Keep the call where it was, or say in the commit message why it
        no longer needs the lock (or now needs it). Where the commit
        message already names the call, the move is meant: the finding
        is a note to check that reasoning.

    Knowledge used:
        ``[[lock]]`` names; lock and reference operations themselves are
        not reported (RK101/RK202 cover them), nor ``[[scope_neutral]]``
        calls (logging).

    Limits:
        Only calls present on both sides; a call text that occurs several
        times must agree on its lock set on each side.
    """
    old, new = flow.old, flow.new
    if old is None or new is None:
        return
    # Only locks the function takes on both sides: a lock replaced by
    # another, or whose acquire moved into a helper, is not a scope change of
    # the calls around it (tests/data/corpus/patches/112_v16-11-22-patch-posting.eml
    # moves the lock from the callers into lru_note_cost_page()).
    both = set(find_acquire_sites(old, kb)) & set(find_acquire_sites(new, kb))
    if not both:
        return  # no placement could be reported: skip finding them
    new_callees = flow.run.named(Side.NEW, changed=True)
    old_pl = find_placements(old, kb, flow.run.named(Side.OLD, changed=True), fn.name, Side.OLD)
    new_pl = find_placements(new, kb, new_callees, fn.name, Side.NEW)

    def callee_takes(name: str, family: str) -> bool:
        """The patch moved the lock into the callee: its new side takes a
        lock of the same family (tests/data/corpus/patches/113_v16-12-22-patch-posting.eml,
        lru_note_cost() now locks itself)."""
        callee = new_callees.get(name)
        if callee is None or name == fn.name:
            return False
        try:
            sub = callee.new
        except NotAnalysed:
            return True  # unsure: no finding
        return sub is not None and any(k.family == family for k in find_acquire_sites(sub, kb))

    message = flow.run.patch.commit_message if flow.run.patch is not None else ""
    by_old: dict[str, list] = defaultdict(list)
    by_new: dict[str, list] = defaultdict(list)
    for p in old_pl:
        if not _resource_call(p.name, kb):
            by_old[p.text].append(p)
    for p in new_pl:
        if not _resource_call(p.name, kb) and p.inlined_from is None and not _compile_time(p):
            by_new[p.text].append(p)
    for text, news in sorted(by_new.items(), key=lambda kv: kv[1][0].line):
        olds = by_old.get(text)
        if not olds:
            continue
        old_must = frozenset.intersection(*(p.must for p in olds))
        old_may = frozenset().union(*(p.may for p in olds))
        new_must = frozenset.intersection(*(p.must for p in news))
        new_may = frozenset().union(*(p.may for p in news))
        name = news[0].name
        # the commit message speaks of the call: the move is meant, and
        # argued there; a note to check the argument, not a warning
        argued = _named_in(name, message)
        said = "; the commit message speaks of it: check its reasoning" if argued else ""
        severity = Severity.INFO if argued else None
        for key in sorted(old_must - new_may):
            if not key.name or key not in both or callee_takes(name, key.family):
                continue  # irq/preempt state: RK302/RK303
            via = next((p.inlined_from for p in olds if p.inlined_from), None)
            where = f" (inside {via}(), which this patch removes or changes)" if via else ""
            still = sorted(str(k) if k.name else f"{k.family} off" for k in new_must)
            now = f" (only {', '.join(still)} now)" if still else ""
            for p in news:
                yield Report(
                    p.line,
                    f"{name}() moved out of the {key} critical section: the old code called it with the lock held{where}, "
                    f"the new code calls it without{now}{said}",
                    f"keep {news[0].display or text} under {key}, or explain in the commit message why it no longer needs the lock",
                    f"{key} no longer serialises {name}() against other holders of the lock",
                    Confidence.MEDIUM if via else Confidence.HIGH,
                    severity=severity,
                )
        for key in sorted(new_must - old_may):
            if not key.name or key not in both:
                continue
            for p in news:
                yield Report(
                    p.line,
                    f"{name}() moved into the {key} critical section: the old code called it without the lock{said}",
                    f"check that {name}() may run under {key} (no sleeping, no lock-order inversion), or keep it outside",
                    "work added under a lock lengthens the critical section and may not be allowed there",
                    Confidence.MEDIUM,
                    severity=severity,
                )


def _in_loop(flow: Flow, nid: int) -> bool:
    return flow.cfg.nodes[nid].loop_depth > 0 or any(nid in body and nid != head for head, body in graph_of(flow.cfg).loops.items())


@rule("RK105", category="lock-scope-change", severity=Severity.WARNING)
def lock_into_loop(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock that was taken once is now taken on every loop iteration.

    What it flags:
        A lock acquired inside a loop on the new side whose key the old
        side acquired only outside any loop.

    Why it matters:
        The lock is now taken and released once per element: more atomic
        operations and irq toggles, and the batch is no longer atomic as
        a whole.

    Example:
        Okay: void f(int n) { int i; spin_lock(&d->l); for (i = 0; i < n; i++) a(i); spin_unlock(&d->l); } ==> void f(int n) { int i; spin_lock(&d->l); for (i = 0; i < n; i++) b(i); spin_unlock(&d->l); }
        RK105: void f(int n) { int i; spin_lock(&d->l); for (i = 0; i < n; i++) a(i); spin_unlock(&d->l); } ==> void f(int n) { int i; for (i = 0; i < n; i++) { spin_lock(&d->l); a(i); spin_unlock(&d->l); } }

    Suggested change:
        Say in the commit message why per-iteration locking is needed
        (e.g. the lock now depends on the element), or keep one lock
        around the loop.

    Knowledge used:
        ``[[lock]]`` acquire names.

    Limits:
        Keys must be spelled the same on both sides.
    """
    old, new = flow.old, flow.new
    if old is None or new is None:
        return
    old_sites = find_acquire_sites(old, kb)
    for key, sites in find_acquire_sites(new, kb).items():
        before = old_sites.get(key)
        if not before or not key.name or any(_in_loop(old, s) for s in before):
            continue
        for s in sites:
            if not _in_loop(new, s):
                continue
            call = site_call(new, s, key, kb, (OpKind.ACQUIRE, OpKind.TRY))
            yield Report(
                new.cfg.nodes[s].line,
                f"{key} is now taken once per loop iteration ({call}); the old code took it once, outside the loop",
                "keep one acquire around the loop if the lock does not depend on the element, "
                "or say in the commit message why it is taken per iteration",
                "a lock taken per element costs an atomic round trip (and an irq toggle) per element",
                Confidence.HIGH,
            )
