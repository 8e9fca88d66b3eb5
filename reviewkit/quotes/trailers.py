"""Trailers: ``Reviewed-by: Name <email>`` lines, found and parsed.

The one grammar of trailers: the quotes stage splits bodies with it, and
the format rules (RK503, RK504) read commit messages with it.
"""

from __future__ import annotations

import functools
import re
from email.utils import parseaddr
from typing import Iterable

from reviewkit.model import Block, BlockKind, Message, Trailer
from reviewkit.quotes.prefix import parse_quote_prefix

# The keys the kernel's submitting-patches documents, in their canonical
# spelling. Any other "<Something>-by:" key is a trailer too.
KNOWN_KEYS: tuple[str, ...] = (
    "Reviewed-by",
    "Acked-by",
    "Tested-by",
    "Signed-off-by",
    "Reported-by",
    "Suggested-by",
    "Co-developed-by",
    "Reported-and-tested-by",
    "Fixes",
    "Link",
    "Closes",
    "Cc",
)
_CANONICAL = {k.lower(): k for k in KNOWN_KEYS}

# Keys whose value is a person; the others (Fixes, Link, Closes) hold a
# reference kept whole in ``Trailer.name``.
_REFERENCE_KEYS = frozenset({"fixes", "link", "closes"})

_TRAILER = re.compile(
    r"^(?P<key>[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-by|fixes|link|closes|cc)"
    r"\s*:\s*(?P<value>\S.*)$",  # on a stripped line: a lazy value before "\s*$" rescanned inner blanks
    re.IGNORECASE,
)


_VALUE_SHAPE = {
    "Fixes": re.compile(r"^[0-9a-fA-F]{7,40}\b"),
    "Link": re.compile(r"^<?[a-z][a-z0-9+.-]*://", re.IGNORECASE),
    "Closes": re.compile(r"^<?[a-z][a-z0-9+.-]*://|@", re.IGNORECASE),
    "Cc": re.compile(r"@"),
}


def canonical_key(key: str) -> str:
    """``reviewed-BY`` -> ``Reviewed-by``; unknown ``*-by`` keys get the same casing."""
    low = key.lower()
    return _CANONICAL.get(low, low[:1].upper() + low[1:])


def parse_trailer_line(text: str) -> tuple[str, str] | None:
    """Split ``Key: value`` when it is a trailer.

    Args:
        text: a line without quote markers.

    Returns:
        ``(canonical key, value)``, or None when the line is not a trailer.
    """
    m = _TRAILER.match(text.strip())
    if not m:
        return None
    key, value = canonical_key(m.group("key")), m.group("value")
    # prose can open with these words ("Fixes: the problem is ..."): ask for
    # the value each trailer really carries
    check = _VALUE_SHAPE.get(key)
    if check is not None and not check.search(value):
        return None
    return key, value


def is_trailer_line(text: str) -> bool:
    """True when ``text`` (no quote markers) is a trailer line."""
    return parse_trailer_line(text) is not None


# Any "Token: value" line joins a trailer run that holds a known trailer, as
# git interpret-trailers has it ("Change-Id: I..." after Signed-off-by in
# linux-pwm patches).
_TOKEN_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*: \S")


def find_trailer_run(lines: list[str], start: int, end: int) -> tuple[int, int] | None:
    """The trailer run at the end of ``lines[start:end]`` (blank lines after it allowed).

    ``[name: note]`` lines between trailers belong to the run (kernel
    maintainers annotate that way), but the run starts on a trailer.

    Returns:
        ``(first, last + 1)`` of the run, or None.
    """
    j = end
    while j > start and not lines[j - 1].strip():
        j -= 1
    run_end = j
    k = j
    while k > start:
        text = lines[k - 1]
        if (
            is_trailer_line(text)
            or _TOKEN_LINE.match(text)
            or re.match(r"^\[[^\]]*\]\s*$", text.strip())
        ):
            k -= 1
            continue
        break
    while k < run_end and not is_trailer_line(lines[k]):
        k += 1
    if k >= run_end:
        return None
    return k, run_end


def find_trailer_lines(lines: list[str]) -> frozenset[int]:
    """The trailer lines of a commit message: the run that ends it and any
    other trailer line (a ``Link:`` above the description's last paragraph).

    Returns:
        0-based indexes into ``lines``; empty when there is no trailer.
    """
    run = find_trailer_run(lines, 0, len(lines))
    inside = range(*run) if run is not None else range(0)
    return frozenset(i for i, line in enumerate(lines) if i in inside or is_trailer_line(line))


# The same trailer lines come back in every patch of a series and every
# reply that quotes them (508 calls for 27 values over
# tests/data/corpus/threads/lru-lock-v16.mbox); parseaddr is slow.
@functools.lru_cache(maxsize=4096)
def parse_person(value: str) -> tuple[str, str]:
    """Name and address from ``Name <a@b>``, ``a@b``, ``a@b (Name)``.

    A ``# comment`` after the address (``stable@vger.kernel.org # 5.4+``)
    is dropped.

    Returns:
        ``(name, email)``; either may be "" when absent.
    """
    value = re.sub(r"(?<!\s)\s+#.*$", "", value).strip()
    name, addr = parseaddr(value)
    if not addr or "@" not in addr:
        # parseaddr gives up on some obfuscated forms: keep the text as the name
        m = re.search(r"<([^<>]*)>", value)
        if m:
            return value[: m.start()].strip().strip('"').strip(), m.group(1).strip()
        return value.strip('"').strip(), ""
    return name.strip().strip('"').strip(), addr.strip()


def build_trailer(key: str, value: str, *, msgid: str, quoted: bool) -> Trailer:
    if key.lower() in _REFERENCE_KEYS:
        return Trailer(key=key, name=value, email="", msgid=msgid, quoted=quoted)
    name, email = parse_person(value)
    return Trailer(key=key, name=name, email=email, msgid=msgid, quoted=quoted)


def find_trailers(message: Message, blocks: Iterable[Block]) -> tuple[Trailer, ...]:
    """Every trailer of a message, in body order.

    TRAILER blocks at depth 0 (the writer's own, or a patch's commit
    message trailers, which belong to the patch) give ``quoted=False``;
    trailers inside QUOTE blocks (somebody else's, e.g. a reviewer quoting
    the patch's ``Signed-off-by``) give ``quoted=True``.

    Args:
        message: the message the blocks came from (its msgid is recorded).
        blocks: ``split_blocks(message)``.

    Returns:
        The trailers; an empty tuple when there are none.
    """
    found: list[Trailer] = []
    for block in blocks:
        if block.kind is BlockKind.TRAILER:
            for line in block.lines:
                parsed = parse_trailer_line(line)
                if parsed:
                    found.append(build_trailer(*parsed, msgid=message.msgid, quoted=False))
        elif block.kind is BlockKind.QUOTE:
            for line in block.lines:
                parsed = parse_trailer_line(parse_quote_prefix(line)[1])
                if parsed:
                    found.append(build_trailer(*parsed, msgid=message.msgid, quoted=True))
    return tuple(found)
