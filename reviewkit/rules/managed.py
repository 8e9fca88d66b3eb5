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
from typing import Iterator, NamedTuple

from reviewkit.cmap.graph import graph_of
from reviewkit.model import ChangedFunction, CodeMap, Confidence, FunctionView, NodeKind, Severity, Side
from reviewkit.rules.extract import find_param_names, parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import KnowledgeBase, ManagedSpec, OpKind
from reviewkit.rules.queries import introduced, node_calls, site_call
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import normalise_key

_NEUTRAL = re.compile(r"^(NULL|0|ERR_PTR\(.*\)|ERR_CAST\(.*\))$")


class Managed(NamedTuple):
    """Where a managed resource came from."""

    spec: ManagedSpec
    function: str
    line: int
    call: str  # the getter's call as written
    node: int = -1  # its node in its function's CFG (node ids follow the source)


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
    releases: dict[str, int]  # every release to look for -> its resource argument
    actions: frozenset[str]  # the devres actions registered (their own releases are no double)


class ActionRelease(NamedTuple):
    """What a devres action releases, in its registrar's terms."""

    release: str  # the release the action makes (or the action itself)
    resource: str  # what it releases, the action's parameter replaced by the data
    line: int  # the registration's line
    node: int  # the registration's node
    action: str  # the action's name
    reset: bool  # a failed registration runs the action (the _or_reset flavour)


