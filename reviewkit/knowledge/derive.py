"""From the files' summaries to facts: the call graph, the fixed points,
the pairs.

Every fact carries its evidence: the file and line it was read at, and for
a fact learned through callees the call it came through (the loader walks
those calls back into a chain).
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter, defaultdict, deque
from difflib import SequenceMatcher
from dataclasses import dataclass, field
from typing import Any

from reviewkit.knowledge.extract import CleanupClass, FileSummary, FunctionSummary
from reviewkit.knowledge.resolve import Definition, agreed, candidates
from reviewkit.knowledge.seeds import Seeds
from reviewkit.rules.resources import member_through, variant_names

NONE, COND, SLEEPS = 0, 1, 2


@dataclass
class Graph:
    """Every definition of the tree, indexed for resolution."""

    seeds: Seeds
    files: list[str] = field(default_factory=list)
    fns: list[FunctionSummary] = field(default_factory=list)
    defs: list[Definition] = field(default_factory=list)
    local: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    visible: dict[str, list[int]] = field(default_factory=dict)
    cleanups: list[tuple[str, CleanupClass]] = field(default_factory=list)
    structs: dict[str, dict[str, str | None]] = field(default_factory=dict)
    fps: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    type_puts: Counter = field(default_factory=Counter)  # (struct type, put) -> weight

    # the calls of node i, kept apart and compact (interned names, an array
    # of lines): they are most of the memory of a build
    call_names: list[tuple[str, ...]] = field(default_factory=list)
    call_lines: list[array] = field(default_factory=list)
    call_gfp: list[dict[int, tuple] | None] = field(default_factory=list)
    atomic_calls: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, summary: FileSummary) -> None:
        """Take one file's summary in (the build streams them)."""
        path = sys.intern(summary.path)
        for fn in summary.functions:
            i = len(self.fns)
            self.call_names.append(tuple(sys.intern(c[0]) for c in fn.calls))
            self.call_lines.append(array("I", (c[1] for c in fn.calls)))
            self.call_gfp.append({k: c[2] for k, c in enumerate(fn.calls) if c[2] is not None} or None)
            self.atomic_calls.append(tuple(sys.intern(n) for n in fn.atomic_calls))
            fn = fn._replace(name=sys.intern(fn.name), calls=(), atomic_calls=())
            self.fns.append(fn)
            # a stub: a body that calls nothing, of a configuration that is
            # off (its kernel-doc may still say what the real one does)
            d = Definition(path, fn.local, fn.ncalls == 0 and fn.doc is None)
            self.defs.append(d)
            if fn.local:
                self.local.setdefault((path, fn.name), []).append(i)
            else:
                self.visible.setdefault(fn.name, []).append(i)
        for c in summary.cleanups:
            self.cleanups.append((path, c))
        for name, fields, fps in summary.structs:
            table = self.structs.setdefault(name, {})
            for f, t in fields:
                if table.get(f, t) != t:
                    table[f] = None  # two structs of that name disagree: no type
                else:
                    table[f] = t
            self.fps[name].update(fps)
        for getter, typ in summary.getter_types:
            op = self.seeds.ref_ops.get(getter)
            if op is not None:
                self.type_puts[(typ, self.seeds.ref_put[op[1]])] += 100

    def resolve(self, file: str, name: str) -> list[int]:
        loc = self.local.get((file, name))
        if loc:
            return loc
        vis = self.visible.get(name)
        if not vis or len(vis) == 1:
            return vis or []
        return [vis[k] for k in candidates([self.defs[i] for i in vis], file)]

    def is_stub(self, i: int) -> bool:
        return self.defs[i].stub



# ---------------------------------------------------------------------- may sleep


@dataclass
class SleepResult:
    state: list[int]
    cond: list[int]  # the gfp argument a COND node sleeps by
    via: list[tuple | None]  # (callee, line, "seed"/"" ) or ("", line, "doc: ...")


