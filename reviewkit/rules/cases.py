"""Build changed functions from two C texts (an old and a new version), for
rule cases, rule documentation examples and ad-hoc checks.

Both texts are parsed whole; every function defined on either side
becomes a ChangedFunction (added, removed, or changed when its text
differs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewkit.model import (
    ChangedFunction,
    CodeMap,
    Function,
    FunctionStatus,
    FunctionView,
    ScopeKind,
    Side,
)

EXAMPLE_LINE = re.compile(r"^\s*(Okay|RK[0-9]{3}):\s*(.*)$")
# `... irqreturn_t g(...) { ... }` under an example: more of its new side,
# on a line of its own (a second function the first one's verdict needs)
CONTINUATION = re.compile(r"^\s*\.\.\.\s+(.*)$")
SIDE_SEPARATOR = "==>"


def _views(text: str, side: Side, file: str) -> dict[str, FunctionView]:
    from reviewkit.cmap.cfg import build_cfgs_from_source
    from reviewkit.cmap.functions import find_scopes
    from reviewkit.cmap.parse import parse_c

    out: dict[str, FunctionView] = {}
    if not text.strip():
        return out
    lines = text.splitlines()
    # braced struct initializers (`static const struct irq_chip c = {`):
    # the rules read the callbacks they name, as in a patch's code map
    data = text.encode("utf-8", "replace")
    for sc in find_scopes(parse_c(data), data, file=file, side=side):
        if sc.kind is ScopeKind.STRUCT and not sc.name.startswith(("struct ", "union ", "enum ")):
            out[sc.name] = FunctionView(sc, "\n".join(lines[sc.start - 1 : sc.end]), None)
    cfgs = build_cfgs_from_source(text, side=side, file=file)
    for name, cfg in cfgs.items():
        start = cfg.nodes[0].line
        end = max((n.line for n in cfg.nodes), default=start)
        # the function's text: from its first line to the line of its closing brace
        depth, stop = 0, len(lines)
        for i in range(start - 1, len(lines)):
            depth += lines[i].count("{") - lines[i].count("}")
            if "{" in "".join(lines[start - 1 : i + 1]) and depth <= 0:
                stop = i + 1
                break
        end = max(end, stop)
        source = "\n".join(lines[start - 1 : end])
        fn = Function(name, file, side, start, end)
        out[name] = FunctionView(fn, source, cfg)
    return out


def build_codemap(old_text: str, new_text: str, *, file: str = "case.c", uses_cleanup: bool | None = None) -> CodeMap:
    """A CodeMap of every function of two versions of one file."""
    old = _views(old_text, Side.OLD, file)
    new = _views(new_text, Side.NEW, file)
    if uses_cleanup is None:
        uses_cleanup = re.search(r"\b(guard|scoped_guard|__free)\s*\(", new_text) is not None
    functions = []
    for name in sorted(set(old) | set(new), key=lambda n: (new.get(n) or old[n]).function.start):
        o, n = old.get(name), new.get(name)
        if o is None:
            status = FunctionStatus.ADDED
        elif n is None:
            status = FunctionStatus.REMOVED
        else:
            status = FunctionStatus.UNCHANGED if o.source == n.source else FunctionStatus.CHANGED
        added = frozenset(range(n.function.start, n.function.end + 1)) if n and status is not FunctionStatus.UNCHANGED else frozenset()
        removed = frozenset(range(o.function.start, o.function.end + 1)) if o and status is not FunctionStatus.UNCHANGED else frozenset()
        functions.append(ChangedFunction(name, file, status, o, n, added, removed, uses_cleanup))
    return CodeMap(patch_msgid="", functions=tuple(functions), exact=True)


@dataclass(frozen=True)
class Example:
    """One ``Okay:`` / ``RKnnn:`` line of a rule's documentation."""

    expect: str  # "Okay" or the rule id that must fire
    old: str  # "" when the function is new
    new: str


def parse_examples(doc: str) -> list[Example]:
    """The example lines of a docstring. ``OLD ==> NEW`` gives both sides;
    a line without ``==>`` is a new function; a line ``... CODE`` right
    after an example adds CODE to its new side on the next line."""
    out: list[Example] = []
    last = False
    for line in doc.splitlines():
        more = CONTINUATION.match(line)
        if more and last:
            out[-1] = Example(out[-1].expect, out[-1].old, out[-1].new + "\n" + more.group(1).strip())
            continue
        m = EXAMPLE_LINE.match(line)
        last = m is not None
        if not m:
            continue
        body = m.group(2)
        if SIDE_SEPARATOR in body:
            old, new = body.split(SIDE_SEPARATOR, 1)
        else:
            old, new = "", body
        out.append(Example(m.group(1), old.strip(), new.strip()))
    return out
