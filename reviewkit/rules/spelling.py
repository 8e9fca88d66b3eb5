"""RK601: misspelled words in what a patch adds, from codespell's dictionary.

The words looked at are the ones a reader sees as prose: comments and
string literals of added source lines, added lines of documentation, and
the commit message. Identifiers (``snake_case``, ``CamelCase``, words with
digits), ALL-CAPS words (macros, acronyms), hex numbers, URLs and e-mail
addresses are never looked up.

``check`` runs on every ``git send-email``, so the dictionary (1.5 MB,
65,000 entries) is not parsed per run: the first run keeps a copy sorted
by key in the cache (:mod:`reviewkit.cache`), and later runs read those
bytes and binary-search only the words the patch holds (a few milliseconds
where building the dict takes ~35 ms).
"""

from __future__ import annotations

import enum
import functools
import re
import sys
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from reviewkit.cache import Entry
from reviewkit.config import Config
from reviewkit.model import Confidence, Message, Patch, Severity
from reviewkit.quotes.patchmail import find_cover_text
from reviewkit.quotes.trailers import find_trailer_lines
from reviewkit.rules.registry import Report, rule

# Shipped data files (package data; importlib.resources costs 8 ms to import)
DATA = Path(__file__).with_name("data")

# --------------------------------------------------------------------------
# the dictionary


def _codespell_dictionary() -> Path | None:
    """Path of codespell's main dictionary; None when codespell is absent.

    The package is found on ``sys.path``, not imported: ``import
    codespell_lib`` loads its whole command-line module (6 ms on every
    ``check``), ``importlib.util`` another 2 ms.
    """
    for entry in sys.path:
        path = Path(entry or ".") / "codespell_lib" / "data" / "dictionary.txt"
        if path.is_file():
            return path
    return None


def _sorted_entries(text: str) -> bytes:
    """The dictionary's lines as ``key->fixes`` with lower-case keys, sorted by key.

    The shipped file is sorted case-insensitively with a few exceptions
    ("achors" before "ACI"), so it is re-sorted rather than trusted.
    """
    entries: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, fixes = line.partition("->")
        if not sep:
            continue
        entries.setdefault(key.strip().lower(), fixes.strip())
    return "".join(f"{k}->{entries[k]}\n" for k in sorted(entries)).encode("utf-8")


@functools.cache
def _load_index() -> bytes:
    """The sorted dictionary bytes, from the cache when it holds them intact.

    Returns b"" when codespell is not installed (no word is then flagged).
    A cache entry that is missing or fails its checks is built again; one
    that cannot be written is no error.
    """
    path = _codespell_dictionary()
    if path is None:
        return b""
    # the entry follows the dictionary's path, size and mtime: a codespell
    # release that touches the dictionary, or another installation, is
    # another entry
    entry = Entry("codespell", path)
    data = entry.read()
    if data is None:
        data = _sorted_entries(path.read_text(encoding="utf-8"))
        entry.write(data)
    return data


def _bisect(index: bytes, key: bytes) -> bytes | None:
    """The fixes for ``key`` in the sorted ``key->fixes`` lines, else None."""
    lo, hi = 0, len(index)
    while lo < hi:
        mid = (lo + hi) // 2
        start = index.rfind(b"\n", lo, mid) + 1 or lo
        end = index.find(b"\n", start)
        if end < 0:
            end = len(index)
        k, _, fixes = index[start:end].partition(b"->")
        if k == key:
            return fixes
        if k < key:
            lo = end + 1
        else:
            hi = start
    return None


