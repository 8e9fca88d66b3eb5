"""A lock's initialiser removed while the lock is still used (RK108); its
teardown removed while the lock stays (RK109)."""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from reviewkit.model import ChangedFunction, CodeMap, Confidence, FunctionStatus, Patch, Severity, Side
from reviewkit.rules.extract import parse_statement
from reviewkit.rules.flows import FunctionFlows, PatchFlows
from reviewkit.rules.knowledge import KnowledgeBase, LockInit, OpKind, op_key_name
from reviewkit.rules.queries import node_calls
from reviewkit.rules.registry import Report, rule
from reviewkit.rules.resources import normalise_key
from reviewkit.rules.window import diff_statements


def _member(name: str) -> str:
    """The member a lock key ends in: ``st->lock`` -> ``lock``."""
    return re.split(r"->|\.", name)[-1]


class InitFacts(NamedTuple):
    """What the whole patch does to lock initialisers, teardowns and lock
    uses, by the member that names the lock."""

    added_inits: frozenset[str]  # members an added line initialises
    dropped_uses: frozenset[str]  # members whose acquire or declaration a removed line held
    managed_inits: frozenset[str]  # members an added line initialises with a managed initialiser
    added_destroys: frozenset[str]  # members an added line tears down (ANY_LOCK: a lock it cannot name)
    removed_inits: frozenset[str]  # members a removed line initialises
    handed: frozenset[str]  # members whose address an added line hands to a call that is no lock operation


ANY_LOCK = "*"  # a teardown of a lock the text cannot name


class LineLocks(NamedTuple):
    """The lock members one line's calls initialise, tear down, take, or
    hand by address to another call."""

    inits: set[str]
    managed: set[str]  # initialised by an initialiser that arranges the teardown
    destroys: set[str]
    takes: set[str]
    handed: set[str]


def destroyers(kb: KnowledgeBase) -> dict[str, LockInit]:
    """Teardown call -> the initialiser entry it undoes (``mutex_destroy``
    -> ``mutex_init``)."""
    out: dict[str, LockInit] = {}
    for spec in kb.lock_inits.values():
        for d in spec.destroy:
            out.setdefault(d, spec)  # the entry's first name: mutex_init, not __mutex_init
    return out


def _lock_names(kb: KnowledgeBase, teardown: dict[str, LockInit], text: str) -> LineLocks:
    """The members the calls of one line initialise, tear down (``teardown``:
    :func:`destroyers`) and take."""
    out = LineLocks(set(), set(), set(), set(), set())
    inits, takes = out.inits, out.takes
    stmt = parse_statement(text)
    for call in stmt.calls:
        spec = kb.lock_inits.get(call.name)
        if spec is not None:
            name = call.arg_key(spec.arg)
            if name:
                inits.add(_member(name))
                if spec.managed:
                    out.managed.add(_member(name))
            continue
        if call.name in teardown:
            name = call.arg_key(0)
            if name:
                # a helper's parameter (a devres action that destroys the
                # lock it is given) names no member: ANY_LOCK
                out.destroys.add(_member(name) if re.search(r"->|\.", name) else ANY_LOCK)
            continue
        op = kb.ops.get(call.name)
        if op is not None and op.is_lock and op.kind is not OpKind.RELEASE:
            name = op_key_name(op, call)
            if name:
                takes.add(_member(name))
        elif op is None:
            out.handed.update(_member(a) for a in call.args if re.fullmatch(r"&\s*[\w>.-]+(?:->|\.)\w+", a))
        if call.name in kb.scoped_guard_macros and len(call.args) > 1:
            takes.add(_member(normalise_key(call.args[1])))
    guard = stmt.guard
    if guard is not None and guard[2]:
        takes.add(_member(normalise_key(guard[2][0])))
    return out


def _declaration(kb: KnowledgeBase) -> re.Pattern[str] | None:
    """A structure line that declares a member with a lock type (``struct
    mutex lock;``), group 1 the member; None when no lock type is known.
    One pattern for every type, made once per run."""
    types = sorted({re.escape(spec.type).replace(r"\ ", r"\s+") for spec in kb.lock_inits.values()})
    return re.compile(r"^\s*(?:" + "|".join(types) + r")\s+(\w+)\s*;") if types else None


