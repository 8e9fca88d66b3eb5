"""Parse the diff of a patch mail with unidiff."""

from __future__ import annotations

import re

from reviewkit.model import DiffLine, FileDiff, FileStatus, Hunk, Message, Patch, PatchSource
from reviewkit.patch import lines as L

# Where a diff starts: a git header, or "--- a" + "+++ b" (plain diff -u).
_DIFF_START = re.compile(r"^(?:diff --git |diff -|Index: |--- \S)")


def find_diff_start(lines: list[str]) -> int | None:
    """Index of the first diff line of a mail body; None when there is none."""
    for i, line in enumerate(lines):
        if line.startswith("diff --git ") or L.DIFF_OTHER.match(line):
            return i
        if (line.startswith("--- ") and i + 2 < len(lines)
                and lines[i + 1].startswith("+++ ") and L.HUNK_HEADER.match(lines[i + 2])):
            return i
    return None


def find_diff_end(lines: list[str], start: int) -> int:
    """Index just past the diff: the format-patch ``-- `` footer, or the end.

    A ``-- `` line counts as the footer only when no diff or hunk header
    follows it (a removed line ``- `` looks the same).
    """
    last_header = start
    for i in range(start, len(lines)):
        if lines[i].startswith(("diff --git ", "@@ ")):
            last_header = i
    for i in range(last_header, len(lines)):
        if lines[i] == "-- " or (lines[i] == "--" and (i + 1 == len(lines)
                                                        or L.VERSION.match(lines[i + 1]))):
            return i
    return len(lines)


def split_patch_mail(lines: list[str], start: int) -> tuple[str, str, str]:
    """``(commit message, notes, diffstat)`` of the text before the diff.

    The commit message ends at the first ``---`` line; between it and the
    diff, lines shaped like a diffstat form the diffstat, the rest the notes.
    """
    head = lines[:start]
    try:
        cut = head.index("---")
    except ValueError:
        return "\n".join(head).strip("\n"), "", ""
    notes: list[str] = []
    stat: list[str] = []
    for line in head[cut + 1:]:
        (stat if L.DIFFSTAT.match(line) else notes).append(line)
    return "\n".join(head[:cut]).strip("\n"), "\n".join(notes).strip("\n"), "\n".join(stat)


def _status(pf, info: list[str]) -> FileStatus:  # type: ignore[no-untyped-def]
    if getattr(pf, "is_binary_file", False) or any(L.BINARY.match(x) for x in info):
        return FileStatus.BINARY
    if pf.is_added_file:
        return FileStatus.ADDED
    if pf.is_removed_file:
        return FileStatus.DELETED
    if pf.is_rename:
        return FileStatus.RENAMED
    if any(x.startswith(("old mode ", "new mode ")) for x in info) and not len(pf):
        return FileStatus.MODE
    return FileStatus.MODIFIED


# unidiff's own hunk-header pattern: a line starting "@@" that it does not
# match is skipped with its hunk's lines (b4's sample
# trailers-followup-with-cover.mbox has "@@@ -1,1 +1,1 @@").
_UNIDIFF_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _check_hunk_headers(text: str) -> None:
    """Raise ValueError naming the first hunk header unidiff would skip."""
    for line in text.split("\n"):
        if line.startswith("@@") and not _UNIDIFF_HUNK.match(line):
            raise ValueError(f"hunk header not understood: {line[:60]!r}")


def _paths(pf, info: list[str]) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    old = L.strip_path(pf.source_file) if pf.source_file else None
    new = L.strip_path(pf.target_file) if pf.target_file else None
    old, new = L.strip_tree_prefixes(old, new)
    for x in info:  # git names renamed files without a/ b/ here
        m = L.RENAME_FROM.match(x)
        if m:
            old = m.group(1).strip()
        m = L.RENAME_TO.match(x)
        if m:
            new = m.group(1).strip()
    return old, new


