"""The review as GitHub-flavoured markdown (``review --format markdown``).

The same plan as the terminal review (:mod:`reviewkit.render.layout`): the
overview of each series as a table; the cover letter with the series'
discussion; per patch a header, the diff by file and function in ``diff``
fences that break after each commented line, each comment verbatim in a
``text`` fence under its line (a diff it proposes in a ``diff`` fence),
each finding as a block quote; then the conversation. Mail text is escaped with :mod:`reviewkit.render.safe`:
fences are longer than any backtick run inside, prose is escaped, code names
are code spans. Reads well on GitHub and in a plain text viewer.
"""

from __future__ import annotations

from reviewkit.model import Comment, DiffLine, Finding, PatchSource, writer_name
from reviewkit.model.review import CommentFate, Review
from reviewkit.render.layout import (
    CoverView,
    Layout,
    PatchView,
    build_layout,
    diff_marker,
    finding_place,
    findings_tally,
    function_label,
    function_sections,
    hunk_header,
    hunk_notes,
    loose_finding_groups,
    overview_rows,
    series_heading,
    series_label,
    trailers_tally,
)
from reviewkit.render.notes import dismissed_note
from reviewkit.render.safe import md_code, md_escape, md_fence, md_table_cell
from reviewkit.render.versions import fate_evidence_md, fate_where, status_words


def md_who(name: str, email: str = "") -> str:
    """``**Name** <email>`` escaped; the address in a code span."""
    out = f"**{md_escape(name)}**" if name else ""
    if email:
        out += (" " if out else "") + md_code(email)
    return out or writer_name(None)


def md_diff_lines(lines: list[DiffLine], header: str = "") -> str:
    """A ``diff`` fence of ``lines`` (marker + text), with an optional hunk header."""
    body = [header] if header else []
    body += [diff_marker(dl.kind) + dl.text for dl in lines]
    return md_fence("\n".join(body), "diff")


def md_comment(c: Comment, *, show_quote: bool = False, where: str = "", diff_at: int | None = None) -> str:
    """A comment: who, when, where, and its text verbatim in a fence; from
    line ``diff_at`` on, the diff it proposes, in a ``diff`` fence.

    ``where`` (our own words, e.g. "new line 173") follows the header.
    """
    head = f"Comment by {md_who(c.author, c.email)}"
    if c.date:
        head += f", {md_escape(c.date)}"
    answers = c.anchor.answers if c.anchor and c.anchor.answers else None
    if show_quote and not answers:
        answers = c.quoted_author
    if answers:
        head += f", answering {md_escape(answers)}"
    if show_quote and c.anchor is not None and c.anchor.file:
        loc = md_code(c.anchor.file)
        if c.anchor.line is not None:
            loc += f" {c.anchor.side.value} line {c.anchor.line}"
        if c.anchor.function:
            loc += f" in {md_code(function_label(c.anchor.function))}"
        head += f", on {loc}"
    if where:
        head += f" ({where})"
    out = [head + ":", ""]
    if not show_quote and c.anchor is not None and c.anchor.answers and c.anchor.quoted:
        # Under the code line, an answer shows the line of the other
        # reviewer's it answers (threads/mlock-v16-16.mbox).
        out.append(md_fence(c.anchor.quoted, "text"))
    if show_quote:
        quote = c.quoted_text or (c.anchor.quoted if c.anchor else "")
        if quote:
            lines = quote.rstrip("\n").split("\n")
            if len(lines) > 6:
                out += [f"({len(lines) - 6} earlier quoted lines)", ""]
                lines = lines[-6:]
            out.append(md_fence("\n".join(lines), "text"))
    out.append(md_text_and_diff(c.text, diff_at).rstrip("\n"))
    return "\n".join(out) + "\n"


def md_text_and_diff(text: str, diff_at: int | None) -> str:
    """``text`` verbatim in a ``text`` fence; the lines from ``diff_at``
    on (a diff the writer proposes) in a ``diff`` fence after it."""
    lines = text.rstrip("\n").split("\n")
    if diff_at is None or diff_at >= len(lines):
        return md_fence("\n".join(lines), "text")
    prose = "\n".join(lines[:diff_at]).strip("\n")
    return (md_fence(prose, "text") + "\n" if prose else "") + md_fence("\n".join(lines[diff_at:]), "diff")


