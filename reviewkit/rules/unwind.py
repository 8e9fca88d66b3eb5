"""An unwind loop made to stop short of the first element (RK415)."""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from reviewkit.cmap.graph import graph_of
from reviewkit.model import ChangedFunction, Confidence, EdgeKind, NodeKind, Severity
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, OpKind
from reviewkit.rules.queries import node_calls
from reviewkit.rules.registry import Report, rule

_V = r"([A-Za-z_]\w*)"
# a counting-down loop's condition, spaces removed -> the lowest value of
# the variable the body sees: `for (i--; i >= 0; i--)`, `while (i--)` and
# `while (--i >= 0)` run down to 0; `for (...; i; i--)`, `i > 0` and
# `while (--i)` stop at 1
_FOR_TESTS = ((re.compile(rf"{_V}>=0|{_V}>-1|0<={_V}|-1<{_V}"), 0),
              (re.compile(rf"{_V}|{_V}>0|{_V}!=0|{_V}>=1|0<{_V}|0!={_V}|1<={_V}"), 1))
_WHILE_TESTS = ((re.compile(rf"{_V}--|{_V}-->0|--{_V}>=0|{_V}-->=1|0<{_V}--|0<=--{_V}"), 0),
                (re.compile(rf"--{_V}|--{_V}>0|--{_V}!=0|{_V}-->1|0<--{_V}"), 1))
_STEP = re.compile(rf"{_V}--|--{_V}|{_V}-=1")


def _lowest(test: str, step: str | None) -> tuple[str, int] | None:
    """(variable, the lowest value the body sees) of a loop counting down:
    ``test`` its condition, ``step`` its update (None for a while loop,
    whose condition counts down itself); None for any other loop."""
    bare = re.sub(r"\s+", "", test)
    while bare.startswith("(") and bare.endswith(")"):
        bare = bare[1:-1]
    if step is not None:
        m = _STEP.fullmatch(re.sub(r"\s+", "", step).rstrip(";"))
        if m is None:
            return None
        var = next(g for g in m.groups() if g)
        tests = _FOR_TESTS
    else:
        var = None
        tests = _WHILE_TESTS
    for pattern, low in tests:
        t = pattern.fullmatch(bare)
        if t is None:
            continue
        name = next(g for g in t.groups() if g)
        if var is not None and name != var:
            return None
        return name, low
    return None


class Unwind(NamedTuple):
    line: int
    test: str
    first: int  # the lowest element index the body releases
    released: tuple[str, ...]  # the calls that release an element, as written


def _index_offset(arg: str, var: str) -> int | None:
    """The offset of ``var`` in a subscript of ``arg``: 0 for ``a[i]``,
    -1 for ``a[i - 1]``; None when ``arg`` is subscripted by no such term."""
    v = re.escape(var)
    m = re.search(rf"\[\s*{v}\s*(?:([+-])\s*(\d+)\s*)?\]", arg)
    if m is None:
        return None
    if m.group(1) is None:
        return 0
    return int(m.group(2)) * (1 if m.group(1) == "+" else -1)


def _unwinds(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, tuple[str, ...]], Unwind]:
    """Loops counting down that release an element per pass, by (variable,
    the releases): where the body's first element lies."""
    out: dict[tuple[str, tuple[str, ...]], Unwind] = {}
    if flow is None:
        return out
    cfg = flow.cfg
    graph = graph_of(cfg)
    for head, body in graph.loops.items():
        loop = cfg.nodes[head]
        if loop.kind is not NodeKind.LOOP:
            continue
        # the update (a for loop's, or a while body's last statement)
        # runs last on each pass: a decrement there counts the test down
        ends = {cfg.nodes[e.src].text for e in graph.predecessors(head) if e.kind is EdgeKind.BACK}
        steps = [t for t in ends if _STEP.fullmatch(re.sub(r"\s+", "", t).rstrip(";"))]
        if len(ends) != 1 and steps:
            continue
        found = _lowest(loop.text, steps[0] if steps else None)
        if found is None:
            continue
        var, low = found
        released: list[str] = []
        offsets: set[int] = set()
        for n in sorted(body):
            for call in node_calls(cfg.nodes[n]):
                op = kb.ops.get(call.name)
                if op is None or op.is_lock or op.kind is not OpKind.RELEASE or op.arg is None:
                    continue
                if op.arg >= len(call.args):
                    continue
                offset = _index_offset(call.args[op.arg], var)
                if offset is not None:
                    released.append(call.text)
                    offsets.add(offset)
        if not released or len(offsets) != 1:
            continue
        key = (var, tuple(sorted(set(released))))
        out[key] = Unwind(loop.line, loop.text, low + offsets.pop(), key[1])
    return out