def find_corrections(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Look up lower-case ``words``; map each misspelling to its corrections.

    Words codespell does not list are absent from the result. Entries that
    carry a reason (``"clas->class, disabled because of name clash"``)
    keep only the corrections.
    """
    index = _load_index()
    out: dict[str, tuple[str, ...]] = {}
    if not index:
        return out
    if _LOOKED_UP[0] is not index:  # another index (a rebuilt cache): forget
        _LOOKED_UP[:] = [index, {}]
    seen: dict[str, tuple[str, ...] | None] = _LOOKED_UP[1]
    for word in words:
        if word not in seen:
            hit = _bisect(index, word.encode("utf-8"))
            seen[word] = None if hit is None else tuple(f.strip() for f in hit.decode("utf-8").split(",") if f.strip())
        fixes = seen[word]
        if fixes is not None:
            out[word] = fixes
    return out


# [index, {word: fixes or None}]: the words already looked up in that index.
# The patches of a series share most of their words (1,040 lookups of 504
# words over tests/data/corpus/threads/lru-lock-v16.mbox).
_LOOKED_UP: list = [None, {}]


@functools.cache
def _shipped_ignore() -> frozenset[str]:
    """Words of ``rules/data/spelling-ignore.txt`` (one per line, ``#`` comments)."""
    text = (DATA / "spelling-ignore.txt").read_text(encoding="utf-8")
    words = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(w for w in words if w)


# --------------------------------------------------------------------------
# what is prose


class Segment(enum.Enum):
    CODE = "code"
    COMMENT = "comment"
    STRING = "string"


class Prose(NamedTuple):
    """A piece of text on one line: ``file`` ("" for the commit message) and
    ``line`` (new-side line, or the commit message line, 1-based)."""

    file: str
    line: int | None
    text: str
    segment: Segment


C_LIKE = (".c", ".h", ".S", ".dts", ".dtsi", ".rs", ".cc", ".cpp", ".y", ".l", ".lds")
DOC_LIKE = (".rst", ".txt", ".md", ".tex")

_C_TOKEN = re.compile(r'/\*|\*/|//|"|\'')


def split_c_line(text: str, in_comment: bool) -> tuple[list[tuple[Segment, str]], bool]:
    """Split one line of C into code, comment and string pieces.

    Args:
        text: the line, without the diff marker.
        in_comment: a ``/*`` comment is open at the start of the line.

    Returns:
        The pieces in order and whether a ``/*`` comment is still open at
        the end of the line. Character literals (``'"'``) count as code.
    """
    pieces: list[tuple[Segment, str]] = []
    pos = 0
    n = len(text)
    while pos < n:
        if in_comment:
            end = text.find("*/", pos)
            if end < 0:
                pieces.append((Segment.COMMENT, text[pos:]))
                return pieces, True
            pieces.append((Segment.COMMENT, text[pos:end]))
            pos = end + 2
            in_comment = False
            continue
        m = _C_TOKEN.search(text, pos)
        if m is None:
            pieces.append((Segment.CODE, text[pos:]))
            break
        if m.start() > pos:
            pieces.append((Segment.CODE, text[pos:m.start()]))
        tok = m.group()
        if tok == "/*":
            in_comment = True
            pos = m.end()
        elif tok == "//":
            pieces.append((Segment.COMMENT, text[m.end():]))
            break
        elif tok == "*/":  # a close without an open we saw: the hunk began inside a comment
            pos = m.end()
        else:
            # a string or character literal: scan to the unescaped closing quote
            i = m.end()
            while i < n and text[i] != tok:
                i += 2 if text[i] == "\\" else 1
            body = text[m.end():min(i, n)]
            pieces.append((Segment.STRING if tok == '"' else Segment.CODE, body))
            pos = i + 1
    return pieces, in_comment


def _starts_inside_comment(text: str) -> bool:
    """A hunk whose first lines read `` * words`` or ``*/`` begins inside a
    block comment whose ``/*`` the hunk does not show (117_v16-16-22:
    the hunk at line 103 opens with `` * Isolate a page ...``)."""
    s = text.lstrip()
    return s == "*" or s.startswith("* ") or s.startswith("*/") or s.startswith("*\t")


def _kind_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name.endswith(C_LIKE):
        return "c"
    if name.endswith(DOC_LIKE) or path.startswith("Documentation/") and "." not in name:
        return "doc"
    if name.startswith("Kconfig"):
        return "kconfig"
    return "other"


def find_added_text(patch: Patch) -> Iterator[Prose]:
    """The added lines of ``patch`` split into code, comment and string pieces.

    C-like files are split with :func:`split_c_line` (context lines are read
    too, to know whether an added line sits inside a comment); added lines of
    documentation are prose whole; in Kconfig files the ``help`` text and
    ``#`` comments; in other files ``#`` comments. Binary files give nothing.
    """
    for fd in patch.files:
        path = fd.path
        kind = _kind_of(path)
        for hunk in fd.hunks:
            in_comment = False
            seen_code = False
            in_help = False
            for dl in hunk.lines:
                if dl.kind == "-":
                    continue
                text = dl.text.rstrip("\r\n")
                added = dl.kind == "+"
                if kind == "c":
                    if not seen_code and not in_comment and _starts_inside_comment(text):
                        in_comment = True
                    if text.strip():
                        seen_code = True
                    pieces, in_comment = split_c_line(text, in_comment)
                    if added:
                        for seg, piece in pieces:
                            if piece.strip():
                                yield Prose(path, dl.new_no, piece, seg)
                elif kind == "doc":
                    if added:
                        yield Prose(path, dl.new_no, text, Segment.COMMENT)
                else:
                    stripped = text.strip()
                    if kind == "kconfig":
                        if stripped in ("help", "---help---"):
                            in_help = True
                            continue
                        if in_help and text and not text[0].isspace():
                            in_help = False
                        if in_help and added:
                            yield Prose(path, dl.new_no, text, Segment.COMMENT)
                            continue
                    code, hash_, comment = text.partition("#")
                    if added:
                        if code.strip():
                            yield Prose(path, dl.new_no, code, Segment.CODE)
                        if hash_ and comment.strip():
                            yield Prose(path, dl.new_no, comment, Segment.COMMENT)


def find_commit_text(commit_message: str) -> Iterator[Prose]:
    """Commit message lines that are prose: not trailers (``Fixes:`` and
    ``Link:`` quote other commits and addresses), not an in-body ``From:``."""
    lines = commit_message.splitlines()
    trailers = find_trailer_lines(lines)
    for n, line in enumerate(lines, 1):
        if not line.strip() or n - 1 in trailers or line.startswith("From:"):
            continue
        yield Prose("", n, line, Segment.COMMENT)


# --------------------------------------------------------------------------
# words

# URLs, e-mail addresses, Message-IDs, paths and format directives are not
# prose; hex and numbers never match the word pattern below.
_NOT_PROSE = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://\S+"  # URLs
    r"|<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?"  # e-mail addresses, Message-IDs
    r"|\S*/\S+"  # paths: mm/mlock.c, include/linux/mm.h
    r"|%[-+ #0-9.*]*[A-Za-z]+"  # printf directives: %pOF, %lu
    r"|\\[A-Za-z]"  # escapes in strings: \n, \t
    r"|\w+\.(?:[chSs]|rst|txt|py|sh)\b"  # file names
    r"|\b0[xX][0-9a-fA-F]+\b"
    r"|\w+(?:->|\.|::)\w+(?:(?:->|\.|::)\w+)*",  # members: dev->parm, pdev.dev
)  # no IGNORECASE: with \w it makes this pattern take 6 ms to compile
# Hyphens and apostrophes stay inside a word, as codespell reads them:
# "cros-ec" and "mis-sampling" are one word each, not "cros" and "mis"
# (seen in linux-pwm postings of pwm-cros-ec.c and pwm-rp1.c).
_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:['\u2019-][A-Za-z0-9_]+)*")
# A run of 80 or more characters without a space is no prose (a URL, a hash,
# a pasted blob). It goes before _NOT_PROSE, whose unanchored alternatives
# rescan a run from every position in it: a 20,000-character word took 12 s
# (tests/data/fuzz-found/probes/min-06-redos-commit-message-long-word). The
# lookbehind starts a match only where a run starts, so this scan is linear.
_LONG_RUN = re.compile(r"(?<!\S)\S{80,}")
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")


def find_words(text: str) -> Iterator[tuple[str, str]]:
    """Yield ``(word, lower-case word)`` for each plain word of ``text``.

    Skipped: tokens with ``_`` or digits (identifiers, hex), CamelCase,
    ALL-CAPS, one-letter words, and anything inside a URL, an address, a
    path, or a run of 80 or more characters without a space.
    """
    text = _NOT_PROSE.sub(" ", _LONG_RUN.sub(" ", text))
    for m in _TOKEN.finditer(text):
        word = m.group()
        word = word.strip("-'\u2019")
        if len(word) < 2 or "_" in word or any(c.isdigit() for c in word):
            continue
        if word.isupper() or _CAMEL.search(word):
            continue
        # "call iput() on error": a word before "(" is a function name
        if text.startswith("(", m.end()):
            continue
        yield word, word.lower().replace("\u2019", "'")


class Misspelling(NamedTuple):
    word: str
    fixes: tuple[str, ...]
    where: Prose


def find_misspellings(pieces: Iterable[Prose], *, ignore: Iterable[str] = ()) -> list[Misspelling]:
    """The misspelled words of ``pieces``, in order, each place it occurs.

    Args:
        pieces: prose pieces (see :func:`find_added_text`, :func:`find_commit_text`).
        ignore: extra words (any case) never to flag, on top of the shipped
            ``spelling-ignore.txt``.
    """
    skip = _shipped_ignore() | {w.lower() for w in ignore}
    occurrences: list[tuple[str, str, Prose]] = []
    for piece in pieces:
        if piece.segment is Segment.CODE:
            continue
        for word, lower in find_words(piece.text):
            if lower in skip:
                continue
            occurrences.append((word, lower, piece))
    # A possessive is looked up without its "'s" ("filesytem's"); other
    # apostrophes stay: "couldn't" is a word, "couldn" is codespell's entry
    # for a missing apostrophe.
    def key(lower: str) -> str:
        return lower[:-2] if lower.endswith("'s") else lower

    found = find_corrections(sorted({key(lower) for _, lower, _ in occurrences}))
    out: list[Misspelling] = []
    for word, lower, piece in occurrences:
        k = key(lower)
        fixes = found.get(k) if k not in skip else None
        if fixes:
            out.append(Misspelling(word[: len(k)], fixes, piece))
    return out


def misspelling_report(m: Misspelling) -> Report:
    """The report of one misspelled word (an RK601 finding)."""
    fixes = ", ".join(m.fixes)
    return Report(
        line=m.where.line,
        message=f'"{m.word}" may be misspelled: {fixes}',
        suggestion=f'write "{m.fixes[0]}"' if len(m.fixes) == 1 else f"write one of: {fixes}",
        rationale="misspellings in comments, messages and the commit log outlive the patch and hinder grep",
        confidence=Confidence.MEDIUM if len(m.fixes) > 1 else Confidence.HIGH,
        file=m.where.file,
    )


@rule("RK601", category="spelling", severity=Severity.WARNING)
def misspelled_words(patch: Patch | None, message: Message | None, config: Config) -> Iterator[Report]:
    """A word in an added comment, string or the commit message is misspelled.

    What it flags:
        Words of added comments (``/* */``, ``//``), string literals, added
        documentation lines and the commit message (of a cover letter: its
        text above git's shortlog) that codespell's main dictionary lists as
        common misspellings.

    Why it matters:
        Comments and log messages outlive the patch; a misspelled word
        hinders grep and earns a round of review ("s/tempary/temporary/").

    Example:
        RK601: /* tempary disable irq, will remove later */
        Okay: /* temporary: disable irq */
        Okay: tempary_count = 0;

    Suggested change:
        The correction codespell gives ("temporary"); several when the
        dictionary lists more than one.

    Knowledge used:
        codespell's ``dictionary.txt``; ``rules/data/spelling-ignore.txt``
        (kernel words codespell lists, such as ``ot``) and the config's
        ``spelling-ignore``.

    Limits:
        Identifiers (``snake_case``, ``CamelCase``), ALL-CAPS words, words
        with digits, URLs, addresses and paths are not looked at. A word
        that is both a misspelling and a real word in the kernel's jargon
        needs the ignore list.
    """
    if patch is not None:
        pieces = [*find_commit_text(patch.commit_message), *find_added_text(patch)]
    elif message is not None:
        # a cover letter: its own words, not the shortlog git appends
        pieces = list(find_commit_text(find_cover_text(message.body)))
    else:
        return
    for m in find_misspellings(pieces, ignore=config.spelling_ignore):
        yield misspelling_report(m)
