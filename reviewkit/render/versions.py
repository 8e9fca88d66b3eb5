"""Series across versions, as the versions stage found them.

- ``render_versions_text`` / ``render_versions_markdown``: what
  ``reviewkit versions`` prints: each series, its versions with dates, the
  patch-to-patch links (with ``range_diff`` the range-diffs) and the fate
  of each review comment (with ``comments``).
- ``versions_json``: the same as JSON (schema ``reviewkit.series``).
- ``carried_comments``: the vN comments to show under vN+1's diff in
  ``review`` (the terminal's ``CarriedView`` and markdown's
  ``md_carried`` show one with its status, using ``status_words``,
  ``fate_where`` and ``fate_evidence_md``).
- ``find_since``: the summary's "since vN" part of a patch (one line per
  comment in the summary, ``since_markdown`` in ``--full``, ``since_json``
  in JSON).

Render reads no file and runs no stage: everything here formats the
``Versions`` record of a Review.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator

from rich.console import Console, RenderableType
from rich.text import Text

from reviewkit.model import Comment, Message, Trailer
from reviewkit.model.review import (
    CommentFate,
    CommentScope,
    FindingFate,
    FindingStatus,
    LinkKind,
    PatchLink,
    RangeDiff,
    Review,
    SeriesHistory,
    SeriesVersion,
    Verdict,
    Versions,
)
from reviewkit.render.safe import md_code, md_escape, md_fence, safe_text

SCHEMA = "reviewkit.series"
VERSION = 1

VERDICT_STYLE = {Verdict.ADDRESSED: "green", Verdict.ANSWERED: "yellow", Verdict.OPEN: "bold red",
                  Verdict.MOOT: "dim"}
_LINK_MARK = {LinkKind.SAME_TITLE: "", LinkKind.RENAMED: "renamed", LinkKind.MERGED: "merged into",
              LinkKind.SPLIT: "split from", LinkKind.DROPPED: "dropped", LinkKind.ADDED: "new"}


# --------------------------------------------------------------------------
# shared words


def status_words(f: CommentFate) -> str:
    """``addressed``, ``answered-not-changed (agree)``, ``open``, ``moot``;
    an addressed comment that was also answered says how."""
    words = f.verdict.value
    if f.answer is not None and f.verdict in (Verdict.ANSWERED, Verdict.ADDRESSED):
        words += f" ({f.answer.value})" if f.verdict is Verdict.ANSWERED else f" (answered: {f.answer.value})"
    return words


def _number(index: int | None, total: int | None) -> str:
    if index is None:
        return "?"
    return f"{index}/{total}" if total else str(index)


def fate_where(c: Comment) -> str:
    """``file:line function()`` of a comment's anchor; ``general`` when it names no file."""
    a = c.anchor
    if a is None or not a.file:
        return "general"
    out = a.file + (f":{a.line}" if a.line is not None else "")
    return out + (f" {a.function}()" if a.function else "")


def _first_line(text: str, width: int = 72) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 3] + "..."


def link_mark(link: PatchLink) -> str:
    """``=`` same patch, ``!`` changed, ``<`` dropped, ``>`` new (as git range-diff marks pairs)."""
    if link.kind is LinkKind.DROPPED:
        return "<"
    if link.kind is LinkKind.ADDED:
        return ">"
    rd = link.range_diff
    return "=" if rd is not None and rd.same and not rd.commit_message else "!"


def _version_line(v: SeriesVersion) -> str:
    n = len(v.patches)
    parts = [f"v{v.version}", v.date or "(no date)",
             f"{n} patch{'es' if n != 1 else ''}" + (" and a cover letter" if v.cover else "")]
    if v.resend:
        parts.append("RESEND")
    return "  ".join(parts)


# where a link line's title starts: "  " + 6 + " -> " + 6 + " " + mark + " "
LINK_TITLE_COLUMN = 19


def _link_line(link: PatchLink, old: SeriesVersion, new: SeriesVersion) -> str:
    left = _number(link.old_index, old.total) if link.old else "-"
    right = _number(link.new_index, new.total) if link.new else "-"
    title = link.new_title or link.old_title
    what = _LINK_MARK[link.kind]
    if link.kind is LinkKind.RENAMED:
        what = f"renamed from '{link.old_title}'"
    rd = link.range_diff
    if rd is not None and not rd.same:
        changed = [f.name for f in rd.functions if f.delta.value != "same"]
        what = (what + "; " if what else "") + ("changed: " + ", ".join(changed[:4]) + ("..." if len(changed) > 4
                                                                                    else "") if changed else "changed")
    elif rd is not None and rd.commit_message:
        what = (what + "; " if what else "") + "commit message changed"
    return f"{left:>6} -> {right:<6} {link_mark(link)} {title}" + (f"  ({what})" if what else "")