def _first_released_apart(flow: Flow, unwind: Unwind, var: str) -> bool:
    """Some call outside the loop releases the first element by its index
    (``kfree(a[0])`` after ``for (; i > 0; i--) kfree(a[i]);``)."""
    firsts = {re.sub(rf"\[\s*{re.escape(var)}\s*(?:[+-]\s*\d+\s*)?\]", "[0]", t) for t in unwind.released}
    return any(call.text in firsts for node in flow.cfg.nodes for call in node_calls(node))


def _stopped_short(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    if flow.new is None:
        return
    before = _unwinds(flow.old, kb)
    for key, unwind in sorted(_unwinds(flow.new, kb).items(), key=lambda kv: kv[1].line):
        old = before.get(key)
        if old is None or old.first != 0 or unwind.first < 1:
            continue
        if _first_released_apart(flow.new, unwind, key[0]):
            continue
        calls = ", ".join(f"`{t}`" for t in unwind.released)
        yield Report(
            unwind.line,
            f"the loop's test `{unwind.test}` now stops before element 0, where `{old.test}` "
            f"(old line {old.line}) ran down to it: {calls} no longer release{'s' if len(unwind.released) == 1 else ''} "
            f"the first element",
            f"keep the loop running down to element 0 (`{old.test}`)",
            "an unwind loop that stops at element 1 leaks element 0, the one every partial setup has",
            Confidence.HIGH,
        )


@rule("RK415", category="error-path-cleanup", severity=Severity.WARNING)
def unwind_stops_short(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A loop counting down that releases an element per pass, changed to stop before element 0.

    What it flags:
        A loop whose test the patch changes from one that runs down to
        element 0 (``for (i--; i >= 0; i--)``, ``while (i--)``) to one that
        stops at element 1 (``for (i--; i; i--)``, ``i > 0``,
        ``while (--i)``), while its body releases the element the loop
        variable indexes (``kfree(a[i])``, ``clk_put(c[i - 1])``).

    Why it matters:
        Element 0 is set up first, so every partial setup the unwind
        undoes holds it: stopping at 1 leaks it on every error path.

    Example:
        Okay: void f(void **a, int i) { for (i--; i; i--) kfree(a[i]); } ==> void f(void **a, int i) { for (i--; i >= 0; i--) kfree(a[i]); }
        Okay: void f(void **a, int i) { while (i--) kfree(a[i]); } ==> void f(void **a, int i) { for (i--; i > 0; i--) kfree(a[i]); kfree(a[0]); }
        RK415: void f(void **a, int i) { for (i--; i >= 0; i--) kfree(a[i]); } ==> void f(void **a, int i) { for (i--; i; i--) kfree(a[i]); }
        RK415: void f(void **a, int i) { while (i--) kfree(a[i]); } ==> void f(void **a, int i) { while (--i) kfree(a[i]); }

    Suggested change:
        Keep the test that reaches element 0.

    Knowledge used:
        ``[[ref]]`` and ``[[resource]]`` releases (which call releases its
        argument).

    Limits:
        Only a test the patch changes is judged, not a loop added with
        that test; a loop whose body releases elements at differing
        offsets, or a function that releases element 0 by its index
        elsewhere, is left alone.
    """
    yield from _stopped_short(fn, flow, kb)