def derive_sleep(g: Graph) -> SleepResult:
    """May-sleep to a fixed point over the call graph.

    A node sleeps when it calls a sleeping seed (knowledge.toml [[sleep]],
    with its gfp argument allowing it where it has one), or a callee every
    one of whose non-stub definitions sleeps, or when its kernel-doc
    Context says so. A node never sleeps when knowledge.toml fixes its
    meaning otherwise (locks, references, [[learn]] never_sleeps, logging),
    when its name or kernel-doc says atomic-safe, or when it returns early
    on a test of the context. A node with a gfp parameter sleeps through a
    learned callee only as far as its flags allow (COND): the kernel's
    convention is that such a function honours the flags it is given.
    """
    seeds = g.seeds
    n = len(g.fns)
    state = [NONE] * n
    cond = [-1] * n
    via: list[tuple | None] = [None] * n
    frozen = [False] * n
    callers: dict[str, list[int]] = defaultdict(list)
    atomic_sites = atomic_evidence(g)
    for i, fn in enumerate(g.fns):
        if fn.name in seeds.sleepers or fn.name in seeds.fixed or fn.stop is not None \
                or atomic_sites[i] >= ATOMIC_EVIDENCE:
            frozen[i] = True
            continue
        if fn.doc is not None:
            kind, phrase, line = fn.doc
            frozen[i] = True
            if kind == "sleep":
                if fn.gfp_param >= 0:
                    state[i], cond[i] = COND, fn.gfp_param
                else:
                    state[i] = SLEEPS
                via[i] = ("", line, f"kernel-doc: {phrase}")
            continue
        for name in set(g.call_names[i]):
            callers[name].append(i)

    def call_state(i: int, k: int) -> tuple[int, int, tuple | None, bool]:
        name, line = g.call_names[i][k], g.call_lines[i][k]
        gfps = g.call_gfp[i]
        gfp = gfps.get(k) if gfps else None
        seed = name in seeds.sleepers
        if seed:
            arg = seeds.sleepers[name]
            st, k = (SLEEPS, -1) if arg is None else (COND, arg)
            target: tuple = (name, line, "seed")
        elif name in seeds.fixed:
            return NONE, -1, None, False
        else:
            got = agreed(g.resolve(g.defs[i].file, name), g.is_stub, lambda j: (state[j], cond[j]) if state[j] else None)
            if got is None:
                return NONE, -1, None, False
            _j, (st, k) = got
            target = (name, line, "")
        if st == SLEEPS:
            return SLEEPS, -1, target, seed
        cls = _gfp_class(gfp, k)
        if cls == "S":
            return SLEEPS, -1, target, seed
        if isinstance(cls, tuple):
            return COND, cls[1], target, seed
        return NONE, -1, None, False

    def evaluate(i: int) -> bool:
        fn = g.fns[i]
        best, best_k, best_via = state[i], cond[i], via[i]
        for c in range(len(g.call_names[i])):
            st, k, target, seed = call_state(i, c)
            if st == SLEEPS and fn.gfp_param >= 0 and not seed:
                st, k = COND, fn.gfp_param
            if st > best:
                best, best_k, best_via = st, k, target
            if best == SLEEPS:
                break
        if best > state[i]:
            state[i], cond[i], via[i] = best, best_k, best_via
            return True
        return False

    # every node once, then the callers of each that changed
    queue = deque(i for i in range(n) if not frozen[i])
    queued = [not f for f in frozen]
    while queue:
        i = queue.popleft()
        queued[i] = False
        if evaluate(i):
            for c in callers.get(g.fns[i].name, ()):
                if not queued[c] and not frozen[c]:
                    queued[c] = True
                    queue.append(c)
    return SleepResult(state, cond, via)


# How many functions must call one in atomic context before that is taken
# as the kernel's word that it does not sleep. One call site may be a bug,
# or a lock the linear reading of a body thinks is still held; two agree.
# What it stops: kfree_rcu() reached __kvfree_call_rcu()'s might_sleep(),
# which only its one-argument form calls (include/linux/rcutiny.h), and
# through sock_put() and kfree_skb() every tasklet "slept".
ATOMIC_EVIDENCE = 2


def atomic_evidence(g: Graph) -> list[int]:
    """For each node, how many functions call it in atomic context (an
    atomic lock held, or from a registered atomic callback).

    A macro called so is expanded there: what it calls is called in atomic
    context too (drivers/net/ethernet/intel/igb: rd32() under a spinlock
    is igb_rd32() under it)."""
    sites = [0] * len(g.fns)
    for i, names in enumerate(g.atomic_calls):
        file = g.defs[i].file
        seen: set[int] = set()
        todo = [(name, 0) for name in names]
        while todo:
            name, depth = todo.pop()
            for j in g.resolve(file, name):
                if j in seen:
                    continue
                seen.add(j)
                sites[j] += 1
                if g.fns[j].macro and depth < MACRO_DEPTH:
                    todo.extend((callee, depth + 1) for callee in g.call_names[j])
    return sites


