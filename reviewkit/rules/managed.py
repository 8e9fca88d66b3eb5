"""Device-managed resources (RK203): a plain release of what a ``devm_``
getter or registrar gave, which the device core releases again when the
driver unbinds.

What is managed is read from the whole visible code (the probe function
that gets it is rarely the remove function that puts it): a local variable
counts within its function, a structure member (``chip->enable_gpio``)
across the functions of the patch, by its member path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, NamedTuple

from reviewkit.model import ChangedFunction, CodeMap, Confidence, Severity, Side
from reviewkit.rules.extract import parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, ManagedSpec
from reviewkit.rules.queries import introduced, node_calls
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import normalise_key

_NEUTRAL = re.compile(r"^(NULL|0|ERR_PTR\(.*\)|ERR_CAST\(.*\))$")


@dataclass(frozen=True)
class Managed:
    """Where a managed resource came from."""

    spec: ManagedSpec
    function: str
    line: int
    call: str  # the getter's call as written


def _member_path(text: str) -> str | None:
    """``priv->chip->gpio`` -> ``->chip->gpio``; None for a plain variable."""
    m = re.match(r"^[A-Za-z_]\w*((?:(?:->|\.)[A-Za-z_]\w*)+)$", text)
    return m.group(1) if m else None


def _keys(function: str, text: str) -> list[tuple[str, str]]:
    """Lookup keys of a resource: the text within its function, and the
    member path across functions."""
    out = [(function, text)]
    path = _member_path(text)
    if path:
        out.append(("*", path))
    return out


def _lookup(table: dict, function: str, text: str):
    hit = table.get((function, text))
    if hit is not None:
        return hit
    path = _member_path(text)
    if not path:
        return None
    # `priv->chip->gpio` and `chip->gpio` name the same member
    for (scope, key), value in table.items():
        if scope == "*" and (path.endswith(key) or key.endswith(path)):
            return value
    return None


class ManagedTables(NamedTuple):
    """What the visible code of one side manages, by lookup key (see :func:`_keys`)."""

    managed: dict[tuple[str, str], list[Managed]]
    plain: set[tuple[str, str]]  # also given a value by something unmanaged


def find_managed(codemap: CodeMap, kb: KnowledgeBase, side: Side) -> ManagedTables:
    """The managed resources of every visible function of one side. (The
    rule reads it once per run: ``PatchFlows.shared``.)

    Returns:
        Empty tables when nothing is visible.
    """
    managed: dict[tuple[str, str], list[Managed]] = {}
    plain: set[tuple[str, str]] = set()
    for cf in codemap.functions:
        view = cf.new if side is Side.NEW else cf.old
        if view is None or view.cfg is None:
            continue
        for node in view.cfg.nodes:
            if not node.text:
                continue
            stmt = parse_statement(node.text) if node.kind.value in ("statement", "return") else None
            for call in node_calls(node):
                for spec in kb.managed.get(call.name, ()):
                    text = call.lhs if spec.arg is None else call.arg_key(spec.arg)
                    if not text:
                        continue
                    text = normalise_key(text)
                    for key in _keys(cf.name, text):
                        managed.setdefault(key, [])
                        managed[key].append(Managed(spec, cf.name, node.line, call.display))
            for lv, rv in stmt.assigned if stmt is not None else ():
                name = rv.split("(", 1)[0].strip()
                if name in kb.managed or _NEUTRAL.match(rv.strip()):
                    continue
                plain.update(_keys(cf.name, normalise_key(lv)))
    return ManagedTables(managed, plain)


def _plain_releases(flow: FunctionFlows, side: Side) -> dict[tuple[str, str], Report]:
    """(release, resource) -> the report of its first plain release on one side."""
    fn, kb = flow.fn, flow.run.kb
    view = flow.view(side)
    out: dict[tuple[str, str], Report] = {}
    if view is None or view.cfg is None:
        return out
    managed, plain = flow.run.shared(find_managed, side)
    if not managed:
        return out
    for node in view.cfg.nodes:
        for call in node_calls(node):
            idx = kb.managed_releases.get(call.name)
            text = call.arg_key(idx) if idx is not None else None
            if not text:
                continue
            m = next((m for m in _lookup(managed, fn.name, text) or () if call.name in m.spec.release and m.spec.release_arg == idx), None)
            if m is None:
                continue
            if m.spec.arg is None and _lookup({k: True for k in plain}, fn.name, text):
                # also given a value by something unmanaged: not sure
                # which one this release sees (an irq number or a chip
                # named by an argument is assigned before it is managed)
                continue
            if (call.name, text) in out:
                continue
            where = f"line {m.line}" if m.function == fn.name else f"line {m.line}, in {m.function}()"
            instead = f", or {m.spec.instead}() if it must go before the driver unbinds" if m.spec.instead else ""
            out[(call.name, text)] = Report(
                node.line,
                f"{call.display} releases what {m.call} ({where}) got as a device-managed resource; "
                f"the device core releases it again when the driver unbinds",
                f"drop {call.name}(){instead}",
                "devres releases managed resources on unbind: a plain release as well is a double release",
                Confidence.HIGH,
            )
    return out


@rule("RK203", category="refcount-pairing", severity=Severity.ERROR)
def managed_release(fn: ChangedFunction, flow: FunctionFlows) -> Iterator[Report]:
    """A plain release of a device-managed resource, which the device core releases again.

    What it flags:
        ``gpiod_put()``, ``kfree()``, ``clk_put()``, ``free_irq()``,
        ``pwmchip_remove()`` ... on what a ``devm_`` getter or registrar
        gave (``devm_gpiod_get()``, ``devm_kzalloc()``,
        ``devm_pwmchip_add()`` ...), in the same function or, for a
        structure member, in another function of the patch (a remove
        callback).

    Why it matters:
        The devres release runs when the driver unbinds, after the plain
        one: a double free, a double put, or a chip removed twice.

    Example:
        Okay: int f(struct device *dev) { char *p = devm_kzalloc(dev, 8, GFP_KERNEL); if (!p) return -ENOMEM; devm_kfree(dev, p); return 0; }
        Okay: int f(struct device *dev) { char *p = kzalloc(8, GFP_KERNEL); if (!p) return -ENOMEM; kfree(p); return 0; }
        RK203: int f(struct device *dev) { char *p = devm_kzalloc(dev, 8, GFP_KERNEL); if (!p) return -ENOMEM; kfree(p); return 0; }

    Suggested change:
        Drop the plain release (the device core does it), or use the
        managed one (``devm_kfree()``, ``devm_gpiod_put()``) where the
        resource must go before the driver unbinds.

    Knowledge used:
        ``[[managed]]`` getters and registrars, which argument (or the
        result) is the resource, and the plain releases that must not
        be used on it.

    Limits:
        The getter must be in the code the patch shows. A member given a
        value by an unmanaged call anywhere in that code is left alone.
        Only what the patch introduced is reported.
    """
    if fn.new is None:
        return
    before = _plain_releases(flow, Side.OLD) if fn.old is not None else {}
    yield from introduced(before, _plain_releases(flow, Side.NEW))