def _action_releases(action: str, data: str, named: dict[str, FunctionView], kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(release, resource) pairs a devres action makes when called with
    ``data``: the action itself (a release cast to an action, or a visible
    function called by hand), and, for a visible action, the releases it
    makes of its parameter or of a local that aliases it (``struct foo
    *priv = data;``), in the caller's terms."""
    out = [(action, data)]
    view = named.get(action)
    if view is None or view.cfg is None:
        return out
    params = find_param_names(view.source)
    if not params:
        return out
    aliases = {params[0]: data}
    for node in view.cfg.nodes:
        if node.kind is NodeKind.STATEMENT and node.text:
            for lv, rv in parse_statement(node.text).assigned:
                if normalise_key(rv) in aliases and re.fullmatch(r"[A-Za-z_]\w*", lv):
                    aliases[lv] = aliases[normalise_key(rv)]
    # an action that takes what it drops (enables a clock to reach the
    # registers, then disables it: pwm-rzv2m, linux-pwm archive) releases nothing
    taken = {(op.family, call.arg_key(op.arg)) for node in view.cfg.nodes for call in node_calls(node)
             if (op := kb.ops.get(call.name)) is not None and op.kind in (OpKind.ACQUIRE, OpKind.TRY) and op.arg is not None}
    for node in view.cfg.nodes:
        for call in node_calls(node):
            op = kb.ops.get(call.name)
            if op is None or op.kind is not OpKind.RELEASE or op.is_lock or op.arg is None:
                continue
            text = call.arg_key(op.arg) or ""
            m = re.match(r"^([A-Za-z_]\w*)(.*)$", text)
            if m and m.group(1) in aliases and (op.family, text) not in taken:
                out.append((call.name, normalise_key(aliases[m.group(1)] + m.group(2))))
    return out


def find_actions(codemap: CodeMap, kb: KnowledgeBase, side: Side) -> dict[str, list[tuple[int, str, ActionRelease]]]:
    """Function -> (node, registration as written, what its action
    releases) for each devres action it registers."""
    out: dict[str, list[tuple[int, str, ActionRelease]]] = {}
    if not kb.devm_actions:
        return out
    named = {cf.name: v for cf in codemap.functions for v in [cf.new if side is Side.NEW else cf.old] if v is not None}
    for cf in codemap.functions:
        view = named.get(cf.name)
        if view is None or view.cfg is None:
            continue
        for node in view.cfg.nodes:
            for call in node_calls(node):
                spec = kb.devm_actions.get(call.name)
                if spec is None:
                    continue
                action = call.arg_key(spec.action_arg) or ""
                action = re.sub(r"^\((?:[^()]|\([^()]*\))*\)\s*", "", action).lstrip("&")  # a cast to an action
                data = call.arg_key(spec.data_arg)
                if not re.fullmatch(r"[A-Za-z_]\w*", action) or not data:
                    continue
                for release, resource in _action_releases(action, data, named, kb):
                    out.setdefault(cf.name, []).append((node.id, call.display, ActionRelease(release, resource, node.line, node.id, action, spec.reset)))
    return out


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
    releases = dict(kb.managed_releases)
    actions: set[str] = set()
    # what a devres action releases is managed from its registration on
    for function, rows in find_actions(codemap, kb, side).items():
        for _nid, display, act in rows:
            actions.add(act.action)
            itself = act.release == act.action
            if not itself and not act.reset:
                # after a plain devm_add_action() the failure branch releases
                # by hand, rightly (devm_of_find_backlight, linux-pwm archive)
                continue
            spec = ManagedSpec(display.split("(", 1)[0], 0, (act.release,), 0, "")
            releases.setdefault(act.release, 0)
            # only in the registering function, after the registration:
            # elsewhere a clock's enable count may be dropped and taken
            # again (runtime suspend/resume of the rzg2l-gpt and rzv2m
            # postings), and a .shutdown callback may run the action by
            # hand with no unbind to follow (pwm_fan_shutdown; linux-pwm archive)
            keys = [(function, act.resource)] + ([(function, f"action:{act.action}")] if itself else [])
            for key in keys:
                managed.setdefault(key, []).append(Managed(spec, function, act.line, display, act.node))
    return ManagedTables(managed, plain, releases, frozenset(actions))


def _plain_releases(flow: FunctionFlows, side: Side) -> dict[tuple[str, str], Report]:
    """(release, resource) -> the report of its first plain release on one side."""
    fn, kb = flow.fn, flow.run.kb
    view = flow.view(side)
    out: dict[tuple[str, str], Report] = {}
    if view is None or view.cfg is None:
        return out
    managed, plain, releases, actions = flow.run.shared(find_managed, side)
    if not managed or fn.name in actions:
        return out
    for node in view.cfg.nodes:
        for call in node_calls(node):
            idx = releases.get(call.name)
            text = call.arg_key(idx) if idx is not None else None
            if not text:
                continue
            # the action called by hand, whatever its argument is called here
            by_hand = managed.get((fn.name, f"action:{call.name}"), []) if call.name in actions else []
            m = next((m for m in by_hand + (_lookup(managed, fn.name, text) or []) if call.name in m.spec.release and m.spec.release_arg == idx
                      # a release the registration does not reach (before it, or
                      # on a label only earlier gotos jump to: adp5585_keys_parse_fw,
                      # linux-pwm archive) is its own business
                      and (m.function != fn.name or m.spec.name not in kb.devm_actions
                           or node.id in graph_of(view.cfg).reach(m.node) - {m.node})), None)
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
        callback); and, after a ``devm_add_action_or_reset()`` in the same
        function, a call of the action by hand or of a release it makes.

    Why it matters:
        The devres release runs when the driver unbinds, after the plain
        one: a double free, a double put, or a chip removed twice.

    Example:
        Okay: int f(struct device *dev) { char *p = devm_kzalloc(dev, 8, GFP_KERNEL); if (!p) return -ENOMEM; devm_kfree(dev, p); return 0; }
        Okay: int f(struct device *dev) { char *p = kzalloc(8, GFP_KERNEL); if (!p) return -ENOMEM; kfree(p); return 0; }
        RK203: int f(struct device *dev) { char *p = devm_kzalloc(dev, 8, GFP_KERNEL); if (!p) return -ENOMEM; kfree(p); return 0; }
        RK203: int f(struct device *dev, struct clk *clk) { int ret = clk_prepare_enable(clk); if (ret) return ret; ret = devm_add_action_or_reset(dev, (void (*)(void *))clk_disable_unprepare, clk); if (ret) { clk_disable_unprepare(clk); return ret; } return 0; }

    Suggested change:
        Drop the plain release (the device core does it), or use the
        managed one (``devm_kfree()``, ``devm_gpiod_put()``) where the
        resource must go before the driver unbinds.

    Knowledge used:
        ``[[managed]]`` getters and registrars, which argument (or the
        result) is the resource, and the plain releases that must not
        be used on it; ``[[devm_action]]`` registrars, and the ``[[ref]]``
        puts a visible action makes.

    Limits:
        The getter must be in the code the patch shows. A member given a
        value by an unmanaged call anywhere in that code is left alone.
        Only what the patch introduced is reported.
    """
    if fn.new is None:
        return
    before = _plain_releases(flow, Side.OLD) if fn.old is not None else {}
    yield from introduced(before, _plain_releases(flow, Side.NEW))


# ---------------------------------------------------------------- RK208


def _early_actions(flow: FunctionFlows, side: Side) -> dict[tuple[str, str], Report]:
    kb = flow.run.kb
    out: dict[tuple[str, str], Report] = {}
    walk = flow.side(side)
    if walk is None or flow.run.codemap is None:
        return out
    rows = flow.run.shared(find_actions, side).get(flow.fn.name, [])
    if not rows:
        return out
    cfg = walk.cfg
    for nid, display, act in rows:
        rel = kb.ops.get(act.release)
        if rel is None or rel.kind is not OpKind.RELEASE or rel.is_lock:
            continue

        def takes(node) -> str:
            """The call of ``node`` that takes what the action releases ("" if none)."""
            for call in node_calls(node):
                op = kb.ops.get(call.name)
                if op is None or op.is_lock or op.family != rel.family:
                    continue
                if op.kind in (OpKind.ACQUIRE, OpKind.TRY) and op.arg is not None and call.arg_key(op.arg) == act.resource:
                    return call.display
                if op.kind is OpKind.RETURNS and call.lhs == act.resource:
                    return call.display
            return ""

        if any(takes(n) for n in cfg.nodes if n.id < act.node):
            # taken before the registration: a later get is another
            # reference (spi_alloc_master() then spi_master_get() for
            # devm_spi_register_master(): corpus/fixes/linux-spi/080)
            continue
        for node in cfg.nodes:
            if node.id <= act.node:
                continue
            for call in node_calls(node):
                op = kb.ops.get(call.name)
                if op is None or op.is_lock or op.family != rel.family or op.kind not in (OpKind.ACQUIRE, OpKind.TRY):
                    continue
                if op.arg is None or call.arg_key(op.arg) != act.resource:
                    continue
                noun = kb.refs[op.variant].kind.noun if op.variant in kb.refs else "reference"
                out[(act.release, act.resource)] = Report(
                    act.line,
                    f"{display} (line {act.line}) registers an action that calls {act.release}({act.resource}), but "
                    f"{call.display} takes that {noun} only later (line {node.line}): if anything in between fails, "
                    f"or that call does, the action undoes what was never done",
                    f"register the action right after {call.display} succeeded",
                    "a devres action runs on every error exit after its registration: what it undoes must be done first",
                    Confidence.HIGH,
                )
                break
            if (act.release, act.resource) in out:
                break
    return out


@rule("RK208", category="error-path-cleanup", severity=Severity.ERROR)
def devm_action_too_early(fn: ChangedFunction, flow: FunctionFlows) -> Iterator[Report]:
    """A devres action registered before the object it cleans up is set up.

    What it flags:
        ``devm_add_action_or_reset(dev, action, data)`` placed before the
        call that takes what the action releases: the action (a release
        cast to an action, or a visible function whose releases name its
        parameter) undoes a ``clk_prepare_enable()``, a
        ``regulator_enable()``, an ``of_node_get()`` ... that the
        function makes only after the registration.

    Why it matters:
        Every error exit after the registration runs the action: a clock
        disabled that was never enabled (an enable-count underflow), a
        reference dropped that was never taken. The ``_or_reset`` flavour
        runs it at once if the registration itself fails.

    Example:
        Okay: int f(struct device *dev, struct clk *clk) { int ret = clk_prepare_enable(clk); if (ret) return ret; return devm_add_action_or_reset(dev, disable_clk, clk); }
        RK208: int f(struct device *dev, struct clk *clk) { int ret = devm_add_action_or_reset(dev, (void (*)(void *))clk_disable_unprepare, clk); if (ret) return ret; return clk_prepare_enable(clk); }

    Suggested change:
        Register the action right after the call it undoes succeeded.

    Knowledge used:
        ``[[devm_action]]`` registrars, ``[[ref]]`` gets and puts.

    Limits:
        The action's releases are read one level deep, through its
        parameter or a local that aliases it.
    """
    if fn.new is None:
        return
    before = _early_actions(flow, Side.OLD) if fn.old is not None else {}
    yield from introduced(before, _early_actions(flow, Side.NEW))
