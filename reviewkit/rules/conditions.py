"""Correlating branches: what a condition's outcome commits a path to,
what a path already knows of a condition, and which variables are worth
remembering along a path.

``clearlru = TestClearPageLRU(page)`` is unknown; the TRUE edge of ``if
(clearlru)`` makes it true, so a later ``if (clearlru)`` follows only its
TRUE edge. Only variables that can correlate branches are remembered (each
one remembered splits the walk's states).
"""

from __future__ import annotations

import re
from typing import Mapping

from reviewkit.model import Cfg, NodeKind
from reviewkit.rules.extract import Call, Cond, parse_condition, parse_statement
from reviewkit.rules.state import State

# values an assignment can give a flag that a later test can read back
CONSTANTS = {"true": True, "1": True, "false": False, "0": False, "NULL": False}


def committed_atoms(cond: Cond, value: bool) -> list[tuple[Cond, bool]] | None:
    """Atoms whose truth a condition's outcome fixes; None when it fixes none."""
    if cond.op == "atom":
        return [(cond, value)] if (cond.var or cond.call) else None
    if cond.op == "not":
        return committed_atoms(cond.args[0], not value)
    if (cond.op == "and" and value) or (cond.op == "or" and not value):
        out: list[tuple[Cond, bool]] = []
        for a in cond.args:
            part = committed_atoms(a, value)
            if part:
                out.extend(part)
        return out
    return None


def unwrap_tests(cond: Cond, wrappers: Mapping[str, int]) -> Cond:
    """``cond`` with each call that only passes the truth of one argument
    on (``WARN_ON(!np)``, ``unlikely(ret)``: ``wrappers`` maps such a call
    to that argument's index) read as the test of that argument."""
    if cond.op == "atom":
        call = cond.call
        index = wrappers.get(call.name) if call is not None else None
        if call is None or index is None or not -len(call.args) <= index < len(call.args):
            return cond
        return unwrap_tests(parse_condition(call.args[index]), wrappers)
    args = tuple(unwrap_tests(a, wrappers) for a in cond.args)
    return cond if args == cond.args else cond._replace(args=args)


def evaluate(cond: Cond, state: State) -> bool | None:
    """What ``state`` already knows a condition to be; None when it does not."""
    if cond.op == "atom":
        if cond.var:
            return state.fact(cond.var)
        # a steady test's answer, remembered by its call's text
        return state.fact(cond.call.text) if cond.call is not None else None
    if cond.op == "not":
        v = evaluate(cond.args[0], state)
        return None if v is None else not v
    vals = [evaluate(a, state) for a in cond.args]
    if cond.op == "and":
        if any(v is False for v in vals):
            return False
        return True if all(v is True for v in vals) else None
    if any(v is True for v in vals):
        return True
    return False if all(v is False for v in vals) else None


def calls_of(cond: Cond) -> list[Call]:
    """The calls whose results are the condition's atoms (``!get_device(d)``)."""
    if cond.op == "atom":
        return [cond.call] if cond.call else []
    return [c for a in cond.args for c in calls_of(a)]


def atom_vars(cond: Cond) -> set[str]:
    """The variables the condition's atoms test."""
    if cond.op == "atom":
        return {cond.var} if cond.var else set()
    return {v for a in cond.args for v in atom_vars(a)}


def steady_calls(cond: Cond, steady: frozenset[str]) -> set[str]:
    """The texts of the condition's atoms that call a steady test
    (``pm_runtime_enabled(dev)``): asked twice, it gives the same answer."""
    if cond.op == "atom":
        return {cond.call.text} if cond.call is not None and cond.call.name in steady else set()
    return {t for a in cond.args for t in steady_calls(a, steady)}


def tracked_vars(cfg: Cfg, steady: frozenset[str] = frozenset()) -> frozenset[str]:
    """Variables tested by two or more conditions, and calls of a steady
    test (``steady``) made by two or more: only their values can correlate
    branches, so only they are remembered along a path."""
    seen: dict[str, int] = {}
    constant: set[str] = set()
    for node in cfg.nodes:
        if node.kind in (NodeKind.CONDITION, NodeKind.LOOP):
            cond = parse_condition(node.text)
            for v in atom_vars(cond) | steady_calls(cond, steady):
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
            constant |= {lv for lv, rv in stmt.assigned if rv in CONSTANTS}
            constant |= {f"{lv}&{rv.lstrip('~').strip('()')}" for lv, _op, rv in stmt.bit_updates}
    return frozenset(v for v, n in seen.items() if n >= 2 or v in constant)


def initialised_vars(cfg: Cfg) -> frozenset[str]:
    """Locals declared with a value (``bool locked = false;``) and plain
    variables (not fields) that the function assigns."""
    out: set[str] = set()
    for node in cfg.nodes:
        if node.kind is NodeKind.STATEMENT and node.text:
            for lv, _rv in parse_statement(node.text).assigned:
                if re.fullmatch(r"[A-Za-z_]\w*", lv):
                    out.add(lv)
    return frozenset(out)
