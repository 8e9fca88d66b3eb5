"""Where the code behind a file diff comes from, best first.

1. A git tree (``Config.repo``, a work tree or a bare repository): the
   pre-image blob the diff's ``index`` line names (abbreviated ids are fine),
   else the file at HEAD when the hunks' old lines match it (or its new lines:
   then the patch is already applied and the pre-image is rebuilt by undoing
   the hunks). The post-image comes from applying the hunks in memory. Both
   sides are then exact.
2. The hunks themselves: the old side from context and ``-`` lines, the new
   side from context and ``+`` lines, each line at its real line number, the
   lines not shown blank with a marker comment at the start of each gap, so
   that tree-sitter's rows stay the file's line numbers. Lines numbered past
   :data:`MAX_SOURCE_LINES` are left out, with a warning: the side is a list
   as long as its last number, and a hunk header is mail text
   (``@@ -999999999,5 +1,5 @@`` took 8 GB, tests/data/fuzz-found/probes/
   min-01-absurd-hunk-numbers-memory).

Either way, a line longer than :data:`MAX_PARSED_LINE` characters, or one
that opens brackets past :data:`MAX_NESTING` deep, is replaced by
:data:`LEFT_OUT_MARKER` before any parse, with a warning: tree-sitter took
4 s and 600 MB over one 2 MB expression line (probes/min-11), and its
queries take quadratic time over a run of unclosed ``(`` or ``{``
(100,000 on one line: 11 s, probes/min-08).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewkit.model import FileDiff, FileStatus, Hunk, Side

GAP_MARKER = "/* ... lines not shown ... */"
# Past the longest source files there are (generated register headers of
# the kernel run to some 200,000 lines): a hunk numbered beyond is broken.
MAX_SOURCE_LINES = 1_000_000
# Kernel lines stay under a few hundred characters and brackets under some
# thirty deep; generated tables reach a few thousand characters.
MAX_PARSED_LINE = 4096
MAX_NESTING = 256
LEFT_OUT_MARKER = "/* ... line left out: too long or nested too deep ... */"
_GIT_TIMEOUT = 30


@dataclass(frozen=True)
class SideText:
    """One side of one file.

    ``lines`` are the side's lines (``lines[0]`` is line 1). ``visible`` is
    None when every line is known (exact), else the set of line numbers the
    hunks show. ``origin`` says where the text came from, for reports.
    """

    lines: tuple[str, ...]
    visible: frozenset[int] | None
    origin: str

    @property
    def exact(self) -> bool:
        return self.visible is None

    def shows(self, line: int) -> bool:
        return 1 <= line <= len(self.lines) and (self.visible is None or line in self.visible)


def _git(repo: Path, *args: str) -> bytes | None:
    """Output of ``git -C repo args``; None when git fails or is missing."""
    import subprocess  # only with a git tree: a review of mail alone never runs git

    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def check_repo(repo: Path) -> str | None:
    """None if ``repo`` is a git work tree or bare repository, else why not."""
    if not repo.exists():
        return f"{repo}: no such directory"
    if _git(repo, "rev-parse", "--git-dir") is None:
        return f"{repo}: not a git repository (or git is not installed)"
    return None


def read_blob(repo: Path, blob: str | None) -> bytes | None:
    """The blob ``blob`` (an abbreviated id is fine); None when absent,
    ambiguous, all zeros (no file) or not a blob."""
    if not blob or not blob.strip("0") or not all(c in "0123456789abcdefABCDEF" for c in blob):
        return None
    return _git(repo, "cat-file", "blob", blob)


def read_head_file(repo: Path, path: str | None) -> bytes | None:
    """The file at HEAD; None when there is no such file (or no HEAD)."""
    if not path:
        return None
    return _git(repo, "cat-file", "blob", f"HEAD:{path}")


def split_lines(data: bytes) -> list[str]:
    """Lines of a file (UTF-8, undecodable bytes replaced), no line ends."""
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def _same(a: str, b: str) -> bool:
    # mail and archives lose trailing blanks and turn tabs into spaces
    # (tests/data/corpus/seed-duyck-mlock-v16-16.txt lost all leading tabs)
    return "".join(a.split()) == "".join(b.split())


def _numbered(hunk: Hunk, side: Side) -> list[tuple[int, str, str]]:
    """(line number on ``side``, kind, text) of the hunk's lines on that side."""
    out = []
    for dl in hunk.lines:
        if side is Side.OLD and dl.kind in " -" and dl.old_no is not None:
            out.append((dl.old_no, dl.kind, dl.text))
        elif side is Side.NEW and dl.kind in " +" and dl.new_no is not None:
            out.append((dl.new_no, dl.kind, dl.text))
    return out