MACRO_DEPTH = 4  # macros expanding into macros, as far as the evidence is followed


def _gfp_class(gfp: tuple | None, k: int):
    """What the call's argument ``k`` (negative: from the end) says about
    allocation flags: "S", "A", ("P", j) or None."""
    if gfp is None:
        return None
    nargs, classes = gfp
    idx = k + nargs if k < 0 else k
    for i, cls in classes:
        if isinstance(cls, tuple) and cls[0] == "V":
            _v, j, named = cls
            if k >= j:
                return ("P", named + k - j)
            continue
        if i == idx:
            return cls
    return None


# ---------------------------------------------------------------------- references


def derive_refs(g: Graph) -> tuple[dict[int, tuple], dict[int, tuple]]:
    """Functions that return a counted reference, and functions that take
    one on their argument and return it.

    Returns:
        (returns, gets): node -> (put, how, line, via) with how "body" or
        "kernel-doc" and via the callee the reference comes from ("" none);
        node -> (argument index, put, line).
    """
    seeds = g.seeds
    returns: dict[int, tuple] = {}
    gets: dict[int, tuple] = {}
    # a release a kernel-doc names must exist: defined in the tree, or known
    releases = set(g.visible) | {name for (_f, name) in g.local} | set(seeds.ref_ops)
    pending = []
    for i, fn in enumerate(g.fns):
        if fn.name in seeds.fixed or not fn.ret_type:
            continue
        if fn.ref is not None and fn.ref[0] == "ret":
            pending.append(i)

    def callee_put(i: int, name: str) -> str | None:
        op = seeds.ref_ops.get(name)
        if op is not None:
            return seeds.ref_put[op[1]] if op[0] in ("get", "returns") else None
        got = agreed(g.resolve(g.defs[i].file, name), g.is_stub, lambda j: returns[j][0] if j in returns else None)
        return got[1] if got is not None else None

    changed = True
    while changed:
        changed = False
        for i in pending:
            if i in returns:
                continue
            ref = g.fns[i].ref
            assert ref is not None  # pending holds the candidates
            _kind, puts, deps, line = ref
            found = set(puts)
            via = ""
            ok = True
            for name, _dl in deps:
                p = callee_put(i, name)
                if p is None:
                    ok = False
                    break
                found.add(p)
                via = via or name
            if ok and len(found) == 1:
                returns[i] = (found.pop(), "body", line, via)
                changed = True
    for i in list(returns):
        typ = g.fns[i].ret_type
        if typ.startswith("struct "):
            g.type_puts[(typ, returns[i][0])] += 1
    type_put: dict[str, str] = {}
    for (typ, put), _w in g.type_puts.most_common():
        type_put.setdefault(typ, put)
    for i, fn in enumerate(g.fns):
        # a counted object has a struct type: a kernel-doc's put beside a
        # `void *` result is another object's (snd_lookup_minor_data()
        # returns a card's private data, its reference is the card's)
        if fn.name in seeds.fixed or not fn.ret_type.startswith("struct "):
            continue
        if fn.doc_put is not None and fn.doc_put[0] in releases:
            returns[i] = (fn.doc_put[0], "kernel-doc", fn.doc_put[1], "")
        elif fn.doc_ref_line and i not in returns and fn.ret_type in type_put:
            returns[i] = (type_put[fn.ret_type], "kernel-doc", fn.doc_ref_line, "")
    putter_key: dict[int, tuple] = {}
    for i, fn in enumerate(g.fns):
        if fn.putter is not None and fn.putter[0] == "put" and fn.name not in seeds.fixed:
            _k, ref_id, ptype, path, _line, _n = fn.putter
            putter_key[i] = (ptype, ref_id, path)
    for _round in range(3):
        grown = False
        for i, fn in enumerate(g.fns):
            if i in putter_key or fn.putter is None or fn.putter[0] != "via" or fn.name in seeds.fixed:
                continue
            _k, ptype, names, _n = fn.putter
            for name in names:
                got = agreed(g.resolve(g.defs[i].file, name), g.is_stub, lambda j: putter_key.get(j))
                if got is not None and got[1][0] == ptype:
                    putter_key[i] = got[1]
                    grown = True
                    break
        if not grown:
            break
    putters: dict[tuple, list[int]] = defaultdict(list)
    for i, key in putter_key.items():
        putters[key].append(i)
    for i, fn in enumerate(g.fns):
        if fn.ref is None or fn.ref[0] != "getarg" or fn.name in seeds.fixed:
            continue
        _k, arg, got, line = fn.ref
        puts = set()
        for what, path in got:
            if not path:
                puts.add(what)
                continue
            twins = putters.get((fn.ret_type, what, path), [])
            # a put of the object alone before one that needs more arguments
            # (put_nfs_open_context(ctx), not __put_nfs_open_context(ctx, 0)),
            # then one that drops it itself before one that calls another
            # (hci_dev_put(), not hci_dev_do_close())
            rank = {t: ((g.fns[t].putter or (0,))[-1], (g.fns[t].putter or ("",))[0] != "put") for t in twins}
            best = min(rank.values(), default=(0, False))
            twins = [t for t in twins if rank[t] == best]
            if len(twins) == 0:
                puts.add(None)
            else:
                puts.add(_closest(fn.name, [g.fns[t].name for t in twins]))
        if len(puts) == 1 and None not in puts:
            gets[i] = (arg, puts.pop(), line)
    return returns, gets


