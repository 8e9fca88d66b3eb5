"""The path walks one run of the rules shares, each made once, on first use.

The engine makes a :class:`PatchFlows` for each run (one code map, one
knowledge base) and hands every per-function rule that asks for ``flow`` the
:class:`FunctionFlows` of its function: several rules read the same walk of
the same side, and a rule that inlines a callee reads that callee's walk
from the same run.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from reviewkit.model import ChangedFunction, CodeMap, FunctionStatus, FunctionView, Patch, Side
from reviewkit.rules.dataflow import Flow, NotAnalysed, explore
from reviewkit.rules.knowledge import KnowledgeBase
from reviewkit.rules.window import FileFacts, WindowIssue, find_file_facts, find_window_issues

T = TypeVar("T")


class FunctionFlows:
    """The walks of one changed function's old and new side.

    Reading a side walks it the first time; None when that side has no CFG.

    Raises (reading ``old``, ``new`` or :meth:`side`):
        NotAnalysed: that side has more path states than the walk allows.
    """

    def __init__(self, fn: ChangedFunction, run: PatchFlows) -> None:
        self.fn = fn
        self.run = run
        self._walks: dict[Side, Flow | NotAnalysed | None] = {}
        self._window: list[WindowIssue] | None = None

    @property
    def window(self) -> list[WindowIssue]:
        """What the hunks prove about this function where a side of it is
        known only in part (:mod:`reviewkit.rules.window`), found once.

        Raises:
            NotAnalysed: a side has more path states than the walk allows.
        """
        if self._window is None:
            facts = self.run.file_facts(self.fn.file)
            self._window = find_window_issues(self.fn, self.old, self.new, facts, self.run.kb)
        return self._window

    @property
    def old(self) -> Flow | None:
        return self.side(Side.OLD)

    @property
    def new(self) -> Flow | None:
        return self.side(Side.NEW)

    def view(self, side: Side) -> FunctionView | None:
        return self.fn.old if side is Side.OLD else self.fn.new

    def side(self, side: Side) -> Flow | None:
        if side not in self._walks:
            view = self.view(side)
            try:
                self._walks[side] = (
                    explore(view.cfg, self.run.kb, window=view.window) if view is not None and view.cfg is not None else None
                )
            except NotAnalysed as err:
                self._walks[side] = err
        walk = self._walks[side]
        if isinstance(walk, NotAnalysed):
            raise NotAnalysed(*walk.args)
        return walk

    def walked(self, side: Side) -> Flow | None:
        """:meth:`side`, or None also where that side has more path states
        than the walk allows: for the tables several functions feed, to
        which a function too large to walk adds nothing."""
        try:
            return self.side(side)
        except NotAnalysed:
            return None


class PatchFlows:
    """Every changed function's walks for one run over a code map, and the
    tables several rules read off the whole code map (computed once)."""

    def __init__(self, codemap: CodeMap | None, kb: KnowledgeBase, patch: Patch | None = None) -> None:
        # a cover letter has no code map: no function to walk
        self.codemap = codemap
        self.kb = kb
        self.patch = patch
        self._facts: dict[str, FileFacts | None] = {}
        self.functions = tuple(FunctionFlows(cf, self) for cf in (codemap.functions if codemap is not None else ()))
        self._named: dict[tuple[Side, bool], dict[str, FunctionFlows]] = {}
        self._shared: dict[tuple[Callable, Side], object] = {}

    def named(self, side: Side, *, changed: bool = False) -> dict[str, FunctionFlows]:
        """The functions of the code map by name (a later one of the same
        name wins: ``#ifdef`` arms define a name twice). With ``changed``,
        only those the patch removes or changes that have a CFG on ``side``:
        the callees that the lock rules inline one level into their callers."""
        key = (side, changed)
        if key not in self._named:
            out: dict[str, FunctionFlows] = {}
            for ff in self.functions:
                if changed:
                    view = ff.view(side)
                    if ff.fn.status not in (FunctionStatus.REMOVED, FunctionStatus.CHANGED) or view is None or view.cfg is None:
                        continue
                out[ff.fn.name] = ff
            self._named[key] = out
        return self._named[key]

    def file_facts(self, path: str) -> FileFacts | None:
        """What the patch does to the file ``path`` (line map, conversions),
        found once per run on first ask: only the files of the functions the
        rules read (not a patch's documentation, say); None for a file the
        patch does not touch."""
        if path not in self._facts:
            diffs = [fd for fd in self.patch.files if fd.path == path] if self.patch is not None else []
            # a file named twice: its later diff
            self._facts[path] = find_file_facts(diffs[-1], self.kb) if diffs else None
        return self._facts[path]

    def shared(self, compute: Callable[[CodeMap, KnowledgeBase, Side], T], side: Side) -> T:
        """``compute(codemap, kb, side)``, computed once per run: a table of
        the whole code map that every function's rule reads (the callbacks
        that run in atomic context, the device-managed resources)."""
        key = (compute, side)
        if key not in self._shared:
            assert self.codemap is not None  # only a function's rule asks, and functions come from a code map
            self._shared[key] = compute(self.codemap, self.kb, side)
        return self._shared[key]  # type: ignore[return-value]

    def shared_walks(self, compute: Callable[[PatchFlows, Side], T], side: Side) -> T:
        """``compute(self, side)``, computed once per run: a table read off
        the walks of several functions (the locks that interrupt handlers
        take), made from this run's walks."""
        key = (compute, side)
        if key not in self._shared:
            self._shared[key] = compute(self, side)
        return self._shared[key]  # type: ignore[return-value]
