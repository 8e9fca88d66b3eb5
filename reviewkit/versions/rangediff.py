"""What changed between two postings of a patch: a range-diff from the mails.

``git range-diff`` compares two commits by diffing their patches; so does
this, file by file, from the parsed diffs alone (no git tree). Each file's
patch is read as a sequence of rows, hunk heads (``@@`` and the function
the hunk is in, without numbers) and diff lines (marker and text with
whitespace removed for matching), and the two sequences are aligned with
difflib. The alignment says, for every row of the old posting, whether the
new posting has it (and where): the comment fates are read from it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import NamedTuple, Sequence

from reviewkit.model import DiffLine, FileDiff, Hunk, Patch
from reviewkit.model.review import FunctionChange, FunctionDelta, RangeDiff
from reviewkit.patch.lines import normalise

CONTEXT = 3  # rows of context around each change, as git's default


class Row(NamedTuple):
    """A row of a file's patch: a hunk head (``line`` None) or a diff line."""

    key: str  # what is compared
    shown: str  # what the range-diff prints
    hunk: int
    row: int | None  # the line's index in the hunk; None for the head
    line: DiffLine | None
    function: str | None


def _hunk_function(h: Hunk) -> str:
    return h.function or h.header_context.strip()


def file_rows(f: FileDiff | None) -> list[Row]:
    """The rows of one file's patch, hunk by hunk."""
    if f is None:
        return []
    rows = []
    for hi, h in enumerate(f.hunks):
        fn = _hunk_function(h)
        rows.append(Row("@@" + normalise(fn), f"@@ {f.path}: {fn}".rstrip(": ") if fn else f"@@ {f.path}",
                        hi, None, None, h.function))
        for ri, dl in enumerate(h.lines):
            rows.append(Row(dl.kind + normalise(dl.text), dl.kind + dl.text, hi, ri, dl, dl.function or h.function))
    return rows


@dataclass(frozen=True)
class FileAlignment:
    """Two postings' patches of one file, aligned row by row."""

    path: str
    old: list[Row]
    new: list[Row]
    opcodes: Sequence[tuple[str, int, int, int, int]]

    def new_for(self, old_row: int) -> int | None:
        """The new posting's row holding the old row ``old_row`` unchanged."""
        for tag, i1, i2, j1, _ in self.opcodes:
            if i1 <= old_row < i2:
                return j1 + (old_row - i1) if tag == "equal" else None
        return None

    def became(self, old_row: int) -> int | None:
        """The new posting's row the old row ``old_row`` became: itself
        unchanged, else the row in its place among the lines that replaced
        it (``pre_lruvec`` -> ``prev_lruvec``); None when it was removed."""
        for tag, i1, i2, j1, j2 in self.opcodes:
            if i1 <= old_row < i2:
                if tag == "equal":
                    return j1 + (old_row - i1)
                if tag == "replace":
                    return j1 + min(old_row - i1, j2 - j1 - 1)
                return None
        return None


def align_file(path: str, old: FileDiff | None, new: FileDiff | None) -> FileAlignment:
    a, b = file_rows(old), file_rows(new)
    matcher = difflib.SequenceMatcher(None, [r.key for r in a], [r.key for r in b], autojunk=False)
    return FileAlignment(path, a, b, matcher.get_opcodes())


def _path_of(f: FileDiff) -> str:
    return f.path


def align_patches(old: Patch, new: Patch) -> dict[str, FileAlignment]:
    """Every file either posting touches, aligned (old posting's order first)."""
    olds = {_path_of(f): f for f in old.files}
    news = {_path_of(f): f for f in new.files}
    # a file renamed between the postings pairs by its old name
    for f in new.files:
        if f.old_path and f.old_path != f.path and f.old_path in olds and f.path not in olds:
            olds[f.path] = olds.pop(f.old_path)
    paths = list(dict.fromkeys([*olds, *news]))
    return {p: align_file(p, olds.get(p), news.get(p)) for p in paths}


def _changed_rows(rows: list[Row]) -> bool:
    return any(r.line is not None and r.line.kind in "+-" for r in rows)


def _lines(rows: list[Row]) -> bool:
    return any(r.line is not None for r in rows)


