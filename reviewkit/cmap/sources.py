"""Where the code behind a file diff comes from, best first.

1. A git tree (``Config.repo``, a work tree or a bare repository): the
   pre-image blob the diff's ``index`` line names (abbreviated ids are fine),
   else the file at HEAD when the hunks' old lines match it (or its new lines:
   then the patch is already applied and the pre-image is rebuilt by undoing
   the hunks). The post-image comes from applying the hunks in memory. Both
   sides are then exact.
2. A nearby tree (a git tree at another version, or a plain source
   directory such as an unpacked kernel): the file at the same path (or
   the path a rename names), when every hunk is found in it by its context
   and removed lines, as ``patch`` finds it, at one offset from the hunk
   headers: the file, moved by that offset so that the hunks' numbers hold,
   is the old side (placed), and applying the hunks gives the new side.
3. The hunks themselves: the old side from context and ``-`` lines, the new
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

from typing import NamedTuple
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


class SideText(NamedTuple):
    """One side of one file.

    ``lines`` are the side's lines (``lines[0]`` is line 1). ``visible`` is
    None when every line is known (exact), else the set of line numbers the
    hunks show. ``origin`` says where the text came from, for reports.
    """

    lines: tuple[str, ...]
    visible: frozenset[int] | None
    origin: str
    placed: int | None = None  # found in a nearby tree this many lines off the hunk headers

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
    """None if ``repo`` is a directory (a git tree or plain sources), else why not."""
    if not repo.is_dir():
        return f"{repo}: no such directory"
    return None


def is_git_tree(repo: Path) -> bool:
    """``repo`` is a git work tree or bare repository (else plain sources)."""
    return (repo / ".git").exists() or (repo / "HEAD").is_file() and (repo / "objects").is_dir()


_READ_CAP = 16 << 20  # a source file larger than this is no source file


def read_tree_file(repo: Path, path: str | None) -> bytes | None:
    """The file at ``path``: at HEAD in a git tree, else on disk under
    ``repo`` (never outside it); None when there is none."""
    if not path:
        return None
    if is_git_tree(repo):
        return read_head_file(repo, path)
    target = (repo / path).resolve()
    try:
        target.relative_to(repo.resolve())
    except ValueError:
        return None  # `../` in a mail's path must not leave the tree
    try:
        if not target.is_file() or target.stat().st_size > _READ_CAP:
            return None
        return target.read_bytes()
    except OSError:
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


_FUZZ = 2  # context lines a hunk may lose at either end, as `patch` allows


def _placed_at(lines: list[str], hunk: Hunk, expected: int) -> int | None:
    """The offset from the hunk header at which the hunk's old lines
    (context and removed) stand in ``lines``, nearest to ``expected``;
    with fuzz, up to two context lines at either end may differ."""
    old = _numbered(hunk, Side.OLD)
    if not old:
        return None
    texts = [t for _n, _k, t in old]
    first = old[0][0]
    lead = next((i for i, (_n, k, _t) in enumerate(old) if k != " "), len(old))
    trail = next((i for i, (_n, k, _t) in enumerate(reversed(old)) if k != " "), len(old))
    for fuzz in range(_FUZZ + 1):
        lo = min(fuzz, lead)
        hi = len(texts) - min(fuzz, trail)
        core = texts[lo:hi]
        if not core:
            continue
        key = "".join(core[0].split())
        starts = [i for i, ln in enumerate(lines) if "".join(ln.split()) == key]
        best = None
        for i in starts:
            if i + len(core) <= len(lines) and all(_same(lines[i + j], core[j]) for j in range(len(core))):
                off = (i + 1) - (first + lo)
                if best is None or abs(off - expected) < abs(best - expected):
                    best = off
        if best is not None:
            return best
    return None


def place_hunks(lines: list[str], hunks: tuple[Hunk, ...]) -> int | None:
    """The one offset at which every hunk stands in ``lines`` (None when a
    hunk is not found, or the hunks stand at different offsets: the file
    differs between them, and moving it would misnumber some)."""
    offset = 0
    found = None
    for h in sorted(hunks, key=lambda h: h.old_start):
        if h.snipped:
            return None
        off = _placed_at(lines, h, offset)
        if off is None or (found is not None and off != found):
            return None
        found = offset = off
    return found


def _moved(lines: list[str], offset: int) -> list[str]:
    """``lines`` numbered so that its line ``n + offset`` is line ``n``."""
    return lines[offset:] if offset >= 0 else [""] * (-offset) + lines


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
        git = is_git_tree(repo)
        old_lines: list[str] | None = None
        origin = ""
        why: list[str] = []
        new_lines: list[str] | None = None
        if git:
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
        where = "HEAD:" if git else ""
        tree_lines: list[str] | None = None
        if old_lines is None:
            head = read_tree_file(repo, fd.old_path or path)
            if head is None:
                why.append(f"{'HEAD has' if git else 'the tree has'} no {fd.old_path or path}")
            else:
                cand = tree_lines = split_lines(head)
                bad = check_hunks_match(cand, fd.hunks, Side.OLD)
                if bad is None:
                    old_lines, origin = cand, f"{where}{fd.old_path or path}"
                elif check_hunks_match(cand, fd.hunks, Side.NEW) is None:
                    # the tree already has the patch: undo it for the old side
                    undone, fail = apply_hunks(cand, fd.hunks, reverse=True)
                    if undone is not None:
                        old_lines, new_lines, origin = undone, cand, f"{where}{path} (patch applied)"
                    else:
                        why.append(f"{where}{path} has the new lines but undoing the hunks failed ({fail})")
                else:
                    why.append(f"{where}{fd.old_path or path} does not match the hunks ({bad})")
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
        if tree_lines is not None:
            # a nearby version of the file: place the hunks in it
            offset = place_hunks(tree_lines, fd.hunks)
            if offset is not None:
                moved = _moved(tree_lines, offset)
                placed_new, fail = apply_hunks(moved, fd.hunks)
                if placed_new is not None:
                    origin = f"{where}{fd.old_path or path} in {repo}, placed {offset:+d} lines"
                    return (
                        SideText(tuple(moved), None, origin, offset),
                        SideText(tuple(placed_new), None, f"{origin} + hunks", offset),
                        warnings,
                    )
                why.append(f"the hunks stand in {fd.old_path or path} {offset:+d} lines off but do not apply ({fail})")
            else:
                why.append(f"the hunks are not all found in {fd.old_path or path} at one offset")
        warnings.append(f"{path}: no exact source in {repo}: {'; '.join(why)}; using the hunks")
    return build_fragment(fd.hunks, Side.OLD), build_fragment(fd.hunks, Side.NEW), warnings
