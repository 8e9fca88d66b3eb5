"""Resource keys: how a lock or a reference is named.

A lock or reference is named by its argument with ``&``, casts, spaces and
redundant parentheses removed (``&pgdat->lru_lock`` -> ``pgdat->lru_lock``),
plus the knowledge entry's family. The same key on the old and the new side
is the same resource.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

_SPACE = re.compile(r"\s+")
# A cast at the front: (struct page *), (void *), (const char *) ...
_CAST = re.compile(r"^\((?:(?:const|volatile|struct|union|enum|unsigned|signed)\s+)*[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)*\s*\**\s*\)(?=\s*[A-Za-z_(&*])")
_PUNCT_SPACE = re.compile(r"\s*(->|[()\[\],.;*&!=<>+\-/%|^~?:{}])\s*")


class ResourceKey(NamedTuple):
    """A lock or reference: its family (``spinlock``, ``page``, ``irq``) and
    the normalised expression that names it ("" for per-CPU states such as
    irqs off)."""

    family: str
    name: str
    is_lock: bool = True

    def __str__(self) -> str:
        return self.name or self.family


def _balanced_outer(text: str) -> bool:
    """True when ``text`` is ``( ... )`` with the outer pair matching."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return depth == 0


# Both are pure and called over and over on the same few texts (2,993 calls
# for 668 texts over tests/data/corpus/threads/lru-lock-v16.mbox).
@functools.lru_cache(maxsize=16384)
def normalise_text(text: str) -> str:
    """Collapse whitespace and drop spaces around punctuation, so that
    ``foo( a,b )`` and ``foo(a, b)`` compare equal.

    >>> normalise_text("spin_lock_irq( &pgdat -> lru_lock )")
    'spin_lock_irq(&pgdat->lru_lock)'
    """
    text = _SPACE.sub(" ", text.strip())
    text = _PUNCT_SPACE.sub(r"\1", text)
    return text.rstrip(";").strip()


@functools.lru_cache(maxsize=16384)
def normalise_key(text: str) -> str:
    """The resource name of an argument expression.

    >>> normalise_key("&pgdat->lru_lock")
    'pgdat->lru_lock'
    >>> normalise_key("&(zone->zone_pgdat->lru_lock)")
    'zone->zone_pgdat->lru_lock'
    >>> normalise_key("(struct page *) page")
    'page'
    """
    text = normalise_text(text)
    while True:
        before = text
        if text.startswith("&"):
            text = text[1:]
        m = _CAST.match(text)
        if m and len(m.group(0)) < len(text):
            text = text[m.end():].lstrip()
        if _balanced_outer(text):
            text = text[1:-1].strip()
        if text == before:
            return text


def mentions(expr: str, key: str) -> bool:
    """True when ``key`` occurs in ``expr`` as a whole expression part."""
    if not key:
        return False
    # a scan, not a regex per key: each key compiled its own pattern
    # (dozens over lru-lock-v16.mbox). ``\w`` is ``isalnum()`` or "_".
    at = expr.find(key)
    while at >= 0:
        before = expr[at - 1] if at else ""
        after = expr[at + len(key) : at + len(key) + 1]
        if not (before and (before.isalnum() or before in "_.>")) and not (after and (after.isalnum() or after == "_")):
            return True
        at = expr.find(key, at + 1)
    return False


def base_of(name: str) -> str:
    """The object a key hangs off: ``obj`` for ``obj->ref``."""
    return re.split(r"->|\.|\[", name, maxsplit=1)[0]


# a path of members below an object: "->lock", ".dev.mutex"
MEMBER_PATH = re.compile(r"(?:(?:->|\.)[A-Za-z_]\w*)+")
_OBJECT = re.compile(r"[A-Za-z_]\w*" + f"(?:{MEMBER_PATH.pattern})?")


def member_through(expr: str, member: str) -> str:
    """``member`` (``->lock``) of what ``expr`` names: of the object
    itself when ``expr`` takes its address (``&st->adis`` gives
    ``st->adis.lock``), else through the pointer (``st`` gives
    ``st->lock``).

    >>> member_through("&->adis", "->state_lock")
    '->adis.state_lock'
    """
    if expr.startswith("&"):
        return expr[1:] + ("." + member[2:] if member.startswith("->") else member)
    return expr + member


def lock_of_argument(arg: str, member: str) -> str | None:
    """The lock ``member`` of the object an argument names, as a key:
    ``lock_of_argument("&st->adis", "->state_lock")`` is
    ``st->adis.state_lock``; None for an argument that is no plain object
    expression (a call, arithmetic).

    >>> lock_of_argument("st", "->lock")
    'st->lock'
    >>> lock_of_argument("&st->adis", "->state_lock")
    'st->adis.state_lock'
    """
    text = normalise_text(arg)
    obj = normalise_key(text)
    if not _OBJECT.fullmatch(obj):
        return None
    return member_through(("&" if text.startswith("&") else "") + obj, member)


def variant_names(name: str, other: str) -> bool:
    """Whether two function names read as variants of one operation, by
    the kernel's naming habit: one holds the other (``__adis_write_reg``
    and ``adis_write_reg``, ``spidev_sync_unlocked`` and ``spidev_sync``).

    >>> variant_names("adis_write_reg", "__adis_write_reg")
    True
    >>> variant_names("vring_create_virtqueue_packed", "list_add_tail")
    False
    """
    return name != other and (name in other or other in name)