def _counts(fates: Iterable[CommentFate]) -> Counter:
    return Counter(f.verdict.value for f in fates)


def _count_words(counts: Counter, order: Iterable[str]) -> str:
    return ", ".join(f"{counts[k]} {k}" for k in order if counts[k]) or "none"


_VERDICTS = [v.value for v in Verdict]
_FINDINGS = [s.value for s in FindingStatus]


def _step_fates(versions: Versions, old: SeriesVersion) -> list[CommentFate]:
    mine = set(old.patches) | ({old.cover} if old.cover else set())
    return [f for f in versions.comments if f.patch in mine]


def _step_findings(versions: Versions, old: SeriesVersion) -> list[FindingFate]:
    mine = set(old.patches)
    return [f for f in versions.findings if f.patch in mine]


# --------------------------------------------------------------------------
# reviewkit versions: text


def render_versions_text(review: Review, console: Console, *, comments: bool = False,
                         range_diff: bool = False) -> None:
    """Print the series of ``review`` across versions on ``console``: on a
    terminal, lines wrap under their indent and range-diff lines are
    cropped; a file or pipe gets every line whole."""
    versions = review.versions
    if versions is None or not versions.series:
        console.print(Text("No series in two or more versions found in the input.", style="italic"))
        return
    messages = {m.msgid: m for m in review.messages}
    for si, series in enumerate(versions.series):
        if si:
            console.print()
        for line in _text_series(series, versions, messages, comments=comments, range_diff=range_diff):
            console.print(line, crop=False)


def _text_series(series: SeriesHistory, versions: Versions, messages: dict[str, Message], *,
                 comments: bool, range_diff: bool) -> Iterator[RenderableType]:
    from reviewkit.render.text import CROP, indented

    head = Text("series ", style="dim")
    head.append_text(safe_text(series.title or "(untitled)", "bold"))
    head.append("  by ", style="dim")
    head.append_text(safe_text(series.author or series.email))
    if series.email and series.author:
        head.append_text(safe_text(f" <{series.email}>"))
    yield indented(head)
    for v in series.versions:
        yield indented(safe_text(_version_line(v)), 2)
    for step in series.steps:
        old, new = series.versions[step.old], series.versions[step.new]
        yield Text("")
        yield Text(f"  v{old.version} -> v{new.version}", style="bold")
        for link in step.links:
            style = {"=": "dim", "!": "", "<": "red", ">": "green"}[link_mark(link)]
            # wrapped under the title, past the numbers and the mark
            yield indented(safe_text(_link_line(link, old, new), style), 2, hang=LINK_TITLE_COLUMN - 2)
            if link.reason != "same title":
                yield indented(safe_text(link.reason, "dim"), LINK_TITLE_COLUMN)
            if range_diff and link.range_diff is not None:
                for line in _range_diff_lines(link.range_diff):
                    style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                    yield indented(safe_text(line, style), 6, CROP)  # code does not wrap
        fates = _step_fates(versions, old)
        found = _step_findings(versions, old)
        summary = Text(f"review of v{old.version}: ", style="bold")
        summary.append(f"{len(fates)} comment{'s' if len(fates) != 1 else ''}: "
                       f"{_count_words(_counts(fates), _VERDICTS)}")
        if found:
            summary.append(f"; findings: {_count_words(Counter(f.status.value for f in found), _FINDINGS)}")
        yield indented(summary, 2, hang=2)
        if comments:
            for f in fates:
                yield from _fate_text(f, messages, old)


def _range_diff_lines(rd: RangeDiff) -> list[str]:
    out = list(rd.lines)
    if rd.commit_message:
        out += ["## Commit message ##", *rd.commit_message]
    return out


def _fate_text(f: CommentFate, messages: dict[str, Message], old: SeriesVersion) -> Iterator[RenderableType]:
    from reviewkit.render.text import CROP, indented

    c = f.comment
    posting = messages.get(f.patch)
    label = _number(posting.series.index, old.total) if posting is not None else "?"
    head = safe_text(f"{label} {fate_where(c)} ", "cyan")
    head.append_text(safe_text(c.author or c.email, "bold"))
    head.append(": ")
    head.append(status_words(f), style=VERDICT_STYLE[f.verdict])
    yield indented(head, 4, hang=2)
    yield indented(safe_text(_first_line(c.text), "italic"), 6)
    for e in f.evidence:
        if e.startswith("    "):  # a line of code (range-diff): cropped, not wrapped
            yield indented(safe_text(e.strip(), "dim"), 10, CROP)
        else:
            yield indented(safe_text(e, "dim"), 6)