def check_hunks_match(lines: list[str], hunks: tuple[Hunk, ...], side: Side) -> str | None:
    """None when every line the hunks show on ``side`` is in ``lines`` at its
    number, else the first mismatch ("line 12 differs")."""
    for h in hunks:
        for no, _kind, text in _numbered(h, side):
            if no > len(lines):
                return f"line {no} is past the end ({len(lines)} lines)"
            if not _same(lines[no - 1], text):
                return f"line {no} differs"
    return None


def apply_hunks(base: list[str], hunks: tuple[Hunk, ...], *, reverse: bool = False) -> tuple[list[str] | None, str]:
    """Apply the hunks to the lines of one side, giving the other side.

    ``reverse`` undoes them (base is the post-image). Lines of the base are
    kept as they are in the base (the tree's spelling wins over the mail's).

    Returns:
        (lines, "") on success; (None, why) when a hunk does not fit or a
        hunk left lines out (a snipped quote cannot be applied).
    """
    src, dst = (Side.NEW, Side.OLD) if reverse else (Side.OLD, Side.NEW)
    keep, drop, add = (" ", "+", "-") if reverse else (" ", "-", "+")
    out: list[str] = []
    pos = 1  # next base line to copy
    for idx, h in enumerate(sorted(hunks, key=lambda h: h.new_start if reverse else h.old_start)):
        if h.snipped or any(
            (dl.new_no if reverse else dl.old_no) is None for dl in h.lines if dl.kind in keep + drop
        ):
            return None, f"hunk {idx + 1} does not show all its lines"
        start = h.new_start if reverse else h.old_start
        length = h.new_len if reverse else h.old_len
        first = start if length else start + 1  # a zero-length side inserts after `start`
        if first < pos:
            return None, f"hunk {idx + 1} overlaps the one before"
        out.extend(base[pos - 1 : first - 1])
        pos = first
        for dl in h.lines:
            if dl.kind in keep + drop:
                if pos > len(base) or not _same(base[pos - 1], dl.text):
                    return None, f"hunk {idx + 1}: line {pos} differs"
                if dl.kind == keep:
                    out.append(base[pos - 1])
                pos += 1
            elif dl.kind == add:
                out.append(dl.text)
    out.extend(base[pos - 1 :])
    # the other side's numbers must agree with what we built
    for h in hunks:
        for no, _k, text in _numbered(h, dst):
            if no > len(out) or not _same(out[no - 1], text):
                return None, f"line {no} of the result does not match the hunk"
    return out, ""


def build_fragment(hunks: tuple[Hunk, ...], side: Side) -> SideText:
    """One side rebuilt from the hunks, each line at its number, gaps blank
    with :data:`GAP_MARKER` on their first line; lines numbered below 1 or
    past :data:`MAX_SOURCE_LINES` are left out (see :func:`find_side_texts`)."""
    known: dict[int, str] = {}
    for h in hunks:
        for no, _kind, text in _numbered(h, side):
            if 1 <= no <= MAX_SOURCE_LINES:  # "@@ -1 +0 @@" numbers a line 0
                known[no] = text
    if not known:
        return SideText((), frozenset(), "hunks")
    last = max(known)
    # filled by position, not line by line: the hunks of a change deep in
    # a file (mm/vmscan.c) leave thousands of blank lines above them
    lines = [""] * max(last, 0)
    for no in known:
        if 1 <= no < last and no + 1 not in known:
            lines[no] = GAP_MARKER
    if last >= 1 and 1 not in known:
        lines[0] = GAP_MARKER
    for no, text in known.items():
        if no >= 1:
            lines[no - 1] = text
    return SideText(tuple(lines), frozenset(known), "hunks")


def _past_any_source(hunks: tuple[Hunk, ...]) -> str | None:
    """Where the first hunk that numbers a line past :data:`MAX_SOURCE_LINES`
    does so ("hunk 1 old line 999999999"), else None."""
    for i, h in enumerate(hunks):
        for side in (Side.OLD, Side.NEW):
            far = next((no for no, _k, _t in _numbered(h, side) if no > MAX_SOURCE_LINES), None)
            if far is not None:
                return f"hunk {i + 1} {side.value} line {far}"
    return None


def _whole(hunks: tuple[Hunk, ...], side: Side, origin: str) -> SideText:
    frag = build_fragment(hunks, side)
    return SideText(frag.lines, None, origin)


def find_side_texts(fd: FileDiff, *, repo: Path | None) -> tuple[SideText | None, SideText | None, list[str]]:
    """The old and new side of a file diff, best source first.

    Returns:
        (old, new, warnings). A side is None when the file does not exist on
        it (added or deleted). Never raises: a tree that cannot help gives a
        warning saying why and the hunks' fragments. Lines too long or
        nested too deep to parse are left out of both sides, with a warning.
    """
    old, new, warnings = _best_side_texts(fd, repo=repo)
    return _bounded(old, fd.path, Side.OLD, warnings), _bounded(new, fd.path, Side.NEW, warnings), warnings


