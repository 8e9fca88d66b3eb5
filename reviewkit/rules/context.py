"""Atomic-context rules (RK3xx): sleeping under a spinlock or in a callback
that runs in atomic context (an irq handler, a timer), irq toggles around
``__`` helpers, ``__`` helpers with irqs on."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterator, NamedTuple

from reviewkit.cmap.graph import graph_of
from reviewkit.model import Cfg, ChangedFunction, CodeMap, EdgeKind, Confidence, NodeKind, ScopeKind, Severity, Side
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import Call, Cond, find_declared_types, find_param_names, parse_condition, parse_statement
from reviewkit.rules.flows import FunctionFlows
from reviewkit.rules.knowledge import ATOMIC_CONTEXTS, CallbackSpec, FlagSpec, KnowledgeBase, OpKind, SleepSpec
from reviewkit.rules.queries import find_acquire_sites, introduced, node_calls, reached_calls, reached_nodes
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import ResourceKey


def _may_sleep(call: Call, kb: KnowledgeBase, seen: VisibleSetup) -> SleepSpec | None:
    """The sleeper ``call`` is, if its flags let it sleep; a sleeper of low
    confidence (regmap) is sure when ``seen`` (what the patch's code shows)
    holds one of its ``sure_with`` calls (a map set up on I2C), and no
    sleeper at all when it holds none of those but one of its
    ``never_with`` calls or ``never_when`` settings (a map on MMIO, a
    ``fast_io`` map)."""
    spec = kb.sleepers.get(call.name)
    if spec is None:
        return None
    if spec.gfp_arg is not None:
        flags = call.args[spec.gfp_arg] if -len(call.args) <= spec.gfp_arg < len(call.args) else ""
        if "GFP_" not in flags or any(re.search(r"(?<!\w)" + re.escape(a) + r"(?!\w)", flags) for a in kb.atomic_gfp):
            return None  # atomic flags, or flags we cannot see
    if spec.confidence is not Confidence.LOW:
        return spec
    if spec.sure_with & seen.calls:
        return spec._replace(confidence=Confidence.MEDIUM, note=f"{spec.note}; this driver's map is on a bus that sleeps")
    if spec.never_with & seen.calls or any(seen.sets(w) for w in spec.never_when):
        return None
    return spec


def _sleeps(flow: Flow | None, kb: KnowledgeBase, seen: VisibleSetup) -> dict[tuple[str, ResourceKey], Report]:
    """(call name, lock) -> the report of the first place it may sleep under
    the lock. A call that sleeps only on some set-ups (regmap: a map on MMIO
    takes a spinlock) makes a warning, unless ``seen`` (what the patch's
    code shows) holds one of its ``sure_with`` calls (a map on I2C), and
    none when it shows a set-up that never sleeps."""
    out: dict[tuple[str, ResourceKey], Report] = {}
    if flow is None:
        return out
    for node, states in reached_nodes(flow):
        for call in node_calls(node):
            spec = _may_sleep(call, kb, seen)
            if spec is None:
                continue
            sure = spec.confidence is not Confidence.LOW
            for st in states:
                for h in st.locks_held():
                    ctx = kb.lock_context(h.variant) & ATOMIC_CONTEXTS
                    if not ctx or h.key in st.unsure:
                        continue
                    k = (call.name, h.key)
                    if k not in out:
                        out[k] = Report(
                            node.line,
                            f"{call.display} may sleep, but {h.key} is held here ({'/'.join(sorted(ctx))})"
                            + (f": {spec.note}" if spec.note else ""),
                            f"move {call.name}() out of the {h.key} section, or use a variant that does not sleep",
                            "sleeping in atomic context triggers 'BUG: sleeping function called from invalid context' or deadlocks",
                            spec.confidence,
                            severity=None if sure else Severity.WARNING,
                        )
    return out


@rule("RK301", category="sleep-in-atomic", severity=Severity.ERROR)
def sleep_in_atomic(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A call that may sleep while a spinlock, RCU read side, preempt-off or irq-off region is held.

    What it flags:
        A call to a function that may sleep (a mutex, msleep(), a
        GFP_KERNEL allocation, an I2C/SPI transfer ...) on a path where a
        lock of atomic context is held.

    Why it matters:
        Sleeping in atomic context is a bug: "BUG: sleeping function called
        from invalid context", or a deadlock.

    Example:
        Okay: void f(struct d *d) { void *p; spin_lock(&d->l); p = kmalloc(8, GFP_ATOMIC); spin_unlock(&d->l); }
        Okay: void f(struct d *d) { spin_lock(&d->l); d->n++; spin_unlock(&d->l); msleep(10); }
        RK301: void f(struct d *d) { spin_lock(&d->l); msleep(10); spin_unlock(&d->l); }
        RK301: void f(struct d *d) { void *p; rcu_read_lock(); p = kzalloc(8, GFP_KERNEL); rcu_read_unlock(); }

    Suggested change:
        Move the call out of the critical section, use a non-sleeping
        variant (GFP_ATOMIC, a _nowait/_atomic call), or use a mutex.

    Knowledge used:
        ``[[sleep]]`` (with confidence, and the set-ups that make it sure
        or rule it out: regmap on I2C, on MMIO, with ``fast_io``),
        ``[[atomic_gfp]]``, ``[[lock]]`` contexts; the functions a database
        learned from a kernel tree says may sleep, through the chain of
        calls the finding shows (``reviewkit knowledge build``).

    Limits:
        Only direct calls; a callee that sleeps deep inside is not seen.
        Allocation flags held in a variable are not judged. A regmap call
        is a warning unless the patch shows the map set up on a bus that
        sleeps (I2C, SPI ...), and is not reported when the patch shows it
        set up on MMIO, taken from a syscon or configured with
        ``fast_io``: such a map takes a spinlock.
    """
    old, new = flow.old, flow.new
    seen_old = flow.run.shared(find_visible_setup, Side.OLD)
    seen_new = flow.run.shared(find_visible_setup, Side.NEW)
    yield from introduced(_sleeps(old, kb, seen_old), _sleeps(new, kb, seen_new))


# ---------------------------------------------------------------- RK304


class AtomicCallback(NamedTuple):
    """Why a function runs in atomic context: the registration that names
    it (or the value it returns, or the structure member it is put in)."""

    spec: CallbackSpec
    how: str  # "the handler passed to devm_request_irq() at line 40"
    flag: FlagSpec | None = None  # the setting that makes it so, when one does
    flag_line: int = 0  # where the code makes it
    instead: str = ""  # what to do instead of sleeping there, when the knowledge says


def _callback_name(arg: str) -> str | None:
    """``omnia_handler``, ``&omnia_handler``, ``(irq_handler_t)f`` -> the name."""
    text = re.sub(r"^\((?:[\w\s\*]+)\)\s*", "", arg.strip()).lstrip("&").strip()
    text = text.strip("()").strip()
    if not re.fullmatch(r"[A-Za-z_]\w*", text) or text == "NULL":
        return None
    return text


# `static const struct irq_chip foo_irq_chip = {` (an array of them too)
_INIT_HEAD = re.compile(r"\bstruct\s+(\w+)\s+(?:const\s+)?\**\s*\w+\s*(?:\[[^\]]*\])?\s*=\s*\{")
# `.irq_mask = foo_irq_mask,`
_DESIGNATED = re.compile(r"\.\s*(\w+)\s*=\s*([^,;{}\n]+?)\s*(?=[,}\n])")


class MemberSetting(NamedTuple):
    """``STRUCT.MEMBER = VALUE`` as the visible code writes it."""

    struct: str  # "" when the type cannot be told
    member: str
    value: str
    line: int
    cfg: Cfg | None = None  # the function that makes it (None: an initializer)
    node: int = -1  # its statement there


def _member_settings(view, side_text: str, field_types: dict[str, str]) -> list[MemberSetting]:
    """What one visible scope puts in structure members: the designated
    initializers of a braced struct initializer, and the assignments of a
    function (``gc->can_sleep = true``), typed by the function's
    declarations or, for a member of a member (``priv->timer.function``),
    by ``field_types``: the visible struct definitions' fields."""
    out: list[MemberSetting] = []
    fn = view.function
    if fn.kind is ScopeKind.STRUCT:
        head = _INIT_HEAD.search(side_text)
        if head is None:
            return out
        for m in _DESIGNATED.finditer(side_text, head.end()):
            line = fn.start + side_text.count("\n", 0, m.start())
            out.append(MemberSetting(head.group(1), m.group(1), m.group(2), line))
        return out
    if view.cfg is None:
        return out
    types = find_declared_types(view.source)
    for node in view.cfg.nodes:
        if node.kind is not NodeKind.STATEMENT or "=" not in node.text:
            continue
        for lv, rv in parse_statement(node.text).assigned:
            parts = re.split(r"->|\.", lv)
            if len(parts) < 2:
                continue
            owner = types.get(parts[0], "") if len(parts) == 2 else field_types.get(parts[-2], "")
            out.append(MemberSetting(owner, parts[-1], rv, node.line, view.cfg, node.id))
    return out


def _field_types(codemap: CodeMap, side: Side) -> dict[str, str]:
    """Field name -> struct tag, from the struct definitions the visible
    code shows (``struct hrtimer timer;`` in ``struct pwm_ir``); a field
    name two definitions give different types is left out."""
    text = "\n".join(
        v.source for cf in codemap.functions
        for v in [cf.new if side is Side.NEW else cf.old]
        if v is not None and v.function.kind is ScopeKind.STRUCT and v.function.name.startswith("struct ")
    )
    return find_declared_types(text) if text else {}


def _visible_settings(codemap: CodeMap, side: Side) -> list[MemberSetting]:
    """What the visible code of one side puts in structure members."""
    settings: list[MemberSetting] = []
    fields = _field_types(codemap, side)
    for cf in codemap.functions:
        view = cf.new if side is Side.NEW else cf.old
        if view is not None and (view.function.kind is ScopeKind.STRUCT or view.cfg is not None):
            settings.extend(_member_settings(view, view.source, fields))
    return settings


def _flag_value(text: str) -> str:
    t = text.strip()
    return {"1": "true", "0": "false"}.get(t, t)


def find_atomic_callbacks(codemap: CodeMap, kb: KnowledgeBase, side: Side) -> dict[str, AtomicCallback]:
    """Functions of the visible code that run in atomic context on one side:
    passed as the callback of a ``[[atomic_callback]]`` registrar anywhere
    in the code map, returning one of its ``returns`` values, making one
    of its ``calls`` (``chained_irq_enter()``), or put in a
    structure member that ``[[atomic_member]]`` names (a member whose
    ``when`` setting the visible code must also make). (The rules read it
    once per run: ``PatchFlows.shared``.)

    Returns:
        name -> why; empty when nothing visible says so.
    """
    out: dict[str, AtomicCallback] = {}
    settings = _visible_settings(codemap, side)
    for cf in codemap.functions:
        view = cf.new if side is Side.NEW else cf.old
        if view is None or view.cfg is None:
            continue
        for node in view.cfg.nodes:
            if node.kind is NodeKind.RETURN and node.text:
                ret = parse_statement(node.text).returns
                spec = kb.atomic_returns.get(ret or "")
                if spec is not None and cf.name not in out:
                    out[cf.name] = AtomicCallback(spec, f"it returns {ret} (line {node.line}), so it is a primary irq handler")
            for call in node_calls(node):
                marked = kb.atomic_calls.get(call.name)
                if marked is not None and cf.name not in out:
                    out[cf.name] = AtomicCallback(marked, f"it calls {call.display} (line {node.line})")
                spec = kb.atomic_callbacks.get(call.name)
                if spec is None or not -len(call.args) <= spec.arg < len(call.args):
                    continue
                target = _callback_name(call.args[spec.arg])
                if target and target not in out:
                    out[target] = AtomicCallback(spec, f"it is the callback passed to {call.name}() at line {node.line}")
    for s in settings:
        member = kb.atomic_member(s.struct, s.member)
        target = _callback_name(s.value)
        if member is None or target is None or target in out:
            continue
        line = 0
        w = member.when
        if w is not None:
            line = _flag_line(s, w, settings)
            if not line:
                continue
        spec = CallbackSpec(f"{member.struct}.{member.member}", -1, member.context, member.confidence, member.note,
                            member.deadlock, member.interrupts)
        out[target] = AtomicCallback(spec, f"it is the {member.member} callback of a struct {member.struct} (line {s.line})",
                                     w, line, member.instead)
    return out


def _flag_line(callback: MemberSetting, flag: FlagSpec, settings: list[MemberSetting]) -> int:
    """The line where the code makes ``flag``'s setting for the structure
    ``callback`` puts a function in; 0 when it does not. A function that
    sets the flag's field and the callback both decides by the settings
    on a path through the callback's (``if (sleeps) { can_sleep = true;
    set = f_cansleep; } else { can_sleep = false; set = f; }``); else any
    setting of the visible code counts. The flag's structure is often
    reached through a pointer of unknown type (``priv->chip.can_sleep``):
    its field's name and value say it."""
    fields = [f for f in settings if f.member == flag.field and f.struct in (flag.struct, "")]
    cfg = callback.cfg
    if cfg is not None and any(f.cfg is cfg for f in fields):
        graph = graph_of(cfg)
        fields = [f for f in fields if f.cfg is cfg and (f.node in graph.reach(callback.node) or callback.node in graph.reach(f.node))]
    return next((f.line for f in fields if _flag_value(f.value) == flag.value), 0)


class VisibleSetup(NamedTuple):
    """How the visible code of one side sets things up: the calls it makes
    and the structure members it sets."""

    calls: frozenset[str]
    settings: frozenset[tuple[str, str, str]]  # (struct or "", member, value)

    def sets(self, flag: FlagSpec) -> bool:
        """Whether the code makes ``flag``'s setting (on a structure of
        its type, or of a type that cannot be told)."""
        return (flag.struct, flag.field, flag.value) in self.settings or ("", flag.field, flag.value) in self.settings


def find_visible_setup(codemap: CodeMap, kb: KnowledgeBase, side: Side) -> VisibleSetup:
    """The calls and member settings of the visible code of one side (the
    rules read it once per run: ``PatchFlows.shared``)."""
    calls: set[str] = set()
    for cf in codemap.functions:
        view = cf.new if side is Side.NEW else cf.old
        if view is not None and view.cfg is not None:
            for node in view.cfg.nodes:
                calls.update(c.name for c in node_calls(node))
    settings = frozenset((s.struct, s.member, _flag_value(s.value)) for s in _visible_settings(codemap, side))
    return VisibleSetup(frozenset(calls), settings)


class SleepingCall(NamedTuple):
    """A call that may sleep, and what the knowledge says of it."""

    line: int
    call: Call
    spec: SleepSpec


class CallbackSleep(NamedTuple):
    """Where a function that runs in atomic context may sleep."""

    line: int
    what: str  # "msleep(1) may sleep", "helper() calls msleep(1) (line 4), which may sleep"
    confidence: Confidence


def _direct_sleeps(flow: Flow | None, kb: KnowledgeBase, seen: VisibleSetup, live: set[int] | None = None) -> list[SleepingCall]:
    """Every reachable call that surely may
    sleep (not the low-confidence ones: regmap on MMIO uses a spinlock,
    and hard-irq handlers use it so, e.g. the airoha pinctrl and xilinx
    timer postings of the linux-pwm archive, unless ``seen`` holds one of
    the spec's ``sure_with`` calls: a map set up on I2C), outside the
    sections RK301 already judges (an atomic lock held). With ``live``,
    only the calls of those nodes."""
    out: list[SleepingCall] = []
    if flow is None:
        return out
    for node, states in reached_nodes(flow):
        if live is not None and node.id not in live:
            continue
        if any(kb.lock_context(h.variant) & ATOMIC_CONTEXTS and h.key not in st.unsure for st in states for h in st.locks_held()):
            continue
        for call in node_calls(node):
            spec = _may_sleep(call, kb, seen)
            if spec is not None and spec.confidence is not Confidence.LOW:
                out.append(SleepingCall(node.line, call, spec))
    return out


_BOOLS = {"true": True, "false": False}


def _truth(cond: Cond, values: dict[str, bool]) -> bool | None:
    """What ``cond`` is when its variables have ``values``; None when that
    does not decide it."""
    if cond.op == "atom":
        return values.get(cond.var) if cond.var is not None and cond.var in values else None
    parts = [_truth(c, values) for c in cond.args]
    if cond.op == "not":
        return None if parts[0] is None else not parts[0]
    if cond.op == "and":
        return False if False in parts else (True if all(p is True for p in parts) else None)
    if cond.op == "or":
        return True if True in parts else (False if all(p is False for p in parts) else None)
    return None


def _live_nodes(cfg: Cfg, params: tuple[str, ...], call: Call) -> set[int] | None:
    """The nodes of a callee's graph that a path may reach when ``call``
    passes a constant ``true``/``false`` for a parameter its conditions
    test (``xfer_core(i2c, msgs, num, true)`` with ``if (polling)``);
    None when it passes none. A parameter the callee assigns is not
    taken as constant."""
    values = {p: _BOOLS[a.strip()] for p, a in zip(params, call.args) if a.strip() in _BOOLS}
    for node in cfg.nodes:
        if values and node.kind is NodeKind.STATEMENT and "=" in node.text:
            for lv, _rv in parse_statement(node.text).assigned:
                values.pop(lv, None)
    if not values:
        return None
    graph = graph_of(cfg)
    seen, work = {Cfg.ENTRY}, [Cfg.ENTRY]
    while work:
        nid = work.pop()
        node = cfg.nodes[nid]
        truth = _truth(parse_condition(node.text), values) if node.kind is NodeKind.CONDITION else None
        for e in graph.successors(nid):
            if truth is not None and e.kind in (EdgeKind.TRUE, EdgeKind.FALSE) and (e.kind is EdgeKind.TRUE) != truth:
                continue
            if e.dst not in seen:
                seen.add(e.dst)
                work.append(e.dst)
    return seen


def _sleeps_in_callback(ff: FunctionFlows, flow: Flow | None, kb: KnowledgeBase, side: Side) -> dict[str, CallbackSleep]:
    """call name -> where it may sleep, for one side of a function that
    runs in atomic context: its own sleeping calls, and calls of visible
    functions that sleep directly (one level) on a path the constant
    ``true``/``false`` arguments of the call leave open."""
    out: dict[str, CallbackSleep] = {}
    helpers = ff.run.named(side)
    seen = ff.run.shared(find_visible_setup, side)
    for line, call, spec in _direct_sleeps(flow, kb, seen):
        out.setdefault(call.name, CallbackSleep(line, f"{call.display} may sleep", spec.confidence))
    if flow is None:
        return out
    for node, call in reached_calls(flow):
        helper = helpers.get(call.name)
        view = helper.view(side) if helper is not None else None
        if helper is None or view is None or call.name == ff.fn.name or call.name in out or view.cfg is None:
            continue
        sub = helper.walked(side)
        if sub is None:
            continue
        live = _live_nodes(view.cfg, find_param_names(view.source), call)
        inner = _direct_sleeps(sub, kb, seen, live)
        if inner:
            iline, icall, ispec = inner[0]
            conf = Confidence.MEDIUM if ispec.confidence is Confidence.HIGH else ispec.confidence
            out[call.name] = CallbackSleep(node.line, f"{call.display} calls {icall.display} (line {iline}), which may sleep", conf)
    return out


_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


@rule("RK304", category="sleep-in-atomic", severity=Severity.ERROR)
def sleep_in_atomic_callback(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A call that may sleep in a function that runs in atomic context: an irq handler, a timer callback.

    What it flags:
        A call to a function that may sleep (a mutex, msleep(), a
        GFP_KERNEL allocation, an I2C transfer, sysfs_get_dirent() ...),
        directly or through a visible helper that calls one, in a function
        the visible code registers as a hard-irq handler (the handler, not
        the thread function, of request_irq() and friends), a timer or a
        tasklet, or that returns IRQ_WAKE_THREAD (a primary handler); or
        that the visible code puts in a structure member whose function
        runs in atomic context (an ``irq_chip``'s ``irq_mask``, an
        hrtimer's ``function``, an atomic I2C transfer).

    Why it matters:
        A hard-irq handler or a softirq callback must not sleep: "BUG:
        scheduling while atomic", or a deadlock on the lock the sleeping
        call waits for.

    Example:
        Okay: irqreturn_t f(int irq, void *p) { struct d *d = p; schedule_work(&d->w); return IRQ_WAKE_THREAD; }
        Okay: irqreturn_t f(int irq, void *p) { msleep(1); return IRQ_HANDLED; }
        RK304: irqreturn_t f(int irq, void *p) { struct d *d = p; mutex_lock(&d->m); d->n++; mutex_unlock(&d->m); return IRQ_WAKE_THREAD; }

        (The second is not registered in the code shown: it may be a
        thread function. Registrations are matched across functions; see
        tests/rules/cases/irq_context.new.c.)

    Suggested change:
        Move the sleeping work into a threaded handler (the thread_fn of
        request_threaded_irq()) or a work item, or do it once at probe
        time; in an irq_chip callback, record the change and do the bus
        access in ``irq_bus_sync_unlock()``.

    Knowledge used:
        ``[[atomic_callback]]`` registrars (which argument is the
        callback, what context it runs in, how sure that is) and their
        ``returns`` markers; ``[[atomic_member]]`` entries without a
        ``when`` setting (RK308 reads the others); ``[[sleep]]``,
        ``[[atomic_gfp]]``.

    Limits:
        The registration (or the marker) must be in the code the patch
        shows. Calls under a spinlock are left to RK301; helpers are
        followed one level, and only when their code is visible, on the
        paths a constant ``true``/``false`` argument of the call leaves
        open (``if (!atomic)`` when it passes ``true``). A callback that
        runs with irqs off but interrupts nothing (a syscore operation,
        alone on one CPU) is not judged. Calls
        that sleep only on some setups (regmap, which MMIO maps run under
        a spinlock) are reported only when the code shows the setup that
        sleeps (``devm_regmap_init_i2c()``).
    """
    for name, line, what, conf, cb in _callback_sleeps(fn, flow, kb, flagged=False):
        yield Report(
            line,
            f"{what}, but {fn.name}() runs in {cb.spec.note}: {cb.how}",
            f"keep {name}() out of {fn.name}(): {cb.instead}" if cb.instead else
            f"move {name}() out of {fn.name}(): into a threaded handler or a work item, or do it once before the callback is registered",
            "a function in hard-irq or softirq context must not sleep ('BUG: scheduling while atomic')",
            conf,
        )


def _callback_sleeps(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase, *, flagged: bool
                     ) -> Iterator[tuple[str, int, str, Confidence, AtomicCallback]]:
    """(call name, line, what, confidence, why atomic) of each place where
    ``fn``, a function that runs in atomic context, may sleep on the new
    side and did not on the old. ``flagged``: only callbacks that a
    setting makes atomic (``can_sleep = false``), else only the others."""
    if fn.new is None:
        return
    cb = flow.run.shared(find_atomic_callbacks, Side.NEW).get(fn.name)
    if cb is None or (cb.flag is not None) != flagged or not cb.spec.interrupts:
        return  # (what interrupts nothing runs alone: nothing holds what a sleep there would wait on)
    old, new = flow.old, flow.new
    before: dict[str, CallbackSleep] = {}
    if old is not None and fn.name in flow.run.shared(find_atomic_callbacks, Side.OLD):
        before = _sleeps_in_callback(flow, old, kb, Side.OLD)
    for name, (line, what, conf) in sorted(_sleeps_in_callback(flow, new, kb, Side.NEW).items(), key=lambda kv: kv[1][0]):
        if name in before:
            continue
        if _RANK[cb.spec.confidence] < _RANK[conf]:
            conf = cb.spec.confidence
        yield name, line, what, conf, cb


@rule("RK308", category="sleep-in-atomic", severity=Severity.ERROR)
def sleep_in_nonsleeping_chip(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A chip says its callbacks never sleep (``can_sleep = false``, ``atomic = true``), and one of them may sleep.

    What it flags:
        A call that may sleep (an I2C or SPI transfer, a mutex, a regmap
        access on a bus that sleeps ...), directly or through a visible
        helper, in a callback of a structure whose flag the visible code
        sets to say the callbacks run in atomic context: the ``get``/
        ``set`` callbacks of a ``gpio_chip`` with ``can_sleep = false``,
        the ``apply`` callback of a PWM chip with ``atomic = true``.

    Why it matters:
        Consumers trust the flag: ``gpiod_set_value()`` (not the
        ``_cansleep`` variant) and ``pwm_apply_atomic()`` call the
        callback from atomic context, where sleeping is "BUG: scheduling
        while atomic".

    Example:
        Okay: static void f(struct gpio_chip *gc, unsigned int off, int v) { struct d *d = gpiochip_get_data(gc); writel(v, d->base + off); }
            ... static const struct gpio_chip c = { .set = f, .can_sleep = false, };
        Okay: static int f(struct gpio_chip *gc, unsigned int off, int v) { struct d *d = gpiochip_get_data(gc); return i2c_smbus_write_byte_data(d->client, off, v); }
            ... static const struct gpio_chip c = { .set_rv = f, .can_sleep = true, };
        RK308: static int f(struct gpio_chip *gc, unsigned int off, int v) { struct d *d = gpiochip_get_data(gc); return i2c_smbus_write_byte_data(d->client, off, v); }
            ... static const struct gpio_chip c = { .set_rv = f, .can_sleep = false, };

    Suggested change:
        Set the flag the other way (``can_sleep = true``; drop ``atomic =
        true``), so that consumers use the sleeping calls, or keep the
        callback free of sleeping calls.

    Knowledge used:
        ``[[atomic_member]]`` entries with a ``when`` setting,
        ``[[sleep]]`` (with ``sure_with``: regmap on I2C or SPI),
        ``[[atomic_gfp]]``.

    Limits:
        The flag and the structure that names the callback must be in the
        code the patch shows; a flag left at its default (a zeroed
        ``can_sleep``) is not seen. Where one function sets both the flag
        and the callback, the setting on the callback's path counts.
        Helpers are followed one level. One finding per callback: its
        other sleeping calls are listed in it.
    """
    rows = list(_callback_sleeps(fn, flow, kb, flagged=True))
    if not rows:
        return
    # one finding per callback: the flag is the one mistake, each sleeping
    # call of the callback a place it shows
    name, line, what, conf, cb = max(rows, key=lambda r: (_RANK[r[3]], -r[1]))
    more = [f"{n}() (line {ln})" for n, ln, *_ in rows if n != name]
    flag = cb.flag
    assert flag is not None  # _callback_sleeps(flagged=True) gives flagged callbacks only
    other = {"true": "false", "false": "true"}.get(flag.value)
    change = f"set {flag.field} = {other}" if other else f"drop {flag}"
    yield Report(
        line,
        f"{what}, but {fn.name}() is {cb.spec.note}: {cb.how}, and the code sets {flag} (line {cb.flag_line})"
        + (f"; it may also sleep in {', '.join(more)}" if more else ""),
        f"{change} so that consumers call {fn.name}() only where it may sleep, or keep "
        + (f"{name}() and the others" if more else f"{name}()") + " out of it",
        "consumers trust the flag and call the callback from atomic context, where sleeping is a bug",
        conf,
    )


class IrqRegion(NamedTuple):
    """Code between a global irq-off acquire and its releases."""

    node: int  # the acquire
    call: Call
    inside: list[tuple[int, Call]]  # (node, call) of every other call made inside
    releases: set[int]  # the release nodes


def _irq_regions(flow: Flow | None, kb: KnowledgeBase) -> list[IrqRegion]:
    """Regions between a global irq-off acquire and its releases."""
    out: list[IrqRegion] = []
    if flow is None:
        return out
    for node, call in reached_calls(flow):
        op = kb.ops.get(call.name)
        if op is None or not op.is_lock or op.kind is not OpKind.ACQUIRE or op.arg is not None or op.by_result:
            continue
        if "irq-off" not in kb.lock_context(op.variant):
            continue
        key = ResourceKey(op.family, "", True)
        inside: list[tuple[int, Call]] = []
        releases: set[int] = set()
        for other, states in reached_nodes(flow):
            if other.id == node.id:
                continue
            if not any(node.id in (h.sites if (h := s.get(key)) else ()) and h.count > 0 for s in states):
                continue
            for c in node_calls(other):
                o = kb.ops.get(c.name)
                if o is not None and o.is_lock and o.family == op.family and o.kind is OpKind.RELEASE:
                    releases.add(other.id)
                else:
                    inside.append((other.id, c))
        out.append(IrqRegion(node.id, call, inside, releases))
    return out


@rule("RK302", category="irq-workaround", severity=Severity.WARNING)
def irq_workaround(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """Irqs disabled only to call ``__`` helpers that have an irq-safe twin.

    What it flags:
        A ``local_irq_disable()``/``local_irq_save()`` region whose only
        calls are ``__``-prefixed helpers (``__mod_zone_page_state()`` ...)
        that have an irq-safe variant.

    Why it matters:
        The irq-safe twin does the same with the irq (or preempt) toggle
        inside it, often cheaper (this_cpu ops); an open-coded irq toggle
        is easy to leave behind when the code around it changes.

    Example:
        Okay: void f(struct zone *z, int n) { mod_zone_page_state(z, NR_MLOCK, n); }
        Okay: void f(struct zone *z, int n) { local_irq_disable(); __mod_zone_page_state(z, NR_MLOCK, n); other(z); local_irq_enable(); }
        RK302: void f(struct zone *z, int n) { local_irq_disable(); __mod_zone_page_state(z, NR_MLOCK, n); local_irq_enable(); }

    Suggested change:
        Call the twin (``mod_zone_page_state()``) and drop the
        disable/enable pair.

    Knowledge used:
        ``[[irq_helper]]`` name/twin pairs, ``[[lock]]`` entries with the
        ``irq-off`` context and no argument.

    Limits:
        Only regions opened and closed in the same function.
    """
    old, new = flow.old, flow.new
    old_sets = {tuple(sorted({c.name for _, c in r.inside})) for r in _irq_regions(old, kb)}
    if new is None:
        return
    for r in _irq_regions(new, kb):
        names = sorted({c.name for _, c in r.inside})
        if not names or not all(n in kb.irq_twins for n in names) or tuple(names) in old_sets:
            continue
        cfg = new.cfg
        calls = sorted({(cfg.nodes[n].line, c.display, c.name) for n, c in r.inside})
        repl = "; ".join(f"{text.replace(name + '(', kb.irq_twins[name] + '(', 1)} for {text} (line {line})" for line, text, name in calls)
        rel = ", ".join(f"{cfg.nodes[n].text.rstrip(';')} (line {cfg.nodes[n].line})" for n in sorted(r.releases, key=lambda n: cfg.nodes[n].line))
        line = cfg.nodes[r.node].line
        yield Report(
            line,
            f"{r.call.display} at line {line} only protects {', '.join(n + '()' for n in names)}, "
            f"which {'has an irq-safe twin' if len(names) == 1 else 'have irq-safe twins'}",
            f"use {repl}, and drop {r.call.display} and {rel or 'its matching enable'}",
            "the irq-safe helper disables what it needs itself; an open-coded irq toggle is a workaround that tends to stay",
            Confidence.HIGH,
        )


class IrqCall(NamedTuple):
    """A call of a ``__`` helper and the irq state around it."""

    line: int
    off: bool  # irqs off on every path
    on: bool  # irqs on on some path
    display: str
    providers: frozenset[ResourceKey]  # the locks that turned irqs off


def _irq_on_calls(flow: Flow | None, kb: KnowledgeBase) -> dict[str, list[IrqCall]]:
    """call text -> each call of a ``__`` helper with that text."""
    out: dict[str, list[IrqCall]] = defaultdict(list)
    if flow is None:
        return out
    for node, states in reached_nodes(flow):
        for call in node_calls(node):
            if call.name not in kb.irq_twins:
                continue
            offs = [any("irq-off" in kb.lock_context(h.variant) for h in s.locks_held()) for s in states]
            providers = frozenset(h.key for s in states for h in s.locks_held() if "irq-off" in kb.lock_context(h.variant))
            out[call.text].append(IrqCall(node.line, all(offs), not all(offs), call.display, providers))
    return out


def _acquired_variants(flow: Flow | None, kb: KnowledgeBase) -> set[str]:
    """Lock variants (ids) a side acquires on some reachable path."""
    out: set[str] = set()
    if flow is None:
        return out
    for _node, call in reached_calls(flow):
        op = kb.ops.get(call.name)
        if op is not None and op.is_lock and op.kind in (OpKind.ACQUIRE, OpKind.TRY):
            out.add(op.variant)
    return out


@rule("RK303", category="irq-workaround", severity=Severity.WARNING)
def irq_helper_irqs_on(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A ``__`` helper that needs irqs off is now called where irqs may be on.

    What it flags:
        A call to a ``__``-prefixed helper (``__mod_zone_page_state()`` ...)
        that the old code made with irqs off on every path (under
        ``spin_lock_irq()`` or ``local_irq_disable()``) and the new code
        makes with irqs on on some path.

    Why it matters:
        The ``__`` helpers update per-CPU counters without protection; an
        interrupt updating the same counter in between loses an update.

    Example:
        Okay: void f(struct d *d, struct zone *z) { spin_lock_irq(&d->l); __mod_zone_page_state(z, NR_MLOCK, 1); spin_unlock_irq(&d->l); } ==> void f(struct d *d, struct zone *z) { spin_lock_irq(&d->l); a(d); __mod_zone_page_state(z, NR_MLOCK, 1); spin_unlock_irq(&d->l); }
        RK303: void f(struct d *d, struct zone *z) { spin_lock_irq(&d->l); __mod_zone_page_state(z, NR_MLOCK, 1); spin_unlock_irq(&d->l); } ==> void f(struct d *d, struct zone *z) { spin_lock_irq(&d->l); spin_unlock_irq(&d->l); __mod_zone_page_state(z, NR_MLOCK, 1); }

    Suggested change:
        Use the irq-safe twin (``mod_zone_page_state()``), or keep the call
        inside the irq-off region.

    Knowledge used:
        ``[[irq_helper]]``, ``[[lock]]`` entries with the ``irq-off`` context.

    Limits:
        Reported only when the old side shows the same call with irqs off:
        a function may be documented as called with irqs off by its callers.
    """
    old, new = flow.old, flow.new
    before = _irq_on_calls(old, kb)
    taken_now = set(find_acquire_sites(new, kb)) if new is not None else set()
    for text, rows in _irq_on_calls(new, kb).items():
        olds = before.get(text)
        if not olds or not all(c.off for c in olds):
            continue
        # the lock that turned irqs off must still be taken here: when the
        # new code locks through a helper the knowledge does not name
        # (tests/data/corpus/patches/119_v16-18-22-patch-posting.eml,
        # lock_page_lruvec_irq()), the irq state is not known
        # (or another lock of the irq-off context the knowledge names:
        # lock_page_lruvec_irq() in place of local_irq_disable(), same posting)
        if not any(k in taken_now for c in olds for k in c.providers) and not any(
            "irq-off" in kb.lock_context(v) for v in _acquired_variants(new, kb)
        ):
            continue
        for c in rows:
            if not c.on:
                continue
            name = text.split("(", 1)[0]
            twin = kb.irq_twins[name]
            yield Report(
                c.line,
                f"{c.display} ran with irqs off in the old code; here irqs may be on",
                f"use {twin}() (irq-safe), or keep the call inside the irq-off region",
                "__ helpers need irqs off: an interrupt in the middle loses a counter update",
                Confidence.HIGH,
            )
