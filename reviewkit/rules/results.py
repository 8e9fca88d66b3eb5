"""A success result tested as a failure (RK410)."""

from __future__ import annotations

import re
from typing import Iterator

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, CfgNode, ChangedFunction, Confidence, EdgeKind, NodeKind, Severity
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase
from reviewkit.rules.queries import introduced
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import normalise_text

# how far an arm is followed to the exit it takes, in nodes
_ARM = 8


def _nonzero_test(text: str, var: str) -> bool | None:
    """Which value of ``var != 0`` the condition ``text`` takes as true:
    True for ``ret``, ``ret != 0``; False for ``!ret``, ``ret == 0``;
    None for anything else (``ret < 0`` is the right test)."""
    bare = text.strip()
    while bare.startswith("(") and bare.endswith(")"):
        bare = bare[1:-1].strip()
    v = re.escape(var)
    if re.fullmatch(rf"{v}|{v}\s*!=\s*0|0\s*!=\s*{v}", bare):
        return True
    if re.fullmatch(rf"!\s*{v}|{v}\s*==\s*0|0\s*==\s*{v}", bare):
        return False
    return None


def _arm_leaves(cfg: Cfg, cond: int, kind: EdgeKind) -> CfgNode | None:
    """The return or goto the ``kind`` arm of ``cond`` reaches on its
    straight way, within a few nodes; None when it goes on."""
    graph = graph_of(cfg)
    cur = next((e.dst for e in graph.successors(cond) if e.kind is kind), None)
    for _ in range(_ARM):
        if cur is None or cur == Cfg.EXIT:
            return None
        node = cfg.nodes[cur]
        if node.kind in (NodeKind.RETURN, NodeKind.GOTO):
            return node
        succ = [e for e in graph.successors(cur) if e.kind is not EdgeKind.BACK]
        if len(succ) != 1 or node.kind is not NodeKind.STATEMENT:
            return None
        cur = succ[0].dst
    return None


def _tests(flow: Flow | None, kb: KnowledgeBase) -> dict[tuple[str, str], Report]:
    out: dict[tuple[str, str], Report] = {}
    if flow is None:
        return out
    cfg = flow.cfg
    graph = graph_of(cfg)
    for node in cfg.nodes[2:]:
        if node.kind is not NodeKind.STATEMENT or not node.text:
            continue
        stmt = parse_statement(node.text)
        call = next((c for c in stmt.calls if c.name in kb.positive_success and c.lhs), None)
        if call is None or call.lhs is None:
            continue
        succ = [e for e in graph.successors(node.id) if e.kind is not EdgeKind.BACK]
        if len(succ) != 1 or succ[0].dst == Cfg.EXIT or cfg.nodes[succ[0].dst].kind is not NodeKind.CONDITION:
            continue
        cond = cfg.nodes[succ[0].dst]
        nonzero = _nonzero_test(cond.text, call.lhs)
        if nonzero is None:
            continue
        # the arm a positive result takes: it must leave as a failure does
        exit_ = _arm_leaves(cfg, cond.id, EdgeKind.TRUE if nonzero else EdgeKind.FALSE)
        if exit_ is None:
            continue
        out[(normalise_text(call.text), call.lhs)] = Report(
            cond.line,
            f"`{cond.text}` takes a positive result of {call.display} (line {node.line}) for a failure: "
            f"the call may return one when it succeeds, and this path then leaves at line {exit_.line} "
            f"as if it had failed",
            f"test `{call.lhs} < 0`",
            "only a negative result is a failure: a success taken for one fails the caller for nothing "
            "and skips the work, or the release, that success needs",
            Confidence.HIGH,
        )
    return out


@rule("RK410", category="error-path-cleanup", severity=Severity.WARNING)
def success_taken_for_failure(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A call that may return a positive value on success, tested as failing when its result is not zero.

    What it flags:
        ``ret = pm_runtime_get_sync(dev);`` followed by ``if (ret)`` (or
        ``ret != 0``, or ``!ret`` / ``ret == 0`` for the other arm) whose
        failure arm returns or jumps at once: a positive result, which
        means success, takes the failure path. Only what the patch
        introduces (``if (ret < 0)`` turned into ``if (ret)``).

    Why it matters:
        pm_runtime_get_sync() returns 1 when the device was already
        active. The failure arm then drops the usage count it holds, or
        fails probe or resume with 1, which callers do not take for an
        error code.

    Example:
        Okay: int f(struct device *dev) { int ret = 0; ret = pm_runtime_get_sync(dev); if (ret < 0) { pm_runtime_put_noidle(dev); return ret; } return 0; }
        RK410: int f(struct device *dev) { int ret = 0; ret = pm_runtime_get_sync(dev); if (ret) { pm_runtime_put_noidle(dev); return ret; } return 0; }

    Suggested change:
        Test ``ret < 0``; or use pm_runtime_resume_and_get(), which
        returns 0 or an error and drops the count itself on failure.

    Knowledge used:
        ``[[positive_success]]`` calls that may return a positive value on
        success.

    Limits:
        The test must follow the call at once; a result kept and tested
        later, or a test whose arm goes on without leaving, is not judged.
    """
    yield from introduced(_tests(flow.old, kb), _tests(flow.new, kb))