def _lines(codemap: CodeMap, patch: Patch | None) -> tuple[list[str], list[str]]:
    """(added, removed) line texts of the patch; from the code map's
    functions where the patch carries no diff (a case built from two files)."""
    added: list[str] = []
    removed: list[str] = []
    if patch is not None and patch.files:
        for fd in patch.files:
            for hunk in fd.hunks:
                for kind, _line, statement in diff_statements(hunk.lines):
                    (added if kind == "+" else removed).append(statement)
        return added, removed
    for cf in codemap.functions:
        for view, lines, out in ((cf.new, cf.added_lines, added), (cf.old, cf.removed_lines, removed)):
            if view is None:
                continue
            first = view.function.start
            text = view.source.splitlines()
            status_all = cf.status is not FunctionStatus.CHANGED
            for i, line in enumerate(text):
                if status_all or first + i in lines:
                    out.append(line)
    return added, removed


def find_init_facts(run: PatchFlows, side: Side) -> InitFacts:
    """The patch's :class:`InitFacts`; read once per run."""
    kb = run.kb
    if run.codemap is None:
        return InitFacts(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), frozenset())
    added, removed = _lines(run.codemap, run.patch)
    teardown = destroyers(kb)
    declaration = _declaration(kb)
    added_inits: set[str] = set()
    managed: set[str] = set()
    destroys: set[str] = set()
    still_taken: set[str] = set()
    handed: set[str] = set()
    for text in added:
        got = _lock_names(kb, teardown, text)
        added_inits |= got.inits
        managed |= got.managed
        destroys |= got.destroys
        still_taken |= got.takes
        handed |= got.handed
    dropped: set[str] = set()
    removed_inits: set[str] = set()
    for text in removed:
        got = _lock_names(kb, teardown, text)
        dropped |= got.takes - still_taken
        if declaration is not None and (m := declaration.match(text)):
            dropped.add(m.group(1))
        removed_inits |= got.inits
    return InitFacts(frozenset(added_inits), frozenset(dropped), frozenset(managed), frozenset(destroys),
                     frozenset(removed_inits), frozenset(handed))