def md_finding(f: Finding, *, show_where: bool = False) -> str:
    """A finding as a block quote: rule, category, severity, message, suggestion."""
    head = f"**{md_escape(f.rule)}** {md_escape(f.category)}, {f.severity.value} ({f.confidence.value} confidence)"
    if show_where:
        if finding_place(f):
            head += " at " + md_code(finding_place(f))
        if f.function:
            head += " in " + md_code(function_label(f.function))
    parts = [head, md_escape(f.message, keep_newlines=True)]
    if len(f.lines) > 1:
        parts.append("Lines " + ", ".join(str(n) for n in f.lines))
    if f.suggestion:
        parts.append(md_suggestion(f.suggestion))
    if f.rationale:
        parts.append("*Why:* " + md_escape(f.rationale, keep_newlines=True))
    if f.fingerprint:
        parts.append("*Fingerprint:* " + md_code(f.fingerprint))
    lines = []
    for i, p in enumerate(parts):
        if i:
            lines.append(">")
        lines += ["> " + line if line else ">" for line in p.split("\n")]
    return "\n".join(lines) + "\n"


def md_suggestion(suggestion: str) -> str:
    """``*Suggestion:* ...``; the lines after the first (a block of code,
    as RK103 suggests) in a ``c`` fence."""
    first, _, code = suggestion.partition("\n")
    out = "*Suggestion:* " + md_escape(first)
    if code.strip("\n"):
        out += "\n\n" + md_fence(code.strip("\n"), "c").rstrip("\n")
    return out


def _patch(v: PatchView, layout: Layout) -> list[str]:
    out = [f"## {md_escape(v.patch.subject or '(no subject)', line_start=False)}", ""]
    facts = [f"- Author: {md_who(v.author, v.email)}"]
    label = series_label(v)
    if label:
        facts.append(f"- Version: {label}")
    if v.date:
        facts.append(f"- Date: {md_escape(v.date)}")
    if v.digest is not None:
        facts.append(f"- Status: {v.digest.status.value}")
        if v.digest.link:
            facts.append(f"- Link: <{v.digest.link}>")
    if v.patch.source is PatchSource.QUOTED:
        facts.append("- Diff rebuilt from what the reply quoted; the posting itself is not in the input")
    for t in v.trailers:
        facts.append(f"- {md_escape(t.key)}: {md_who(t.name, t.email)} (given in a reply)")
    for t in v.carried:
        facts.append(f"- {md_escape(t.key)}: {md_who(t.name, t.email)} (carried by the patch)")
    out += facts + [""]
    if v.patch.commit_message.strip():
        out += [md_fence(v.patch.commit_message.strip("\n"), "text")]
    if not v.files:
        out += ["No diff in this patch.", ""]
    for fv in v.files:
        fd = fv.file
        name = md_code(fd.path or "(no path)")
        if fd.old_path and fd.new_path and fd.old_path != fd.new_path:
            name = f"{md_code(fd.old_path)} → {name}"
        out += [f"### {name} ({fd.status.value})", ""]
        for hv in fv.hunks:
            h = hv.hunk
            header = hunk_header(h)
            if h.header_context:
                header += " " + h.header_context
            for note in hunk_notes(h):
                out += [f"({note[0].upper()}{note[1:]}.)", ""]
            for si, (function, rows) in enumerate(function_sections(hv)):
                if function is not None:
                    out += [f"#### {md_code(function_label(function))}", ""]
                elif si:
                    out += ["#### (outside any function)", ""]
                pending: list[DiffLine] = []
                for r in rows:
                    pending.append(r.line)
                    if r.comments or r.findings or r.earlier:
                        out += [md_diff_lines(pending, header)]
                        header = ""
                        pending = []
                        side = f"new line {r.line.new_no}" if r.line.new_no is not None else f"old line {r.line.old_no}"
                        for c in r.comments:
                            out += [md_comment(c, where=side, diff_at=_diff_at(layout, c))]
                        for f in r.findings:
                            out += [md_finding(f)]
                        out += [md_carried(c, fate, layout) for c, fate in r.earlier]
                if pending:
                    out += [md_diff_lines(pending, header)]
                    header = ""
            if header:  # a hunk with no lines still shows its header
                out += [md_diff_lines([], header)]
    for heading, group in loose_finding_groups(v):
        out += [f"### {heading}", ""]
        for f in group:
            out += [md_finding(f, show_where=True)]
    if v.conversation:
        out += ["### Conversation", ""]
        for c in v.conversation:
            out += [md_comment(c, show_quote=True, diff_at=_diff_at(layout, c))]
    if v.earlier:
        out += ["### Review of the previous version, on lines this diff does not show", ""]
        out += [md_carried(c, fate, layout) for c, fate in v.earlier]
    return out


