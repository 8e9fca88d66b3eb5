"""Scope-based cleanup (``linux/cleanup.h``) both ways (RK403-RK408): where
``guard()`` would remove an unlock label, and the ways ``guard()`` and
``__free()`` go wrong: a goto into their scope, a class whose release
takes no ``ERR_PTR()``, a pointer handed on without ``no_free_ptr()``, a
release written by hand beside the automatic one, a ``break`` or
``continue`` that leaves only a ``scoped_guard()``'s own loop.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from reviewkit.cmap.braces import LABEL, is_code
from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, CfgNode, ChangedFunction, Confidence, EdgeKind, FunctionView, NodeKind, Severity
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import parse_condition, parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind
from reviewkit.rules.queries import (
    find_lock_takings,
    introduced,
    node_calls,
    op_key,
    reached_lock_releases,
    site_call,
    statements_after,
)
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.transfer import scope_node


class Scoped(NamedTuple):
    """A variable that cleans up after itself: a guard() or scoped_guard()
    of a lock, or a ``__free(CLASS)`` pointer. Where it holds is told by
    byte offsets in the side's parse (several statements share a line)."""

    node: int  # its declaration
    line: int
    start: int  # the declaration's first byte
    end: int  # the last byte of its scope
    text: str  # `guard(mutex)(&st->lock)`, `np __free(device_node)`
    var: str  # the __free variable ("" for a guard)
    cls: str  # the guard or __free class

    def holds(self, node: CfgNode, *, at_decl: bool = False) -> bool:
        """``node`` is inside the scope (after the declaration; with
        ``at_decl``, the declaration itself counts)."""
        pos = _pos(node)
        return pos is not None and (self.start <= pos if at_decl else self.start < pos) and pos < self.end


def _pos(node: CfgNode) -> int | None:
    return node.ts_node.start_byte if node.ts_node is not None else None


def find_scoped(flow: Flow, kb: KnowledgeBase) -> list[Scoped]:
    """Every guard(), scoped_guard() and ``__free()`` declaration of one side."""
    out: list[Scoped] = []
    cfg = flow.cfg
    body_end = max((n.ts_node.end_byte for n in cfg.nodes if n.ts_node is not None), default=0) + 1
    for node in cfg.nodes:
        if node.kind is not NodeKind.STATEMENT or not node.text or "(" not in node.text or node.ts_node is None:
            continue
        stmt = parse_statement(node.text)
        start = node.ts_node.start_byte

        def end(block: bool) -> int:
            scope = scope_node(node, block)
            return scope.end_byte if scope is not None else body_end

        if stmt.guard is not None and stmt.guard[0] in kb.guard_macros and stmt.guard[1] in kb.guards:
            macro, cls, args = stmt.guard
            out.append(Scoped(node.id, node.line, start, end(False), f"{macro}({cls})({', '.join(args)})", "", cls))
        for call in stmt.calls:
            if call.name in kb.scoped_guard_macros and call.args and call.args[0] in kb.guards:
                out.append(Scoped(node.id, node.line, start, end(True), call.display, "", call.args[0]))
        for var, cls in stmt.free_vars:
            out.append(Scoped(node.id, node.line, start, end(False), f"{var} __free({cls})", var, cls))
    return out


def _uses(flow: Flow) -> bool:
    """Cheap test: does the side declare anything scope-based at all?"""
    return any("guard" in n.text or "__free" in n.text for n in flow.cfg.nodes if n.kind is NodeKind.STATEMENT)


# ---------------------------------------------------------------- RK404


