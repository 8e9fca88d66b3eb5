"""The review summary a maintainer pastes into a tracker or a reply.

For the series: its title, the versions seen, how many patches. Per patch:
a status line (reviewed / changes requested / no review yet, from the
review trailers and the reviewers' comments), the functions touched, the
trailers given and by whom, every reviewer comment verbatim under the code
it quotes (a ``diff`` fence: the hunk lines up to the anchor line), grouped
by file and function, the open questions, and the automated findings.

:func:`build_summary` gives markdown that reads on GitHub and in a plain
text viewer; :func:`build_summary_json` gives the same facts as a dict
(schema ``reviewkit.summary``, version 1).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from reviewkit.model import (
    Comment,
    DiffLine,
    Finding,
    FunctionStatus,
    Message,
    MessageKind,
    Review,
    Thread,
    Trailer,
    find_questions,
)
from reviewkit.render.layout import (
    Layout,
    PatchView,
    build_layout,
    diff_marker,
    finding_place,
    function_label,
    hunk_header,
    is_descendant,
    norm_code,
    patch_title,
    series_label,
)
from reviewkit.render.safe import md_code, md_escape, md_fence, md_table_cell
from reviewkit.render.versions import since_json, since_markdown

SUMMARY_SCHEMA = "reviewkit.summary"
SUMMARY_VERSION = 1
CONTEXT_LINES = 5  # quoted lines shown above the line a comment answers


class PatchStatus(enum.Enum):
    REVIEWED = "reviewed"
    CHANGES_REQUESTED = "changes requested"
    NO_REVIEW = "no review yet"


@dataclass(frozen=True)
class CommentSummary:
    comment: Comment
    file: str | None
    function: str | None
    side: str | None
    line: int | None
    code: tuple[DiffLine, ...]  # the quoted diff lines up to the anchor line
    code_header: str  # the hunk header when ``code`` starts the hunk
    questions: tuple[str, ...]  # lines ending in "?"
    answered: bool


@dataclass(frozen=True)
class PatchSummary:
    view: PatchView
    status: PatchStatus
    functions: tuple[tuple[str, str, str], ...]  # (file, name, status)
    comments: tuple[CommentSummary, ...]  # reviewer comments, thread order
    answers: tuple[Comment, ...]  # the patch author's own replies
    findings: tuple[Finding, ...]

    @property
    def open_questions(self) -> tuple[CommentSummary, ...]:
        return tuple(c for c in self.comments if c.questions and not c.answered)


def _is_author(c: Comment, v: PatchView) -> bool:
    return _same_writer(c.author, c.email, v)


def _same_writer(name: str, email: str, v: PatchView) -> bool:
    """True when ``name``/``email`` is the patch author (address first,
    else the display name; a rebuilt patch knows only the name)."""
    if v.email and email and email.lower() == v.email.lower():
        return True
    return bool(v.author and name and norm_code(name).lower() == norm_code(v.author).lower())


def _unquote(line: str) -> str:
    s = line.lstrip()
    while s.startswith(">"):
        s = s[1:].lstrip()
    return norm_code(s)


def _functions(v: PatchView) -> tuple[tuple[str, str, str], ...]:
    out: dict[tuple[str, str], str] = {}
    if v.codemap is not None:
        for cf in v.codemap.functions:
            if cf.status is not FunctionStatus.UNCHANGED:
                out.setdefault((cf.file, cf.name), cf.status.value)
    # Without a code map (or for files it could not map), the functions the
    # changed lines fall in.
    mapped_files = {f for f, _ in out}
    for fv in v.files:
        if fv.file.path in mapped_files:
            continue
        for hv in fv.hunks:
            for r in hv.rows:
                if r.line.kind in "+-" and r.function:
                    out.setdefault((fv.file.path, r.function), "changed")
    return tuple((f, n, s) for (f, n), s in out.items())


def _code_for(v: PatchView) -> dict[int, tuple[str, str | None, str, int | None, tuple[DiffLine, ...], str]]:
    """id(comment) -> (file, function, side, line, code lines, hunk header)."""
    out = {}
    for fv in v.files:
        for hv in fv.hunks:
            h = hv.hunk
            header = hunk_header(h)
            if h.header_context:
                header += " " + h.header_context
            for ri, r in enumerate(hv.rows):
                for c in r.comments:
                    start = max(0, ri - CONTEXT_LINES)
                    code = tuple(x.line for x in hv.rows[start:ri + 1])
                    side = "new" if r.line.new_no is not None and r.line.kind != "-" else "old"
                    line = r.line.new_no if side == "new" else r.line.old_no
                    out[id(c)] = (fv.file.path, r.function or (c.anchor.function if c.anchor else None),
                                  side, line, code, header if start == 0 else "")
    return out


def _summarise_patch(v: PatchView, layout: Layout, review: Review, parents: dict[str, str],
                     thread_of: dict[str, Thread]) -> PatchSummary:
    placed = _code_for(v)
    all_comments = v.placed_comments + v.conversation
    all_comments = tuple(sorted(all_comments, key=lambda c: (layout.order.get(c.msgid, 1 << 30), c.body_start)))
    answers = tuple(c for c in all_comments if _is_author(c, v))
    reviewer = [c for c in all_comments if not _is_author(c, v)]
    # The author's later messages, in this patch's thread only (an archive
    # of thousands of threads must not be scanned once per patch).
    thread = thread_of.get(v.patch.msgid)
    candidates = thread.messages if thread is not None else tuple(layout.messages.values())
    author_msgs: list[Message] = [m for m in candidates
                                  if m.kind is not MessageKind.PATCH and _same_writer(m.author, m.email, v)]
    # What the author quoted in each later reply: a question they quote is
    # answered; a reply quoting nothing of the reviewer's mail answers all.
    quoted_by: dict[str, set[str]] = {}
    for m in author_msgs:
        lines = {_unquote(line) for b in m.blocks if b.depth for line in b.lines}
        lines |= {_unquote(line) for c in review.comments.get(m.msgid, ()) for line in c.quoted_text.split("\n")}
        quoted_by[m.msgid] = lines - {""}
    summaries = []
    for c in reviewer:
        questions = find_questions(c.text)
        answered = False
        if questions:
            for m in author_msgs:
                if not is_descendant(m.msgid, c.msgid, parents):
                    continue
                q = quoted_by.get(m.msgid, set())
                mine = {norm_code(line) for line in c.text.split("\n")}
                if not q or not (q & _all_quotable(c, layout, review)) or (mine & q):
                    answered = True
                    break
        if id(c) in placed:
            file, function, side, line, code, header = placed[id(c)]
        else:
            a = c.anchor
            file = a.file if a else None
            function = a.function if a else None
            side = a.side.value if a else None
            line = a.line if a else None
            code, header = (), ""
        summaries.append(CommentSummary(c, file, function, side, line, code, header, questions, answered))

    trailers = v.trailers
    if trailers:
        status = PatchStatus.REVIEWED
    elif reviewer:
        status = PatchStatus.CHANGES_REQUESTED
    else:
        status = PatchStatus.NO_REVIEW
    return PatchSummary(v, status, _functions(v), tuple(summaries), answers, v.findings)


def _all_quotable(c: Comment, layout: Layout, review: Review) -> set[str]:
    """Every line the reviewer wrote in the message ``c`` comes from: its
    unquoted blocks, else its unquoted body lines, else its comments."""
    m = layout.messages.get(c.msgid)
    found: set[str] = set()
    if m is not None:
        found = {norm_code(line) for b in m.blocks if not b.depth for line in b.lines} - {""}
        if not found:
            found = {norm_code(line) for line in m.body.split("\n") if not line.lstrip().startswith(">")} - {""}
    if not found:
        found = {norm_code(line) for x in review.comments.get(c.msgid, ()) for line in x.text.split("\n")} - {""}
    return found


def _one_series(messages: tuple[Message, ...], views: list[PatchView]) -> dict[str, Any]:
    cover = next((m for m in messages if m.kind is MessageKind.COVER), None)
    title = ""
    if cover is not None:
        title = cover.series.title
    elif views:
        title = patch_title(views[0])
    elif messages:
        title = messages[0].series.title or messages[0].subject
    versions = sorted({m.series.version for m in messages if m.series.version})
    totals = [m.series.total for m in messages if m.series.total]
    return {"title": title, "versions": versions, "total": max(totals) if totals else None,
            "patches_in_review": len(views)}


def _series(review: Review, layout: Layout) -> dict[str, Any]:
    """The series of the input: the first one's facts at the top level, and
    every series (one per thread holding a shown patch) under ``all``."""
    top = _one_series(review.messages, list(layout.patches))
    groups: dict[int, list[PatchView]] = {}
    rank = {m.msgid: i for i, t in enumerate(review.threads) for m in t.messages}
    for v in layout.patches:
        groups.setdefault(rank.get(v.patch.msgid, -1), []).append(v)
    every = [_one_series(review.threads[i].messages if i >= 0 else (), views) for i, views in groups.items()]
    if every:
        top["title"] = every[0]["title"]
    top["all"] = every
    return top


def _status_line(s: PatchSummary) -> str:
    who = list(dict.fromkeys(c.comment.author or c.comment.email for c in s.comments))
    parts = [f"**Status: {s.status.value}**"]
    if s.comments:
        parts.append(f"{len(s.comments)} comment{'s' if len(s.comments) != 1 else ''} from "
                     + ", ".join(md_escape(w) for w in who))
    if s.open_questions:
        n = len(s.open_questions)
        parts.append(f"{n} open question{'s' if n != 1 else ''}")
    if s.view.trailers:
        parts.append(", ".join(f"{md_escape(t.key)} from {md_escape(t.name or t.email)}" for t in s.view.trailers))
    else:
        parts.append("no Reviewed-by, Acked-by or Tested-by given in the thread")
    if s.findings:
        parts.append(f"{len(s.findings)} automated finding{'s' if len(s.findings) != 1 else ''}")
    return " · ".join(parts)


def _md_trailer(t: Trailer) -> str:
    out = f"{md_escape(t.key)}: {md_escape(t.name)}" if t.name else f"{md_escape(t.key)}:"
    if t.email:
        out += " " + md_code(f"<{t.email}>")
    return out


def _as_shown(c: Comment) -> CommentSummary:
    """A comment shown where its anchor says, with no code block and no
    questions of its own (author replies, discussion)."""
    a = c.anchor
    return CommentSummary(c, a.file if a else None, a.function if a else None,
                          a.side.value if a else None, a.line if a else None, (), "", (), True)


def _md_comment(cs: CommentSummary) -> list[str]:
    c = cs.comment
    head = f"**{md_escape(c.author or c.email or '(unknown)')}**"
    if c.date:
        head += f", {md_escape(c.date)}"
    if cs.line is not None:
        head += f", on {cs.side} line {cs.line}"
    elif cs.file:
        head += f", on {md_code(cs.file)} (line not found in the shown diff)"
    answers = c.anchor.answers if c.anchor and c.anchor.answers else None
    if answers:
        head += f", answering {md_escape(answers)}"
    out = [head + ":", ""]
    if cs.code:
        body = [cs.code_header] if cs.code_header else []
        body += [diff_marker(dl.kind) + dl.text for dl in cs.code]
        out.append(md_fence("\n".join(body), "diff"))
    else:
        quote = c.quoted_text or (c.anchor.quoted if c.anchor else "")
        if quote:
            lines = quote.rstrip("\n").split("\n")[-CONTEXT_LINES - 1:]
            out.append(md_fence("\n".join(lines), "text"))
    out.append(md_fence(c.text.rstrip("\n"), "text"))
    return out


def _md_finding(f: Finding) -> str:
    where = f" at {md_code(finding_place(f))}" if finding_place(f) else ""
    if f.function:
        where += " in " + md_code(function_label(f.function))
    out = (f"- **{md_escape(f.rule)}** ({md_escape(f.category)}, {f.severity.value}, "
           f"{f.confidence.value} confidence){where}: {md_escape(f.message, keep_newlines=True)}")
    if f.suggestion:
        out += f"  \nSuggestion: {md_escape(f.suggestion, keep_newlines=True)}"
    # Continuation lines stay inside the list item.
    return out.replace("\n", "\n  ")


def _md_patch(s: PatchSummary) -> list[str]:
    v = s.view
    label = series_label(v)
    out = [f"## {label + ': ' if label else ''}{md_escape(patch_title(v) or '(no subject)')}", "",
           _status_line(s), ""]
    out.append(f"- Author: {md_escape(v.author) if v.author else '(unknown)'}"
               + (f" {md_code(v.email)}" if v.email else ""))
    if v.patch.source.value == "quoted":
        out.append("- The posting is not in the input: the diff is rebuilt from the reviewer's quote")
    if s.functions:
        out.append("- Functions touched: " + ", ".join(
            f"{md_code(function_label(name))} ({status})" for _, name, status in s.functions))
    for t in v.trailers:
        out.append(f"- Given in the thread: {_md_trailer(t)}")
    for t in v.carried:
        out.append(f"- Carried by the patch: {_md_trailer(t)}")
    out.append("")

    on_code = [c for c in s.comments if c.file]
    general = [c for c in s.comments if not c.file]
    if on_code:
        out += ["### Comments on the code", ""]
        groups: dict[tuple[str, str | None], list[CommentSummary]] = {}
        for c in on_code:
            groups.setdefault((c.file or "", c.function), []).append(c)
        for (file, fn), cs in groups.items():
            out += [f"#### {md_code(file)}" + (f": {md_code(function_label(fn))}" if fn else ""), ""]
            for c in cs:
                out += _md_comment(c)
    if general:
        out += ["### General comments", ""]
        for c in general:
            out += _md_comment(c)
    if s.answers:
        out += ["### Replies from the author", ""]
        for a in s.answers:
            out += _md_comment(_as_shown(a))
    if s.open_questions:
        out += ["### Open questions", ""]
        for c in s.open_questions:
            where = ""
            if c.file:
                where = f" ({md_code(c.file)}" + (f" {c.side} line {c.line}" if c.line is not None else "") + ")"
            for q in c.questions:
                out.append(f"- {md_escape(c.comment.author)}{where}: {md_escape(q)}")
        out.append("")
    if s.findings:
        out += ["### Automated findings", ""] + [_md_finding(f) for f in s.findings] + [""]
    return out


def _summaries(review: Review) -> tuple[Layout, list[PatchSummary]]:
    layout = build_layout(review)
    parents = {m: p for t in review.threads for m, p in t.parents.items()}
    thread_of: dict[str, Thread] = {}
    for t in review.threads:
        for m in t.messages:
            thread_of[m.msgid] = t
    return layout, [_summarise_patch(v, layout, review, parents, thread_of) for v in layout.patches]


def build_summary(review: Review) -> str:
    """The markdown review summary (ends with a newline).

    Every reviewer comment appears verbatim; comments of replies that review
    no patch of the input appear under "Discussion". Returns a short note
    when the input holds no patch and no comment.
    """
    layout, sums = _summaries(review)
    series = _series(review, layout)
    out = [f"# Review summary: {md_escape(series['title']) or '(untitled)'}", ""]
    facts = []
    if len(series["all"]) > 1:
        pass  # each series is listed below with its own versions
    elif series["versions"]:
        n = len(series["versions"])
        facts.append(("version " if n == 1 else "versions ") + ", ".join(f"v{v}" for v in series["versions"]))
    if series["total"] and len(series["all"]) <= 1:
        facts.append(f"{series['total']} patch{'es' if series['total'] != 1 else ''} in the series")
    # tests/data/corpus/threads/lru-lock-v16.mbox: 22 patches and the cover
    # letter (0/22) are not "23 patches"
    covers = sum(1 for s in sums if s.view.index == 0)
    n_patches = len(sums) - covers
    facts.append(f"{n_patches} patch{'es' if n_patches != 1 else ''}"
                 + (" and the cover letter" if covers else "") + " in this review")
    out += ["Series: " + "; ".join(facts) + ".", ""]
    if len(series["all"]) > 1:
        out += [f"The input holds {len(series['all'])} series:", ""]
        for one in series["all"]:
            label = ", ".join(f"v{v}" for v in one["versions"])
            total = f", {one['total']} patches" if one["total"] else ""
            n = one["patches_in_review"]
            out.append(f"- {md_escape(one['title']) or '(untitled)'} ({label or 'no version'}{total}; "
                       f"{n} in this review)")
        out.append("")
    if sums:
        out += ["| patch | status | comments | open questions | findings |", "|---|---|---:|---:|---:|"]
        for s in sums:
            label = series_label(s.view)
            out.append(f"| {md_table_cell((label + ' ' if label else '') + patch_title(s.view))} | "
                       f"{s.status.value} | {len(s.comments)} | {len(s.open_questions)} | {len(s.findings)} |")
        out.append("")
    else:
        out += ["No patch found in the input.", ""]
    for s in sums:
        out += _md_patch(s)
        out += since_markdown(review, s.view.patch.msgid)  # the previous version's review, when the input has it
    if layout.discussion:
        out += ["## Discussion", ""]
        for c in layout.discussion:
            out += _md_comment(_as_shown(c))
    if layout.other_findings:
        out += ["## Other findings", ""] + [_md_finding(f) for f in layout.other_findings] + [""]
    if layout.warnings:
        out += ["## Warnings", ""] + [f"- {md_escape(w)}" for w in layout.warnings] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def _comment_json(cs: CommentSummary) -> dict[str, Any]:
    c = cs.comment
    return {
        "msgid": c.msgid,
        "author": c.author,
        "email": c.email,
        "date": c.date,
        "file": cs.file,
        "function": cs.function,
        "side": cs.side,
        "line": cs.line,
        "code": [{"kind": dl.kind, "text": dl.text, "old": dl.old_no, "new": dl.new_no} for dl in cs.code],
        "text": c.text,
        "questions": list(cs.questions),
        "answered": cs.answered,
    }


def _trailer_json(t: Trailer) -> dict[str, Any]:
    return {"key": t.key, "name": t.name, "email": t.email, "msgid": t.msgid}


def build_summary_json(review: Review) -> dict[str, Any]:
    """The summary's facts as a JSON-ready dict (schema ``reviewkit.summary``, version 1)."""
    from reviewkit.render.json_out import _comment, _finding

    layout, sums = _summaries(review)
    doc: dict[str, Any] = {
        "schema": SUMMARY_SCHEMA,
        "version": SUMMARY_VERSION,
        "series": _series(review, layout),
        "patches": [{
            "msgid": s.view.patch.msgid,
            "subject": s.view.patch.subject,
            "source": s.view.patch.source.value,
            "version": s.view.version,
            "index": s.view.index,
            "total": s.view.total,
            "author": s.view.author,
            "email": s.view.email,
            "status": s.status.value,
            "functions": [{"file": f, "name": n, "status": st} for f, n, st in s.functions],
            "trailers": [_trailer_json(t) for t in s.view.trailers],
            "carried_trailers": [_trailer_json(t) for t in s.view.carried],
            "comments": [_comment_json(c) for c in s.comments],
            "author_replies": [_comment(c) for c in s.answers],
            "open_questions": [{"msgid": c.comment.msgid, "author": c.comment.author, "file": c.file,
                                "line": c.line, "questions": list(c.questions)} for c in s.open_questions],
            "findings": [_finding(f) for f in s.findings],
        } for s in sums],
        "discussion": [_comment(c) for c in layout.discussion],
        "other_findings": [_finding(f) for f in layout.other_findings],
        "warnings": list(layout.warnings),
    }
    # the previous version's review, for the patches whose previous version
    # the input holds
    for entry, s in zip(doc["patches"], sums):
        since = since_json(review, s.view.patch.msgid)
        if since is not None:
            entry["since"] = since
    return doc


__all__ = ["PatchStatus", "find_questions", "SUMMARY_SCHEMA", "SUMMARY_VERSION", "build_summary", "build_summary_json"]
