"""Output of an input reviewed unit by unit, written as it is made.

- :class:`Progress`: a progress bar on standard error while an input is
  indexed and its units reviewed, when standard error is a terminal.
- :class:`JsonSections`: one JSON document out of the documents of many
  units, in the shape and the text of a document made whole: each list
  section's items are kept in a temporary file (unnamed: the system
  removes it however the run ends) until the last unit is in, then the
  document is written section by section. Memory holds one unit.

Text and markdown need neither: each unit's text is written when it is
made (through the pager on a terminal, :func:`reviewkit.pager.paged`).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from typing import IO, Any

from reviewkit.render.jsontext import render_json_text
from reviewkit.render.safe import json_escape

# What the JSON writer copies at a time from a section's file.
_CHUNK = 1 << 20
# Seconds a step runs before its progress bar shows.
DELAY = 0.5


class JsonSections:
    """A JSON document made of the documents of many units.

    The keys are those of the first document added, then any other a later
    one brings (``versions``: a unit with a series in two versions); a list
    value is a section whose items are the items of every document, in
    order; any other value is the first document's that has it, or what
    ``merge(key, kept, new)`` makes of the kept one and each next one. The text is what
    :func:`reviewkit.render.jsontext.render_json_text` writes for the
    merged document, invisible characters escaped as the command line
    escapes them (:func:`reviewkit.render.safe.json_escape`).
    """

    def __init__(self, merge: Callable[[str, Any, Any], Any] | None = None) -> None:
        self._merge = merge
        self._keys: list[str] = []
        self._values: dict[str, Any] = {}
        self._sections: dict[str, IO[str]] = {}
        self._counts: dict[str, int] = {}

    def add(self, doc: dict[str, Any]) -> None:
        """Take the sections of ``doc``; its items are rendered now, so
        ``doc`` can go."""
        self._keys += [key for key in doc if key not in self._keys]
        for key, value in doc.items():
            if isinstance(value, list):
                self._append(key, value)
            elif key not in self._values:
                self._values[key] = value
            elif self._merge is not None:
                self._values[key] = self._merge(key, self._values[key], value)

    def _append(self, key: str, items: list[Any]) -> None:
        if key not in self._sections:
            self._sections[key] = tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogateescape")
            self._counts[key] = 0
        spool = self._sections[key]
        for item in items:
            if self._counts[key]:
                spool.write(",\n    ")
            spool.write(json_escape(render_json_text(item)).replace("\n", "\n    "))
            self._counts[key] += 1

    def write(self, out: Callable[[str], None]) -> None:
        """Write the document (with its final newline) by pieces to ``out``."""
        out("{")
        for n, key in enumerate(self._keys):
            out(("\n  " if n == 0 else ",\n  ") + json_escape(render_json_text(key)) + ": ")
            spool = self._sections.get(key)
            if spool is None:
                value = self._values.get(key, [])
                out(json_escape(render_json_text(value)).replace("\n", "\n  "))
            elif not self._counts[key]:
                out("[]")
            else:
                out("[\n    ")
                spool.seek(0)
                while chunk := spool.read(_CHUNK):
                    out(chunk)
                out("\n  ]")
        out("\n}\n" if self._keys else "{}\n")

    def close(self) -> None:
        for spool in self._sections.values():
            spool.close()
        self._sections.clear()

    def __enter__(self) -> "JsonSections":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Progress:
    """How far the run is, on standard error when it is a terminal (else
    nothing): the messages indexed, then the messages of the units done.
    A bar shows only once a step has taken :data:`DELAY` seconds: a thread
    reviewed in a blink needs none.

    ``quiet_output``: standard output is the same terminal; the bar is
    shown while indexing only (then the output itself shows how far the
    run is, and a bar would break into it).
    """

    def __init__(self, *, quiet_output: bool = False, stream: IO[str] | None = None) -> None:
        err = stream or sys.stderr
        try:
            self.enabled = err.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self._stream = err
        self._quiet_output = quiet_output
        self._bar: Any = None
        self._task: Any = None
        self._step: tuple[str, float | None, float] | None = None  # (description, total, started) not shown yet
        self._done = 0.0

    def _begin(self, description: str, total: float | None) -> None:
        self.stop()
        self._step = (description, total, time.monotonic())
        self._done = 0.0

    def _update(self, done: float) -> None:
        self._done = done
        if self._bar is None and self._step is not None:
            description, total, started = self._step
            if time.monotonic() - started < DELAY:
                return
            self._start(description, total)
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def _start(self, description: str, total: float | None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        self._bar = Bar(*columns, console=Console(file=self._stream, markup=False, highlight=False),
                        transient=True)
        self._bar.start()
        self._task = self._bar.add_task(description, total=total)

    def indexing(self, count: int) -> None:
        """``count`` messages of the input read so far (their heads)."""
        if not self.enabled:
            return
        if self._step is None:
            self._begin("reading the input", None)
        self._update(count)

    def units(self, messages: int, *, what: str = "reviewing") -> None:
        """The units to do now hold ``messages`` messages."""
        self.stop()
        if self.enabled and not self._quiet_output:
            self._begin(what, messages)

    def advance(self, messages: int) -> None:
        """A unit of ``messages`` messages is done."""
        if self._step is not None:
            self._update(self._done + messages)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        self._bar = self._task = self._step = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["JsonSections", "Progress"]
