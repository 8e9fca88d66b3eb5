"""Which definition a call by name reaches, as C and the tree's layout say.

One owner for the build (the call graph) and the loader (a patch's
calls): a call from file F to ``name`` reaches

1. the definitions of ``name`` local to F (a static function or a macro of
   a ``.c`` file), if any;
2. else the definitions seen from everywhere (functions of ``.c`` files
   that are not static, and everything in headers), narrowed by where F is:
   F under ``arch/A/`` sees those of ``arch/A/`` and those outside
   ``arch/``; F elsewhere sees those outside ``arch/`` when there are some,
   else those of every architecture; and when some of them sit in F's own
   directory (a driver's private header), those only.

A fact holds for the call only when every candidate with a body that does
something (not a stub ``{ return 0; }`` of a configuration that is off)
has it: two static inline helpers of the same name in two drivers' headers,
or an architecture's variant that differs, give no fact (precision first).
"""

from __future__ import annotations

import posixpath
from typing import Callable, Iterable, NamedTuple, Sequence, TypeVar


class Definition(NamedTuple):
    """Where a name is defined, as resolution needs it."""

    file: str
    local: bool  # seen in its own file only
    stub: bool  # its body calls nothing


def arch_of(path: str) -> str:
    """``arch/x86`` for a path under arch/x86/, else ""."""
    if path.startswith("arch/"):
        parts = path.split("/", 2)
        if len(parts) == 3:
            return "arch/" + parts[1]
    return ""


def candidates(defs: Sequence[Definition], file: str | None) -> list[int]:
    """The indexes of the definitions among ``defs`` (all of one name) that
    a call from ``file`` reaches; ``file`` None: a caller outside arch/ with
    no definition of its own."""
    if file is not None:
        local = [i for i, d in enumerate(defs) if d.local and d.file == file]
        if local:
            return local
    seen = [i for i, d in enumerate(defs) if not d.local]
    if not seen:
        return []
    arch = arch_of(file) if file is not None else ""
    if arch:
        seen = [i for i in seen if arch_of(defs[i].file) in ("", arch)]
    else:
        generic = [i for i in seen if not arch_of(defs[i].file)]
        seen = generic or seen
    if file is not None and len(seen) > 1:
        here = posixpath.dirname(file)
        near = [i for i in seen if posixpath.dirname(defs[i].file) == here]
        if near:
            return near
    return seen


T = TypeVar("T")
F = TypeVar("F")


def agreed(items: Iterable[T], stub: Callable[[T], bool], fact: Callable[[T], F | None]) -> tuple[T, F] | None:
    """The fact every item that is not a stub has (compared with ==), with
    the first such item; None when one lacks it, two differ, or all are
    stubs."""
    first: tuple[T, F] | None = None
    for d in items:
        if stub(d):
            continue
        f = fact(d)
        if f is None:
            return None
        if first is None:
            first = (d, f)
        elif first[1] != f:
            return None
    return first