# --------------------------------------------------------------------------
# reviewkit versions: markdown


def render_versions_markdown(review: Review, *, comments: bool = False, range_diff: bool = False) -> str:
    """The series of ``review`` across versions as markdown (ends with a newline)."""
    versions = review.versions
    out = ["# Series across versions", ""]
    if versions is None or not versions.series:
        return "\n".join(out + ["No series in two or more versions found in the input.", ""])
    messages = {m.msgid: m for m in review.messages}
    for series in versions.series:
        out += [f"## {md_escape(series.title or '(untitled)')}", "",
                f"By {md_escape(series.author or series.email)}" + (f" {md_code(series.email)}" if series.email else ""),
                ""]
        out += [f"- {md_escape(_version_line(v))}" for v in series.versions] + [""]
        for step in series.steps:
            old, new = series.versions[step.old], series.versions[step.new]
            out += [f"### v{old.version} -> v{new.version}", "", "| v%d | v%d | | patch | how |" % (old.version, new.version),
                    "|---:|---:|---|---|---|"]
            for link in step.links:
                left = _number(link.old_index, old.total) if link.old else "-"
                right = _number(link.new_index, new.total) if link.new else "-"
                title = link.new_title or link.old_title
                how = "same title" if link.kind is LinkKind.SAME_TITLE else f"{link.kind.value}: {link.reason}"
                out.append(f"| {left} | {right} | {md_code(link_mark(link))} | {_cell(title)} | {_cell(how)} |")
            out.append("")
            if range_diff:
                for link in step.links:
                    if link.range_diff is not None and (not link.range_diff.same or link.range_diff.commit_message):
                        out += [f"#### {md_escape(_number(link.old_index, old.total))} -> "
                                f"{md_escape(_number(link.new_index, new.total))}: {md_escape(link.new_title)}", "",
                                md_fence("\n".join(_range_diff_lines(link.range_diff)), "diff")]
            fates = _step_fates(versions, old)
            out += [f"Review of v{old.version}: {len(fates)} comments: {_count_words(_counts(fates), _VERDICTS)}.", ""]
            if comments:
                for f in fates:
                    out += md_fate(f, messages, old)
    return "\n".join(out).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    from reviewkit.render.safe import md_table_cell

    return md_table_cell(text)


def md_fate(f: CommentFate, messages: dict[str, Message], old: SeriesVersion | None = None) -> list[str]:
    """A comment's fate: who, where, the status, the evidence, the comment."""
    c = f.comment
    posting = messages.get(f.patch)
    label = _number(posting.series.index, old.total if old else posting.series.total) if posting is not None else "?"
    out = [f"- v{f.old_version} {md_escape(label)} {md_code(fate_where(c))}, {md_escape(c.author or c.email)}, "
           f"{md_escape(c.date)}: **{md_escape(status_words(f))}**"]
    out += ["  " + e for e in fate_evidence_md(f)]
    out += ["", _indent(md_fence(c.text.rstrip("\n"), "text")), ""]
    return out


def fate_evidence_md(f: CommentFate) -> list[str]:
    """The evidence of a fate as markdown list items; a line indented by
    four spaces (a line of code) in a code span."""
    return [("- " + (md_code(e.strip()) if e.startswith("    ") else md_escape(e))) for e in f.evidence]


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.rstrip("\n").split("\n"))


# --------------------------------------------------------------------------
# JSON


def _anchor_json(a) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    from reviewkit.render.json_out import _anchor

    return _anchor(a)


def _link_json(link: PatchLink) -> dict[str, Any]:
    rd = link.range_diff
    return {
        "kind": link.kind.value,
        "old": link.old,
        "new": link.new,
        "old_index": link.old_index,
        "new_index": link.new_index,
        "old_title": link.old_title,
        "new_title": link.new_title,
        "reason": link.reason,
        "mark": link_mark(link),
        "range_diff": None if rd is None else {
            "same": rd.same,
            "lines": list(rd.lines),
            "commit_message": list(rd.commit_message),
            "functions": [{"file": f.file, "name": f.name, "delta": f.delta.value} for f in rd.functions],
            "hunks_moved": rd.hunks_moved,
        },
    }


def _version_json(v: SeriesVersion) -> dict[str, Any]:
    return {"version": v.version, "title": v.title, "author": v.author, "email": v.email, "date": v.date,
            "timestamp": v.timestamp, "cover": v.cover, "patches": list(v.patches), "total": v.total,
            "resend": v.resend}