def md_carried(c: Comment, fate: CommentFate, layout: Layout) -> str:
    """A comment on the previous version under this version's diff: where
    it was, its status since and the evidence, then the comment."""
    head = (f"From v{fate.old_version} ({md_code(fate_where(fate.comment))}), since v{fate.new_version}: "
            f"**{md_escape(status_words(fate))}**")
    return "\n".join([head, "", *fate_evidence_md(fate), "", md_comment(c, diff_at=_diff_at(layout, c))])


def _diff_at(layout: Layout, c: Comment) -> int | None:
    note = layout.note(c)
    return note.diff_at if note is not None else None


def _cover(v: CoverView, layout: Layout) -> list[str]:
    m, d = v.message, v.digest
    out = [f"## {md_escape(m.subject or '(no subject)', line_start=False)}", "",
           f"- Cover letter by {md_who(m.author, m.email)}" + (f", {md_escape(m.date)}" if m.date else "")]
    if d.link:
        out.append(f"- Link: <{d.link}>")
    for t in d.trailers:
        out.append(f"- {md_escape(t.key)}: {md_who(t.name, t.email)} (given in a reply)")
    out.append("")
    if d.cover_text:
        out.append(md_fence(d.cover_text, "text"))
    if d.cover_tail:
        out.append(md_fence(d.cover_tail, "text"))
    if v.findings:
        out += ["### Findings on the cover letter", ""] + [md_finding(f, show_where=True) for f in v.findings]
    if v.discussion:
        out += ["### Discussion of the series (replies to the cover letter)", ""]
        for c in v.discussion:
            out += [md_comment(c, show_quote=True, diff_at=_diff_at(layout, c))]
    return out


def md_overview(layout: Layout) -> list[str]:
    """The overview of each series: one table row per patch."""
    if layout.overview is None:
        return []
    out: list[str] = []
    for series in layout.overview.series:
        out += [f"**Series: {md_escape(series_heading(series))}**", "",
                "| N/T | patch | reviewers | comments | open questions | findings | trailers | status |",
                "|---:|---|---|---:|---:|---|---|---|"]
        for r in overview_rows(series):
            out.append(f"| {r.label} | {md_table_cell(r.title)} | {md_table_cell(', '.join(r.reviewers))} | "
                       f"{r.comments} | {r.open} | {findings_tally(r.severities) or '-'} | "
                       f"{trailers_tally(r.trailers) or '-'} | {r.status.value} |")
        out.append("")
    return out


def render_markdown(review: Review) -> str:
    """The review as one markdown document (ends with a newline).

    Returns a short document saying nothing was found when the review holds
    no patch and no comment.
    """
    layout = build_layout(review)
    n = len(layout.patches)
    out = [f"# Review of {n} patch{'es' if n != 1 else ''}", ""]
    if not layout.sections and not layout.discussion and not layout.other_findings:
        out += ["No patch and no review comment found in the input.", ""]
    out += md_overview(layout)
    for v in layout.sections:
        out += _cover(v, layout) if isinstance(v, CoverView) else _patch(v, layout)
    if layout.discussion:
        out += ["## Discussion outside any patch", ""]
        for c in layout.discussion:
            msg = layout.messages.get(c.msgid)
            if msg is not None:
                out += [f"Mail: {md_escape(msg.subject)}", ""]
            out += [md_comment(c, show_quote=True, diff_at=_diff_at(layout, c))]
    if layout.other_findings:
        out += ["## Other findings", ""]
        for f in layout.other_findings:
            out += [md_finding(f, show_where=True)]
    if review.dismissed:
        out += [md_escape(dismissed_note(len(review.dismissed))), ""]
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["md_comment", "md_diff_lines", "md_finding", "md_overview", "md_suggestion", "md_text_and_diff", "md_who",
           "render_markdown"]
