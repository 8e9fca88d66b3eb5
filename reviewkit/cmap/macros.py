"""What kernel-style macro calls followed by a block mean.

Data, not logic: the CFG builder asks :func:`macro_block_kind` whether
``name(args) { ... }`` (or ``name(args) stmt;``) is a loop or a plain scope.

Loops are recognised by shape, not by a list of names: any macro whose name
contains ``for_each`` (``list_for_each_entry``, ``for_each_child_of_node``,
``xa_for_each``, ``hash_for_each_possible``), and any other call that is
directly followed by a block, since in kernel C a ``name(args) {`` with no
``;`` is an iterator macro (mm/*.c, drivers/pwm/*.c). The exceptions are
macros whose block runs once: cleanup.h scopes, listed here.
"""

from __future__ import annotations

import enum
import re


class MacroBlock(enum.Enum):
    LOOP = "loop"  # the block may run any number of times
    SCOPE = "scope"  # the block runs once (a scope with a guard)


# cleanup.h (include/linux/cleanup.h): `scoped_guard(mutex, &lock) { ... }`
# runs its block once with the lock held; not a loop.
SCOPE_MACROS: frozenset[str] = frozenset({"scoped_guard", "scoped_cond_guard"})

# Names that make a call statement a loop even without a block after it
# (`for_each_online_cpu(cpu)\n\tfoo(cpu);`).
_LOOP_NAME = re.compile(r"(^|_)for_each(_|$)|^for_each|_for_each")

# cleanup.h helpers whose presence means the file already uses scope-based
# cleanup, so suggesting guard() fits its style.
CLEANUP_MARKERS = re.compile(r"\b(?:guard|scoped_guard|scoped_cond_guard|__free|no_free_ptr|return_ptr)\s*\(")


def is_loop_name(name: str) -> bool:
    """True for iterator-macro names (``list_for_each_entry``, ``for_each_cpu``)."""
    return bool(_LOOP_NAME.search(name))


def macro_block_kind(name: str) -> MacroBlock:
    """What ``name(args) { ... }`` is: a SCOPE for cleanup.h scope macros,
    else a LOOP."""
    if name in SCOPE_MACROS:
        return MacroBlock.SCOPE
    return MacroBlock.LOOP