def _closest(name: str, others: list[str]) -> str:
    """The name among ``others`` most like ``name`` (``pci_dev_get`` ->
    ``pci_dev_put``, ``rtnl_lock`` -> ``rtnl_unlock`` rather than
    ``__rtnl_unlock``), then the shortest, then the first in order."""
    return min(sorted(set(others)), key=lambda o: (-SequenceMatcher(None, name, o).ratio(), len(o)))


# ---------------------------------------------------------------------- lock wrappers


def derive_locks(g: Graph) -> dict[int, tuple]:
    """Functions that return holding a lock they took, with the functions
    that drop it.

    A releaser drops a lock it did not take at its top level, or calls one
    that does at its top level (of a global lock: rtnl_unlock() ->
    netdev_run_todo() -> __rtnl_unlock()). A function that takes a lock and
    calls a releaser of its family is no wrapper: it drops the lock through
    a helper (wake_up_new_task() -> task_rq_unlock()).

    Returns:
        node -> (variant, family, arg, by_result, global, releases, line,
        annotation line, conditional); arg is the parameter naming the
        lock's owner or None; conditional: it may return before taking it.
    """
    seeds = g.seeds
    release_key: dict[int, tuple] = {}
    for i, fn in enumerate(g.fns):
        if fn.release is None or fn.release[0] == "via" or fn.name in seeds.fixed:
            continue
        variant, key, _line, typ = fn.release
        family = seeds.lock_family.get(variant, "")
        if key[0] == "param":
            release_key[i] = (family, "obj", typ, key[2])
        else:
            release_key[i] = (family, "global", key[1], key[2], key[3])
    variant_of = {i: (g.fns[i].release or ("",))[0] for i in release_key}
    # a function that calls a lock wrapper and then its release
    # (acpi_processor_hotadd_init(): cpu_maps_update_begin() ...
    # cpu_maps_update_done()) is balanced, no releaser
    wrappers = {fn.name for fn in g.fns if fn.lock is not None}
    for _round in range(4):
        grown = False
        for i, fn in enumerate(g.fns):
            if i in release_key or fn.release is None or fn.release[0] != "via" or fn.name in seeds.fixed:
                continue
            if any(name in wrappers for name in fn.release[1]):
                continue
            for name in fn.release[1]:
                got = agreed(g.resolve(g.defs[i].file, name), g.is_stub, lambda j: release_key.get(j))
                if got is not None and got[1][1] == "global":
                    release_key[i], variant_of[i] = got[1], variant_of[got[0]]
                    grown = True
                    break
        if not grown:
            break
    releasers: dict[tuple, list[int]] = defaultdict(list)
    families: dict[str, set[str]] = defaultdict(set)
    for i, key in release_key.items():
        releasers[key].append(i)
        families[g.fns[i].name].add(key[0])
    out: dict[int, tuple] = {}
    for i, fn in enumerate(g.fns):
        if fn.lock is None or fn.name in seeds.fixed:
            continue
        variant, key, line, ann, typ, early = fn.lock
        family = seeds.lock_family[variant]
        if any(family in families.get(name, ()) for name in g.call_names[i] + g.atomic_calls[i]):
            continue
        mine = set(seeds.lock_release.get(variant, ()))
        if key[0] in ("param", "result"):
            if not typ.startswith("struct "):
                continue
            twins = releasers.get((family, "obj", typ, key[-1]), [])
        else:
            twins = releasers.get((family, "global", key[1], key[2], key[3]), [])
        names = sorted({g.fns[t].name for t in twins
                        if mine & set(seeds.lock_release.get(variant_of[t], ())) and g.fns[t].name != fn.name})
        if names:
            best = _closest(fn.name, names)
            names = [best] + [n for n in names if n != best]
        out[i] = (variant, family, key[1] if key[0] == "param" else None, key[0] == "result", key[0] == "global",
                  tuple(names), line, ann, early)
    return out


