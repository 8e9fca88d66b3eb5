"""The rule registry: each rule is a plain function registered with an id.

A rule's parameters say what it reads; the engine supplies them by name:

    fn: ChangedFunction   one changed function, both sides (run per function)
    flow: FunctionFlows   the path walks of ``fn``'s sides, made once per run
                          and shared by the rules (with ``fn`` only)
    patch: Patch | None   the whole patch (run once per mail); None for a
                          cover letter
    codemap: CodeMap | None   the code map of the patch; None for a cover letter
    message: Message | None   the mail: the patch mail or the cover letter;
                          None for a patch without a mail of its own (rebuilt
                          from a reply's quote)
    series: tuple[Posting, ...]   the mails of the same series in the input
                          (the mail itself included); () when unknown
    cover: Message | None the series' cover letter, when the input holds it
    kb: KnowledgeBase     acquire/release pairs and the rest of the knowledge
    config: Config        the user's settings

and it yields :class:`Report` records: what it found, where, why it matters
and what to do. The engine turns each into a :class:`~reviewkit.model.Finding`,
adding the rule's id, category and severity from this registry (and, for a
per-function rule, the function's file and name). Its docstring is its
documentation, in the sections *What it flags / Why it matters / Example /
Suggested change / Knowledge used / Limits*.
"""

from __future__ import annotations

import inspect
import re
from typing import Callable, Iterator, NamedTuple

from reviewkit.model import CATEGORIES, Confidence, Severity

RULE_ID = re.compile(r"^RK[0-9]{3}$")
PARAMETERS = frozenset({"fn", "flow", "patch", "codemap", "message", "series", "cover", "kb", "config"})


class Report(NamedTuple):
    """What a rule found, before the engine names the rule that found it.

    ``line`` is a new-side line (None: the subject, the diffstat). ``file``
    is for rules that run once per patch; a per-function rule's report is in
    its function's file. ``severity`` is the report's own where a rule rates
    some of its reports apart (RK501: a long summary line is a note, a
    missing [PATCH] tag an error); None means the rule's.
    """

    line: int | None
    message: str
    suggestion: str = ""
    rationale: str = ""  # why it matters
    confidence: Confidence = Confidence.HIGH
    file: str = ""
    severity: Severity | None = None


class Rule(NamedTuple):
    id: str
    name: str  # the function's name, e.g. "early_get"
    category: str
    severity: Severity
    func: Callable[..., Iterator]
    params: tuple[str, ...]
    # its findings on a whole mail are about the series: the same one on
    # several mails of a series is said once (RK505, a series' changelog)
    series: bool = False

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def summary(self) -> str:
        """The first line of the docstring."""
        return self.doc.splitlines()[0] if self.doc else ""


_RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, category: str, severity: Severity, series: bool = False) -> Callable:
    """Register a rule function under ``rule_id``.

    Raises:
        ValueError: the id is malformed or taken, the category is not in the
            design's vocabulary, a parameter is unknown, or the docstring is
            missing; the message names the function.
    """

    def register(func: Callable) -> Callable:
        where = f"{func.__module__}.{func.__qualname__}"
        if not RULE_ID.match(rule_id):
            raise ValueError(f"{where}: rule id {rule_id!r} does not match RKnnn")
        if rule_id in _RULES:
            raise ValueError(f"{where}: rule id {rule_id} already used by {_RULES[rule_id].name}")
        if category not in CATEGORIES:
            raise ValueError(f"{where}: category {category!r} is not one of {', '.join(CATEGORIES)}")
        params = tuple(inspect.signature(func).parameters)
        bad = set(params) - PARAMETERS
        if bad:
            raise ValueError(f"{where}: unknown parameter(s) {', '.join(sorted(bad))}")
        if "flow" in params and "fn" not in params:
            raise ValueError(f"{where}: a rule that reads a function's flow runs per function: it needs fn")
        if not func.__doc__:
            raise ValueError(f"{where}: a rule needs a docstring (its documentation)")
        _RULES[rule_id] = Rule(rule_id, func.__name__, category, severity, func, params, series)
        return func

    return register


def find_rule(rule_id: str) -> Rule:
    """The rule registered under ``rule_id``.

    Raises:
        KeyError: no rule has that id.
    """
    return _RULES[rule_id]


def all_rules() -> list[Rule]:
    """Every registered rule, by id. Importing ``reviewkit.rules`` registers them."""
    return [_RULES[k] for k in sorted(_RULES)]


def is_enabled(rule_id: str, *, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> bool:
    """Decide by the longest matching prefix of ``select`` and ``ignore``.

    Every rule runs by default; with ``select`` given, only selected ones.
    """
    best_sel = max((len(p) for p in select if rule_id.startswith(p)), default=-1)
    best_ign = max((len(p) for p in ignore if rule_id.startswith(p)), default=-1)
    if best_ign > best_sel:
        return False
    return best_sel >= 0 or not select
