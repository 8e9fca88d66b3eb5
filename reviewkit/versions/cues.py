"""The cue words of the versions stage, read once from ``cues.toml``.

The words are data (``cues.toml`` says what each list is for); this module
compiles them and finds them in a text. A phrase matches whole words,
case-insensitively, with any run of spaces between its words.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import NamedTuple

from reviewkit.config import parse_toml

CUES_FILE = Path(__file__).with_name("cues.toml")


class CueList(NamedTuple):
    """Named patterns, each found by :func:`find_cues`."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]


class Cues(NamedTuple):
    agree: CueList
    agree_weak: CueList
    question: CueList
    explain: CueList
    negations: frozenset[str]
    scope_patch: CueList
    scope_words: CueList
    scope_function: CueList
    greeting: CueList
    closing: CueList
    command: CueList
    footer: CueList
    acknowledgement: CueList


def _phrase(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in phrase.split())
    return re.compile(rf"(?<![\w']){words}(?![\w'])", re.IGNORECASE)


def _cue_list(table: dict, key: str, *, where: str) -> CueList:
    phrases = table.get(key, [])
    patterns = table.get(f"{key}_patterns", [])
    if not isinstance(phrases, list) or not isinstance(patterns, list):
        raise ValueError(f"{where}: {key} must be a list of strings")
    out = [(p, _phrase(p)) for p in phrases]
    out += [(p, re.compile(p, re.IGNORECASE | re.MULTILINE)) for p in patterns]
    return CueList(tuple(out))


@functools.cache
def load_cues() -> Cues:
    """The cue lists of ``cues.toml``, compiled."""
    data = parse_toml(CUES_FILE.read_bytes(), str(CUES_FILE))
    answer, scope, comment = data["answer"], data["scope"], data["comment"]
    return Cues(
        agree=_cue_list(answer, "agree", where="[answer]"),
        agree_weak=_cue_list(answer, "agree_weak", where="[answer]"),
        question=_cue_list(answer, "question", where="[answer]"),
        explain=_cue_list(answer, "explain", where="[answer]"),
        negations=frozenset(n.lower() for n in answer.get("negations", [])),
        scope_patch=_cue_list(scope, "patch", where="[scope]"),
        scope_words=_cue_list(scope, "words", where="[scope]"),
        scope_function=_cue_list(scope, "function", where="[scope]"),
        greeting=_cue_list(comment, "greeting", where="[comment]"),
        closing=_cue_list(comment, "closing", where="[comment]"),
        command=_cue_list(comment, "command", where="[comment]"),
        footer=_cue_list(comment, "footer", where="[comment]"),
        acknowledgement=_cue_list(comment, "acknowledgement", where="[comment]"),
    )


_WORD = re.compile(r"[\w']+")


def _negated(text: str, start: int, negations: frozenset[str]) -> bool:
    """A negation among the two words right before ``start`` ("I don't
    agree", "not a good catch")."""
    before = _WORD.findall(text[max(0, start - 24):start].lower())[-2:]
    return any(w in negations for w in before) or " ".join(before) in negations


def find_cues(text: str, cues: CueList, *, negations: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The cues of ``cues`` found in ``text``, as they appear there, in
    text order; a cue right after one of ``negations`` does not count."""
    found: list[tuple[int, str]] = []
    for _, pattern in cues.patterns:
        for m in pattern.finditer(text):
            if negations and _negated(text, m.start(), negations):
                continue
            found.append((m.start(), " ".join(m.group(0).split())))
            break
    return tuple(dict.fromkeys(s for _, s in sorted(found)))