@rule("RK108", category="lock-pairing", severity=Severity.WARNING)
def lock_init_removed(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock's initialiser removed, with no initialiser added and the lock still used.

    What it flags:
        ``mutex_init(&st->lock)`` (or ``spin_lock_init()``,
        ``init_rwsem()``, ``devm_mutex_init()`` ...) on a line the patch
        removes from a function it keeps, where no added line initialises
        a lock of the same member name (the init moved, or became
        ``devm_mutex_init()``), and no removed line takes such a lock or
        declares it (the lock goes away with its users).

    Why it matters:
        A lock used before it is initialised is garbage: lockdep warns
        ("DEBUG_LOCKS_WARN_ON(lock->magic != lock)"), and without lockdep
        a mutex that happens to read as locked, or a spinlock in an
        undefined state, hangs its first taker.

    Example:
        Okay: int f(struct d *d) { mutex_init(&d->lock); d->n = 0; return 0; } ==> int f(struct d *d) { devm_mutex_init(d->dev, &d->lock); d->n = 0; return 0; }
        RK108: int f(struct d *d) { mutex_init(&d->lock); d->n = 0; return 0; } ==> int f(struct d *d) { d->n = 0; return 0; }

    Suggested change:
        Keep the initialiser (or move it, not drop it: before the first
        place the lock can be taken).

    Knowledge used:
        ``[[lock_init]]`` (the initialisers, their lock argument, the type
        of a lock member), ``[[lock]]`` acquires, ``[[guard]]`` classes.

    Limits:
        Locks are matched by member name across the patch; an initialiser
        moved to code the patch does not show (a core helper in another
        patch of the series) is not seen.
    """
    old = flow.old
    if fn.status is not FunctionStatus.CHANGED or old is None or fn.new is None:
        return
    for node in old.cfg.nodes:
        if node.line not in fn.removed_lines:
            continue
        for call in node_calls(node):
            spec = kb.lock_inits.get(call.name)
            name = call.arg_key(spec.arg) if spec is not None else None
            if not name:
                continue
            # the whole patch's lines, read once per run and only for a
            # function that removes an initialiser
            facts = flow.run.shared_walks(find_init_facts, Side.NEW)
            member = _member(name)
            if member in facts.added_inits or member in facts.dropped_uses:
                continue
            line = _new_place(flow, node.line)
            yield Report(
                line,
                f"the patch removes {call.display} (old line {node.line}) and initialises {name} nowhere else, "
                f"while the lock stays in use: its first acquire takes an uninitialised lock",
                f"keep {call.display}, or move it before the first place {name} can be taken",
                "a lock must be initialised before anything takes it; lockdep reports the first use of one that is not",
                Confidence.MEDIUM,
            )


@rule("RK109", category="lock-pairing", severity=Severity.WARNING)
def lock_destroy_removed(fn: ChangedFunction, flow: FunctionFlows, kb: KnowledgeBase) -> Iterator[Report]:
    """A lock's teardown (``mutex_destroy()``) removed while the lock stays.

    What it flags:
        ``mutex_destroy(&st->lock)`` on a line the patch removes from a
        function it keeps, where no added line tears down a lock of the
        same member name (the teardown moved), or tears down a lock it is
        given (a devres action) where an added line hands this one to a
        call by address, none initialises it with an
        initialiser that arranges the teardown itself
        (``devm_mutex_init()``), and the lock does not go away (no removed
        line declares it, takes it without an added line taking it again,
        or initialises it without an added line initialising it again).

    Why it matters:
        With mutex debugging on, ``mutex_destroy()`` marks the lock dead:
        a use after the object is torn down (a late callback, a second
        release) is reported at the culprit. Without it the use goes
        unnoticed until the freed memory is reused. The pairing of the
        initialiser with its teardown is also what reviewers check for;
        fixes that add a missing ``mutex_destroy()`` are routine.

    Example:
        Okay: void f(struct d *d) { mutex_destroy(&d->lock); kfree(d->name); } ==> void f(struct d *d) { kfree(d->name); mutex_destroy(&d->lock); }
        RK109: void f(struct d *d) { kfree(d->name); mutex_destroy(&d->lock); kfree(d); } ==> void f(struct d *d) { kfree(d->name); kfree(d); }

    Suggested change:
        Keep the teardown in the release path, or initialise the lock
        with ``devm_mutex_init()`` so the device core tears it down.

    Knowledge used:
        ``[[lock_init]]``: the initialisers, their ``destroy`` calls and
        whether they are ``managed``; ``[[lock]]`` acquires and
        ``[[guard]]`` classes (a lock whose uses go away with it).

    Limits:
        Locks are matched by member name across the patch; a teardown
        moved to code the patch does not show is not seen.
    """
    old = flow.old
    if fn.status is not FunctionStatus.CHANGED or old is None or fn.new is None:
        return
    teardown = destroyers(kb)
    for node in old.cfg.nodes:
        if node.line not in fn.removed_lines:
            continue
        for call in node_calls(node):
            name = call.arg_key(0) if call.name in teardown else None
            if not name:
                continue
            # read once per run, only for a function that removes a teardown
            facts = flow.run.shared_walks(find_init_facts, Side.NEW)
            member = _member(name)
            # a teardown of a lock it is given (a devres action's parameter)
            # covers the locks the patch hands to a call by address
            moved = member in facts.added_destroys or (ANY_LOCK in facts.added_destroys and member in facts.handed)
            if moved or member in facts.managed_inits or member in facts.dropped_uses:
                continue
            if member in facts.removed_inits and member not in facts.added_inits:
                continue  # the lock goes away (or RK108 says its initialiser did)
            init = teardown[call.name].name
            yield Report(
                _new_place(flow, node.line),
                f"the patch removes {call.display} (old line {node.line}) and tears {name} down nowhere else, "
                f"while the lock stays: nothing undoes its {init}()",
                f"keep {call.display}, or initialise {name} with a managed initialiser so the device core tears it down",
                "a lock's teardown marks it dead under mutex debugging, so a use after the object is torn down is caught",
                Confidence.MEDIUM,
            )


def _new_place(flow: FunctionFlows, old_line: int) -> int | None:
    """The new-side line where a removed old line stood: the line after
    the last line both sides share above it (the same offset into the
    function where the patch's hunks are not at hand)."""
    fn = flow.fn
    if fn.old is None or fn.new is None:
        return None
    facts = flow.run.file_facts(fn.file)
    if facts is not None:
        above = [ln for ln in facts.old_to_new if ln < old_line]
        if above:
            return facts.old_to_new[max(above)] + 1
    return min(fn.new.function.start + old_line - fn.old.function.start, fn.new.function.end)
