"""The review as GitHub-flavoured markdown (``review --format markdown``).

The same plan as the terminal review (:mod:`reviewkit.render.layout`):
per patch a header, the diff by file and function in ``diff`` fences that
break after each commented line, each comment verbatim in a ``text`` fence
under its line, each finding as a block quote; then the conversation and a
closing table. Mail text is escaped with :mod:`reviewkit.render.safe`:
fences are longer than any backtick run inside, prose is escaped, code names
are code spans. Reads well on GitHub and in a plain text viewer.
"""

from __future__ import annotations

from reviewkit.model import Comment, DiffLine, Finding, PatchSource, Review
from reviewkit.render.layout import (
    Layout,
    PatchView,
    build_layout,
    closing_warnings,
    diff_marker,
    finding_place,
    function_label,
    loose_finding_groups,
    function_sections,
    hunk_header,
    hunk_notes,
    per_function_counts,
    series_label,
)
from reviewkit.render.safe import md_code, md_escape, md_fence, md_table_cell
from reviewkit.render.versions import md_carried


def md_who(name: str, email: str = "") -> str:
    """``**Name** <email>`` escaped; the address in a code span."""
    out = f"**{md_escape(name)}**" if name else ""
    if email:
        out += (" " if out else "") + md_code(email)
    return out or "(unknown)"


def md_diff_lines(lines: list[DiffLine], header: str = "") -> str:
    """A ``diff`` fence of ``lines`` (marker + text), with an optional hunk header."""
    body = [header] if header else []
    body += [diff_marker(dl.kind) + dl.text for dl in lines]
    return md_fence("\n".join(body), "diff")


def md_comment(c: Comment, *, show_quote: bool = False, where: str = "") -> str:
    """A comment: who, when, where, and its text verbatim in a fence.

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
    out.append(md_fence(c.text.rstrip("\n"), "text").rstrip("\n"))
    return "\n".join(out) + "\n"


def md_finding(f: Finding, *, show_where: bool = False) -> str:
    """A finding as a block quote: rule, category, severity, message, suggestion."""
    head = f"**{md_escape(f.rule)}** {md_escape(f.category)}, {f.severity.value} ({f.confidence.value} confidence)"
    if show_where:
        if finding_place(f):
            head += " at " + md_code(finding_place(f))
        if f.function:
            head += " in " + md_code(function_label(f.function))
    parts = [head, md_escape(f.message, keep_newlines=True)]
    if f.suggestion:
        parts.append("*Suggestion:* " + md_escape(f.suggestion, keep_newlines=True))
    if f.rationale:
        parts.append("*Why:* " + md_escape(f.rationale, keep_newlines=True))
    lines = []
    for i, p in enumerate(parts):
        if i:
            lines.append(">")
        lines += ["> " + line if line else ">" for line in p.split("\n")]
    return "\n".join(lines) + "\n"


def _patch(v: PatchView) -> list[str]:
    out = [f"## {md_escape(v.patch.subject or '(no subject)')}", ""]
    facts = [f"- Author: {md_who(v.author, v.email)}"]
    label = series_label(v)
    if label:
        facts.append(f"- Version: {label}")
    if v.date:
        facts.append(f"- Date: {md_escape(v.date)}")
    if v.patch.source is PatchSource.QUOTED:
        facts.append("- Diff rebuilt from what the reply quoted; the posting itself is not in the input")
    for t in v.trailers:
        facts.append(f"- {md_escape(t.key)}: {md_who(t.name, t.email)} (given in a reply)")
    for t in v.carried:
        facts.append(f"- {md_escape(t.key)}: {md_who(t.name, t.email)} (carried by the patch)")
    for w in v.patch.warnings:
        facts.append(f"- Warning: {md_escape(w)}")
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
                            out += [md_comment(c, where=side)]
                        for f in r.findings:
                            out += [md_finding(f)]
                        out += [md_carried(fate) for _, fate in r.earlier]
                if pending:
                    out += [md_diff_lines(pending, header)]
                    header = ""
    for heading, group in loose_finding_groups(v):
        out += [f"### {heading}", ""]
        for f in group:
            out += [md_finding(f, show_where=True)]
    if v.conversation:
        out += ["### Conversation", ""]
        for c in v.conversation:
            out += [md_comment(c, show_quote=True)]
    if v.earlier:
        out += ["### Review of the previous version, on lines this diff does not show", ""]
        out += [md_carried(fate) for _, fate in v.earlier]
    return out


def md_function_table(layout: Layout) -> list[str]:
    rows = per_function_counts(layout)
    if not rows:
        return []
    several = len(layout.patches) > 1
    head = ("| patch " if several else "") + "| file | function | comments | findings |"
    sep = ("|---" if several else "") + "|---|---|---:|---:|"
    out = ["## Comments and findings per function", "", head, sep]
    for subject, file, fn, nc, nf, sev in rows:
        cells = [md_table_cell(file, code=True) if file else "(general)",
                 md_table_cell(function_label(fn), code=True) if fn else "-", str(nc),
                 str(nf) + (" (" + ", ".join(f"{n} {s}" for s, n in sorted(sev.items())) + ")" if nf else "")]
        if several:
            cells.insert(0, md_table_cell(subject))
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


def render_markdown(review: Review) -> str:
    """The review as one markdown document (ends with a newline).

    Returns a short document saying nothing was found when the review holds
    no patch and no comment.
    """
    layout = build_layout(review)
    n = len(layout.patches)
    out = [f"# Review of {n} patch{'es' if n != 1 else ''}", ""]
    if not layout.patches and not layout.discussion and not layout.other_findings:
        out += ["No patch and no review comment found in the input.", ""]
    for v in layout.patches:
        out += _patch(v)
    if layout.discussion:
        out += ["## Discussion outside any patch", ""]
        for c in layout.discussion:
            msg = layout.messages.get(c.msgid)
            if msg is not None:
                out += [f"Mail: {md_escape(msg.subject)}", ""]
            out += [md_comment(c, show_quote=True)]
    if layout.other_findings:
        out += ["## Other findings", ""]
        for f in layout.other_findings:
            out += [md_finding(f, show_where=True)]
    out += md_function_table(layout)
    warnings = closing_warnings(layout)
    if warnings:
        out += ["## Warnings", ""] + [f"- {md_escape(w)}" for w in warnings] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["md_comment", "md_diff_lines", "md_finding", "md_function_table", "md_who", "render_markdown"]