def fate_json(f: CommentFate) -> dict[str, Any]:
    c = f.comment
    return {
        "msgid": c.msgid,
        "body_start": c.body_start,
        "author": c.author,
        "email": c.email,
        "date": c.date,
        "text": c.text,
        "anchor": _anchor_json(c.anchor),
        "patch": f.patch,
        "successor": f.successor,
        "from_version": f.old_version,
        "to_version": f.new_version,
        "scope": f.scope.value,
        "fate": f.fate.value,
        "verdict": f.verdict.value,
        "changed": f.changed,
        "answer": f.answer.value if f.answer else None,
        "answers": [{"msgid": a.msgid, "body_start": a.body_start, "author": a.author, "kind": a.kind.value,
                     "cues": list(a.cues), "text": a.text} for a in f.answers],
        "questions": list(f.questions),
        "evidence": list(f.evidence),
        "target": _anchor_json(f.target),
        "suggested": f.suggested,
        "suggested_found": f.suggested_found,
    }


def _finding_fate_json(f: FindingFate) -> dict[str, Any]:
    from reviewkit.render.json_out import _finding

    return {"finding": _finding(f.finding), "patch": f.patch, "successor": f.successor, "status": f.status.value,
            "statement": f.statement, "now": _finding(f.now) if f.now is not None else None}


def versions_body(versions: Versions) -> dict[str, Any]:
    """The versions record as JSON-ready fields (no schema header)."""
    return {
        "series": [{
            "title": s.title,
            "author": s.author,
            "email": s.email,
            "versions": [_version_json(v) for v in s.versions],
            "steps": [{"from_version": s.versions[st.old].version, "to_version": s.versions[st.new].version,
                       "links": [_link_json(link) for link in st.links]} for st in s.steps],
        } for s in versions.series],
        "comments": [fate_json(f) for f in versions.comments],
        "findings": [_finding_fate_json(f) for f in versions.findings],
        "trailers": [{"patch": p, "key": t.key, "name": t.name, "email": t.email, "msgid": t.msgid}
                     for p, ts in versions.trailers.items() for t in ts],
        "counts": {"comments": _count_list(_counts(versions.comments), "verdict", _VERDICTS),
                   "findings": _count_list(Counter(f.status.value for f in versions.findings), "status", _FINDINGS)},
    }


def _count_list(counts: Counter, key: str, order: Iterable[str]) -> list[dict[str, Any]]:
    return [{key: k, "count": counts[k]} for k in order if counts[k]]