# ---------------------------------------------------------------------- locks taken inside


def derive_takers(g: Graph, rounds: int = 4) -> dict[int, list[tuple]]:
    """Functions that take a lock of a parameter and drop it before they
    return: read from their own body (``adis_write_reg()``:
    ``guard(mutex)(&adis->state_lock)``), or handing a parameter on to
    such a function at the top level of their body (``adis_write_reg_16()``
    returns ``adis_write_reg(adis, ...)``), to a fixed point of ``rounds``.

    The variant that expects the lock held: for one read from its body,
    the one function it calls with the lock held, when their names hold
    one another; for one through a callee, the function of the same file
    that calls the callee's variant and whose name is likest
    (``__adis_write_reg_16()``, which calls ``__adis_write_reg()``), when
    their names hold one another.

    Returns:
        node -> [(variant, parameter, member, line, via, unlocked), ...];
        via is the callee it takes the lock through ("" its own body).
    """
    out: dict[int, list[tuple]] = {}
    for i, fn in enumerate(g.fns):
        if fn.takes and fn.name not in g.seeds.fixed:
            out[i] = [(v, arg, member, line, "", twin) for v, arg, member, line, twin in fn.takes]
    callers: dict[tuple[str, str], list[int]] = defaultdict(list)  # (file, callee) -> callers
    for i, names in enumerate(g.call_names):
        for name in names:
            callers[(g.defs[i].file, name)].append(i)
    for _round in range(rounds):
        grown = False
        for i, fn in enumerate(g.fns):
            if not fn.passes or i in out or fn.name in g.seeds.fixed:
                continue
            found: dict[tuple, tuple] = {}  # (variant, parameter, member) -> the first call that takes it
            for callee, ai, pi, path, line in fn.passes:
                got = agreed(g.resolve(g.defs[i].file, callee), g.is_stub, lambda j: _takes_key(out.get(j)))
                if got is None:
                    continue
                for v, arg, member, _line, _via, twin in out[got[0]]:
                    whole = member_through(path, member) if arg == ai else None
                    if whole is not None and (v, pi, whole) not in found:
                        found[(v, pi, whole)] = (v, pi, whole, line, callee, _twin(g, i, twin, callers))
            if found:
                out[i] = list(found.values())
                grown = True
        if not grown:
            break
    return out


def _takes_key(facts: list[tuple] | None):
    """What two definitions' lock-taking facts must agree on."""
    return None if facts is None else tuple(sorted((f[0], f[1], f[2]) for f in facts))


def _twin(g: Graph, i: int, inner: str, callers: dict[tuple[str, str], list[int]]) -> str:
    """The function of node ``i``'s file that calls ``inner`` (the
    callee's variant that expects the lock held) and is named most like
    node ``i``; "" when none is alike enough."""
    if not inner:
        return ""
    name = g.fns[i].name
    others = [g.fns[j].name for j in callers.get((g.defs[i].file, inner), ()) if j != i and not g.fns[j].takes]
    if not others:
        return ""
    best = _closest(name, others)
    return best if variant_names(name, best) else ""


# ---------------------------------------------------------------------- atomic callbacks


def derive_members(g: Graph) -> dict[tuple[str, str], tuple]:
    """Struct members whose function core code calls in atomic context.

    Returns:
        (struct, member) -> (file, line, reason) of the first call seen.
    """
    out: dict[tuple[str, str], tuple] = {}
    for i, fn in enumerate(g.fns):
        for struct, path, member, line, reason in fn.members:
            s: str | None = struct
            for f in path:
                s = g.structs.get(s, {}).get(f) if s is not None else None
                if s is None:
                    break
            if s is None or member not in g.fps.get(s, ()):
                continue
            out.setdefault((s, member), (g.defs[i].file, line, reason))
    return out


