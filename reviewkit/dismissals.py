"""Findings dismissed as not a bug, kept across rerolls.

``.reviewkit-dismissed.toml`` (found from the current directory upwards,
like ``.reviewkit.toml``) lists fingerprints (:mod:`reviewkit.fingerprint`)
with the reason each was dismissed::

    [[dismissed]]
    fingerprint = "160266d442841fbc"
    reason = "__ClearPageLRU() needs no lock here: the page is off the LRU"
    rule = "RK104"                      # optional, for the reader
    where = "mm/swap.c: __page_cache_release"  # optional, for the reader

A fingerprint stays the same on the next version of the patch while the
statement it points at does not change, so a "not a bug" said on v16 holds
on v17. ``reviewkit dismiss`` appends an entry; the file is the user's to
edit. Dismissed findings are counted, not shown (the pipeline splits them
off: :func:`reviewkit.pipeline.split_dismissed`).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from reviewkit.config import parse_toml
from reviewkit.errors import ConfigError
from reviewkit.fingerprint import LENGTH, PATTERN

FILE_NAME = ".reviewkit-dismissed.toml"
KEYS = ("fingerprint", "reason", "rule", "where", "date")

_HEADER = """\
# Findings dismissed as not a bug: reviewkit counts them and does not show
# them. `reviewkit dismiss FINGERPRINT --reason "..."` adds an entry; edit
# freely. A fingerprint survives line shifts and new versions of a patch as
# long as the statement it points at is unchanged.
"""


def find_dismissals_file(start: Path) -> Path | None:
    """The nearest ``.reviewkit-dismissed.toml`` from ``start`` up to the
    filesystem root; None if there is none."""
    for d in (start, *start.parents):
        cand = d / FILE_NAME
        if cand.is_file():
            return cand
    return None


def default_dismissals_file(start: Path) -> Path:
    """Where ``reviewkit dismiss`` writes: the nearest existing file, else
    the top of the git work tree holding ``start``, else ``start``."""
    found = find_dismissals_file(start)
    if found is not None:
        return found
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d / FILE_NAME
    return start / FILE_NAME


def check_fingerprint(text: str) -> str:
    """``text`` as a fingerprint (lower case, spaces trimmed).

    Raises:
        ConfigError: it is not :data:`~reviewkit.fingerprint.LENGTH` hex digits.
    """
    fp = text.strip().lower()
    if not PATTERN.match(fp):
        raise ConfigError(f"{text!r} is no fingerprint: {LENGTH} hex digits, as the JSON output's "
                          "findings[].fingerprint and the terminal review show")
    return fp


def load_dismissals(path: Path) -> dict[str, str]:
    """The dismissals of ``path``: fingerprint -> reason.

    Raises:
        ConfigError: the file cannot be read, is no UTF-8 TOML, or an entry
            is malformed; the message names the file, the entry and the key.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from None
    table = parse_toml(data, str(path))
    unknown = set(table) - {"dismissed"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; "
                          "the file holds [[dismissed]] tables")
    entries = table.get("dismissed", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: key 'dismissed' must be an array of tables ([[dismissed]])")
    out: dict[str, str] = {}
    for n, entry in enumerate(entries, 1):
        where = f"{path}: [[dismissed]] entry {n}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: not a table")
        extra = set(entry) - set(KEYS)
        if extra:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(extra))}; known: {', '.join(KEYS)}")
        fp, reason = entry.get("fingerprint"), entry.get("reason", "")
        if not isinstance(fp, str):
            raise ConfigError(f"{where}: key 'fingerprint' must be a string of {LENGTH} hex digits")
        if not isinstance(reason, str):
            raise ConfigError(f"{where}: key 'reason' must be a string")
        try:
            out[check_fingerprint(fp)] = reason
        except ConfigError as err:
            raise ConfigError(f"{where}: key 'fingerprint': {err}") from None
    return out


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control
    characters escaped (TOML allows no raw control character but TAB)."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append(ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:  # a lone surrogate is no TOML character
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def add_dismissal(path: Path, fingerprint: str, reason: str, *, rule: str = "", where: str = "",
                  today: datetime.date | None = None) -> bool:
    """Append a dismissal to ``path`` (created with a header when missing);
    the text already there, comments included, is kept as it is.

    Returns:
        True when written, False when ``path`` already dismisses
        ``fingerprint`` (the file is left alone).

    Raises:
        ConfigError: the fingerprint is malformed, the reason empty, the
            existing file malformed, or the file cannot be written.
    """
    fp = check_fingerprint(fingerprint)
    if not reason.strip():
        raise ConfigError("a dismissal needs a reason (--reason \"...\"): the next reader asks why")
    existing = ""
    if path.exists():
        if fp in load_dismissals(path):
            return False
        existing = path.read_text(encoding="utf-8")
    entry = ["", "[[dismissed]]", f"fingerprint = {toml_string(fp)}", f"reason = {toml_string(reason)}"]
    if rule:
        entry.append(f"rule = {toml_string(rule)}")
    if where:
        entry.append(f"where = {toml_string(where)}")
    entry.append(f"date = {toml_string((today or datetime.date.today()).isoformat())}")
    text = (existing or _HEADER)
    if not text.endswith("\n"):
        text += "\n"
    text += "\n".join(entry) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write: {err.strerror}") from None
    return True


__all__ = ["FILE_NAME", "add_dismissal", "check_fingerprint", "default_dismissals_file", "find_dismissals_file",
           "load_dismissals", "toml_string"]