def merge_versions_body(kept: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The :func:`versions_body` of two parts of one input reviewed apart
    (reviewkit/pipeline.py: Reviews): the lists of both, the counts summed."""

    def summed(name: str, key: str, order: Iterable[str]) -> list[dict[str, Any]]:
        counts: Counter = Counter()
        for body in (kept, new):
            counts.update({c[key]: c["count"] for c in body["counts"][name]})
        return _count_list(counts, key, order)

    return {
        **{k: kept[k] + new[k] for k in ("series", "comments", "findings", "trailers")},
        "counts": {"comments": summed("comments", "verdict", _VERDICTS),
                   "findings": summed("findings", "status", _FINDINGS)},
    }


def versions_json(review: Review) -> dict[str, Any]:
    """``reviewkit versions --format json``: schema ``reviewkit.series``, version 1."""
    body = versions_body(review.versions) if review.versions is not None else {
        "series": [], "comments": [], "findings": [], "trailers": [], "counts": {"comments": [], "findings": []}}
    return {"schema": SCHEMA, "version": VERSION, **body, "warnings": list(review.warnings)}


# --------------------------------------------------------------------------
# review: vN's comments under vN+1's diff


def carried_comments(review: Review) -> dict[str, list[tuple[Comment, CommentFate]]]:
    """vN+1 patch Message-ID -> the vN comments to show under its diff:
    each (the comment placed on the line it now belongs under, or with no
    anchor when none; its fate)."""
    out: dict[str, list[tuple[Comment, CommentFate]]] = {}
    if review.versions is None:
        return out
    for f in review.versions.comments:
        if f.successor is None or f.scope is CommentScope.GENERAL:
            continue  # dropped patch, or a comment on the cover letter
        placed = replace(f.comment, anchor=f.target)
        out.setdefault(f.successor, []).append((placed, f))
    return out


# --------------------------------------------------------------------------
# summary: "since vN"


@dataclass(frozen=True)
class Since:
    """What became of the previous version's review of one patch: the link
    from vN (``old``) to vN+1 (``new``), the fates of the vN comments, the
    review trailers given on vN and the fates of vN's findings."""

    link: PatchLink
    old: SeriesVersion
    new: SeriesVersion
    fates: tuple[CommentFate, ...]
    trailers: tuple[Trailer, ...]
    findings: tuple[FindingFate, ...]

    @property
    def dropped(self) -> bool:
        return self.link.kind is LinkKind.DROPPED

    @property
    def was(self) -> str:
        """``16/22``: the patch's number in vN ("" when it has none)."""
        return _number(self.link.old_index, self.old.total) if self.link.old_index is not None else ""

    @property
    def how(self) -> str:
        """How the patch came from vN: the link's evidence, and whether
        the diff is the same."""
        how = self.link.reason if self.link.kind is LinkKind.SAME_TITLE else \
            f"{self.link.kind.value}: {self.link.reason}"
        rd = self.link.range_diff
        return how + ("; the same diff" if rd is not None and rd.same else "")

    def counts(self) -> str:
        """``4 addressed, 1 open``: the vN comments by verdict ("none")."""
        return _count_words(_counts(self.fates), _VERDICTS)

    def finding_counts(self) -> str:
        return _count_words(Counter(f.status.value for f in self.findings), _FINDINGS)

    def worth_saying(self) -> bool:
        """Something happened on vN to report: a comment, a trailer, a
        finding, or the patch was dropped."""
        return bool(self.dropped or self.fates or self.trailers or self.findings)


def find_since(review: Review, msgid: str) -> Since | None:
    """For a vN+1 patch, what became of its vN review; for a dropped vN
    patch, the same. None when the input holds no other version of it."""
    versions = review.versions
    if versions is None:
        return None
    for s in versions.series:
        for st in s.steps:
            for link in st.links:
                if link.kind is LinkKind.SPLIT or msgid not in (link.old, link.new):
                    continue
                if link.new == msgid:
                    fates = [f for f in versions.comments if f.successor == msgid]
                elif link.kind is LinkKind.DROPPED:
                    fates = [f for f in versions.comments if f.patch == msgid]
                else:
                    return None  # a vN patch with a successor: its review shows there
                return Since(link, s.versions[st.old], s.versions[st.new], tuple(fates),
                             versions.trailers.get(link.old or "", ()),
                             tuple(f for f in versions.findings if f.patch == link.old))
    return None


def since_json(review: Review, msgid: str) -> dict[str, Any] | None:
    """:func:`find_since` as JSON-ready fields (``patches[].since`` of the
    summary); None when there is none."""
    since = find_since(review, msgid)
    if since is None:
        return None
    link = since.link
    return {
        "from_version": since.old.version,
        "to_version": since.new.version,
        "previous": link.old,
        "link": link.kind.value,
        "reason": link.reason,
        "dropped": since.dropped,
        "range_diff_same": link.range_diff.same if link.range_diff is not None else None,
        "counts": _count_list(_counts(since.fates), "verdict", _VERDICTS),
        "comments": [fate_json(f) for f in since.fates],
        "trailers": [{"key": t.key, "name": t.name, "email": t.email, "msgid": t.msgid} for t in since.trailers],
        "findings": [_finding_fate_json(f) for f in since.findings],
    }


def since_markdown(review: Review, msgid: str) -> list[str]:
    """The full summary's "Since vN" section of a patch, every vN comment
    verbatim with its fate ([] when none)."""
    since = find_since(review, msgid)
    if since is None:
        return []
    old_v, new_v = since.old.version, since.new.version
    if since.dropped:
        out = [f"### Dropped in v{new_v}", "", md_escape(since.link.reason), ""]
    else:
        number = f" {since.was}" if since.was else ""
        out = [f"### Since v{old_v}", "", f"From v{old_v}{md_escape(number)} ({md_escape(since.how)}).", ""]
    out.append(f"- Comments on v{old_v}: {since.counts()}")
    for t in since.trailers:
        out.append(f"- Given on v{old_v}: {md_escape(t.key)}: {md_escape(t.name)}"
                   + (f" {md_code('<' + t.email + '>')}" if t.email else ""))
    if since.findings:
        out.append(f"- Findings on v{old_v}: {since.finding_counts()}")
    out.append("")
    messages = {m.msgid: m for m in review.messages}
    for f in since.fates:
        out += md_fate(f, messages)
    return out


__all__ = [
    "SCHEMA", "VERDICT_STYLE", "VERSION", "Since", "carried_comments", "fate_evidence_md", "fate_where",
    "find_since", "md_fate", "render_versions_markdown", "render_versions_text", "since_json", "since_markdown",
    "merge_versions_body", "status_words", "versions_body", "versions_json",
]
