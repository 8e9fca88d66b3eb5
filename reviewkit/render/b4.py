"""What b4 reads from a check command and from an external reviewer.

b4 (0.16) runs check commands over each patch, the patch on standard input
as a mail, from the top of the git tree, and reads their output two ways:

- ``b4.prep-perpatch-check-cmd`` / ``b4.am-perpatch-check-cmd``
  (``b4 prep --check``, ``b4 am --check``): each line of standard output is
  one finding, a fail when it holds ``ERROR:``, else a warning; each line
  of standard error is a fail; no output and exit status 0 is a pass
  (``b4.LoreMessage.run_local_check``). :func:`render_b4_lines` writes
  those lines, in the shape of ``checkpatch.pl --terse --showfile``
  (``FILE:LINE: ERROR: ...``).
- ``b4.review-perpatch-check-cmd`` / ``b4.review-series-check-cmd`` (the
  review TUI's CI checks; the series command gets the cover letter): a JSON
  array of ``{tool, status: pass|warn|fail, summary, url, details}``
  (``b4.review.checks._run_external_cmd``). b4 keeps one result per tool
  and patch, and shows ``details`` as a list when it is the JSON text of
  ``[{status, description}]``, as its own checkpatch check writes it:
  :func:`render_b4_json` gives one result with every finding in it.

b4's review mode also takes review comments from files under
``.git/b4-review/<sha of the review branch's tip>/``: ``identity.txt``
(``Name <email>``), ``series.txt`` (a note on the cover letter) and
``NNNN.txt`` (patch NNNN of the series, 1-based: a summary line, then the
patch quoted with ``> `` and comments unquoted in between), the form a
human reviewer writes (``b4.review._review._integrate_agent_reviews``).
:func:`render_b4_review` makes those files' text; the CLI writes them.

A finding fails the check unless it is only information, as in
``reviewkit check``: an item fails on a warning or an error.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from reviewkit.model import Checklist, Finding, Patch, Severity, Status
from reviewkit.model.review import Review
from reviewkit.render.quoting import quote_patch, wrap_prose
from reviewkit.render.safe import safe_plain

TOOL = "reviewkit"
# b4's review mode credits the comments to this reviewer; the .invalid
# domain (RFC 2606) says that it is no one's address.
IDENTITY = "reviewkit <reviewkit@reviewkit.invalid>"


def _one_line(text: str) -> str:
    return " ".join(safe_plain(text).split())


def _fails(f: Finding) -> bool:
    return f.severity is not Severity.INFO


def _entries(checklist: Checklist) -> list[tuple[Status, str, str]]:
    """(warn or fail, where, one line) per finding behind a warn or fail
    item, and one per such item with no finding (a stage turned off)."""
    out: list[tuple[Status, str, str]] = []
    for item in checklist.items:
        if item.status is Status.PASS:
            continue
        if not item.findings:
            out.append((item.status, _one_line(item.where), _one_line(f"{item.name}: {item.reason}")))
            continue
        places = item.places or (item.where,) * len(item.findings)
        for where, f in zip(places, item.findings):
            text = f"{f.rule} {f.message}" + (f" ({f.suggestion})" if f.suggestion else "")
            out.append((Status.FAIL if _fails(f) else Status.WARN, _one_line(where), _one_line(text)))
    return out


def render_b4_lines(checklist: Checklist) -> str:
    """The checklist as b4's line protocol: one line per finding,
    ``WHERE: ERROR: RKnnn message (suggestion)`` for a fail and
    ``WHERE: WARNING: ...`` for a warning; "" when everything passed.
    A warning line never holds ``ERROR:`` (b4 would count it a fail)."""
    lines = []
    for status, where, text in _entries(checklist):
        if status is Status.FAIL:
            lines.append(f"{where}: ERROR: {text}")
        else:
            lines.append(f"{where}: WARNING: {text}".replace("ERROR:", "ERROR :"))
    return "".join(line + "\n" for line in lines)


def _tally(checklist: Checklist) -> str:
    n = len(checklist.items)
    fails, warns = checklist.count(Status.FAIL), checklist.count(Status.WARN)
    if not fails and not warns:
        text = f"{n} check{'s' if n != 1 else ''} passed"
    else:
        parts = [f"{fails} failed"] if fails else []
        parts += [f"{warns} warned"] if warns else []
        text = ", ".join(parts) + f" of {n} checks"
    if checklist.dismissed:
        text += f"; {len(checklist.dismissed)} dismissed"
    return text


def render_b4_json(checklist: Checklist) -> list[dict[str, Any]]:
    """The checklist as b4's JSON protocol: ``[]`` for an input with no
    check, else one result for the tool with the worst status, a tally as
    the summary and every finding in ``details``."""
    if not checklist.items:
        return []
    entries = _entries(checklist)
    worst = Status.FAIL if any(s is Status.FAIL for s, _, _ in entries) else (
        Status.WARN if entries else Status.PASS)
    result: dict[str, Any] = {"tool": TOOL, "status": worst.value, "summary": _tally(checklist), "url": ""}
    details = [{"status": s.value, "description": f"{where}: {text}"} for s, where, text in entries]
    result["details"] = json.dumps(details, ensure_ascii=False) if details else ""
    return [result]


# --------------------------------------------------------------------------
# review mode files


def _comment(f: Finding, where: str = "") -> list[str]:
    head = (f"{where}: " if where else "") + f"{f.rule} ({f.category}, {f.severity.value}): "
    lines = wrap_prose(head + f.message)
    if f.suggestion:
        lines += [""] + wrap_prose("Suggested change: " + f.suggestion)
    return lines


def _note(findings: Sequence[Finding], mail: str) -> list[str]:
    """Findings as paragraphs of a note, each opened by its place (a line
    of the ``mail``: "commit message", "cover letter")."""
    out: list[str] = []
    for f in findings:
        where = f"{f.file}:{f.line}" if f.file and f.line else f.file or (f"{mail} line {f.line}" if f.line else "")
        if out:
            out.append("")
        out += _comment(f, where)
    return out


def _summary(findings: Sequence[Finding]) -> str:
    rules = sorted({f.rule for f in findings})
    n = len(findings)
    return f"reviewkit: {n} finding{'s' if n != 1 else ''} ({', '.join(rules)})"


def render_b4_patch_review(patch: Patch, findings: Sequence[Finding]) -> str:
    """One ``NNNN.txt``: the summary line, the findings the quoted diff
    cannot hold (commit message, the patch as a whole), then the hunks with
    findings quoted, each finding under its line."""
    quoted, loose = quote_patch(patch, findings, _comment)
    out = [_summary(findings)]
    if loose:
        out += ["", *_note(loose, "commit message")]
    if quoted:
        out += ["", *quoted]
    return "\n".join(out).rstrip("\n") + "\n"


def render_b4_review(review: Review, patches: Sequence[tuple[int, Patch]],
                     cover_msgids: Sequence[str] = ()) -> dict[str, str]:
    """The files of b4's review mode for one series: name -> text.

    Args:
        review: the review (its findings, dismissed ones left out).
        patches: (number in the series, 1-based; the patch), in order.
        cover_msgids: the series' cover letter(s): their findings, and those
            on the series as a whole, make ``series.txt``.

    Returns:
        ``identity.txt`` always; ``NNNN.txt`` for each patch with a
        finding; ``series.txt`` when the cover letter has one.
    """
    files = {"identity.txt": IDENTITY + "\n"}
    for number, patch in patches:
        mine = [f for f in review.findings if f.msgid == patch.msgid]
        if mine:
            files[f"{number:04d}.txt"] = render_b4_patch_review(patch, mine)
    cover = [f for f in review.findings if f.msgid in cover_msgids]
    if cover:
        files["series.txt"] = "\n".join([_summary(cover), "", *_note(cover, "cover letter")]) + "\n"
    return files


__all__ = ["IDENTITY", "TOOL", "render_b4_json", "render_b4_lines", "render_b4_patch_review", "render_b4_review"]