# ---------------------------------------------------------------------- records


def build_records(g: Graph, *, global_only: bool = False) -> tuple[list[tuple[str, Any]], dict[str, int]]:
    """Derive every fact and turn them into database records.

    Args:
        g: the tree's definitions.
        global_only: keep only the facts of functions other files can call
            (not static), and of the static functions their chains go
            through; a patch to a file still sees its own statics' names
            shadow the global ones. The shipped database is built so: a
            quarter of the size, for the calls that cross files.

    Returns:
        (records, counts): (key, value) pairs for :func:`write_database`
        and the number of facts of each kind written.
    """
    sleep = derive_sleep(g)
    returns, gets = derive_refs(g)
    locks = derive_locks(g)
    takers = derive_takers(g)
    members = derive_members(g)
    facts: dict[int, dict[str, list]] = defaultdict(dict)
    counts: Counter = Counter()
    for i in range(len(g.fns)):
        name = g.fns[i].name
        if sleep.state[i] and name not in g.seeds.sleepers:
            v = sleep.via[i] or ("", 0, "")
            facts[i]["s"] = [sleep.state[i], sleep.cond[i], v[0], v[1], v[2]]
        if i in returns:
            facts[i]["r"] = list(returns[i])
        if i in gets:
            facts[i]["g"] = list(gets[i])
        if i in locks:
            v2, fam, arg, by_result, is_global, rel, line, ann, early = locks[i]
            facts[i]["l"] = [v2, fam, arg, by_result, is_global, list(rel), line, ann, early]
        if i in takers:
            facts[i]["t"] = [list(t) for t in takers[i]]
    keep = _global_closure(g, facts) if global_only else set(facts)
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, fn in enumerate(g.fns):
        by_name[fn.name].append(i)
    records: list[tuple[str, Any]] = []
    for name, ids in by_name.items():
        with_facts = [i for i in ids if i in keep]
        if not with_facts:
            continue
        # every definition a call may reach, so that a lookup resolves as
        # the build did: the global ones (for agreement), and the statics
        # of other files (they shadow the name there)
        shown = ids if any(not g.defs[i].local for i in with_facts) else with_facts
        shown = sorted(shown, key=lambda i: (g.defs[i].file, g.fns[i].line))
        defs = []
        for i in shown:
            d = g.defs[i]
            flags = (1 if d.local else 0) | (2 if d.stub else 0)
            mine = facts.get(i, {}) if i in keep else {}
            defs.append([d.file, g.fns[i].line, flags, mine])
            for k in mine:
                counts[k] += 1
        records.append((name, defs))
    lock_variant: dict[str, set[str]] = defaultdict(set)
    for i, lk in locks.items():
        lock_variant[g.fns[i].name].add(lk[0])
    classes: dict[str, list] = defaultdict(list)
    for path, c in g.cleanups:
        op = g.seeds.lock_ops.get(c.acquire)
        learned = lock_variant.get(c.acquire, set())
        variant = op[1] if op is not None else next(iter(learned)) if len(learned) == 1 else ""
        classes[c.name].append([path, c.line, c.kind, c.type, c.acquire, c.release, variant, c.tolerates, c.test])
    for name, entries in classes.items():
        records.append(("class:" + name, entries))
        counts["cleanup"] += 1
    by_struct: dict[str, dict[str, list]] = defaultdict(dict)
    for (struct, member), (path, line, reason) in members.items():
        by_struct[struct][member] = [path, line, reason[0], reason[1]]
        counts["member"] += 1
    for struct, ms in by_struct.items():
        records.append(("struct:" + struct, ms))
    return records, dict(counts)


def _global_closure(g: Graph, facts: dict[int, dict[str, list]]) -> set[int]:
    """The nodes with facts that other files can call, and the nodes their
    sleep and reference chains go through."""
    keep = {i for i in facts if not g.defs[i].local}
    todo = list(keep)
    while todo:
        i = todo.pop()
        vias = []
        s = facts[i].get("s")
        if s is not None and s[2] and s[4] != "seed":
            vias.append(s[2])
        r = facts[i].get("r")
        if r is not None and r[3]:
            vias.append(r[3])
        for name in vias:
            for j in g.resolve(g.defs[i].file, name):
                if j in facts and j not in keep:
                    keep.add(j)
                    todo.append(j)
    return keep