def _bounded(text: SideText | None, path: str, side: Side, warnings: list[str]) -> SideText | None:
    """``text`` with each line longer than :data:`MAX_PARSED_LINE`, or
    opening brackets past :data:`MAX_NESTING` deep, replaced by
    :data:`LEFT_OUT_MARKER`; a warning names the first and counts them.
    Brackets are counted raw (in comments and strings too): a bound, not a
    parse."""
    if text is None:
        return None
    lines = text.lines
    visible = text.visible
    left_out: list[int] = []
    depth = 0
    for no in (sorted(visible) if visible is not None else range(1, len(lines) + 1)):
        if not 1 <= no <= len(lines):
            continue
        line = lines[no - 1]
        if len(line) <= MAX_PARSED_LINE and depth + line.count("(") + line.count("{") <= MAX_NESTING:
            depth = max(0, depth + line.count("(") + line.count("{") - line.count(")") - line.count("}"))
            continue
        left_out.append(no)
    if not left_out:
        return text
    out = list(lines)
    for no in left_out:
        out[no - 1] = LEFT_OUT_MARKER
    first = left_out[0]
    why = (f"is {len(lines[first - 1]):,} characters long (bound {MAX_PARSED_LINE:,})"
           if len(lines[first - 1]) > MAX_PARSED_LINE else f"opens brackets past {MAX_NESTING} deep")
    more = f" and {len(left_out) - 1} more line(s)" if len(left_out) > 1 else ""
    warnings.append(f"{path}: {side.value} line {first} {why}: left out of the parse{more}")
    return SideText(tuple(out), visible, text.origin)


def _best_side_texts(fd: FileDiff, *, repo: Path | None) -> tuple[SideText | None, SideText | None, list[str]]:
    warnings: list[str] = []
    far = _past_any_source(fd.hunks)
    if far is not None:
        warnings.append(
            f"{fd.path}: {far} is past the {MAX_SOURCE_LINES:,} lines of any real source file: "
            "those lines are not mapped to functions")
    added = fd.status is FileStatus.ADDED or (fd.old_path is None and fd.new_path is not None)
    deleted = fd.status is FileStatus.DELETED or (fd.new_path is None and fd.old_path is not None)
    # a new file's hunks show all of it; a deleted file's show all it had
    if added:
        return None, _whole(fd.hunks, Side.NEW, "hunks (new file)"), warnings
    if deleted:
        return _whole(fd.hunks, Side.OLD, "hunks (deleted file)"), None, warnings
    path = fd.path
    if repo is not None:
        old_lines: list[str] | None = None
        origin = ""
        why: list[str] = []
        data = read_blob(repo, fd.old_blob)
        if data is not None:
            cand = split_lines(data)
            bad = check_hunks_match(cand, fd.hunks, Side.OLD)
            if bad is None:
                old_lines, origin = cand, f"blob {fd.old_blob}"
            else:
                why.append(f"blob {fd.old_blob} does not match the hunks ({bad})")
        else:
            why.append(f"blob {fd.old_blob or '(none)'} not in the tree")
        new_lines: list[str] | None = None
        if old_lines is None:
            head = read_head_file(repo, fd.old_path or path)
            if head is None:
                why.append(f"HEAD has no {fd.old_path or path}")
            else:
                cand = split_lines(head)
                bad = check_hunks_match(cand, fd.hunks, Side.OLD)
                if bad is None:
                    old_lines, origin = cand, f"HEAD:{fd.old_path or path}"
                elif check_hunks_match(cand, fd.hunks, Side.NEW) is None:
                    # the tree already has the patch: undo it for the old side
                    undone, fail = apply_hunks(cand, fd.hunks, reverse=True)
                    if undone is not None:
                        old_lines, new_lines, origin = undone, cand, f"HEAD:{path} (patch applied)"
                    else:
                        why.append(f"HEAD:{path} has the new lines but undoing the hunks failed ({fail})")
                else:
                    why.append(f"HEAD:{fd.old_path or path} does not match the hunks ({bad})")
        if old_lines is not None:
            if new_lines is None:
                new_lines, fail = apply_hunks(old_lines, fd.hunks)
                if new_lines is None:
                    warnings.append(f"{path}: old side from {origin}, but the hunks do not apply ({fail}); new side from the hunks")
                    return SideText(tuple(old_lines), None, origin), build_fragment(fd.hunks, Side.NEW), warnings
            return (
                SideText(tuple(old_lines), None, origin),
                SideText(tuple(new_lines), None, f"{origin} + hunks"),
                warnings,
            )
        warnings.append(f"{path}: no exact source in {repo}: {'; '.join(why)}; using the hunks")
    return build_fragment(fd.hunks, Side.OLD), build_fragment(fd.hunks, Side.NEW), warnings