def _gotos_into(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    out: dict[tuple[str, str], Report] = {}
    if flow is None or not _uses(flow):
        return out
    cfg = flow.cfg
    graph = graph_of(cfg)
    scoped = find_scoped(flow, kb)
    for node in cfg.nodes:
        if node.kind is not NodeKind.GOTO:
            continue
        for e in graph.successors(node.id):
            target = cfg.nodes[e.dst] if e.dst < len(cfg.nodes) and e.dst != Cfg.EXIT else None
            if target is None or target.kind is not NodeKind.LABEL:
                continue
            for s in scoped:
                if not s.holds(node, at_decl=True) and s.holds(target):
                    out[(node.label or "", s.text)] = Report(
                        node.line,
                        f"goto {node.label} jumps past {s.text} (line {s.line}) into its scope: at the label the "
                        f"{'lock was never taken' if not s.var else 'variable was never initialised'}, "
                        f"yet it is released when the scope ends",
                        f"move the label out of the scope of {s.text} (or open a block for the guarded part with "
                        f"scoped_guard()), or convert this function's other cleanup to cleanup.h as well so that no goto is left",
                        "cleanup.h variables and goto do not mix: a jump into their scope skips the initialisation "
                        "but not the release (clang refuses it, gcc does not)",
                        Confidence.HIGH,
                    )
    # a goto inside the scope of a cleanup variable, to a label the jump
    # does not skip it for: legal, but cleanup.h asks for all or nothing
    # per function (linux-pwm archive: Message-ID
    # <20260321151640.4dae9b91@jic23-huawei> on ad4691_trigger_handler)
    if not out:
        for node in cfg.nodes:
            inside = next((s for s in scoped if node.kind is NodeKind.GOTO and s.holds(node)), None)
            if inside is None:
                continue
            out[(node.label or "", "mixed")] = Report(
                node.line,
                f"goto {node.label} in the scope of {inside.text} (line {inside.line}): this function mixes goto with cleanup.h",
                "convert the rest of the function's cleanup as well (a guard or __free() for each resource, a "
                "helper for the part that needs the lock), so that it returns directly, or take the lock by hand",
                "cleanup.h asks that a function use goto-based cleanup or scope-based cleanup, never both: a "
                "jump is the first thing a later change moves into a scope",
                Confidence.MEDIUM,
                severity=Severity.WARNING,
            )
            break
    return out


@rule("RK404", category="error-path-cleanup", severity=Severity.ERROR)
def goto_into_guard(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A ``goto`` that jumps past a ``guard()`` or ``__free()`` declaration into its scope, or mixes with one.

    What it flags:
        A ``goto`` from before a ``guard(...)``, ``scoped_guard(...)`` or
        ``__free(...)`` declaration to a label inside the scope that
        declaration opens (an error); short of that, a ``goto`` inside such
        a scope: a function that mixes goto with cleanup.h (a warning).

    Why it matters:
        The jump skips the declaration but not its cleanup: at the end of
        the scope the lock that was never taken is released, or the
        uninitialised pointer freed. Clang refuses such a jump; gcc
        compiles it.

    Example:
        Okay: int f(struct d *d) { int ret; if (!d->ok) return -EINVAL; guard(mutex)(&d->m); ret = a(d); if (ret) return ret; return b(d); }
        RK404: int f(struct d *d) { int ret; if (!d->ok) goto out; guard(mutex)(&d->m); ret = a(d); out: return ret; }
        RK404: int f(struct d *d) { int ret; guard(mutex)(&d->m); ret = a(d); if (ret) goto out; ret = b(d); out: return ret; }

    Suggested change:
        Move the label out of the guard's scope, or give the guarded part
        a block of its own with ``scoped_guard()``; better, convert all of
        the function's cleanup so that no ``goto`` is left (cleanup.h asks
        for all or nothing per function).

    Knowledge used:
        ``[[cleanup]]`` macro names, ``[[guard]]`` classes.

    Limits:
        Scopes are the blocks the declarations sit in, as written.
    """
    yield from introduced(_gotos_into(flow.old, kb), _gotos_into(flow.new, kb))


# ---------------------------------------------------------------- RK408

# What a break or continue leaves: the innermost of these around it
_LEAVES = {NodeKind.BREAK: ("for_statement", "while_statement", "do_statement", "switch_statement"),
           NodeKind.CONTINUE: ("for_statement", "while_statement", "do_statement")}


def _scoped_blocks(cfg: Cfg, kb: KnowledgeBase) -> list[tuple[CfgNode, str, int, int]]:
    """Each ``scoped_guard(...) { }`` of a side: its head, the head's text,
    and the byte range of the block it runs once (a for loop of one pass)."""
    out = []
    for node in cfg.nodes:
        if node.kind is not NodeKind.STATEMENT or node.ts_node is None or "(" not in node.text:
            continue
        calls = parse_statement(node.text).calls
        if not calls or calls[0].name not in kb.scoped_guard_macros or not node.text.startswith(calls[0].name):
            continue
        scope = scope_node(node, True)
        if scope is not None and scope.start_byte > node.ts_node.start_byte:
            out.append((node, node.text.split("{")[0].strip(), scope.start_byte, scope.end_byte))
    return out


def _ancestors(ts, stop: int = -1) -> Iterator:
    """The tree-sitter ancestors of ``ts``, innermost first, while they start
    after byte ``stop``."""
    n = ts.parent
    while n is not None and n.start_byte > stop:
        yield n
        n = n.parent


def _meant_for(cfg: Cfg, head: CfgNode, kind: NodeKind) -> str | None:
    """What a break or continue at the level of the guard ``head`` would
    leave without the guard: "loop", "switch", or None (nothing)."""
    around = next((a for a in _ancestors(head.ts_node) if a.type in _LEAVES[kind]), None)
    if around is not None and around.type == "switch_statement":
        switch = next((n for n in cfg.nodes if n.kind is NodeKind.SWITCH and n.ts_node is not None
                       and around.start_byte <= n.ts_node.start_byte < around.end_byte), None)
        # an iterator macro between the switch and the guard is no ancestor
        return "loop" if switch is not None and head.loop_depth > switch.loop_depth else "switch"
    return "loop" if around is not None or head.loop_depth > 0 else None


def _opened_above(view: FunctionView, line: int) -> bool:
    """``line`` of a function the hunks show in part sits in a block opened
    above the lines shown with it: it is indented deeper than the body
    (kernel style, a tab a level), and the shown lines above it, back to the
    first one not shown, never come back to the body's level (a statement
    or brace there would put the opening of every block around ``line``
    among the lines shown, where the parse saw it)."""
    window, first = view.window, view.function.start
    if window is None:
        return False
    lines = view.source.splitlines()

    def width(no: int) -> int:
        text = lines[no - first] if 0 <= no - first < len(lines) else ""
        return len(text[: len(text) - len(text.lstrip(" \t"))].expandtabs(8))

    if width(line) <= 8:
        return False
    no = line - 1
    while no >= first and no in window.visible:
        text = lines[no - first] if no - first < len(lines) else ""
        if is_code(text) and not LABEL.match(text) and width(no) <= 8:
            return False
        no -= 1
    return True


def _jumps_out_of_guard(view: FunctionView | None, flow: Flow | None, kb: KnowledgeBase) -> dict[tuple, Report]:
    out: dict[tuple, Report] = {}
    if flow is None or view is None:
        return out
    cfg = flow.cfg
    blocks = _scoped_blocks(cfg, kb)
    if not blocks:
        return out
    seen: dict[tuple, int] = {}
    for node in cfg.nodes:
        if node.kind not in _LEAVES or node.ts_node is None:
            continue
        pos = node.ts_node.start_byte
        inside = [b for b in blocks if b[2] <= pos < b[3]]
        if not inside:
            continue
        head, text, start, _ = max(inside, key=lambda b: b[2])
        word = node.text.rstrip(";").strip()
        # a loop or switch inside the guard's block takes the jump first
        if node.loop_depth > head.loop_depth or any(a.type in _LEAVES[node.kind] for a in _ancestors(node.ts_node, start)):
            continue
        meant = _meant_for(cfg, head, node.kind)
        outer = meant or "loop"
        rest = "in this case" if outer == "switch" else "in this iteration"
        fix = (f"the {word} leaves only {text}'s own loop: use guard() in a block of its own (a {word} there "
               f"leaves the {outer} as meant), or move the locked part into a helper that returns an error "
               f"the {outer} tests")
        why = (f"scoped_guard() is a for loop of one pass: a {word} in its block leaves that loop, not the "
               f"{outer} around it, and the code after the guard runs on values the skipped part never set")
        if meant is not None:
            report = Report(
                node.line,
                f"{word} at line {node.line} leaves only {text} (line {head.line}), a for loop of one pass, not "
                f"the {meant} around it: the rest of the guarded block is skipped, and the code after the guard "
                f"still runs {rest}",
                fix, why, Confidence.HIGH)
        elif _opened_above(view, head.line):
            # the hunk starts inside a block around the guard (adnp_irq in
            # Message-ID <20250303-gpiochip-set-conversion-v1-2-1d5cceeebf8b@linaro.org>:
            # the for loop's head sits above the lines shown; the kernel test
            # robot found isr and ier used uninitialised after the continue)
            report = Report(
                node.line,
                f"{word} at line {node.line} leaves only {text} (line {head.line}), a for loop of one pass; "
                f"judged from the hunk, which starts inside a block around the guard without showing its head: "
                f"if that block is the loop the {word} is meant for, the code after the guard still runs {rest}",
                fix, why, Confidence.LOW, severity=Severity.WARNING)
        else:
            # no loop or switch around the guard: the jump can only mean
            # leaving the guard's block early (without the guard it would
            # not compile), which some code does on purpose
            continue
        n = seen[(text, word)] = seen.get((text, word), 0) + 1
        out[(text, word, n)] = report
    return out


@rule("RK408", category="error-path-cleanup", severity=Severity.ERROR)
def jump_out_of_scoped_guard(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A ``break`` or ``continue`` in a ``scoped_guard()`` block, meant for the loop or switch around it.

    What it flags:
        ``break;`` or ``continue;`` directly in the block of a
        ``scoped_guard(...)`` or ``scoped_cond_guard(...)`` (not in a loop
        or switch inside that block), where the guard itself sits in a loop
        (or, for ``break``, a switch): the author plainly means that outer
        construct. Where the hunk starts inside a block around the guard
        and the loop is not shown, a warning at low confidence.

    Why it matters:
        ``scoped_guard()`` expands to a for loop of one pass
        (``for (CLASS(_name, scope)(args), *done = NULL; ...; done = (void *)1)``):
        the ``break`` or ``continue`` leaves that loop only. The lock is
        dropped, then the code after the guard runs in the same iteration,
        on values the skipped part never set.

    Example:
        Okay: void f(struct d *d) { int i, v; for (i = 0; i < 4; i++) { guard(mutex)(&d->m); if (rd(d, i, &v)) continue; use(d, v); } }
        Okay: void f(struct d *d) { int v; scoped_guard(mutex, &d->m) { if (rd(d, 0, &v)) break; d->v = v; } done(d); }
        RK408: void f(struct d *d) { int i, v; for (i = 0; i < 4; i++) { scoped_guard(mutex, &d->m) { if (rd(d, i, &v)) continue; } use(d, v); } }

    Suggested change:
        Give the locked part a block of its own with ``guard()`` (its
        ``continue`` then leaves the loop as meant), or move the locked
        part into a helper that returns an error the loop tests.

    Knowledge used:
        the scoped guard macros of the code map (``SCOPE_MACROS``: ``scoped_guard``, ``scoped_cond_guard``).

    Limits:
        ``scoped_guard(...) stmt;`` with the jump in that one statement is
        not seen. A guard in no loop or switch is left alone: there the
        jump can only mean leaving the guard early. In a hunk, a loop above
        the lines shown is inferred from the guard's indentation.
    """
    before = _jumps_out_of_guard(fn.old, flow.old, kb) if fn.old is not None else {}
    yield from introduced(before, _jumps_out_of_guard(fn.new, flow.new, kb))


