"""What the hunks prove about a function they show only in part.

Most patches show three lines of context around each change: the get that
a removed put balanced, or the label a moved unlock sits under, lies
outside the hunk. The whole-function rules cannot judge such a function
(the lines not shown may hold the release), but the window the hunks show,
old side against new side, proves some things by itself:

* **a release removed** from a path that still reaches an exit, with no
  release of the same resource added on that path, the acquire left in
  place and no conversion to a managed, guard() or __free() form: the old
  code released there, so the resource is held there (the old code is
  taken to be balanced; the patch is what is under review; a ``return
  ret;`` below labels that only gotos enter, right under ``return 0;``,
  is an error return); where the
  path then runs out of the lines shown, only when the get is on a line
  both sides keep, on the straight way to the release, and no call
  between them was given the object, or when the release sat right
  before a ``break`` (the loop left early) (else a note);
* **a managed action removed** whose data a get right above it took, with
  no release of it added: the action released it on unbind;
* **a release moved into one arm** of a test the old code made it after:
  the other way still returns, with nothing releasing on its way (not
  when the arm is that of a failure, whose success way keeps it on
  purpose);
* **an exit added** (a return, a goto) on a branch whose other arm goes on
  to release a resource the exit's arm does not: the release downstream
  says the resource is held at the branch, so the new exit leaves it held;
* **a goto turned into a return** where the patch removes the release the
  goto's label ran (the label goes with it): the jump gave the resource
  back, the return does not;
* **a path that takes a resource and returns** without releasing it, in
  the lines shown, where the old side's corresponding exit did not leave
  it held (an acquire added before an exit, an exit made to return where
  it jumped to a label not shown, a release moved off the path).

The state at the window's edges is unknown, never empty: a path that
crosses lines not shown is no longer sure of what it holds, and a path
that runs out of the lines shown proves nothing. Each issue says that it
is judged from the hunks; the engine lowers its confidence.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from typing import Collection, Iterator, NamedTuple, Sequence

from reviewkit.cmap.braces import unclosed
from reviewkit.cmap.graph import graph_of
from reviewkit.model import (
    Cfg,
    CfgNode,
    ChangedFunction,
    Confidence,
    DiffLine,
    EdgeKind,
    FileDiff,
    FunctionView,
    NodeKind,
    Severity,
)
from reviewkit.rules.dataflow import Flow
from reviewkit.rules.extract import Call, Stmt, parse_statement, returns_pointer
from reviewkit.rules.knowledge import KnowledgeBase, Op, OpKind, RefKind, op_key_name
from reviewkit.rules.queries import is_error_exit, node_calls, site_call
from reviewkit.rules.registry import Report
from reviewkit.rules.resources import ResourceKey, base_of, mentions, normalise_key, normalise_text
from reviewkit.rules.state import EventKind, State

# how far the walks from a release or a branch look ahead, in nodes
_AHEAD = 60


class IssueKind(enum.Enum):
    RELEASE_REMOVED = "release-removed"  # a release the old code did on a path that still leaves
    EXIT_SKIPS = "exit-skips"  # a new exit whose branch's other arm releases
    LEFT_HELD = "left-held"  # a path of the lines shown takes a resource and returns with it
    # a devm_ form turned back into a plain one with no release added, or
    # released only on the error paths, or one that an unregister now frees
    # before remove() is done
    MANAGED_DROPPED = "managed-dropped"
    RELEASED_TWICE = "released-twice"  # a path releases what it released already


class WindowIssue(NamedTuple):
    """One thing the hunks prove; ``line`` on the new side."""

    kind: IssueKind
    key: ResourceKey
    variant: str
    line: int
    error_exit: bool  # the path ends in a return that reports failure
    definite: bool  # the path reaches a return the lines show (not only the window's end)
    message: str
    suggestion: str
    note: bool = False  # weak evidence: worth a look, not a warning


# ---------------------------------------------------------------- the patch


class FileFacts(NamedTuple):
    """What the patch does to one file, as the window proofs need it.

    ``old_to_new``: the line numbers of the lines both sides share (the
    hunks' context). ``converted``: resource families the patch hands to a
    managed (devm) form, a guard(), a __free() variable or a scoped
    iterator: their releases go away on purpose. ``removed_acquires``:
    (family, key) of the acquires the patch removes (not moved).
    ``added_releases``: normalised texts of the releases it adds.
    ``any_action``: the patch adds a devm_add_action(): its callback may
    release anything.
    """

    old_to_new: dict[int, int]
    converted: frozenset[str]
    removed_acquires: frozenset[tuple[str, str]]
    removed_families: frozenset[str]
    added_releases: frozenset[str]
    any_action: bool
    moved_acquires: frozenset[tuple[str, str]] = frozenset()  # acquires the patch moves elsewhere
    reassigned: frozenset[str] = frozenset()  # variables a removed line assigned
    # (new line, the added call, the managed call it replaces, its release,
    # the new lines of the releases of it the patch adds): a devm_ form
    # turned back into its plain one
    unmanaged: tuple[tuple[int, str, str, str, tuple[int, ...]], ...] = ()
    named_again: frozenset[str] = frozenset()  # identifiers two or more removed statements name
    # names a removed line declares (a structure's field) that no added line
    # declares with the same type
    dropped_members: frozenset[str] = frozenset()


_DEVM = re.compile(r"^devm_")


def _calls_on(lines: list[str]) -> list[Call]:
    return [c for text in lines for c in _line_statement(text).calls]


_NOTHING = Stmt((), (), None)  # a diff line that neither calls nor assigns


def _line_statement(text: str) -> Stmt:
    """What the statement of a diff line does. A line with no parenthesis
    calls nothing, and one with no ``=``, ``++`` or ``--`` assigns nothing:
    such a line (a comment, a brace, ``} else {``, a declaration) is not
    parsed. Most of them read only with errors, three parses each: 189 of
    the 1,006 statement parses over tests/data/corpus/threads/lru-lock-v16.mbox."""
    if "(" not in text and "=" not in text and "++" not in text and "--" not in text:
        return _NOTHING
    return parse_statement(text)


_CONTINUATION = 8  # lines looked at for the unchanged ones that close an argument list


def diff_statements(lines: Sequence[DiffLine]) -> Iterator[tuple[str, int | None, str]]:
    """The added and removed lines of a hunk, a call that runs over
    several lines joined into one text (``ctlr = spi_alloc_host(&pdev->dev,``
    and the line after, added or unchanged): (kind, new-side line of the
    first, text)."""
    run: list[DiffLine] = []
    for at, dl in enumerate([*lines, None]):
        if run and (dl is None or dl.kind != run[0].kind or not _open([r.text for r in run])):
            texts = [r.text for r in run]
            # an argument list the unchanged lines after it close (past
            # the other side's lines: `-f(a,` `+g(a,` ` b);`)
            for after in lines[at:at + _CONTINUATION] if _open(texts) else ():
                if after.kind in "+-" and after.kind != run[0].kind:
                    continue
                if after.kind != " ":
                    break
                texts.append(after.text)
                if not _open(texts):
                    break
            yield run[0].kind, run[0].new_no, " ".join(x.strip() for x in texts)
            run = []
        if dl is not None and dl.kind in "+-":
            run.append(dl)


def _open(texts: list[str]) -> bool:
    """A parenthesis is still open after ``texts`` (most lines have none:
    no need to scan them for strings and comments)."""
    return any("(" in x for x in texts) and unclosed(texts, "()") > 0


def find_file_facts(fd: FileDiff, kb: KnowledgeBase) -> FileFacts:
    """The facts of one file diff."""
    old_to_new: dict[int, int] = {}
    added: list[str] = []
    removed: list[str] = []
    added_at: list[tuple[int, str]] = []
    for hunk in fd.hunks:
        for dl in hunk.lines:
            if dl.kind == " " and dl.old_no is not None and dl.new_no is not None:
                old_to_new[dl.old_no] = dl.new_no
        for kind, first, text in diff_statements(hunk.lines):
            if kind == "+":
                added.append(text)
                if first is not None:
                    added_at.append((first, text))
            else:
                removed.append(text)
    added_calls = _calls_on(added)
    removed_calls = _calls_on(removed)
    converted: set[str] = set()
    any_action = False
    for call in added_calls:
        name = call.name
        for spec in kb.managed.get(name, ()):
            converted.update(kb.ops[r].family for r in spec.release + spec.undoes if r in kb.ops)
        if _DEVM.match(name):
            plain = kb.ops.get(name[len("devm_"):])
            if plain is not None:
                converted.add(plain.family)
        if name in kb.cleanup_takers:
            any_action = True
        if name in kb.guard_macros or name in kb.scoped_guard_macros:
            lock = kb.guards.get(call.args[0] if call.args else "")
            if lock in kb.locks:
                converted.add(kb.locks[lock].family)
        if name in kb.iterators and kb.iterators[name].scoped:
            put = kb.iterators.get(name[: -len("_scoped")]) if name.endswith("_scoped") else None
            if put is not None and put.put in kb.ops:
                converted.add(kb.ops[put.put].family)
        if name in kb.ownership:
            converted.update(spec.id for spec in kb.refs.values())
    for text in added:
        for cls in re.findall(r"__free\(\s*(\w+)\s*\)", text):
            freed = kb.free_classes.get(cls)
            if freed in kb.ops:
                converted.add(kb.ops[freed].family)
        for macro, cls in re.findall(r"\b(guard|scoped_guard)\s*\(\s*(\w+)", text):
            lock = kb.guards.get(cls)
            if lock in kb.locks:
                converted.add(kb.locks[lock].family)
    still = Counter(normalise_text(c.text) for c in added_calls)
    removed_acquires = set()
    removed_families = set()
    moved_acquires = set()
    for call in removed_calls:
        op = kb.ops.get(call.name)
        if op is None or op.kind is OpKind.RELEASE:
            continue
        name = op_key_name(op, call) or (call.lhs or "")
        if still[normalise_text(call.text)] > 0:
            still[normalise_text(call.text)] -= 1
            moved_acquires.add((op.family, name))
            continue  # moved, not removed
        removed_families.add(op.family)
        removed_acquires.add((op.family, name))
    # a variable the patch assigns differently: the object is obtained another way
    reassigned = frozenset({lv for text in removed for lv, _rv in _line_statement(text).assigned}
                           & {lv for text in added for lv, _rv in _line_statement(text).assigned})
    added_releases = frozenset(
        normalise_text(c.text) for c in added_calls if (op := kb.ops.get(c.name)) is not None and op.kind is OpKind.RELEASE
    )
    released_at: dict[str, list[int]] = {}
    for line, text in added_at:
        for c in parse_statement(text).calls:
            if c.name in kb.ops and kb.ops[c.name].kind is OpKind.RELEASE:
                released_at.setdefault(kb.ops[c.name].family, []).append(line)
    managed_removed = {c.name for c in removed_calls if _DEVM.match(c.name)} - {c.name for c in added_calls}
    unmanaged = []
    for line, text in added_at:
        for call in _line_statement(text).calls:
            op = kb.ops.get(call.name)
            devm = "devm_" + call.name
            if op is None or op.kind is OpKind.RELEASE or devm not in managed_removed:
                continue
            ref = kb.refs.get(op.family)
            release = ref.put[0] if ref is not None and ref.put else ""
            unmanaged.append((line, call.text, devm, release, tuple(released_at.get(op.family, ()))))
    named = Counter(word for text in removed for word in set(re.findall(r"[A-Za-z_]\w*", text)))
    dropped_members = frozenset(name for _type, name in _declared(removed) - _declared(added))
    return FileFacts(old_to_new, frozenset(converted), frozenset(removed_acquires), frozenset(removed_families),
                     added_releases, any_action, frozenset(moved_acquires), reassigned, tuple(unmanaged),
                     frozenset(w for w, n in named.items() if n > 1), dropped_members)


# `struct platform_device *socinfo;`, `struct clk *clk;`: a declaration
# with no initialiser, as a structure's fields are written
_FIELD = re.compile(r"^((?:const\s+)?(?:struct\s+|enum\s+|unsigned\s+)?\w+(?:\s*\*+\s*|\s+))(\w+)\s*;$")


def _declared(statements: list[str]) -> frozenset[tuple[str, str]]:
    """(type, name) of the declarations among ``statements``, the type
    without its spaces (``structclk*``)."""
    out = set()
    for text in statements:
        m = _FIELD.match(text.strip())
        if m is not None and (kind := re.sub(r"\s+", "", m.group(1))) not in ("return", "goto"):
            out.add((kind, m.group(2)))  # not `return ret;` nor `goto out;`
    return frozenset(out)


# ---------------------------------------------------------------- walking the lines shown


def _resource_ops(node: CfgNode, kb: KnowledgeBase) -> Iterator[tuple[Call, Op, ResourceKey]]:
    for call in node_calls(node):
        op = kb.ops.get(call.name)
        if op is None:
            continue
        name = op_key_name(op, call)
        if name is None and op.kind is OpKind.RETURNS:
            name = call.lhs
        if not name and not op.is_lock:
            continue
        yield call, op, ResourceKey(op.family, name or "", op.is_lock)
        if op.kind is OpKind.ACQUIRE and not op.is_lock and not op.status_result and call.lhs and call.lhs != name:
            # `np = of_node_get(parent)`: np names the object it counted
            yield call, op, ResourceKey(op.family, call.lhs, False)


def _releases(node: CfgNode, key: ResourceKey, kb: KnowledgeBase) -> bool:
    return any(op.kind is OpKind.RELEASE and k == key for _c, op, k in _resource_ops(node, kb))


def _acquires(node: CfgNode, key: ResourceKey, kb: KnowledgeBase) -> bool:
    return any(op.kind is not OpKind.RELEASE and k == key for _c, op, k in _resource_ops(node, kb))


def _hands_on(node: CfgNode, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """The node passes ``key``'s object to a callee that is no known
    operation (a helper that may release it), stores it, or returns it."""
    if node.kind in (NodeKind.CONDITION, NodeKind.LOOP, NodeKind.SWITCH):
        return False
    if not key.name:
        return False
    stmt = parse_statement(node.text)
    if stmt.returns and normalise_key(stmt.returns) in (key.name, base_of(key.name)):
        return True  # `return np;` (not `return device_add(&d);`)
    for lv, rv in stmt.assigned:
        if normalise_key(rv) == key.name and ("->" in lv or "." in lv or "[" in lv or lv.startswith("*")):
            return True
    return _given_to_helper(node, key, kb)


def _given_to_helper(node: CfgNode, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """A call of the node (a statement's or a test's) that is no known
    operation, borrower or logging is given ``key``'s object itself: a
    helper that may release it (the object that merely contains it is
    not: ``dma_disable(st)``)."""
    calls = node_calls(node)
    returned = parse_statement(node.text).returns if node.kind is NodeKind.RETURN else None
    for call in calls:
        if call.name in kb.ops or call.name in kb.borrowers or call.name in kb.scope_neutral:
            continue
        if call.name in kb.consumed_on_success and returned is not None and normalise_text(returned) == call.text:
            continue  # `return device_add(&d);`: a failure it returns leaves the object with the caller
        if any(call.text in other.text and call is not other for other in calls) or f"{call.text}->" in node.text:
            continue  # an accessor inside an expression (`to_spi_device(child)->modalias`)
        if any(normalise_key(a) == key.name for a in call.args):
            return True
    return False


class End(NamedTuple):
    """Where a walk ahead stopped."""

    node: int
    proven: bool  # a return (or the closing brace) the lines show


def _walk_ahead(cfg: Cfg, view: FunctionView, start: int, stop, *, prune: bool = False) -> tuple[list[End], bool]:
    """Walk forward from ``start`` (included) through the lines shown.

    ``stop(node)`` says a node ends the walk on its path (a release of the
    resource): the result's flag is then True, and the walk ends there,
    or with ``prune`` goes on along the other paths. The ends are the
    returns the walk reaches (proven), and where it runs out of the lines
    shown: the last line, a jump to a label not shown, lines not shown.
    """
    window = view.window
    graph = graph_of(cfg)
    ends: list[End] = []
    seen = {start}
    work = [start]
    steps = 0
    stopped = False
    while work and steps < _AHEAD * 4:
        steps += 1
        nid = work.pop()
        node = cfg.nodes[nid]
        if stop(node):
            if not prune:
                return ends, True
            stopped = True
            continue
        for e in graph.successors(nid):
            if e.kind is EdgeKind.BACK:
                continue
            if e.dst == Cfg.EXIT:
                real = node.kind is NodeKind.RETURN or (window is None or window.tail) and node.kind is not NodeKind.GOTO
                ends.append(End(nid, real))
                continue
            nxt = cfg.nodes[e.dst]
            if window is not None and e.kind is not EdgeKind.JUMP and window.gap_between(node.line, nxt.line):
                ends.append(End(nid, False))
                continue
            if e.dst not in seen:
                seen.add(e.dst)
                work.append(e.dst)
    return ends, stopped


def _error_exit(flow: Flow | None, view: FunctionView, nid: int, kb: KnowledgeBase) -> bool:
    cfg = view.cfg
    assert cfg is not None
    if cfg.nodes[nid].kind is not NodeKind.RETURN:
        return False
    probe = flow if flow is not None else Flow(cfg)
    return is_error_exit(probe, nid, State(), kb) or _unwind_foot(view, nid)


def _unwind_foot(view: FunctionView, nid: int) -> bool:
    """``return ret;`` at the foot of an unwind ladder: the way up to it in
    the lines shown falls through statements and labels to a label that
    nothing falls into, right below a ``return 0;``: only gotos enter the
    ladder, and they leave the success path, which returned above."""
    cfg = view.cfg
    assert cfg is not None
    ret = parse_statement(cfg.nodes[nid].text).returns
    if not ret or re.fullmatch(r"[A-Za-z_]\w*", ret) is None or returns_pointer(cfg.nodes[Cfg.ENTRY].ts_node):
        return False
    return _below_success_return(view, nid)


def _below_success_return(view: FunctionView, nid: int) -> bool:
    """The way up from ``nid`` in the lines shown falls through statements
    and labels to a label that nothing falls into, right below a
    ``return 0;``: only the gotos that leave the success path get here."""
    cfg = view.cfg
    assert cfg is not None
    graph = graph_of(cfg)
    cur = nid
    for _ in range(_AHEAD):
        node = cfg.nodes[cur]
        into = [e for e in graph.predecessors(cur) if e.kind is not EdgeKind.BACK and e.src >= 2]
        falls = [e for e in into if e.kind is not EdgeKind.JUMP]
        if node.kind is NodeKind.LABEL and not falls:
            above = max((n for n in cfg.nodes[2:] if n.line < node.line), key=lambda n: n.line, default=None)
            return (above is not None and above.kind is NodeKind.RETURN
                    and parse_statement(above.text).returns == "0"
                    and not (view.window is not None and view.window.gap_between(above.line, node.line)))
        if len(falls) != 1 or node.kind not in (NodeKind.STATEMENT, NodeKind.LABEL, NodeKind.RETURN):
            return False
        cur = falls[0].src
    return False


def _noun(kb: KnowledgeBase, key: ResourceKey, variant: str) -> str:
    if key.is_lock:
        return "lock"
    spec = kb.refs.get(variant) or kb.refs.get(key.family)
    return spec.kind.noun if spec is not None else "reference"


# ---------------------------------------------------------------- the proofs


def _dropped_releases(ocfg: Cfg, fn: ChangedFunction, facts: FileFacts,
                      kb: KnowledgeBase) -> Iterator[tuple[CfgNode, Call, Op, ResourceKey]]:
    """The releases on the old side's removed statements, of a named
    object or a lock, that the patch neither hands to a managed form nor
    drops with their acquire."""
    for node in ocfg.nodes[2:]:
        if node.line not in fn.removed_lines or node.kind is not NodeKind.STATEMENT:
            continue
        for call, op, key in _resource_ops(node, kb):
            if op.kind is not OpKind.RELEASE or not key.name and not key.is_lock:
                continue
            if key.family in facts.converted or _pair_removed(key, facts):
                continue  # a conversion, or the pair removed together
            yield node, call, op, key


def _release_removed(fn: ChangedFunction, old: Flow | None, new: Flow | None, facts: FileFacts,
                     kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A release on a removed line whose path still leaves with nothing
    releasing the resource instead."""
    ov, nv = fn.old, fn.new
    if ov is None or nv is None or ov.cfg is None or nv.cfg is None or facts.any_action:
        return
    ocfg, ncfg = ov.cfg, nv.cfg
    new_at = {n.line: n.id for n in ncfg.nodes[2:]}
    for node, call, op, key in _dropped_releases(ocfg, fn, facts, kb):
        if normalise_text(call.text) in facts.added_releases:
            continue  # moved: the release is still in the file
        if any(fam == key.family and (not name or _tail(name) == _tail(key.name)) for fam, name in facts.moved_acquires):
            continue  # the acquire moved: where it now sits the release may not be needed
        if key.name and base_of(key.name) in facts.reassigned:
            continue  # the patch changes how the object is obtained
        if key.name and _tail(key.name) in facts.dropped_members:
            continue  # the field that held the object goes: so does the object
        if _replaced(node.line, key, fn, facts, ncfg, kb) or _reworked(node.line, fn, facts, ocfg, ncfg, kb):
            continue  # the lines that replace it release it under another name, or do other work
        if _failure_gone(fn, node.id, key, kb):
            continue  # the failure it undid is gone, or now comes before the get
        # where the old path went on from the release
        ends, stopped = _walk_ahead(ocfg, ov, node.id, lambda n: n.id != node.id and (_releases(n, key, kb) or _acquires(n, key, kb)))
        if stopped or any(_releases(n, key, kb) for n in _way_back(ov, node.id)):
            continue  # the old path released it again or took it anew: no balanced pair to judge
        proven = [e for e in ends if e.proven]
        # the release sat on an error path: in the branch of a failed
        # test, or before a goto or an error return
        on_error = _error_branch(ocfg, node.id, kb) or any(
            ocfg.nodes[e.node].kind is NodeKind.GOTO or _error_exit(old, ov, e.node, kb) for e in ends)
        # the lines shown take it too (`np = of_node_get(...)` above): the
        # function owns what it no longer gives back
        owned = any(_acquires(n, key, kb) for n in ncfg.nodes[2:])
        # the same place on the new side: the first shared line after the
        # release, else the first new statement after the last shared
        # line before it (where `patch` would have put it)
        start = _first_shared_after(ocfg, node.id, facts, new_at)
        if start is None:
            start = _inserted_at(node.line, facts, ncfg)
        if start is None:
            continue
        if start == Cfg.EXIT:
            if nv.window is not None and not nv.window.tail:
                continue
            n_ends, released = [End(Cfg.EXIT, True)], False
            line = ncfg.nodes[Cfg.EXIT].line
        else:
            n_ends, released = _walk_ahead(ncfg, nv, start, lambda n: _releases(n, key, kb) or _hands_on(n, key, kb)
                                           or _acquires(n, key, kb) or _renamed(n, key, fn, kb))
            line = ncfg.nodes[start].line
        if released:
            continue
        n_proven = [e for e in n_ends if e.proven]
        noun = _noun(kb, key, op.variant)
        weak = _weak_in_place(node.line, op.family, fn, facts, ncfg, kb)
        if weak is not None:
            yield WindowIssue(
                IssueKind.RELEASE_REMOVED, key, op.variant, weak.line, False, False,
                f"{weak.text.rstrip(';')} replaces {call.text} (old line {node.line}): it does not wait for "
                f"what is queued or running on {key}, so the teardown can free what it still uses",
                f"keep {call.text}",
            )
            continue
        if n_proven and (proven or start == Cfg.EXIT):
            end = ncfg.nodes[n_proven[0].node]
            err = end.id != Cfg.EXIT and (_error_exit(new, nv, end.id, kb)
                                          or on_error and _returns_failed_call(ov, node.id, end))
            if on_error and all(_success_return(ncfg, e.node) for e in n_proven):
                continue  # the error path it released on is gone: what follows is the success path
            # a lock the old code dropped right before returning an
            # error is held there: the error return the path still makes
            # leaves it held. A reference, unlike a lock, may have been
            # handed to the callee that failed; where no call on the way
            # to the release was given the object, none can have taken
            # it over, and the error return leaves it held just the same
            held = owned or err and bool(proven) and (key.is_lock or on_error and not _handed_before(ov, node.id, key, kb))
            torn = None if held else _teardown(nv, key, facts, kb)
            yield WindowIssue(
                IssueKind.RELEASE_REMOVED, key, op.variant, end.line, err, False,
                f"the patch removes {call.text} (old line {node.line}), but this path still returns "
                f"at line {end.line} and nothing else releases {key} on the way"
                + (f", though the function tears down ({torn.text.rstrip(';')} at line {torn.line}): "
                   f"the work can still run on what the teardown frees" if torn is not None else ""),
                f"keep {call.text} before the return at line {end.line}"
                + (", or jump to the label that releases it" if err else ""),
                note=not held and torn is None,
            )
        elif not n_proven:
            # the get the release paired with is on a line both sides
            # keep, on the straight way to it, and nothing between them
            # was given the object: the function still holds what it took
            site = _taken_above(ov, node.id, key, facts, kb)
            # the release sat right before a break: what the loop took
            # (its iterator's element) given back as the loop is left
            # early; after the loop, nothing the old code balanced
            # releases it again on this path
            broke = _breaks_after(ocfg, node.id, key, kb)
            # a wait for queued work dropped from code that tears down:
            # the work can still run on what the teardown frees
            torn = _teardown(nv, key, facts, kb) if site is None and not broke else None
            if (site is None and not broke and torn is None and n_ends
                    and all(ncfg.nodes[e.node].kind is NodeKind.GOTO for e in n_ends)
                    and not _released_by_hand(ncfg, nv, start, kb)):
                # every way on jumps to a label not shown, where unwind
                # code releases; unless the way there releases other
                # objects by hand (`of_node_put(codec); of_node_put(np);
                # goto error;`): that label then does not
                continue
            yield WindowIssue(
                IssueKind.RELEASE_REMOVED, key, op.variant, line, False, False,
                f"the patch removes {call.text} (old line {node.line}) and releases the {noun} "
                f"nowhere else in the lines shown after it"
                + (f", though the function took it at line {facts.old_to_new[site]} and gave it to no one"
                   if site is not None else ", though the path leaves its loop early" if broke
                   else f", though the function tears down ({torn.text.rstrip(';')} at line {torn.line}): "
                   f"the work can still run on what the teardown frees" if torn is not None else ""),
                f"keep {call.text}, or say in the commit message where {key} is released now",
                note=site is None and not broke and torn is None,
            )


def _release_moved_into_arm(fn: ChangedFunction, new: Flow | None, facts: FileFacts,
                            kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A release the old code made after a branch, moved into one arm of
    it: the other arm still goes on to a return the lines show, and
    nothing releases the resource on its way there."""
    ov, nv = fn.old, fn.new
    if ov is None or nv is None or ov.cfg is None or nv.cfg is None or facts.any_action:
        return
    ocfg, ncfg = ov.cfg, nv.cfg
    new_to_old = {v: k for k, v in facts.old_to_new.items()}
    graph = graph_of(ncfg)
    for node in ocfg.nodes[2:]:
        if node.line not in fn.removed_lines or node.kind is not NodeKind.STATEMENT:
            continue
        for call, op, key in _resource_ops(node, kb):
            if op.kind is not OpKind.RELEASE or key.is_lock or not key.name:
                continue
            text = normalise_text(call.text)
            moved = [n for n in ncfg.nodes[2:] if n.line in fn.added_lines and n.kind is NodeKind.STATEMENT
                     and any(normalise_text(c.text) == text for c in node_calls(n))]
            if len(moved) != 1:
                continue
            branch = _branch_of(ncfg, moved[0].id)
            if branch is None:
                continue
            cond, arm = branch
            old_cond = new_to_old.get(ncfg.nodes[cond].line)
            if old_cond is None or mentions(ncfg.nodes[cond].text, base_of(key.name)) or _tests_result_of(ncfg, cond, key, kb):
                continue  # a new test, or one of whether it holds the object
            if next((e.kind for e in graph.successors(cond) if e.dst == arm), None) is not EdgeKind.TRUE:
                continue  # moved below a test whose other way leaves: an order changed, not a branch taken
            if _error_branch(ncfg, moved[0].id, kb) and "==" not in ncfg.nodes[cond].text:
                continue  # released only when something failed: the way that succeeded keeps it on purpose
            before = _branch_of(ocfg, node.id)
            if before is not None and ocfg.nodes[before[0]].line == old_cond:
                continue  # the old release sat in an arm of that test already
            if not _downstream(ocfg, old_cond, node.id):
                continue  # the old release came before the test, not after both its ways
            for e in graph.successors(cond):
                if e.dst in (arm, Cfg.EXIT) or e.kind is EdgeKind.BACK:
                    continue
                ends, released = _walk_ahead(ncfg, nv, e.dst, lambda n: _releases(n, key, kb) or _hands_on(n, key, kb)
                                             or _acquires(n, key, kb))
                proven = [x for x in ends if x.proven and ncfg.nodes[x.node].kind is NodeKind.RETURN]
                if released or not proven or len(proven) != len(ends):
                    continue
                end = ncfg.nodes[proven[0].node]
                yield WindowIssue(
                    IssueKind.RELEASE_REMOVED, key, op.variant, end.line, _error_exit(new, nv, end.id, kb), False,
                    f"the patch moves {call.text} into the arm of `{ncfg.nodes[cond].text}` (line {moved[0].line}); "
                    f"the old code made it after that test on both ways, and the other way now returns at line "
                    f"{end.line} without it",
                    f"keep {call.text} after the test, where both ways run it",
                )
                break


def _loop_head_after(cfg: Cfg, nid: int) -> int:
    """Where the way on from ``nid`` goes: the head of its loop when the
    straight way on from it (``i++``) turns back to it (a release at the
    foot of a loop's body), else ``nid`` itself."""
    graph = graph_of(cfg)
    cur = nid
    for _ in range(4):
        on = list(graph.successors(cur))
        if len(on) != 1:
            break
        if on[0].kind is EdgeKind.BACK:
            return on[0].dst
        cur = on[0].dst
    return nid


def _release_moved_below_exit(fn: ChangedFunction, facts: FileFacts, kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A release the patch moves further down its function, past a return
    that the old path reached after it: that return now leaves without
    it (``for (...) kfree(buf[i]);`` moved from before ``if (ret) return
    0;`` to after it)."""
    ov, nv = fn.old, fn.new
    if ov is None or nv is None or ov.cfg is None or nv.cfg is None or facts.any_action:
        return
    ocfg, ncfg = ov.cfg, nv.cfg
    new_at = {n.line: n.id for n in ncfg.nodes[2:]}
    new_to_old = {v: k for k, v in facts.old_to_new.items()}
    for node, call, op, key in _dropped_releases(ocfg, fn, facts, kb):
        text = normalise_text(call.text)
        moved = [n for n in ncfg.nodes[2:] if n.line in fn.added_lines
                 and any(normalise_text(c.text) == text for c in node_calls(n))]
        if len(moved) != 1:
            continue
        first = _loop_head_after(ocfg, node.id)
        ends, again = _walk_ahead(ocfg, ov, first, lambda n: n.id != node.id and (_releases(n, key, kb) or _acquires(n, key, kb)))
        if again:
            continue
        old_returns = {ocfg.nodes[e.node].line for e in ends if e.proven and ocfg.nodes[e.node].kind is NodeKind.RETURN}
        start = _first_shared_after(ocfg, node.id, facts, new_at)
        if start is None or start == Cfg.EXIT or moved[0].line <= ncfg.nodes[start].line:
            continue  # not moved down
        if not _walk_ahead(ncfg, nv, start, lambda n: n.id == moved[0].id)[1]:
            continue  # moved off the way on from there (into an unwind ladder): reworked, not delayed
        n_ends, _ = _walk_ahead(ncfg, nv, start, lambda n: _releases(n, key, kb) or _hands_on(n, key, kb)
                                or _acquires(n, key, kb), prune=True)
        skipped = [ncfg.nodes[e.node] for e in n_ends if e.proven and ncfg.nodes[e.node].kind is NodeKind.RETURN
                   and new_to_old.get(ncfg.nodes[e.node].line) in old_returns]
        if not skipped:
            continue
        end = min(skipped, key=lambda n: n.line)
        # a warning, not the rule's severity: a move is deliberate, and
        # the return may leave early on purpose (what it skips is still
        # in use there)
        yield WindowIssue(
            IssueKind.RELEASE_REMOVED, key, op.variant, end.line, _error_exit(None, nv, end.id, kb), False,
            f"the patch moves {call.text} from old line {node.line} down to line {moved[0].line}, past the "
            f"return at line {end.line}: the old path released {key} before that return, and now returns "
            f"without releasing it",
            f"release {key} before the return at line {end.line} as well, or keep {call.text} where it was",
        )


def _release_before_get(fn: ChangedFunction, facts: FileFacts, kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A release added on an early exit of a test whose other way goes on
    to take the object anew, ``x = get(...)``, releasing nothing of it on
    the way: were ``x`` holding a reference there, that assignment would
    leak it; so it holds none, and the release drops what the function
    never took (``if (ret) { pci_dev_put(dma_dev); return ret; }`` above
    ``dma_dev = pci_get_slot(...)``)."""
    nv = fn.new
    if nv is None or nv.cfg is None or facts.any_action:
        return
    cfg = nv.cfg
    graph = graph_of(cfg)
    for node in cfg.nodes[2:]:
        if node.line not in fn.added_lines or node.kind is not NodeKind.STATEMENT:
            continue
        for call, op, key in _resource_ops(node, kb):
            if op.kind is not OpKind.RELEASE or key.is_lock or not key.name or "->" in key.name or "." in key.name:
                continue  # a local's reference: a field may hold one the function was given
            branch = _branch_of(cfg, node.id)
            ends, _ = _walk_ahead(cfg, nv, node.id, lambda n: False)
            if branch is None or not ends or not all(cfg.nodes[e.node].kind in (NodeKind.RETURN, NodeKind.GOTO) for e in ends):
                continue  # not on an early exit
            cond, arm = branch
            other = [e.dst for e in graph.successors(cond) if e.dst != arm and e.kind in (EdgeKind.TRUE, EdgeKind.FALSE)]
            if len(other) != 1 or other[0] == Cfg.EXIT:
                continue
            got = _retaken(cfg, nv, other[0], key, kb)
            if got is None:
                continue
            yield WindowIssue(
                IssueKind.RELEASED_TWICE, key, op.variant, node.line, False, False,
                f"{call.text} at line {node.line} drops a reference on {key} that the function does not hold there: "
                f"the other way on takes {key} anew at line {got.line} ({got.text.rstrip(';')}) without releasing it "
                f"first, so it holds none before that",
                f"drop the release, or take {key} before the test that leaves here",
            )


def _retaken(cfg: Cfg, view: FunctionView, start: int, key: ResourceKey, kb: KnowledgeBase) -> CfgNode | None:
    """The straight way on from ``start`` (plain statements, in the lines
    shown) reaches ``key = get(...)``, a get that is not given ``key``
    (``of_get_next_child(np, child)`` drops the one it is given), with no
    release, hand-on or other use of ``key`` before it."""
    graph = graph_of(cfg)
    cur = start
    for _ in range(_AHEAD):
        node = cfg.nodes[cur]
        if node.kind is not NodeKind.STATEMENT:
            return None
        stmt = parse_statement(node.text)
        for call in stmt.calls:
            op = kb.ops.get(call.name)
            if (op is not None and op.kind is OpKind.RETURNS and call.lhs is not None
                    and normalise_key(call.lhs) == key.name and not any(mentions(a, key.name) for a in call.args)):
                return node
        if mentions(node.text, key.name):
            return None
        succ = [e for e in graph.successors(cur) if e.kind is not EdgeKind.BACK]
        if len(succ) != 1 or succ[0].dst == Cfg.EXIT:
            return None
        if view.window is not None and view.window.gap_between(node.line, cfg.nodes[succ[0].dst].line):
            return None
        cur = succ[0].dst
    return None


def _action_removed(fn: ChangedFunction, facts: FileFacts, kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A managed action removed (``devm_add_action_or_reset(dev, put_it,
    obj)``) whose data is what a get on a line both sides keep took, on
    the straight way above it: the action released it on unbind and when
    probe failed, and with no release of it added, nothing does now."""
    ov, nv = fn.old, fn.new
    if ov is None or nv is None or ov.cfg is None or facts.any_action:
        return
    added_families = {kb.ops[m.group(1)].family for text in facts.added_releases
                      if (m := re.match(r"(\w+)\s*\(", text)) and m.group(1) in kb.ops}
    for node in ov.cfg.nodes[2:]:
        if node.line not in fn.removed_lines or node.kind is not NodeKind.STATEMENT:
            continue
        for call in node_calls(node):
            index = kb.consumers.get(call.name)
            if call.name not in kb.cleanup_takers or index is None or not -len(call.args) <= index < len(call.args):
                continue
            data = normalise_key(call.args[index])
            for prev in _way_back(ov, node.id):
                got = [(op, k) for _c, op, k in _resource_ops(prev, kb)
                       if op.kind is not OpKind.RELEASE and not k.is_lock and k.name == data]
                if got or _hands_on(prev, ResourceKey("", data, False), kb):
                    break
            else:
                continue
            if not got or prev.line not in facts.old_to_new:
                continue
            op, key = got[0]
            if key.family in facts.converted or key.family in added_families or _pair_removed(key, facts):
                continue
            line = facts.old_to_new[prev.line]
            yield WindowIssue(
                IssueKind.RELEASE_REMOVED, key, op.variant, line, False, False,
                f"the patch removes {call.name}() (old line {node.line}), whose action gave back the "
                f"{_noun(kb, key, op.variant)} of {key} taken at line {line}, and adds no release of it: "
                f"nothing releases it now, when probe fails or on unbind",
                f"keep {call.name}(), or release {key} on every path that leaves with it and in remove",
            )


def _downstream(cfg: Cfg, line: int, nid: int) -> bool:
    """Some path from the node at ``line`` reaches ``nid``."""
    return graph_of(cfg).reaches_forward((n.id for n in cfg.nodes[2:] if n.line == line), nid)


def _way_back(view: FunctionView, nid: int) -> Iterator[CfgNode]:
    """The nodes on the straight way back from ``nid`` through the lines
    shown, nearest first: it ends at a merge, at lines not shown, or
    after a few nodes."""
    cfg = view.cfg
    assert cfg is not None
    graph = graph_of(cfg)
    cur = nid
    for _ in range(12):
        preds = [e for e in graph.predecessors(cur) if e.kind is not EdgeKind.BACK]
        if len(preds) != 1 or preds[0].src < 2:
            return
        node = cfg.nodes[preds[0].src]
        if view.window is not None and view.window.gap_between(node.line, cfg.nodes[cur].line):
            return
        yield node
        cur = node.id


def _taken_above(view: FunctionView, nid: int, key: ResourceKey, facts: FileFacts, kb: KnowledgeBase) -> int | None:
    """The old line of the acquire of ``key`` on the straight way back from
    ``nid`` (a removed release), when both sides keep that line and no
    call between them was given the object or released it
    (``np = of_parse_phandle(...); ret = of_address_to_resource(np, ...);
    of_node_put(np);``); None otherwise."""
    for node in _way_back(view, nid):
        if _releases(node, key, kb):
            return None
        if _acquires(node, key, kb):
            return node.line if node.line in facts.old_to_new else None
        if _hands_on(node, key, kb) or node.kind is NodeKind.CONDITION and key.name and _given_to_helper(node, key, kb):
            return None
    return None


def _failure_gone(fn: ChangedFunction, nid: int, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """The old path to a release removed at ``fn``'s old node came only
    through a failure the patch removes: every way into the release runs
    through removed lines back to a removed test (or a removed ``goto``
    under one) of a call the new code no longer makes, or now makes
    before it takes ``key`` (``ret = gpio_probe(chip); if (ret < 0) {
    pwmchip_remove(chip); return ret; }`` removed whole; a reset moved
    above the ``pwmchip_add()`` its failure used to undo). A test whose
    call stays (``return clk_enable(b);``) still fails the same way."""
    ov, nv = fn.old, fn.new
    assert ov is not None and ov.cfg is not None and nv is not None and nv.cfg is not None
    ocfg, ncfg = ov.cfg, nv.cfg
    graph = graph_of(ocfg)
    taken = min((n.line for n in ncfg.nodes[2:] if _acquires(n, key, kb)), default=None)

    def call_gone(test: int) -> bool:
        call = _tested_call(ov, test)
        if call is None:
            return False
        text = normalise_text(call.text)
        again = [n.line for n in ncfg.nodes[2:] if any(normalise_text(c.text) == text for c in node_calls(n))]
        return not again or taken is not None and all(line < taken for line in again)

    seen = {nid}
    work = [nid]
    tests = []
    while work:
        for e in graph.predecessors(work.pop()):
            if e.kind is EdgeKind.BACK or e.src in seen:
                continue
            src = ocfg.nodes[e.src]
            if e.src < 2 or src.line not in fn.removed_lines:
                return False  # a kept line leads here: the way is still there
            seen.add(e.src)
            if src.kind is NodeKind.CONDITION:
                if not _error_branch(ocfg, e.dst, kb):
                    return False  # a test of state (`if (pwm_is_enabled(pwm))`), not of a failure
                tests.append(e.src)
            elif src.kind is NodeKind.GOTO and (branch := _branch_of(ocfg, e.src)) is not None:
                if not _error_branch(ocfg, e.src, kb):
                    return False
                tests.append(branch[0])
            else:
                work.append(e.src)
    return bool(tests) and all(call_gone(t) for t in tests)


def _tested_call(view: FunctionView, cond: int) -> Call | None:
    """The call a test checks: in the test itself (``if (IS_ERR(f()))``),
    or the one whose result the statement right above assigns to what the
    test reads (``ret = f(); if (ret)``)."""
    cfg = view.cfg
    assert cfg is not None
    node = cfg.nodes[cond]
    calls = node_calls(node)
    if calls:
        return calls[0]
    for prev in _way_back(view, cond):
        stmt = parse_statement(prev.text)
        for lv, _rv in stmt.assigned:
            if mentions(node.text, lv):
                return stmt.calls[0] if stmt.calls else None
        return None
    return None


def _released_by_hand(cfg: Cfg, view: FunctionView, start: int, kb: KnowledgeBase) -> bool:
    """The way on from ``start`` (the straight way, and the way back to the
    test above it) releases some resource itself."""
    _ends, released = _walk_ahead(cfg, view, start, lambda n: any(op.kind is OpKind.RELEASE for _c, op, _k in _resource_ops(n, kb)))
    return released or any(op.kind is OpKind.RELEASE for n in _way_back(view, start) for _c, op, _k in _resource_ops(n, kb))


def _teardown(view: FunctionView, key: ResourceKey, facts: FileFacts, kb: KnowledgeBase) -> CfgNode | None:
    """For a removed wait on queued work or an armed timer (``key``): the
    first node of the lines shown that releases something else the
    function does not hand out again (``iio_device_unregister()``,
    ``free_irq()``, ``iio_trigger_free()``). None where the patch also
    drops the work itself: another removed line names it
    (``INIT_WORK()``, ``schedule_work()``)."""
    spec = kb.refs.get(key.family)
    cfg = view.cfg
    if spec is None or spec.kind is not RefKind.ASYNC or cfg is None or _tail(key.name) in facts.named_again:
        return None
    for node in cfg.nodes[2:]:
        for _call, op, other in _resource_ops(node, kb):
            ref = kb.refs.get(op.family)
            if (op.kind is OpKind.RELEASE and not other.is_lock and other.family != key.family
                    and (ref is None or ref.kind is not RefKind.ASYNC)):
                return node
    return None


def _breaks_after(cfg: Cfg, nid: int, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """The straight way on from ``nid`` reaches a ``break`` through plain
    statements (``ret = -ENOMEM;``) that neither take nor hand on
    ``key``'s object."""
    graph = graph_of(cfg)
    cur = nid
    for _ in range(4):
        succ = [e for e in graph.successors(cur) if e.kind is not EdgeKind.BACK]
        if len(succ) != 1 or succ[0].dst == Cfg.EXIT:
            return False
        node = cfg.nodes[succ[0].dst]
        if node.kind is NodeKind.BREAK:
            return True
        if node.kind is not NodeKind.STATEMENT or _hands_on(node, key, kb) or _acquires(node, key, kb):
            return False
        cur = node.id
    return False


def _handed_before(view: FunctionView, nid: int, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """On the straight way back from ``nid``, a call (in a statement or a
    test) is given ``key``'s object and is no known operation or
    borrower: it may have taken the reference over (``device_add()``
    fails, and its caller's put is then one too many). A store of the
    object into a field is not: the failing function's caller sees an
    error code, not the object (``wdd->wd_data = wd_data;`` then
    ``kfree(wd_data); return -ENODEV;`` in watchdog_cdev_register())."""
    return any(key.name and _given_to_helper(node, key, kb) for node in _way_back(view, nid))


def _replaced(old_line: int, key: ResourceKey, fn: ChangedFunction, facts: FileFacts, ncfg: Cfg,
              kb: KnowledgeBase) -> bool:
    """The new lines between the shared lines around ``old_line`` release a
    resource of the same kind (the patch rewrote the code that released it)."""
    above = max((ln for ln in facts.old_to_new if ln < old_line), default=None)
    below = min((ln for ln in facts.old_to_new if ln > old_line), default=None)
    low = facts.old_to_new[above] if above is not None else 0
    high = facts.old_to_new[below] if below is not None else 1 << 30
    return any(low < n.line < high and _renamed(n, key, fn, kb) for n in ncfg.nodes[2:])


def _region(old_line: int, facts: FileFacts) -> tuple[tuple[int, int], tuple[int, int]]:
    """The old and new line ranges (exclusive) between the shared lines
    around ``old_line``: what the patch put in place of it."""
    above = max((ln for ln in facts.old_to_new if ln < old_line), default=0)
    below = min((ln for ln in facts.old_to_new if ln > old_line), default=1 << 30)
    return (above, below), (facts.old_to_new.get(above, 0), facts.old_to_new.get(below, 1 << 30))


def _reworked(old_line: int, fn: ChangedFunction, facts: FileFacts, ocfg: Cfg, ncfg: Cfg, kb: KnowledgeBase) -> bool:
    """The lines that replace a removed release call functions the lines
    they replace did not: the patch reworks that code (a helper that
    releases, a new way to obtain the object), it does not just drop the
    release. A release dropped alone, or with the ``ret`` and braces
    around it, leaves no such call."""
    (olo, ohi), (nlo, nhi) = _region(old_line, facts)
    before = {c.name for n in ocfg.nodes[2:] if olo < n.line < ohi for c in node_calls(n)}
    for n in ncfg.nodes[2:]:
        if nlo < n.line < nhi and n.line in fn.added_lines:
            for c in node_calls(n):
                # a call that only looks like the release (del_timer() for
                # del_timer_sync()) is no rework: it is the bug
                if c.name not in before and c.name not in kb.scope_neutral and c.name not in kb.weak_releases:
                    return True
    return False


def _weak_in_place(old_line: int, family: str, fn: ChangedFunction, facts: FileFacts, ncfg: Cfg,
                   kb: KnowledgeBase) -> CfgNode | None:
    """The added node, in place of a removed release, that calls a weaker
    look-alike of it (a cancel that does not wait)."""
    _old, (nlo, nhi) = _region(old_line, facts)
    for n in ncfg.nodes[2:]:
        if nlo < n.line < nhi and n.line in fn.added_lines and any(kb.weak_releases.get(c.name) == family for c in node_calls(n)):
            return n
    return None


def _renamed(node: CfgNode, key: ResourceKey, fn: ChangedFunction, kb: KnowledgeBase) -> bool:
    """An added line releases a resource of the same kind under another
    name (a lock the patch renames: ``&pgdat->lru_lock`` to ``lruvec``),
    or, for a reference, any resource (the patch rewrote the cleanup: a
    clock's disable handed to runtime PM, a kfree() to a put_device())."""
    if node.line not in fn.added_lines:
        return False
    return any(
        op.kind is OpKind.RELEASE and (op.is_lock == key.is_lock) and (op.family == key.family or not key.is_lock or op.is_lock)
        for _c, op, _k in _resource_ops(node, kb)
    )


def _tail(name: str) -> str:
    return re.split(r"->|\.", name)[-1]


def _pair_removed(key: ResourceKey, facts: FileFacts) -> bool:
    """The patch removes an acquire of the same resource: the same family
    and the same last member (``clk`` in probe, ``priv->clk`` in remove)."""
    return any(fam == key.family and (not key.name or not name or _tail(name) == _tail(key.name))
               for fam, name in facts.removed_acquires)


def _first_shared_after(ocfg: Cfg, nid: int, facts: FileFacts, new_at: dict[int, int]) -> int | None:
    """The new-side node of the first line after ``nid`` (on its straight
    way on) that both sides share."""
    graph = graph_of(ocfg)
    cur = nid
    for _ in range(_AHEAD):
        succ = [e for e in graph.successors(cur) if e.kind is not EdgeKind.BACK]
        if len(succ) != 1 or succ[0].dst == Cfg.EXIT:
            # a branch or the end: look for the shared line just below instead
            line = ocfg.nodes[cur].line
            for old_line in sorted(facts.old_to_new):
                if old_line > line and facts.old_to_new[old_line] in new_at:
                    return new_at[facts.old_to_new[old_line]]
            return None
        cur = succ[0].dst
        mapped = facts.old_to_new.get(ocfg.nodes[cur].line)
        if mapped is not None and mapped in new_at:
            return new_at[mapped]
    return None


def _inserted_at(old_line: int, facts: FileFacts, ncfg: Cfg) -> int | None:
    """The new-side node that follows the last line both sides share above
    ``old_line`` (EXIT when nothing follows it in the function); None
    when no shared line is above it."""
    above = [ln for ln in facts.old_to_new if ln < old_line]
    if not above:
        return None
    new_line = facts.old_to_new[max(above)]
    after = [n for n in ncfg.nodes[2:] if n.line > new_line]
    if not after:
        return Cfg.EXIT
    return min(after, key=lambda n: (n.line, n.id)).id


def _new_exit_skips(fn: ChangedFunction, new: Flow | None, facts: FileFacts, kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """An exit on an added line whose branch's other arm goes on to
    release a resource that the exit's own arm never releases, where the
    exit it replaces (if any) released it."""
    nv, ov = fn.new, fn.old
    if nv is None or nv.cfg is None:
        return
    old_exits = []
    if ov is not None and ov.cfg is not None:
        old_exits = [n for n in ov.cfg.nodes[2:] if n.kind in (NodeKind.RETURN, NodeKind.GOTO) and n.line in fn.removed_lines]
    cfg = nv.cfg
    graph = graph_of(cfg)
    for node in cfg.nodes[2:]:
        if node.kind not in (NodeKind.RETURN, NodeKind.GOTO) or node.line not in fn.added_lines:
            continue
        branch = _branch_of(cfg, node.id)
        if branch is None:
            continue
        cond, arm = branch
        cond_node = cfg.nodes[cond]
        others = [e.dst for e in graph.successors(cond) if e.dst != arm and e.kind is not EdgeKind.BACK]
        for other in others:
            if other == Cfg.EXIT:
                continue
            for key, rel in _released_ahead(cfg, nv, other, kb):
                if key.name and mentions(cond_node.text, base_of(key.name)):
                    continue  # `if (!np) return`: the test is whether it holds one
                if _tests_result_of(cfg, cond, key, kb):
                    continue  # `ret = pm_runtime_resume_and_get(dev); if (ret) return ret;`
                ends, released = _walk_ahead(cfg, nv, arm, lambda n: _releases(n, key, kb) or _hands_on(n, key, kb))
                if released or not ends:
                    continue
                if node.kind is NodeKind.GOTO and not any(e.proven for e in ends):
                    continue  # the label is not shown: it may release
                err = node.kind is NodeKind.GOTO or _error_exit(new, nv, node.id, kb)
                if not err and not key.is_lock:
                    continue  # a success return keeps what it set up (a probe)
                before = _old_exit_released(fn, old_exits, node.line, key, facts, kb)
                if before is False:
                    continue  # the exit it replaces did not release it either
                definite = node.kind is NodeKind.RETURN and before is True
                noun = _noun(kb, key, "")
                how = "returns" if node.kind is NodeKind.RETURN else "jumps"
                # no path to the release takes it: the release gives back
                # what an earlier call took (a disable branch's clk_disable());
                # an enable count is taken and dropped by different calls (a
                # chip's enable and disable): unless a shown line takes it,
                # lines the patch hides prove nothing either
                spec = kb.refs.get(key.family)
                split = spec is not None and spec.kind is RefKind.ENABLE
                given = not key.is_lock and not _maybe_taken_before(cfg, nv, rel, key.family, kb, hidden_may=not split)
                yield WindowIssue(
                    IssueKind.EXIT_SKIPS, key, "", node.line, err, definite or (node.kind is NodeKind.RETURN and before is None
                                                                                 and not old_exits),
                    f"the new exit at line {node.line} {how} without releasing {key}, which the code after "
                    f"`{cond_node.text}` releases ({cfg.nodes[rel].text.rstrip(';')}, line {cfg.nodes[rel].line}): "
                    + (f"is the {noun} held here, or did an earlier call take it?" if given else f"the {noun} is held here"),
                    f"release {key} before this exit, or jump to the label that does",
                    note=given,
                )
                break


def _maybe_taken_before(cfg: Cfg, view: FunctionView, nid: int, family: str, kb: KnowledgeBase,
                        hidden_may: bool = True) -> bool:
    """Some path into ``nid`` takes a resource of ``family``, or crosses
    lines not shown (which may, unless not ``hidden_may``)."""
    graph = graph_of(cfg)
    seen = {nid}
    work = [nid]
    while work:
        cur = work.pop()
        for e in graph.predecessors(cur):
            if e.kind is EdgeKind.BACK or e.src in seen or e.src < 2:
                continue
            node = cfg.nodes[e.src]
            if (hidden_may and view.window is not None and e.kind is not EdgeKind.JUMP
                    and view.window.gap_between(node.line, cfg.nodes[cur].line)):
                return True
            if any(op.kind is not OpKind.RELEASE and k.family == family for _c, op, k in _resource_ops(node, kb)):
                return True
            seen.add(e.src)
            work.append(e.src)
    return hidden_may and view.window is not None and not view.window.head


def _tests_result_of(cfg: Cfg, cond: int, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """The condition tests a variable that a call naming ``key``'s object
    set just above it: the test may be whether that call took it."""
    graph = graph_of(cfg)
    names = {a.var for a in _atoms(cfg.nodes[cond].text) if a.var}
    cur = cond
    for _ in range(8):
        preds = [e for e in graph.predecessors(cur) if e.kind is not EdgeKind.BACK]
        if len(preds) != 1 or preds[0].src < 2:
            return False
        cur = preds[0].src
        node = cfg.nodes[cur]
        if node.kind is not NodeKind.STATEMENT:
            return False
        stmt = parse_statement(node.text)
        for lv, rv in stmt.assigned:
            if lv in names:
                return bool(key.name) and mentions(rv, key.name) or any(
                    (op := kb.ops.get(c.name)) is not None and op.family == key.family for c in stmt.calls
                )
    return False


def _atoms(text: str):
    from reviewkit.rules.conditions import committed_atoms
    from reviewkit.rules.extract import parse_condition

    return [a for a, _v in (committed_atoms(parse_condition(text), True) or []) + (committed_atoms(parse_condition(text), False) or [])]


def _old_exit_released(fn: ChangedFunction, old_exits: list[CfgNode], new_line: int, key: ResourceKey,
                       facts: FileFacts, kb: KnowledgeBase) -> bool | None:
    """Whether the old exit the new one replaces (at the same place) went on
    to release ``key``: True, False, or None when there is none or the
    lines shown do not say (a goto to a label not shown)."""
    ov = fn.old
    if ov is None or ov.cfg is None:
        return None
    for old in old_exits:
        if not _same_place(old.line, new_line, facts):
            continue
        ends, released = _walk_ahead(ov.cfg, ov, old.id, lambda n: _releases(n, key, kb))
        if released:
            return True
        return False if ends and all(e.proven for e in ends) else None
    return None


def _success_return(cfg: Cfg, nid: int) -> bool:
    """``return 0;``: a path that succeeded."""
    node = cfg.nodes[nid]
    return node.kind is NodeKind.RETURN and parse_statement(node.text).returns == "0"


def _error_branch(cfg: Cfg, nid: int, kb: KnowledgeBase) -> bool:
    """``nid`` sits in the arm of a test that something failed: ``if (ret)``,
    ``if (ret < 0)``, ``if (!ptr)``, ``if (IS_ERR(ptr))``."""
    from reviewkit.rules.extract import parse_condition

    branch = _branch_of(cfg, nid)
    if branch is None:
        return False
    cond, arm = branch
    taken = next((e.kind for e in graph_of(cfg).successors(cond) if e.dst == arm), None)
    test = parse_condition(cfg.nodes[cond].text)
    if taken is EdgeKind.FALSE:
        return False
    if test.op == "atom":
        # `if (ret)`: a status; `if (IS_ERR(p))`: a known error test
        return bool(test.var) or (test.call is not None and test.call.name in kb.error_checks)
    # `if (!p)`: no object
    return test.op == "not" and test.args[0].op == "atom" and bool(test.args[0].var)


def _returns_failed_call(view: FunctionView, nid: int, ret: CfgNode) -> bool:
    """``ret`` returns the very call whose failure the test above ``nid``
    caught: ``ret = clk_enable(b); if (ret) clk_disable(a); return ret;``
    made ``return clk_enable(b);``. The failure that ran the release now
    leaves by ``ret``, an error return on that path."""
    cfg = view.cfg
    assert cfg is not None
    branch = _branch_of(cfg, nid)
    returned = parse_statement(ret.text).returns if ret.kind is NodeKind.RETURN else None
    if branch is None or not returned:
        return False
    for node in _way_back(view, branch[1]):
        if node.id == branch[1]:
            continue
        stmt = parse_statement(node.text)
        for lv, rv in stmt.assigned:
            if mentions(cfg.nodes[branch[0]].text, lv):
                return normalise_text(rv) == normalise_text(returned) and bool(stmt.calls)
        if node.kind is not NodeKind.CONDITION or node.id != branch[0]:
            return False
    return False


def _branch_of(cfg: Cfg, nid: int) -> tuple[int, int] | None:
    """(the condition, the first node of its arm) that ``nid`` sits in: the
    nearest condition above ``nid`` on its straight way back."""
    graph = graph_of(cfg)
    cur = nid
    for _ in range(12):
        preds = [e for e in graph.predecessors(cur) if e.kind is not EdgeKind.BACK]
        if len(preds) != 1:
            return None
        e = preds[0]
        if cfg.nodes[e.src].kind is NodeKind.CONDITION and e.kind in (EdgeKind.TRUE, EdgeKind.FALSE):
            return e.src, cur
        if cfg.nodes[e.src].kind is not NodeKind.STATEMENT:
            return None
        cur = e.src
    return None


def _released_ahead(cfg: Cfg, view: FunctionView, start: int, kb: KnowledgeBase) -> list[tuple[ResourceKey, int]]:
    """Resources some path from ``start`` releases in the lines shown, before
    any acquire of them, each with the releasing node; a release that a
    test of its own guards (``if (locked) unlock``) does not count."""
    graph = graph_of(cfg)
    out: dict[ResourceKey, int] = {}
    taken: set[str] = set()  # families: `get(&pdev->dev)` ... `put(ctrl->dev)` may be one object
    seen = {start}
    work = [start]
    while work and len(seen) < _AHEAD:
        nid = work.pop()
        node = cfg.nodes[nid]
        for _c, op, key in _resource_ops(node, kb):
            if op.kind is OpKind.RELEASE:
                if key.family not in taken and key not in out and not _guarded_alone(cfg, nid):
                    out[key] = nid
            else:
                taken.add(key.family)
        for e in graph.successors(nid):
            if e.dst == Cfg.EXIT or e.kind is EdgeKind.BACK or e.dst in seen:
                continue
            if view.window is not None and e.kind is not EdgeKind.JUMP and view.window.gap_between(node.line, cfg.nodes[e.dst].line):
                continue
            seen.add(e.dst)
            work.append(e.dst)
    return sorted(out.items(), key=lambda kv: cfg.nodes[kv[1]].line)


def _guarded_alone(cfg: Cfg, nid: int) -> bool:
    """``if (flag) release(x);``: the release is the whole arm of a test."""
    preds = graph_of(cfg).predecessors(nid)
    return len(preds) == 1 and preds[0].kind is EdgeKind.TRUE and cfg.nodes[preds[0].src].kind is NodeKind.CONDITION


def _left_held(fn: ChangedFunction, old: Flow | None, new: Flow | None, facts: FileFacts,
               kb: KnowledgeBase, *, changed_acquire: bool = False) -> Iterator[WindowIssue]:
    """A return of the lines shown that leaves a resource taken in those
    lines held, where the old side's return at the same place did not;
    with ``changed_acquire``, only where the patch changed the acquire's
    line."""
    if new is None or fn.new is None or fn.new.cfg is None:
        return
    cfg = new.cfg
    new_to_old = {v: k for k, v in facts.old_to_new.items()}
    old_held: dict[int, set[ResourceKey]] = {}
    if old is not None:
        for nid, st in old.exits:
            old_held.setdefault(old.cfg.nodes[nid].line, set()).update(h.key for h in st.held if h.count > 0)
    released_somewhere = {k for n in cfg.nodes for _c, op, k in _resource_ops(n, kb) if op.kind is OpKind.RELEASE}
    for nid, st in new.exits:
        node = cfg.nodes[nid]
        if node.kind is not NodeKind.RETURN:
            continue
        for h in st.held:
            if h.count <= 0 or h.escaped or h.passed or h.scoped or h.carried or h.key in st.unsure or not h.sites:
                continue
            if h.iter_loop >= 0 or h.left_at >= 0:
                continue  # the iterator rules' business
            if h.key.family in facts.converted:
                continue
            err = is_error_exit(new, nid, st, kb)
            if not err and (h.key not in released_somewhere or not h.from_result):
                # nothing shown releases it, or a count on an object the
                # function was given (an open's pm_runtime get): the caller's
                continue
            old_line = new_to_old.get(node.line)
            if old_line is not None and h.key in old_held.get(old_line, set()):
                continue  # the old code left it held there too
            acquire_changed = any(cfg.nodes[s].line in fn.added_lines for s in h.sites)
            if changed_acquire and not acquire_changed:
                continue
            changed = node.line in fn.added_lines or acquire_changed or old_line is None
            if not changed and not _path_lost_release(fn, h.key, kb):
                continue
            site = min(cfg.nodes[s].line for s in h.sites)
            taken = site_call(new, min(h.sites), h.key, kb, (OpKind.ACQUIRE, OpKind.TRY, OpKind.RETURNS)) or f"line {site}"
            noun = _noun(kb, h.key, h.variant)
            better = kb.prefer.get(taken.split("(")[0])
            suggestion = f"release {h.key} before this return, or jump to the label that does"
            if better is not None:
                suggestion += f"; or use {better[0]}(): {better[1]}"
            yield WindowIssue(
                IssueKind.LEFT_HELD, h.key, h.variant, node.line, err, True,
                f"the {'error ' if err else ''}return at line {node.line} leaves {h.key} held "
                f"({noun} taken by {taken}, line {site})",
                suggestion,
            )


def _path_lost_release(fn: ChangedFunction, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """The old side releases ``key`` on a line the patch removes."""
    ov = fn.old
    if ov is None or ov.cfg is None:
        return False
    return any(n.line in fn.removed_lines and _releases(n, key, kb) for n in ov.cfg.nodes[2:])


# what to do about a put after the unregister that dropped the reference
UNREGISTER_FIX = ("drop this put: {unregister}() gives the reference back itself; to use the object after "
                   "{unregister}(), take a reference before it and drop that one after the last use")


def _released_twice(old: Flow | None, new: Flow | None, facts: FileFacts, kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A path of the lines shown that releases a resource it already
    released, where the old side's path did not."""
    if new is None:
        return
    new_to_old = {v: k for k, v in facts.old_to_new.items()}
    before = set()
    if old is not None:
        before = {(e.key, old.cfg.nodes[e.node].line) for e in old.events
                  if e.kind in (EventKind.RELEASE_UNHELD, EventKind.DOUBLE_PUT)}
    for ev in new.events:
        if ev.kind not in (EventKind.RELEASE_UNHELD, EventKind.DOUBLE_PUT):
            continue
        line = new.cfg.nodes[ev.node].line
        if (ev.key, new_to_old.get(line)) in before:
            continue
        what = "releases" if ev.key.is_lock else "drops"
        op = kb.ops.get(ev.call)
        spec = kb.refs.get(op.variant) if op is not None else None
        if spec is not None and spec.kind is RefKind.ENABLE:
            # the device's count: an earlier call may have left one for it
            # (a count held per enabled channel, given back when the channel
            # goes off): a note, not a warning
            yield WindowIssue(
                IssueKind.RELEASED_TWICE, ev.key, "", line, False, False,
                f"{ev.call}() at line {line} drops an enable count of {ev.key} this path already dropped, "
                f"unless an earlier call left one behind for it",
                "disable once per enable on every path, or say in a comment which call took the count",
                note=True,
            )
            continue
        if ev.variant:
            # a get of the path's own may sit above the lines shown
            yield WindowIssue(
                IssueKind.RELEASED_TWICE, ev.key, "", line, False, False,
                f"{ev.call}() at line {line} drops a reference on {ev.key} after {ev.variant}() dropped the one "
                f"the driver held, unless a get above the lines shown took one for it",
                UNREGISTER_FIX.format(unregister=ev.variant),
            )
            continue
        yield WindowIssue(
            IssueKind.RELEASED_TWICE, ev.key, "", line, False, True,
            f"{ev.call}() at line {line} {what} {ev.key} on a path that already released it",
            "release it once per acquire on every path",
        )


def _managed_dropped(fn: ChangedFunction, facts: FileFacts, kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A devm_ call turned back into its plain form, in this function: with
    no release of the resource added anywhere in the patch, nothing
    releases it any more (not on the error paths, not on unbind); for a
    resource whose unregister drops the plain form's reference
    (``[[ref]]`` unregister), that unregister now frees it before the
    remove callback is done, whatever the error paths release."""
    nv = fn.new
    if nv is None:
        return
    for line, text, devm, release, released in facts.unmanaged:
        if not nv.function.start <= line <= nv.function.end:
            continue
        call = next(iter(parse_statement(text).calls), None)
        op = kb.ops.get(call.name) if call is not None else None
        if call is None or op is None:
            continue
        key = ResourceKey(op.family, op_key_name(op, call) or call.lhs or "", op.is_lock)
        ref = kb.refs.get(op.family)
        if ref is not None and ref.unregister:
            unregister = ref.unregister[0]
            taking = f"with {ref.get[0]}() " if ref.get else ""
            yield WindowIssue(
                IssueKind.MANAGED_DROPPED, key, op.variant, line, False, False,
                f"{call.name}() replaces {devm}(): {unregister}() now drops the last reference to the "
                f"{ref.id.replace('-', ' ')} and frees it, with the private data it holds, while the remove "
                f"callback may still use them ({devm}() keeps them until the unbind is done)",
                f"keep {devm}(); with the plain form, take a reference {taking}before {unregister}() in remove "
                f"and drop it at the end",
            )
            continue
        if released:
            # releases added only on this function's error paths: the
            # managed form also released it on unbind, which nothing does now
            if not _error_paths_only(nv, released, kb):
                continue
            yield WindowIssue(
                IssueKind.MANAGED_DROPPED, key, op.variant, line, False, False,
                f"{call.name}() replaces {devm}(), and the patch adds {release}() only on the error paths of "
                f"{nv.function.name}(): the device core released the {_noun(kb, key, op.variant)} on unbind too, "
                f"and now nothing does",
                f"keep {devm}(), or add {release}() to the remove callback as well",
            )
            continue
        what = f"{release}()" if release else "release"
        yield WindowIssue(
            IssueKind.MANAGED_DROPPED, key, op.variant, line, False, False,
            f"{call.name}() replaces {devm}(), but the patch adds no {what}: the {_noun(kb, key, op.variant)} was "
            f"released by the device core on unbind and on probe errors, and now nothing releases it",
            f"keep {devm}(), or add {release + '()' if release else 'the release'} to every error path after it "
            f"and to the remove callback",
        )


def _error_paths_only(view: FunctionView, lines: Collection[int], kb: KnowledgeBase) -> bool:
    """Every line of ``lines`` is in the function ``view`` shows, on a
    statement in the arm of a failed test or below labels that only gotos
    enter (right under ``return 0;``)."""
    cfg = view.cfg
    if cfg is None:
        return False
    at = {n.line: n.id for n in cfg.nodes[2:] if n.kind is NodeKind.STATEMENT}
    return all(line in at and (_error_branch(cfg, at[line], kb) or _below_success_return(view, at[line])
                               or _below_error_jumps(view, at[line], kb))
               for line in lines)


def _below_error_jumps(view: FunctionView, nid: int, kb: KnowledgeBase) -> bool:
    """The way up from ``nid`` falls through statements and labels to a
    label right below lines the hunks do not show, and a label on that way
    is the target of a ``goto`` in the arm of a failed test: an unwind
    ladder whose success return the hunks leave out."""
    cfg = view.cfg
    assert cfg is not None
    if view.window is None:
        return False
    graph = graph_of(cfg)
    labels: list[CfgNode] = []
    cur = nid
    for _ in range(_AHEAD):
        node = cfg.nodes[cur]
        falls = [e for e in graph.predecessors(cur) if e.kind not in (EdgeKind.BACK, EdgeKind.JUMP) and e.src >= 2]
        if node.kind is NodeKind.LABEL:
            labels.append(node)
        if len(falls) != 1 or node.kind not in (NodeKind.STATEMENT, NodeKind.LABEL):
            return False
        above = cfg.nodes[falls[0].src]
        if view.window.gap_between(above.line, node.line):
            if node.kind is not NodeKind.LABEL:
                return False  # a statement falls in from lines not shown: maybe the success path
            break
        cur = above.id
    else:
        return False
    return any(e.kind is EdgeKind.JUMP and cfg.nodes[e.src].kind is NodeKind.GOTO and _error_branch(cfg, e.src, kb)
               for label in labels for e in graph.predecessors(label.id))


def _goto_retargeted(fn: ChangedFunction, facts: FileFacts, kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A goto whose label the patch changes to a later one, so that the
    jump now skips releases the old label's code ran."""
    ov, nv = fn.old, fn.new
    if ov is None or nv is None or ov.cfg is None or nv.cfg is None:
        return
    ocfg, ncfg = ov.cfg, nv.cfg
    labels = {n.label: n for n in ocfg.nodes if n.kind is NodeKind.LABEL and n.label}
    old_gotos = [n for n in ocfg.nodes if n.kind is NodeKind.GOTO and n.line in fn.removed_lines]
    for g in ncfg.nodes:
        if g.kind is not NodeKind.GOTO or g.line not in fn.added_lines or g.label not in labels:
            continue
        for g0 in old_gotos:
            if g0.label == g.label or g0.label not in labels or not _same_place(g0.line, g.line, facts):
                continue
            start, end = labels[g0.label], labels[g.label]
            if end.line <= start.line:
                continue
            skipped: list[tuple[Call, Op, ResourceKey]] = []
            for node in ocfg.nodes:
                if start.line < node.line < end.line:
                    skipped.extend((c, op, k) for c, op, k in _resource_ops(node, kb) if op.kind is OpKind.RELEASE
                                   and not _handling_dropped(fn, node, k, ocfg, ncfg, kb))
            # The new label's code may still reach those releases (labels
            # the patch reorders fall through to the old one).
            new_label = next((n for n in ncfg.nodes if n.kind is NodeKind.LABEL and n.label == g.label), None)
            if new_label is not None:
                skipped = [s for s in skipped if not _reaches_release(ncfg, new_label.id, s[2], kb)]
            # the patch moves the acquire below the goto (nothing to undo
            # yet) or out of the lines shown (to a runtime-PM resume)
            skipped = [s for s in skipped if not _taken_only_after(ncfg, g.line, s[2], kb)
                       and not _no_longer_taken(ocfg, ncfg, s[2], kb)]
            if not skipped:
                continue
            call, op, key = skipped[0]
            texts = ", ".join(c.text for c, _o, _k in skipped)
            yield WindowIssue(
                IssueKind.EXIT_SKIPS, key, op.variant, g.line, True, True,
                f"goto {g.label} (line {g.line}) replaces goto {g0.label}: the jump now skips {texts}, "
                f"which the code at {g0.label}: ran",
                f"jump to {g0.label} as before, or release what it released before jumping",
            )
            break


def _goto_to_return(fn: ChangedFunction, new: Flow | None, facts: FileFacts, kb: KnowledgeBase) -> Iterator[WindowIssue]:
    """A goto turned into a return, where the code at the goto's label
    released a resource, the patch removes that release with the label,
    and the return leaves without it: the jump's path gave the resource
    back, the return's path no longer does."""
    ov, nv = fn.old, fn.new
    if ov is None or nv is None or ov.cfg is None or nv.cfg is None or facts.any_action:
        return
    ocfg, ncfg = ov.cfg, nv.cfg
    labels = {n.label: n for n in ocfg.nodes if n.kind is NodeKind.LABEL and n.label}
    old_gotos = [n for n in ocfg.nodes[2:] if n.kind is NodeKind.GOTO and n.line in fn.removed_lines and n.label in labels]
    for ret in ncfg.nodes[2:]:
        if ret.kind is not NodeKind.RETURN or ret.line not in fn.added_lines:
            continue
        g0 = next((g for g in old_gotos if _same_place(g.line, ret.line, facts)), None)
        if g0 is None:
            continue
        for at, call, op, key in _removed_releases_from(ov, labels[g0.label or ""].id, fn, kb):
            if key.family in facts.converted or _pair_removed(key, facts) or normalise_text(call.text) in facts.added_releases:
                continue  # a conversion, the pair removed, or the release moved
            if key.name and base_of(key.name) in facts.reassigned or _taken_only_after(ncfg, ret.line, key, kb):
                continue  # obtained another way, or taken only below the return
            if any(_releases(n, key, kb) or _hands_on(n, key, kb) for n in (ret, *_way_back(nv, ret.id))):
                continue  # the return's own arm gives it back
            err = _error_exit(new, nv, ret.id, kb)
            yield WindowIssue(
                IssueKind.EXIT_SKIPS, key, op.variant, ret.line, err, False,
                f"the return at line {ret.line} replaces goto {g0.label}, and the patch removes the "
                f"{call.text} the label ran (old line {at}): this path no longer releases {key}",
                f"keep the goto and the label's {call.text}, or release {key} before this return",
            )
            break


def _removed_releases_from(view: FunctionView, start: int, fn: ChangedFunction,
                           kb: KnowledgeBase) -> Iterator[tuple[int, Call, Op, ResourceKey]]:
    """The releases on removed lines, each with its old line, that the
    path from ``start`` (a label) runs before it returns, in the lines
    shown."""
    cfg = view.cfg
    assert cfg is not None
    graph = graph_of(cfg)
    cur = start
    for _ in range(_AHEAD):
        node = cfg.nodes[cur]
        if node.line in fn.removed_lines and node.kind is NodeKind.STATEMENT:
            yield from ((node.line, c, op, k) for c, op, k in _resource_ops(node, kb)
                        if op.kind is OpKind.RELEASE and (k.name or k.is_lock))
        succ = [e for e in graph.successors(cur) if e.kind is not EdgeKind.BACK]
        if len(succ) != 1 or succ[0].dst == Cfg.EXIT or node.kind is NodeKind.RETURN:
            return
        if view.window is not None and view.window.gap_between(node.line, cfg.nodes[succ[0].dst].line):
            return
        cur = succ[0].dst


def _reaches_release(cfg: Cfg, start: int, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """Some path from ``start`` releases ``key`` (guarded or not)."""
    graph = graph_of(cfg)
    seen = {start}
    work = [start]
    while work:
        nid = work.pop()
        if _releases(cfg.nodes[nid], key, kb):
            return True
        for e in graph.successors(nid):
            if e.dst != Cfg.EXIT and e.kind is not EdgeKind.BACK and e.dst not in seen:
                seen.add(e.dst)
                work.append(e.dst)
    return False


def _taken_only_after(cfg: Cfg, line: int, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """The lines shown take ``key`` below ``line`` and nowhere above it."""
    lines = [n.line for n in cfg.nodes if _acquires(n, key, kb)]
    return bool(lines) and min(lines) > line


def _handling_dropped(fn: ChangedFunction, release: CfgNode, key: ResourceKey, ocfg: Cfg, ncfg: Cfg,
                      kb: KnowledgeBase) -> bool:
    """The patch deletes this release from the function altogether and
    also deletes an acquire of its kind: it hands the resource to someone
    else (runtime PM, a managed form), through a name the release need not
    share (``clk_prepare_enable(clk)`` then ``d->clk = clk``)."""
    if release.line not in fn.removed_lines or any(_releases(n, key, kb) for n in ncfg.nodes):
        return False
    return any(n.line in fn.removed_lines and op.kind in (OpKind.ACQUIRE, OpKind.TRY) and k.family == key.family
               for n in ocfg.nodes for _c, op, k in _resource_ops(n, kb))


def _no_longer_taken(ocfg: Cfg, ncfg: Cfg, key: ResourceKey, kb: KnowledgeBase) -> bool:
    """The old lines shown take ``key`` and the new ones nowhere."""
    return any(_acquires(n, key, kb) for n in ocfg.nodes) and not any(_acquires(n, key, kb) for n in ncfg.nodes)


def _same_place(old_line: int, new_line: int, facts: FileFacts) -> bool:
    """The two lines follow the same last shared line."""
    above_old = max((ln for ln in facts.old_to_new if ln < old_line), default=None)
    above_new = max((ln for ln in facts.old_to_new.values() if ln < new_line), default=None)
    return above_old is not None and facts.old_to_new[above_old] == above_new


# ---------------------------------------------------------------- exits made direct


class DirectExit(NamedTuple):
    """A return that replaces a goto or a break: the old path left through
    code on its way out (the label's, the code after the switch),
    the new one returns past it. Lines on the new side, except ``old_line``."""

    line: int
    old_line: int
    old_text: str  # `goto out;`, `break;`
    label: str  # the goto's label; "" for a break
    skipped: tuple[str, ...]  # the calls that way ran (as written); () when it is not shown


def find_direct_exits(fn: ChangedFunction, facts: FileFacts | None, kb: KnowledgeBase) -> list[DirectExit]:
    """Returns the patch adds in place of a goto or a break whose way out
    ran code that still runs for the function's other exits.

    The way out is judged where the lines show it: calls that are no known
    operation and no logging (a known release is the path walks' to judge,
    with what the path holds). Where they do not show it (a label the
    hunks leave out, the end of a switch below them), the code there is
    unchanged by the patch and still reached by other exits: the return
    skips it, whatever it does.

    Nothing where the patch changes what the function takes or releases,
    or converts a resource to a managed, guard() or __free() form (the
    cleanup is reworked, not skipped), or where the new exit's own arm
    calls what it did not before (it does its cleanup itself).
    """
    ov, nv = fn.old, fn.new
    if ov is None or nv is None or ov.cfg is None or nv.cfg is None:
        return []
    if facts is not None and (facts.converted or facts.any_action):
        return []
    ocfg, ncfg = ov.cfg, nv.cfg
    if _changes_ops(ocfg, fn.removed_lines, kb) or _changes_ops(ncfg, fn.added_lines, kb):
        return []
    new_texts = Counter(c.text for n in ncfg.nodes[2:] for c in node_calls(n))
    new_labels = {n.label for n in ncfg.nodes if n.kind is NodeKind.LABEL}
    exits = [n for n in ocfg.nodes[2:] if n.line in fn.removed_lines
             and (n.kind is NodeKind.GOTO or n.kind is NodeKind.BREAK and _in_case_arm(ov, n.id))]
    out: list[DirectExit] = []
    for ret in ncfg.nodes[2:]:
        if ret.kind is not NodeKind.RETURN or ret.line not in fn.added_lines:
            continue
        # at the same place and in as many loops (not a loop the patch rewrites)
        old = next((g for g in exits if g.loop_depth == ret.loop_depth and _exit_matches(g, ret, fn, facts)), None)
        if old is None or old.kind is NodeKind.BREAK and not _carried_result(ov, old.id, ret):
            continue
        exits.remove(old)
        ran, hidden = _way_out(ov, old.id)
        calls = {c.text: c.display for n in ran for c in node_calls(n) if _plain_call(c.name, kb)}
        if any(c.name in kb.ops for n in ran for c in node_calls(n)):
            continue  # a known release on the way: the path walks judge it
        if not hidden and (not calls or any(new_texts[c] == 0 for c in calls)):
            continue  # nothing skipped, or the patch moves that code
        if old.kind is NodeKind.GOTO and not hidden and old.label not in new_labels:
            continue  # the label goes with the patch
        own = {c.text for n in (ret, *_arm_back(nv, ret.id)) for c in node_calls(n) if _plain_call(c.name, kb)}
        if own - {c.text for n in _arm_back(ov, old.id) for c in node_calls(n)}:
            continue  # the arm now does its cleanup itself
        text = f"goto {old.label};" if old.kind is NodeKind.GOTO else "break;"
        out.append(DirectExit(ret.line, old.line, text, old.label or "", tuple(calls.values())))
    return out


def _changes_ops(cfg: Cfg, changed: Collection[int], kb: KnowledgeBase) -> bool:
    """A changed line of the side calls a known operation (a lock the
    patch moves below the test, a put it adds)."""
    return any(c.name in kb.ops for n in cfg.nodes[2:] if n.line in changed for c in node_calls(n))


def _plain_call(name: str, kb: KnowledgeBase) -> bool:
    return name not in kb.scope_neutral and name not in kb.ops


def _exit_matches(old: CfgNode, ret: CfgNode, fn: ChangedFunction, facts: FileFacts | None) -> bool:
    """The old exit stands where the new return does: after the same last
    shared line in a patch; in two versions given whole, after the same
    statement or test (the nearest one both sides have, by text)."""
    if facts is not None:
        return _same_place(old.line, ret.line, facts)
    assert fn.old is not None and fn.new is not None
    return _anchor(fn.old, old.id, fn.new) == _anchor(fn.new, ret.id, fn.old)


def _anchor(view: FunctionView, nid: int, other: FunctionView) -> tuple[str, int] | None:
    """The nearest node on the straight way back from ``nid`` whose text
    the other side also has: its text and how many nodes of that text come
    before it."""
    assert view.cfg is not None and other.cfg is not None
    texts = {n.text for n in other.cfg.nodes[2:]}
    for node in _way_back(view, nid):
        if node.text in texts:
            return node.text, sum(1 for n in view.cfg.nodes[2:] if n.text == node.text and n.line < node.line)
    return None


def _in_case_arm(view: FunctionView, nid: int) -> bool:
    """The break ends an arm of a switch: a case label is on its straight
    way back (a break out of a loop leaves for the loop's work that
    follows, no common exit)."""
    return any(n.kind is NodeKind.LABEL and n.text.startswith(("case ", "default")) for n in _way_back(view, nid))


def _carried_result(view: FunctionView, nid: int, ret: CfgNode) -> bool:
    """The arm the break ends set the value the new return returns
    (``ret = IIO_VAL_INT; break;`` for ``return IIO_VAL_INT;``): the code
    after the switch was the arm's way out with its result, not more work
    (a ``default: break;`` made ``return -EINVAL;`` skips the work on
    purpose)."""
    value = parse_statement(ret.text).returns
    if not value:
        return False
    value = normalise_text(value)
    return any(normalise_text(rv) == value or normalise_text(lv) == value
               for n in _arm_back(view, nid) for lv, rv in parse_statement(n.text).assigned)


def _arm_back(view: FunctionView, nid: int) -> Iterator[CfgNode]:
    """The statements on the way back from ``nid`` up to the test whose arm it is in."""
    for node in _way_back(view, nid):
        if node.kind is not NodeKind.STATEMENT:
            return
        yield node


def _way_out(view: FunctionView, start: int) -> tuple[list[CfgNode], bool]:
    """The nodes the paths from the exit ``start`` run, in the lines shown,
    until they return; and whether the exit itself lands on lines not
    shown (a goto to a label the hunks leave out, a break out of a switch
    whose end is below them): then what it ran is not known at all."""
    cfg = view.cfg
    assert cfg is not None
    graph = graph_of(cfg)
    window = view.window
    if window is not None and any(
            e.dst == Cfg.EXIT or e.kind is not EdgeKind.JUMP and window.gap_between(cfg.nodes[start].line, cfg.nodes[e.dst].line)
            for e in graph.successors(start)):
        return [], True
    ran: list[CfgNode] = []
    seen = {start}
    work = [start]
    while work:
        nid = work.pop()
        node = cfg.nodes[nid]
        if nid != start:
            ran.append(node)
        if node.kind is NodeKind.RETURN:
            continue
        for e in graph.successors(nid):
            if e.kind is EdgeKind.BACK or e.dst == Cfg.EXIT:
                continue
            if window is not None and e.kind is not EdgeKind.JUMP and window.gap_between(node.line, cfg.nodes[e.dst].line):
                continue
            if e.dst not in seen and len(seen) < _AHEAD:
                seen.add(e.dst)
                work.append(e.dst)
    return ran, False


def find_window_issues(fn: ChangedFunction, old: Flow | None, new: Flow | None, facts: FileFacts | None,
                       kb: KnowledgeBase) -> list[WindowIssue]:
    """What the hunks prove about ``fn``.

    What the patch did to a line (a release removed, a goto retargeted or
    made a return, a release made twice) is proven whether the function is
    known in part or whole (from a tree). The paths that leak without such
    a change are the whole-function rules' to judge where they see the
    whole function, against its old side; so are functions the patch adds
    or removes whole. A managed form turned back into a plain one is
    judged from the patch wherever it is.
    """
    if facts is None:
        return []
    views = [v for v in (fn.old, fn.new) if v is not None]
    found: list[WindowIssue] = list(_managed_dropped(fn, facts, kb))
    if views and fn.old is not None and fn.new is not None:
        returns = list(_goto_to_return(fn, new, facts, kb))
        # the label's release that the returns skip: the exits say where
        # it is missed, a note on where the removed line was says less
        skipped = {issue.key for issue in returns}
        found += [*(i for i in _release_removed(fn, old, new, facts, kb) if not (i.note and i.key in skipped)),
                  *_goto_retargeted(fn, facts, kb), *returns, *_released_twice(old, new, facts, kb),
                  *_release_moved_into_arm(fn, new, facts, kb), *_release_moved_below_exit(fn, facts, kb),
                  *_release_before_get(fn, facts, kb),
                  *_action_removed(fn, facts, kb)]
        if not all(v.window is None for v in views):
            # known whole, a path's leak is the whole-function walk's to
            # judge against the old side; what the patch did to a line is
            # proven either way
            found += [*_new_exit_skips(fn, new, facts, kb), *_left_held(fn, old, new, facts, kb)]
        else:
            # an acquire the patch changed, whose error return now leaves
            # it held (`pm_runtime_resume_and_get()` made
            # `pm_runtime_get_sync()`): a change to a line
            found += [i for i in _left_held(fn, old, new, facts, kb, changed_acquire=True) if i.error_exit]
    out: list[WindowIssue] = []
    seen: set[tuple[ResourceKey, int]] = set()
    for issue in found:
        if (issue.key, issue.line) in seen:
            continue
        seen.add((issue.key, issue.line))
        out.append(issue)
    return out


def window_reports(issues: list[WindowIssue], *, locks: bool, error_exits: bool | None = None,
                   taken: Collection[int | None] | None = None) -> Iterator[Report]:
    """The issues of one rule as reports: locks or the rest, and for the
    rest error exits or not (None: both). ``taken``: lines the rule
    already reported by the whole-function walk.

    A return the lines show makes a finding of the rule's severity; a path
    that only runs out of the lines shown makes a warning of low confidence;
    a release removed from a path that is no error path (a remove callback,
    a success return) is a note: patches drop such releases on purpose as
    often as by mistake.
    """
    for issue in issues:
        if issue.key.is_lock != locks or (taken and issue.line in taken):
            continue
        if not locks and error_exits is not None and issue.error_exit != error_exits:
            continue
        severity = Severity.INFO if issue.note else None if issue.definite else Severity.WARNING
        yield Report(
            issue.line,
            issue.message,
            issue.suggestion,
            "what a path takes it must give back on that path, or hand on",
            Confidence.MEDIUM if issue.definite else Confidence.LOW,
            severity=severity,
        )
