"""Bytes to text: the declared charset is a hint, not a promise."""

from __future__ import annotations

import codecs
import functools

# Charsets whose bytes are not an ASCII superset: UTF-8 would "succeed" on
# their escape sequences and give garbage, so they are tried first.
_NOT_ASCII_SUPERSET = ("utf-16", "utf-32", "utf_16", "utf_32", "iso2022", "iso-2022", "utf-7", "utf_7", "hz")


@functools.lru_cache(maxsize=256)
def find_codec(charset: str | None) -> str | None:
    """The Python codec name for a MIME charset.

    Returns:
        The codec name, or None when the charset is missing or unknown
        (samples/patchwork/0010-invalid-charset.mbox declares one).
    """
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    if name in ("us-ascii", "ascii", "ansi_x3.4-1968"):
        return "ascii"
    if name in ("unknown-8bit", "x-unknown", "8bit", "default"):
        return None
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode ``data``: UTF-8, then the declared charset, then cp1252.

    Args:
        data: the bytes.
        charset: the declared charset, or None.

    Returns:
        ``(text, guess)``: ``guess`` is None when the bytes decoded cleanly
        as UTF-8 or as the declared charset, else a short note of what was
        used ("cp1252 with replacements"). Never raises.
    """
    if data.isascii():
        codec = find_codec(charset)
        if codec is None or not codec.startswith(_NOT_ASCII_SUPERSET):
            return data.decode("ascii"), None
    codec = find_codec(charset)
    order = ["utf-8"]
    if codec and codec not in ("utf-8", "ascii"):
        if codec.startswith(_NOT_ASCII_SUPERSET):
            order.insert(0, codec)
        else:
            order.append(codec)
    for name in order:
        try:
            return data.decode(name), None
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "cp1252 with replacement characters"
    if charset and codec is None:
        return text, f"cp1252 (unknown charset {charset!r})"
    return text, "cp1252"
