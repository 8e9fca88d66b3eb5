"""Keep the compiled methods of dataclasses between runs.

``@dataclass`` writes the source of a class's ``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__`` and ``__delattr__`` and compiles
each with ``exec()`` when the class is defined: about 0.4 ms a frozen class,
and a one-patch ``check`` defines some sixty (reviewkit.model alone 22),
a sixth of its run. Those texts are the same in every run, so their code
objects are kept, as ``.pyc`` files keep a module's, in a marshal file under
``$XDG_CACHE_HOME/reviewkit`` (one per interpreter version), and the
``exec()`` of :mod:`dataclasses` is handed the code object compiled from the
very same text: the same functions, compiled once.

Only the command line installs it (``reviewkit.cli.main``), before the
model is imported; importing reviewkit as a library changes nothing.
Nothing is cached when Python is told not to write bytecode
(``PYTHONDONTWRITEBYTECODE``, ``-B``); a cache that cannot be read or
written is ignored.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import sys
from types import CodeType

_exec = builtins.exec
# Only the package's own classes are kept: the file is read whole by every
# run, and a test run defines hundreds of classes no command needs.
PACKAGES = ("reviewkit",)
# Texts kept at most (reviewkit's classes need about 400).
MAX_ENTRIES = 2000

_codes: dict[str, CodeType] | None = None
_dirty = False


def cache_path() -> str:
    """The cache file of this interpreter: its bytecode format and -O level."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    tag = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-O{sys.flags.optimize}"
    return os.path.join(base, "reviewkit", f"dataclass-methods-{tag}.marshal")


def _load() -> dict[str, CodeType]:
    global _codes
    if _codes is None:
        _codes = {}
        try:
            with open(cache_path(), "rb") as f:
                # marshal.load(f) reads the file in small pieces: 8 ms
                # where reading it whole and loads() take 1.5 ms
                data = marshal.loads(f.read())
        except (OSError, EOFError, ValueError, TypeError):
            data = None
        if isinstance(data, dict):
            _codes = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, CodeType)}
        import atexit

        atexit.register(save)
    return _codes


def save() -> None:
    """Write the cache if this run compiled a text it did not hold."""
    global _dirty
    if not _dirty or _codes is None:
        return
    _dirty = False
    path = cache_path()
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            marshal.dump(_codes, f)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def cached_exec(source, globals=None, locals=None, /):
    """``exec()`` as :mod:`dataclasses` calls it, the text's code object
    compiled once: ``exec(text, globals, ns)`` compiles with no future
    flags (dataclasses.py has none) under the name ``<string>``."""
    global _dirty
    if globals is None:
        # exec(text) without globals runs in the caller's namespace: not
        # dataclasses' way; pass the caller's on to the real thing.
        frame = sys._getframe(1)
        return _exec(source, frame.f_globals, frame.f_locals if locals is None else locals)
    if type(source) is not str or not str(globals.get("__name__", "")).startswith(PACKAGES):
        return _exec(source, globals, locals)
    codes = _load()
    code = codes.get(source)
    if code is None:
        code = compile(source, "<string>", "exec", dont_inherit=True)
        if len(codes) < MAX_ENTRIES:
            codes[source] = code
            _dirty = True
    return _exec(code, globals, locals)


def install() -> None:
    """Route the ``exec()`` of :mod:`dataclasses` through the cache.

    Does nothing when bytecode is not to be written.
    """
    if sys.dont_write_bytecode:
        return
    dataclasses.exec = cached_exec  # a module global shadows the builtin
