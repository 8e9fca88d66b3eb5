"""JSON text of a document, as ``json.dumps(doc, indent=2, ensure_ascii=False)``
writes it, in a third of the time.

The standard library formats indented JSON in pure Python (its C encoder
only writes compact JSON); the review of a 66-message series
(tests/data/corpus/threads/lru-lock-v16.mbox) is a megabyte of it. This
walks the document once and leaves strings to the C string encoder.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

_INF = float("inf")


class _Unsupported(Exception):
    """A value the walk does not format exactly as json does."""


def render_json_text(doc: Any) -> str:
    """``doc`` as indented JSON text, character for character what
    ``json.dumps(doc, indent=2, ensure_ascii=False)`` returns.

    >>> render_json_text({"a": [1, 2.5, None, True], "b": {}, "c": "é\\n"})
    '{\\n  "a": [\\n    1,\\n    2.5,\\n    null,\\n    true\\n  ],\\n  "b": {},\\n  "c": "é\\\\n"\\n}'

    Returns:
        The text. Anything the walk does not handle itself (non-string
        keys, NaN, other types, a cycle) is left to ``json.dumps``, which
        raises as it always does.
    """
    out: list[str] = []
    try:
        _emit(doc, "", out.append)
    except (_Unsupported, RecursionError):
        return json.dumps(doc, indent=2, ensure_ascii=False)
    return "".join(out)


def _emit(o: Any, indent: str, append) -> None:
    if isinstance(o, str):
        append(encode_basestring(o))
    elif o is None:
        append("null")
    elif o is True:
        append("true")
    elif o is False:
        append("false")
    elif isinstance(o, int):
        append(int.__repr__(o))
    elif isinstance(o, float):
        if o != o or o == _INF or o == -_INF:
            raise _Unsupported
        append(float.__repr__(o))
    elif isinstance(o, dict):
        if not o:
            append("{}")
            return
        inner = indent + "  "
        sep = ",\n" + inner
        append("{\n" + inner)
        first = True
        for key, value in o.items():
            if not isinstance(key, str):
                raise _Unsupported
            if not first:
                append(sep)
            first = False
            append(encode_basestring(key))
            append(": ")
            # most values are strings, numbers and null: written here, not
            # by a call each (22,000 calls for threads/lru-lock-v16.mbox)
            t = type(value)
            if t is str:
                append(encode_basestring(value))
            elif value is None:
                append("null")
            elif t is int:
                append(int.__repr__(value))
            else:
                _emit(value, inner, append)
        append("\n" + indent + "}")
    elif isinstance(o, (list, tuple)):
        if not o:
            append("[]")
            return
        inner = indent + "  "
        sep = ",\n" + inner
        append("[\n" + inner)
        first = True
        for value in o:
            if not first:
                append(sep)
            first = False
            t = type(value)
            if t is str:
                append(encode_basestring(value))
            elif t is int:
                append(int.__repr__(value))
            else:
                _emit(value, inner, append)
        append("\n" + indent + "]")
    else:
        raise _Unsupported


__all__ = ["render_json_text"]