def parse_diff_text(text: str, first_line: int | None) -> tuple[tuple[FileDiff, ...], tuple[str, ...]]:
    """Parse diff text with unidiff, falling back to the tolerant parser.

    Args:
        text: the diff, from its first header to its end.
        first_line: body index of the text's first line (None when the diff
            is not in the body, as for an attachment).

    Returns:
        ``(files, warnings)``; a warning says when unidiff refused the diff
        and the tolerant parser read it instead.
    """
    from unidiff import PatchSet

    def body_index(n: int | None) -> int | None:
        return None if first_line is None or n is None else first_line + n - 1

    repaired, n = repair_blank_context(text)
    # Blank lines after the diff are no context lines, unless the hunk still
    # needs lines: then they are context lines that lost their space (the
    # repair above gave it back).
    text = text.rstrip("\n") + "\n"
    repaired = repaired.rstrip("\n") + "\n"
    try:
        try:
            # one line per "\n", as the body is indexed (not str.splitlines)
            ps = PatchSet(_as_lines(text))
            note: tuple[str, ...] = ()
            _check_hunk_headers(text)
        except Exception:
            if not n:
                raise
            ps = PatchSet(_as_lines(repaired))
            note = (f"{n} blank context lines had lost their leading space "
                    "(trailing whitespace stripped in transit); repaired",)
    except Exception as exc:  # unidiff on hostile text: any failure means "read tolerantly"
        from reviewkit.patch.tolerant import DiffItem, parse_diff_items  # only diffs unidiff refuses

        items = [DiffItem(body_index(k + 1) or 0, t) for k, t in enumerate(text.split("\n")[:-1])]
        read, warns = parse_diff_items(items)
        if first_line is None:
            read = tuple(_drop_body_lines(f) for f in read)
        # one line: unidiff's messages can end in the offending diff line
        why = " ".join(str(exc).split())[:160] or type(exc).__name__
        return read, (f"malformed diff ({why}); read tolerantly, may be partial",) + warns
    files = []
    for pf in ps:
        info = [x.rstrip("\n") for x in pf.patch_info or []]
        blobs = next((L.INDEX.match(x) for x in info if L.INDEX.match(x)), None)
        old, new = _paths(pf, info)
        hunks = []
        for h in pf:
            dl = tuple(
                DiffLine(ln.line_type, ln.value.rstrip("\n"), ln.source_line_no, ln.target_line_no,
                         body_index(ln.diff_line_no))
                for ln in h if ln.line_type in (" ", "+", "-")
            )
            hunks.append(Hunk(h.source_start, h.source_length, h.target_start, h.target_length,
                              (h.section_header or "").strip(), dl))
        files.append(FileDiff(old, new, blobs.group(1) if blobs else None,
                              blobs.group(2) if blobs else None, tuple(hunks), _status(pf, info)))
    return tuple(files), note


def repair_blank_context(text: str) -> tuple[str, int]:
    """Give back the leading space of blank context lines a mailer stripped.

    ``samples/patchwork/0019-multipart-patch.mbox`` carries empty lines where
    the diff had " ": unidiff then finds the hunk short. An empty line
    counts as context only while the hunk header still expects lines on
    both sides.

    Returns:
        ``(text, number of lines repaired)``.
    """
    out: list[str] = []
    old = new = 0
    n = 0
    for line in text.split("\n"):
        m = L.HUNK_HEADER.match(line)
        if m:
            old = int(m.group(2)) if m.group(2) is not None else 1
            new = int(m.group(4)) if m.group(4) is not None else 1
        elif old > 0 or new > 0:
            if line == "" and old > 0 and new > 0:
                line = " "
                n += 1
            if line[:1] in (" ", "-"):
                old -= 1
            if line[:1] in (" ", "+"):
                new -= 1
        out.append(line)
    return "\n".join(out), n


def _as_lines(text: str) -> list[str]:
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [x + "\n" for x in parts]


def _drop_body_lines(f: FileDiff) -> FileDiff:
    from dataclasses import replace

    return replace(f, hunks=tuple(
        replace(h, lines=tuple(replace(x, body_line=None) for x in h.lines)) for h in f.hunks))


def _is_patch_attachment(content_type: str, filename: str) -> bool:
    ct = content_type.lower()
    return ("x-patch" in ct or "x-diff" in ct or ct == "text/diff"
            or filename.lower().endswith((".patch", ".diff")))


def parse_patch(message: Message) -> Patch | None:
    """Parse the diff of a patch mail (``source=MAIL``).

    The diff is taken from the body, else from the first x-patch/x-diff
    attachment. The text before it is split into commit message (up to
    ``---``), notes and diffstat.

    Args:
        message: a decoded patch mail.

    Returns:
        The Patch; when unidiff refuses the diff (truncated, hand-edited) the
        tolerant parser's partial result with a warning. None when the mail
        holds no diff.
    """
    lines = message.body.split("\n")  # the indexing of DiffLine.body_line and Block.start
    start = find_diff_start(lines)
    first_line: int | None = start
    if start is not None:
        end = find_diff_end(lines, start)
        diff_text = "\n".join(lines[start:end]) + "\n"
        commit, notes, stat = split_patch_mail(lines, start)
    else:
        att = next((a for a in message.attachments
                    if _is_patch_attachment(a.content_type, a.filename)
                    and find_diff_start(a.text.split("\n")) is not None), None)
        if att is None:
            return None
        alines = att.text.split("\n")
        astart = find_diff_start(alines)
        assert astart is not None
        diff_text = "\n".join(alines[astart:find_diff_end(alines, astart)]) + "\n"
        first_line = None
        commit, notes, stat = split_patch_mail(lines, len(lines))
        acommit, anotes, astat = split_patch_mail(alines, astart)
        commit = commit or acommit
        notes, stat = notes or anotes, stat or astat
    files, warnings = parse_diff_text(diff_text, first_line)
    if not files:
        return None
    from reviewkit.quotes import find_trailers, split_blocks

    trailers = tuple(t for t in find_trailers(message, message.blocks or split_blocks(message))
                     if not t.quoted)
    return Patch(
        msgid=message.msgid,
        source=PatchSource.MAIL,
        subject=message.subject,
        commit_message=commit,
        notes=notes,
        diffstat=stat,
        files=files,
        trailers=trailers,
        warnings=warnings,
        timestamp=message.timestamp,
    )