def significant(al: FileAlignment, opcode: tuple[str, int, int, int, int]) -> bool:
    """Whether a difference of the alignment changes the patch: it adds,
    removes or alters a ``+``/``-`` line, or puts other lines around one
    (v16 -> v17 of "replace pgdat lru_lock with lruvec lock" adds the same
    ``spinlock_t lru_lock;`` line at the head of ``struct lruvec`` instead
    of after ``flags``). Context shown by one posting and not the other
    (hunks cut at other places) is no change."""
    tag, i1, i2, j1, j2 = opcode
    if tag == "equal":
        return False
    old, new = al.old[i1:i2], al.new[j1:j2]
    return _changed_rows(old) or _changed_rows(new) or (tag == "replace" and _lines(old) and _lines(new))


def hunks_moved(alignments: dict[str, FileAlignment]) -> int:
    """Hunks of either posting none of whose changed lines the other has:
    a part of the patch taken out, brought in, or written anew."""
    moved = 0
    for al in alignments.values():
        for side, rows in ((0, al.old), (1, al.new)):
            matched: set[int] = set()
            for tag, i1, i2, j1, j2 in al.opcodes:
                if tag == "equal":
                    lo, hi = (i1, i2) if side == 0 else (j1, j2)
                    matched.update(range(lo, hi))
            hunks: dict[int, list[int]] = {}
            for k, r in enumerate(rows):
                if r.line is not None and r.line.kind in "+-":
                    hunks.setdefault(r.hunk, []).append(k)
            moved += sum(1 for ks in hunks.values() if not matched.intersection(ks))
    return moved


def _function_changes(alignments: dict[str, FileAlignment]) -> tuple[FunctionChange, ...]:
    out = []
    for path, al in alignments.items():
        olds: dict[str, list[str]] = {}
        news: dict[str, list[str]] = {}
        for rows, into in ((al.old, olds), (al.new, news)):
            for r in rows:
                if r.line is not None and r.line.kind in "+-" and r.function:
                    into.setdefault(r.function, []).append(r.key)
        for name in dict.fromkeys([*olds, *news]):
            if name not in news:
                delta = FunctionDelta.DROPPED
            elif name not in olds:
                delta = FunctionDelta.ADDED
            else:
                delta = FunctionDelta.SAME if olds[name] == news[name] else FunctionDelta.CHANGED
            out.append(FunctionChange(path, name, delta))
    return tuple(out)


def _diff_lines(al: FileAlignment) -> list[str]:
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, [r.key for r in al.old], [r.key for r in al.new], autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        if not any(significant(al, op) for op in group):
            continue  # context one posting shows and the other not
        first = next((al.old[i1] for _, i1, i2, _, _ in group if i1 < i2), None) or \
            next((al.new[j1] for _, _, _, j1, j2 in group if j1 < j2), None)
        fn = first.function if first is not None else None
        out.append(f"@@ {al.path}: {fn}" if fn else f"@@ {al.path}")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + r.shown for r in al.old[i1:i2])
                continue
            out.extend("-" + r.shown for r in al.old[i1:i2])
            out.extend("+" + r.shown for r in al.new[j1:j2])
    return out


def diff_text(old: str, new: str) -> tuple[str, ...]:
    """The lines of ``old`` and ``new`` that differ, with two lines of
    context, behind ``' '``, ``-`` and ``+`` (empty when equal)."""
    a, b = old.strip("\n").split("\n"), new.strip("\n").split("\n")
    if [normalise(x) for x in a] == [normalise(x) for x in b]:
        return ()
    return tuple(line for line in difflib.unified_diff(a, b, n=2, lineterm="")
                 if not line.startswith(("---", "+++")))


def build_range_diff(old: Patch, new: Patch, alignments: dict[str, FileAlignment]) -> RangeDiff:
    """The range-diff of two postings of a patch (see the module docstring)."""
    lines: list[str] = []
    same = True
    for path, al in alignments.items():
        changed = any(significant(al, op) for op in al.opcodes)
        if not changed:
            continue
        same = False
        lines.append(f"## {path} ##")
        lines.extend(_diff_lines(al))
    message = diff_text(old.commit_message, new.commit_message)
    return RangeDiff(same=same, lines=tuple(lines), commit_message=message,
                     functions=_function_changes(alignments), hunks_moved=hunks_moved(alignments))