# ---------------------------------------------------------------- RK405


def _err_ptr_frees(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    out: dict[tuple[str, str], Report] = {}
    if flow is None or not _uses(flow):
        return out
    cfg = flow.cfg
    for s in find_scoped(flow, kb):
        release = kb.free_release(s.cls) if s.var else None
        if release is None or release[1]:
            continue
        for node in cfg.nodes:
            if not s.holds(node, at_decl=True) or node.kind not in (NodeKind.CONDITION, NodeKind.STATEMENT, NodeKind.RETURN):
                continue
            test = next((c for c in node_calls(node) if c.name in kb.error_checks and c.arg_key(0) == s.var), None)
            if test is None:
                continue
            out[(s.var, s.cls)] = Report(
                s.line,
                f"{s.text} releases with {release[0]}(), which tests for NULL only, but {test.display} at line "
                f"{node.line} says {s.var} may hold an ERR_PTR(): the cleanup then calls {release[0]}() on it",
                f"keep the result in a plain variable, test it with {test.name}() and only then move it into {s.var}; "
                f"or make the class's release test IS_ERR_OR_NULL()",
                "a __free() release that tests for NULL only crashes on an error pointer left in the variable",
                Confidence.HIGH,
            )
            break
    return out


@rule("RK405", category="error-path-cleanup", severity=Severity.ERROR)
def free_class_err_ptr(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A ``__free()`` variable that may hold an ``ERR_PTR()``, whose class's release tests for NULL only.

    What it flags:
        A ``__free(CLASS)`` variable that the function tests with
        ``IS_ERR()`` (so it may hold an error pointer), where the class's
        release does not tolerate one (``DEFINE_FREE(device_node, ...,
        if (_T) of_node_put(_T))``).

    Why it matters:
        When the scope ends with the error pointer still in the variable,
        the cleanup calls the put on it: an oops on the error path.

    Example:
        Okay: int f(struct device *dev) { char *buf __free(kfree) = memdup_user(dev->p, 8); if (IS_ERR(buf)) return PTR_ERR(buf); return use(buf); }
        RK405: int f(struct fwnode_handle *fw) { struct device_node *np __free(device_node) = lookup(fw); if (IS_ERR(np)) return PTR_ERR(np); return use(np); }

    Suggested change:
        Keep the result in a plain variable, test it, and only then move
        it into the ``__free()`` variable; or give the class a release
        that tests ``IS_ERR_OR_NULL()``.

    Knowledge used:
        ``[[free_class]]`` puts and ``err_ok`` (the DEFINE_FREE classes the
        database learned from a kernel tree answer through
        ``KnowledgeBase.free_release``), ``[[error_check]]``.

    Limits:
        An error pointer is seen only through the function's own
        ``IS_ERR()`` test of the variable.
    """
    yield from introduced(_err_ptr_frees(flow.old, kb), _err_ptr_frees(flow.new, kb))


# ---------------------------------------------------------------- RK406


def _null_tested_here(cfg: Cfg, nid: int, var: str) -> bool:
    """``if (!var) return var;``: the return only runs with NULL in it."""
    for e in graph_of(cfg).predecessors(nid):
        if e.kind is EdgeKind.TRUE and cfg.nodes[e.src].kind is NodeKind.CONDITION:
            cond = parse_condition(cfg.nodes[e.src].text)
            if cond.op == "not" and cond.args[0].op == "atom" and cond.args[0].var == var:
                return True
    return False


def _handed_on(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    out: dict[tuple[str, str], Report] = {}
    if flow is None or not _uses(flow):
        return out
    cfg = flow.cfg
    takers = sorted(kb.ownership)
    for s in find_scoped(flow, kb):
        if not s.var or kb.free_release(s.cls) is None:
            continue
        for node in cfg.nodes:
            if not s.holds(node) or node.kind not in (NodeKind.STATEMENT, NodeKind.RETURN) or s.var not in node.text:
                continue
            stmt = parse_statement(node.text)
            stored = next((lv for lv, rv in stmt.assigned if rv == s.var and re.search(r"->|\[|^\*", lv)), None)
            returned = stmt.returns == s.var and not _null_tested_here(cfg, node.id, s.var)
            if stored is None and not returned:
                continue
            how = f"stores it in {stored}" if stored else "returns it"
            fix = (f"{stored} = {takers[0]}({s.var})" if stored and takers else f"{takers[-1]}({s.var})" if takers else "")
            out[(s.var, how)] = Report(
                node.line,
                f"line {node.line} {how}, but {s.text} (line {s.line}) still drops it when the scope ends: "
                f"what was handed on is freed (or put) under its new owner",
                f"hand it on with {fix}, which takes it out of the cleanup's hands" if fix else "take it out of the cleanup's hands first",
                "a __free() pointer that leaves its scope must leave the cleanup too, or the new owner holds a dangling pointer",
                Confidence.HIGH,
            )
    return out


@rule("RK406", category="get-put-placement", severity=Severity.ERROR)
def free_pointer_handed_on(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A ``__free()`` pointer returned or stored without ``no_free_ptr()``/``return_ptr()``.

    What it flags:
        ``return np;`` or ``priv->np = np;`` where ``np`` is a
        ``__free(...)`` variable still in scope: the conversion to
        cleanup.h now drops on the success path what the old code kept.

    Why it matters:
        The cleanup runs when the scope ends whatever the pointer became:
        the caller or the structure now holds a freed object, or a node
        whose reference is gone.

    Example:
        Okay: struct device_node *f(struct device_node *p) { struct device_node *np __free(device_node) = of_get_child_by_name(p, "x"); if (!np) return NULL; return_ptr(np); }
        RK406: struct device_node *f(struct device_node *p) { struct device_node *np __free(device_node) = of_get_child_by_name(p, "x"); if (!np) return NULL; return np; }

    Suggested change:
        ``return_ptr(np)``, or ``priv->np = no_free_ptr(np)``.

    Knowledge used:
        ``[[free_class]]``, ``[[ownership]]`` (no_free_ptr, return_ptr).

    Limits:
        Only plain stores through a pointer or into an array, and plain
        returns; a callee that keeps the pointer is not seen.
    """
    yield from introduced(_handed_on(flow.old, kb), _handed_on(flow.new, kb))


# ---------------------------------------------------------------- RK407


def _released_twice(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    out: dict[tuple[str, str], Report] = {}
    if flow is None or not _uses(flow):
        return out
    cfg = flow.cfg
    scoped = find_scoped(flow, kb)
    # a lock a guard holds, released by hand
    for node, states, call, key in reached_lock_releases(flow, kb):
        held = [h for st in states for h in st.locks_held() if h.key == key and h.scoped]
        if not held:
            continue
        site = min((s for h in held for s in h.sites), key=lambda s: cfg.nodes[s].line)
        out[(str(key), call.display)] = Report(
            node.line,
            f"{call.display} releases {key}, which {cfg.nodes[site].text.rstrip(';')} (line {cfg.nodes[site].line}) "
            f"holds and releases again when its scope ends",
            "drop this release; use scoped_guard() with a block if the lock must go before the end of the scope",
            "a guard() releases its lock itself: a release by hand beside it is a double unlock",
            Confidence.HIGH,
        )
    # a __free() pointer put by hand
    for s in scoped:
        release = kb.free_release(s.cls) if s.var else None
        if release is None:
            continue
        for node in cfg.nodes:
            if not s.holds(node):
                continue
            put = next((c for c in node_calls(node) if c.name == release[0] and c.arg_key(0) == s.var), None)
            if put is None:
                continue
            after = [cfg.nodes[n] for n in statements_after(cfg, node.id, 3)]
            if any(re.fullmatch(rf"{re.escape(s.var)}\s*=\s*NULL\s*;?", n.text) for n in after):
                continue  # put by hand, then taken out of the cleanup's hands
            out[(s.var, put.display)] = Report(
                node.line,
                f"{put.display} drops {s.var}, which {s.text} (line {s.line}) drops again when its scope ends",
                f"drop this {release[0]}(), or put {release[0]}(no_free_ptr({s.var})) if it must go early",
                "a __free() variable releases itself: a put by hand beside it is a double put",
                Confidence.HIGH,
            )
    return out


@rule("RK407", category="refcount-pairing", severity=Severity.ERROR)
def released_beside_cleanup(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A release written by hand beside a ``guard()`` or ``__free()`` that releases the same thing.

    What it flags:
        ``mutex_unlock(&lock)`` on a path where ``guard(mutex)(&lock)``
        holds it; ``of_node_put(np)`` of a ``__free(device_node)`` variable
        that is not set to NULL after it.

    Why it matters:
        The scope's end releases it again: a double unlock, or a double
        put that frees the object under its other users.

    Example:
        Okay: int f(struct d *d) { guard(mutex)(&d->m); d->n++; return 0; }
        RK407: int f(struct d *d) { guard(mutex)(&d->m); d->n++; mutex_unlock(&d->m); return 0; }
        RK407: int f(struct device_node *p) { struct device_node *np __free(device_node) = of_get_child_by_name(p, "x"); if (!np) return -ENODEV; use(np); of_node_put(np); return 0; }

    Suggested change:
        Drop the release by hand; to release early, use ``scoped_guard()``
        with a block, or ``put(no_free_ptr(np))``.

    Knowledge used:
        ``[[guard]]``, ``[[cleanup]]``, ``[[free_class]]``.

    Limits:
        Only releases named by the same expression as the guard's lock or
        the ``__free`` variable.
    """
    yield from introduced(_released_twice(flow.old, kb), _released_twice(flow.new, kb))


# ---------------------------------------------------------------- RK403


def _unlock_labels(fn: ChangedFunction, flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    """Labels that exist only to release a lock before returning."""
    out: dict[tuple[str, str], Report] = {}
    if flow is None:
        return out
    cfg = flow.cfg
    graph = graph_of(cfg)
    takings = {t.key: t for t in find_lock_takings(flow) if not t.scoped}
    if not takings:
        return out
    for node in cfg.nodes:
        if node.kind is not NodeKind.LABEL or not node.label or node.label.startswith(("case ", "default")):
            continue
        after = statements_after(cfg, node.id, 3)
        if len(after) != 2 or cfg.nodes[after[1]].kind is not NodeKind.RETURN:
            continue
        rel = [c for c in node_calls(cfg.nodes[after[0]]) if (op := kb.ops.get(c.name)) is not None and op.is_lock
               and op.kind is OpKind.RELEASE]
        if len(rel) != 1:
            continue
        key = op_key(kb.ops[rel[0].name], rel[0])
        t = takings.get(key)
        states = flow.visits.get(node.id, [])
        if t is None or not states or not all(st.count(key) > 0 for st in states):
            continue
        gotos = [cfg.nodes[e.src] for e in graph.predecessors(node.id) if cfg.nodes[e.src].kind is NodeKind.GOTO]
        if not gotos:
            continue
        cls = kb.guard_class(t.variant)
        if cls is None:
            continue
        taken = site_call(flow, t.node, key, kb, (OpKind.ACQUIRE,))
        if not taken:
            continue
        arg = taken[taken.index("(") + 1 :].rsplit(")", 1)[0].split(",")[0].strip()
        ret = parse_statement(cfg.nodes[after[1]].text).returns or ""
        lines = ", ".join(str(g.line) for g in sorted(gotos, key=lambda g: g.line))
        sketch = [f"\tguard({cls})({arg});\t/* in place of {taken} (line {cfg.nodes[t.node].line}) */",
                  f"\t...\t/* each goto {node.label} (line{'s' if len(gotos) > 1 else ''} {lines}) becomes a return of its value */",
                  f"\treturn {ret or '...'};"]
        gone = f"the {node.label} label and {rel[0].display}"
        if ret and re.fullmatch(r"[A-Za-z_]\w*", ret):
            gone += f", and {ret} wherever it only carries a value to the label"
        out[(str(key), node.label)] = Report(
            cfg.nodes[after[0]].line,
            f"{node.label}: (line {node.line}) only releases {key} and returns; this file already uses linux/cleanup.h",
            "take the lock with a guard and return directly:\n" + "\n".join(sketch) + f"\n{gone} go away"
            + "; use scoped_guard() with a block if the lock must be dropped before the end of the function",
            "a guard releases the lock on every exit: no label to jump to, no exit that can forget the unlock",
            Confidence.MEDIUM,
        )
    return out


@rule("RK403", category="unlock-path-merge", severity=Severity.INFO)
def guard_for_unlock_label(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """An unlock label that ``guard()`` would remove, in a file that already uses linux/cleanup.h.

    What it flags:
        A label whose code only releases a lock and returns
        (``out_unlock: mutex_unlock(&st->lock); return ret;``), reached by
        ``goto`` with the lock held on every path, in a new or changed
        function of a file that already uses ``guard()``/``__free()``.

    Why it matters:
        A guard releases the lock on every exit: the label, the gotos and
        often the ``ret`` variable go away, and no later exit can forget
        the unlock.

    Example:
        Okay: int f(struct d *d) { int ret; mutex_lock(&d->m); ret = a(d); if (ret) goto out; d->n++; out: mutex_unlock(&d->m); d->done = true; return ret; }
        RK403: int f(struct d *d) { int ret; guard(spinlock)(&d->s); mutex_lock(&d->m); ret = a(d); if (ret) goto out; d->n++; out: mutex_unlock(&d->m); return ret; }

    Suggested change:
        ``guard(mutex)(&st->lock);`` where the lock is taken, ``return``
        where the gotos are; drop the label, the unlock and the variable
        that carried the value to it. ``scoped_guard(mutex, &st->lock) {
        ... }`` where the lock covers part of the function.

    Knowledge used:
        ``[[guard]]`` classes of the lock variants, ``[[lock]]`` releases.

    Limits:
        Only where the file shows linux/cleanup.h in use (RK103 covers
        several ``unlock; return`` exits); the sketch is to adapt, not a
        patch.
    """
    if not fn.file_uses_cleanup:
        return
    before = _unlock_labels(fn, flow.old, kb) if fn.old is not None else {}
    yield from introduced(before, _unlock_labels(fn, flow.new, kb))
