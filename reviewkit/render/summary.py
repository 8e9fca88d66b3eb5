"""The review summary a maintainer pastes into a reply, a tracker or an archive.

The facts come from the overview (:mod:`reviewkit.overview`): each
patch's status, its comments, which questions are still open, its
findings. Two forms:

- the summary (default): per series its title; per patch (the cover letter
  first) a status line, then one line per reviewer comment (author,
  function:line, first sentence, whether its question is open, a link),
  open questions first; the patches nobody commented on in one line. When
  the input holds the previous version of a patch, a "Since vN" part
  follows it: the vN comments counted by fate, the trailers given on vN,
  vN's findings fixed or still there, then one line per vN comment with
  its fate (:func:`reviewkit.render.versions.find_since`).
  :func:`build_summary` gives it as markdown or, with ``plain``, as text
  wrapped at 72 columns for a reply by mail (nothing escaped but control
  characters).
- ``full``: the archive form. Per patch the functions touched, the
  trailers, every reviewer comment verbatim under the code it quotes (a
  ``diff`` fence: the hunk lines up to the anchor line) grouped by file
  and function, the author's replies, the open questions and the findings
  in full; then "Since vN" with every vN comment verbatim and its fate.

:func:`build_summary_json` gives the facts as a dict (schema
``reviewkit.summary``, version 1).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from reviewkit.model import DiffLine, Finding, Severity, Trailer, writer_name
from reviewkit.model.review import CommentDigest, PatchDigest, PatchStatus, Review, SeriesDigest, Verdict
from reviewkit.render.layout import (
    Layout,
    build_layout,
    comment_key,
    diff_marker,
    finding_place,
    function_label,
    hunk_header,
    series_heading,
)
from reviewkit.render.markdown import md_suggestion, md_text_and_diff
from reviewkit.render.safe import md_code, md_escape, md_fence, md_table_cell, safe_plain
from reviewkit.render.versions import Since, find_since, since_json, since_markdown, status_words

SUMMARY_SCHEMA = "reviewkit.summary"
SUMMARY_VERSION = 1
CONTEXT_LINES = 5  # quoted lines shown above the line a comment answers
TEXT_WIDTH = 72  # a mail reply's line


@dataclass(frozen=True)
class _Code:
    """Where a comment sits in the shown diff: the code lines up to it."""

    file: str
    function: str | None
    side: str
    line: int | None
    code: tuple[DiffLine, ...]
    header: str  # the hunk header when ``code`` starts the hunk


def _code_of(layout: Layout) -> dict[tuple[str, int], _Code]:
    """Each placed comment's code context, by :func:`comment_key`."""
    out = {}
    for v in layout.patches:
        for fv in v.files:
            for hv in fv.hunks:
                h = hv.hunk
                header = hunk_header(h) + (" " + h.header_context if h.header_context else "")
                for ri, r in enumerate(hv.rows):
                    for c in r.comments:
                        start = max(0, ri - CONTEXT_LINES)
                        side = "new" if r.line.new_no is not None and r.line.kind != "-" else "old"
                        out[comment_key(c)] = _Code(
                            fv.file.path, (c.anchor.function if c.anchor else None) or r.function, side,
                            r.line.new_no if side == "new" else r.line.old_no,
                            tuple(x.line for x in hv.rows[start:ri + 1]), header if start == 0 else "")
    return out


def _where(cd: CommentDigest, code: _Code | None) -> str:
    """``munlock_vma_page():173``, ``mm/mlock.c:173``, ``mm/mlock.c`` or
    "general": where a comment points, as one short phrase."""
    a = cd.comment.anchor
    function = code.function if code else (a.function if a else None)
    line = code.line if code else (a.line if a else None)
    file = code.file if code else (a.file if a else "")
    if function:
        return function_label(function) + (f":{line}" if line is not None else "")
    if file:
        return file + (f":{line}" if line is not None else "")
    return "general"


def _comment_state(cd: CommentDigest) -> str:
    if cd.open:
        return "open question"
    if cd.questions:
        return "answered"
    return ""


def _ordered(d: PatchDigest) -> list[CommentDigest]:
    """The reviewers' comments, open questions first, else in reading order."""
    reviews = list(d.review_comments)
    return [c for c in reviews if c.open] + [c for c in reviews if not c.open]


def _facts(d: PatchDigest) -> str:
    """What the status line says after the status: comments, answers,
    open questions, trailers, findings ("" when none)."""
    parts = []
    n = len(d.review_comments)
    if n:
        who = ", ".join(d.reviewers)
        parts.append(f"{n} comment{'s' if n != 1 else ''} from {who}")
    answers = sum(1 for c in d.comments if c.by_author)
    if answers:
        parts.append(f"{answers} repl{'ies' if answers != 1 else 'y'} from the author")
    if d.open_questions:
        k = len(d.open_questions)
        parts.append(f"{k} open question{'s' if k != 1 else ''}")
    for t in d.trailers:
        parts.append(f"{t.key}: {t.name or t.email}")
    if d.findings:
        parts.append(_findings_words(d.findings))
    return "; ".join(parts)


def _findings_words(findings: tuple[Finding, ...]) -> str:
    by = {s: sum(1 for f in findings if f.severity is s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
    n = len(findings)
    parts = [f"{k} {s.value}{'s' if k != 1 and s is not Severity.INFO else ''}" for s, k in by.items() if k]
    rules = sorted({f.rule for f in findings})
    return f"{n} finding{'s' if n != 1 else ''} ({', '.join(parts)}: {', '.join(rules)})"


def _label(d: PatchDigest) -> str:
    n = f"{d.index}/{d.total}" if d.index is not None and d.total is not None else ""
    title = d.title + (" (cover letter)" if d.is_cover else "")
    return f"{n} {title}".strip()


# --------------------------------------------------------------------------
# the summary (default): markdown or plain text


class _Doc:
    """The summary's parts, written as markdown or as plain text."""

    def __init__(self, plain: bool) -> None:
        self.plain = plain
        self.out: list[str] = []

    def esc(self, s: str, line_start: bool = False) -> str:
        """Mail text for this format; ``line_start``: it may start a line."""
        return safe_plain(s).replace("\n", " ") if self.plain else md_escape(s, line_start=line_start)

    def link(self, url: str) -> str:
        return url if self.plain else f"<{url}>"

    def title(self, s: str) -> None:
        if self.plain:
            self._underlined(s, "=")
            self.out.append("")
        else:
            self.out += [f"# {s}", ""]

    def heading(self, s: str) -> None:
        if self.plain:
            self._underlined(s, "-")
        else:
            self.out += [f"## {s}", ""]

    def _underlined(self, s: str, mark: str) -> None:
        lines = self._wrap(s)
        self.out += lines + [mark * max(len(line) for line in lines)]

    @staticmethod
    def _wrap(s: str, first: str = "", rest: str = "") -> list[str]:
        # a URL (a word longer than the line) stays whole
        return textwrap.wrap(s, TEXT_WIDTH, initial_indent=first, subsequent_indent=rest,
                             break_long_words=False, break_on_hyphens=False) or [first.rstrip()]

    def para(self, s: str) -> None:
        self.out += self._wrap(s) if self.plain else [s]

    def item(self, s: str) -> None:
        self.out += self._wrap(s, "- ", "  ") if self.plain else [f"- {s}"]

    def blank(self) -> None:
        if self.out and self.out[-1] != "":
            self.out.append("")

    def text(self) -> str:
        return "\n".join(self.out).rstrip("\n") + "\n"


def _short(review: Review, layout: Layout, plain: bool) -> str:
    doc = _Doc(plain)
    overview = layout.overview
    series = overview.series if overview is not None else ()
    if not series:
        doc.title("Review summary")
        doc.para("No patch found in the input.")
        doc.blank()
    else:
        doc.title("Review summary: " + doc.esc(series_heading(series[0])) if len(series) == 1 else
                  f"Review summary: {len(series)} series")
    if series:
        doc.para("One line per reviewer comment (its first sentence); `reviewkit summary --full` gives every "
                 "comment verbatim." if not plain else
                 "One line per reviewer comment (its first sentence); reviewkit summary --full gives every "
                 "comment verbatim.")
        doc.blank()
    code = _code_of(layout)
    for s in series:
        if len(series) > 1:
            doc.heading(doc.esc(series_heading(s)))
            doc.blank()
        quiet: list[PatchDigest] = []
        for d in s.patches:
            since = find_since(review, d.msgid)
            if since is not None and not since.worth_saying():
                since = None
            if not d.review_comments and not d.trailers and not d.findings and not d.is_cover and since is None:
                quiet.append(d)
                continue
            _short_patch(doc, d, code)
            if since is not None:
                _short_since(doc, since, layout)
        if quiet:
            doc.para("No review yet, no finding: " + ", ".join(
                doc.esc(f"{d.index}/{d.total}" if d.index is not None and d.total is not None else d.title)
                for d in quiet) + ".")
            doc.blank()
    if layout.discussion:
        doc.heading("Discussion outside any patch")
        doc.blank()
        for c in layout.discussion:
            note = layout.note(c)
            gist = note.gist if note is not None else first_words(c.text)
            doc.item(f"{doc.esc(c.author or c.email, True)}: {doc.esc(gist or first_words(c.text))}")
        doc.blank()
    return doc.text()


def first_words(text: str, n: int = 100) -> str:
    """The start of ``text`` on one line, cut at a word near ``n`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: flat.rfind(" ", 0, n) if " " in flat[:n] else n] + " ..."


def _short_patch(doc: _Doc, d: PatchDigest, code: dict[tuple[str, int], _Code]) -> None:
    if doc.plain:
        doc.heading(safe_plain(f"{_label(d)}: {d.status.value}").replace("\n", " "))
        if _facts(d):
            doc.para(safe_plain(_facts(d)))
        if d.link:
            doc.out.append(f"<{d.link}>")
    else:
        doc.heading(md_escape(_label(d), line_start=False))
        doc.para(f"**{d.status.value}**" + (f"; {md_escape(_facts(d))}" if _facts(d) else "")
                 + (f" · {doc.link(d.link)}" if d.link else ""))
        doc.blank()
    for cd in _ordered(d):
        c = cd.comment
        state = _comment_state(cd)
        gist = cd.gist or ("(a diff)" if cd.diff_at is not None else "(no words of its own)")
        where = _where(cd, code.get(comment_key(c)))
        if doc.plain:
            where = safe_plain(where).replace("\n", " ")
        elif where != "general":
            where = md_code(where)
        head = f"{doc.esc(c.author or c.email, True)} ({where}): {doc.esc(gist)}"
        flags = (["proposes a diff"] if cd.diff_at is not None and cd.gist else []) + ([state] if state else [])
        if doc.plain:
            # a mail reply: the flags in brackets, the link on a line of its own
            doc.item(head + "".join(f" [{flag}]" for flag in flags))
            if cd.link:
                doc.out.append(f"  <{cd.link}>")
        else:
            bits = [head] + [f"**{flag}**" if flag == "open question" else flag for flag in flags]
            doc.item(" — ".join(bits + ([doc.link(cd.link)] if cd.link else [])))
    doc.blank()


def _short_since(doc: _Doc, since: Since, layout: Layout) -> None:
    """The previous version's review of a patch: one line of counts (its
    comments by fate, the trailers given, its findings), then one line per
    comment with its fate, the ones still open first."""
    v = f"v{since.old.version}"
    if since.dropped:
        head = f"Dropped in v{since.new.version} ({since.link.reason})"
    else:
        head = f"Since {v}" + (f" (was {since.was}; {since.how})" if since.was else f" ({since.how})")
    facts = [f"comments on {v}: {since.counts()}"]
    facts += [f"{t.key} given on {v}: {t.name or t.email}" for t in since.trailers]
    if since.findings:
        facts.append(f"findings on {v}: {since.finding_counts()}")
    text = f"{head}: " + "; ".join(facts)
    doc.para(doc.esc(text) if doc.plain else f"**{md_escape(head, line_start=False)}**: {md_escape('; '.join(facts))}")
    order = (Verdict.OPEN, Verdict.ANSWERED, Verdict.ADDRESSED, Verdict.MOOT)
    for f in sorted(since.fates, key=lambda f: order.index(f.verdict)):
        c = f.comment
        note = layout.note(c)
        gist = (note.gist if note is not None else "") or first_words(c.text) or "(no words of its own)"
        a = c.anchor
        where = "general"
        if a is not None and a.function:
            where = function_label(a.function) + (f":{a.line}" if a.line is not None else "")
        elif a is not None and a.file:
            where = a.file + (f":{a.line}" if a.line is not None else "")
        status = status_words(f)
        if doc.plain:
            doc.item(f"{doc.esc(c.author or c.email, True)} ({safe_plain(where)}): {doc.esc(gist)} [{status}]")
        else:
            shown = md_code(where) if where != "general" else where
            flag = f"**{status}**" if f.verdict is Verdict.OPEN else status
            doc.item(f"{doc.esc(c.author or c.email, True)} ({shown}): {doc.esc(gist)} — {flag}")
    doc.blank()


# --------------------------------------------------------------------------
# --full: the archive form (markdown)


def _md_trailer(t: Trailer) -> str:
    out = f"{md_escape(t.key)}: {md_escape(t.name)}" if t.name else f"{md_escape(t.key)}:"
    if t.email:
        out += " " + md_code(f"<{t.email}>")
    return out


def _md_comment(cd: CommentDigest, code: _Code | None) -> list[str]:
    c = cd.comment
    head = f"**{md_escape(writer_name(c.author, c.email))}**"
    if c.date:
        head += f", {md_escape(c.date)}"
    a = c.anchor
    if code is not None and code.line is not None:
        head += f", on {code.side} line {code.line}"
    elif a is not None and a.file:
        head += f", on {md_code(a.file)} (line not found in the shown diff)"
    answers = a.answers if a and a.answers else None
    if answers:
        head += f", answering {md_escape(answers)}"
    state = _comment_state(cd)
    if state:
        head += f" ({state})"
    if cd.link:
        head += f" <{cd.link}>"
    out = [head + ":", ""]
    if code is not None and code.code:
        body = [code.header] if code.header else []
        body += [diff_marker(dl.kind) + dl.text for dl in code.code]
        out.append(md_fence("\n".join(body), "diff"))
    else:
        quote = c.quoted_text or (a.quoted if a else "")
        if quote:
            lines = quote.rstrip("\n").split("\n")[-CONTEXT_LINES - 1:]
            out.append(md_fence("\n".join(lines), "text"))
    out.append(md_text_and_diff(c.text, cd.diff_at))
    return out


def _md_finding(f: Finding) -> str:
    where = f" at {md_code(finding_place(f))}" if finding_place(f) else ""
    if len(f.lines) > 1:
        where += " (lines " + ", ".join(str(n) for n in f.lines) + ")"
    if f.function:
        where += " in " + md_code(function_label(f.function))
    out = (f"- **{md_escape(f.rule)}** ({md_escape(f.category)}, {f.severity.value}, "
           f"{f.confidence.value} confidence){where}: {md_escape(f.message, keep_newlines=True)}")
    if f.suggestion:
        out += "  \n" + md_suggestion(f.suggestion)
    # Continuation lines stay inside the list item.
    return out.replace("\n", "\n  ").replace("\n  \n", "\n\n")


def _md_patch(d: PatchDigest, layout: Layout, code: dict[tuple[str, int], _Code]) -> list[str]:
    out = [f"## {md_escape(_label(d), line_start=False)}", "", f"**Status: {d.status.value}**"
           + (f" · {md_escape(_facts(d))}" if _facts(d) else ""), ""]
    out.append(f"- Author: {md_escape(writer_name(d.author))}"
               + (f" {md_code(d.email)}" if d.email else ""))
    if d.link:
        out.append(f"- Link: <{d.link}>")
    view = next((v for v in layout.patches if v.patch.msgid == d.msgid), None)
    if view is not None and view.patch.source.value == "quoted":
        out.append("- The posting is not in the input: the diff is rebuilt from the reviewer's quote")
    if d.functions:
        out.append("- Functions touched: " + ", ".join(
            f"{md_code(function_label(name))} ({status})" for _, name, status in d.functions))
    for t in d.trailers:
        out.append(f"- Given in the thread: {_md_trailer(t)}")
    for t in d.carried:
        out.append(f"- Carried by the patch: {_md_trailer(t)}")
    out.append("")
    if d.is_cover and d.cover_text:
        out += [f"**{md_escape(writer_name(d.author, d.email))}**" + (f", {md_escape(d.date)}" if d.date else "")
                + ", the cover letter:", "", md_fence(d.cover_text, "text")]
        if d.cover_tail:
            out += [md_fence(d.cover_tail, "text")]
    opened = [c for c in d.review_comments if c.open]
    if opened:
        out += ["### Open questions", ""]
        for c in opened:
            where = _where(c, code.get(comment_key(c.comment)))
            for q in c.questions:
                out.append(f"- {md_escape(c.comment.author)} ({md_escape(where)}): {md_escape(q)}")
        out.append("")
    reviews = d.review_comments
    on_code = [c for c in reviews
               if comment_key(c.comment) in code or (c.comment.anchor is not None and c.comment.anchor.file)]
    general = [c for c in reviews if c not in on_code]
    if on_code:
        out += ["### Comments on the code", ""]
        groups: dict[tuple[str, str | None], list[CommentDigest]] = {}
        for c in on_code:
            k = code.get(comment_key(c.comment))
            a = c.comment.anchor
            key = (k.file, k.function) if k else ((a.file, a.function) if a else ("", None))
            groups.setdefault(key, []).append(c)
        for (file, fn), cs in groups.items():
            out += [f"#### {md_code(file)}" + (f": {md_code(function_label(fn))}" if fn else ""), ""]
            for c in cs:
                out += _md_comment(c, code.get(comment_key(c.comment)))
    if general:
        out += ["### General comments" if not d.is_cover else "### Discussion of the series", ""]
        for c in general:
            out += _md_comment(c, code.get(comment_key(c.comment)))
    answers = [c for c in d.comments if c.by_author]
    if answers:
        out += ["### Replies from the author", ""]
        for c in answers:
            out += _md_comment(c, code.get(comment_key(c.comment)))
    if d.findings:
        out += ["### Automated findings", ""] + [_md_finding(f) for f in d.findings] + [""]
    return out


def _full(review: Review, layout: Layout) -> str:
    overview = layout.overview
    series: tuple[SeriesDigest, ...] = overview.series if overview is not None else ()
    title = series_heading(series[0]) if len(series) == 1 else (f"{len(series)} series" if series else "(untitled)")
    out = [f"# Review summary: {md_escape(title, line_start=False)}", ""]
    digests = [d for s in series for d in s.patches]
    if len(series) > 1:
        out += [f"The input holds {len(series)} series:", ""]
        for s in series:
            n = sum(1 for d in s.patches if not d.is_cover)
            out.append(f"- {md_escape(series_heading(s), line_start=False)}: {n} in this review")
        out.append("")
    if digests:
        out += ["| patch | status | comments | open questions | findings |", "|---|---|---:|---:|---:|"]
        for d in digests:
            out.append(f"| {md_table_cell(_label(d))} | {d.status.value} | {len(d.review_comments)} | "
                       f"{len(d.open_questions)} | {len(d.findings)} |")
        out.append("")
    else:
        out += ["No patch found in the input.", ""]
    code = _code_of(layout)
    for d in digests:
        out += _md_patch(d, layout, code)
        out += since_markdown(review, d.msgid)  # the previous version's review, when the input has it
    if layout.discussion:
        out += ["## Discussion outside any patch", ""]
        for c in layout.discussion:
            note = layout.note(c)
            out += _md_comment(note, None) if note is not None else [
                f"**{md_escape(writer_name(c.author, c.email))}**:", "", md_fence(c.text, "text")]
    if layout.other_findings:
        out += ["## Other findings", ""] + [_md_finding(f) for f in layout.other_findings] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def build_summary(review: Review, *, full: bool = False, plain: bool = False) -> str:
    """The review summary (ends with a newline).

    Args:
        full: the archive form (markdown): every reviewer comment verbatim,
            comments of replies that review no patch of the input under
            "Discussion outside any patch".
        plain: the summary as plain text, 72 columns, for a reply by mail.
    """
    layout = build_layout(review)
    if full:
        return _full(review, layout)
    return _short(review, layout, plain)


# --------------------------------------------------------------------------
# JSON


def _comment_json(cd: CommentDigest, code: _Code | None) -> dict[str, Any]:
    c = cd.comment
    a = c.anchor
    return {
        "msgid": c.msgid,
        "author": c.author,
        "email": c.email,
        "date": c.date,
        "file": code.file if code else (a.file if a else None),
        "function": code.function if code else (a.function if a else None),
        "side": code.side if code else (a.side.value if a else None),
        "line": code.line if code else (a.line if a else None),
        "code": [{"kind": dl.kind, "text": dl.text, "old": dl.old_no, "new": dl.new_no}
                 for dl in (code.code if code else ())],
        "text": c.text,
        "gist": cd.gist,
        "questions": list(cd.questions),
        "answered": cd.answered,
        "proposes_diff": cd.diff_at is not None,
        "link": cd.link,
    }


def _trailer_json(t: Trailer) -> dict[str, Any]:
    return {"key": t.key, "name": t.name, "email": t.email, "msgid": t.msgid}


def build_summary_json(review: Review) -> dict[str, Any]:
    """The summary's facts as a JSON-ready dict (schema ``reviewkit.summary``, version 1)."""
    from reviewkit.render.json_out import _comment, _finding

    layout = build_layout(review)
    code = _code_of(layout)
    sources = {v.patch.msgid: v.patch.source.value for v in layout.patches}
    overview = layout.overview
    series = overview.series if overview is not None else ()
    first = series[0] if series else None
    doc: dict[str, Any] = {
        "schema": SUMMARY_SCHEMA,
        "version": SUMMARY_VERSION,
        "series": {
            "title": first.title if first else "",
            "versions": sorted({s.version for s in series if s.version}),
            "total": first.total if first else None,
            "patches_in_review": sum(1 for s in series for d in s.patches if not d.is_cover),
            "all": [{"title": s.title, "version": s.version, "versions": [s.version] if s.version else [],
                     "total": s.total, "patches_in_review": sum(1 for d in s.patches if not d.is_cover)}
                    for s in series],
        },
        "patches": [{
            "msgid": d.msgid,
            "subject": d.subject,
            "cover_letter": d.is_cover,
            "source": sources.get(d.msgid, "cover" if d.is_cover else "mail"),
            "link": d.link,
            "version": d.version,
            "index": d.index,
            "total": d.total,
            "author": d.author,
            "email": d.email,
            "status": d.status.value,
            "functions": [{"file": f, "name": n, "status": st} for f, n, st in d.functions],
            "trailers": [_trailer_json(t) for t in d.trailers],
            "carried_trailers": [_trailer_json(t) for t in d.carried],
            "comments": [_comment_json(c, code.get(comment_key(c.comment))) for c in d.review_comments],
            "author_replies": [_comment(c.comment) for c in d.comments if c.by_author],
            "open_questions": [{"msgid": c.comment.msgid, "author": c.comment.author,
                                "file": (code[k].file if (k := comment_key(c.comment)) in code else None),
                                "line": code[k].line if k in code else None, "questions": list(c.questions),
                                "link": c.link} for c in d.open_questions],
            "findings": [_finding(f) for f in d.findings],
        } for s in series for d in s.patches],
        "discussion": [_comment(c) for c in layout.discussion],
        "other_findings": [_finding(f) for f in layout.other_findings],
        "warnings": list(review.warnings),
    }
    # the previous version's review, for the patches whose previous version
    # the input holds
    for entry in doc["patches"]:
        since = since_json(review, entry["msgid"])
        if since is not None:
            entry["since"] = since
    return doc


def merge_summary_json(key: str, kept: Any, new: Any) -> Any:
    """What the summary of two parts of one input says of ``key``, a value
    that is no list (:class:`reviewkit.streaming.JsonSections` merges the
    lists): ``series`` of the first part with ``versions``, ``all`` and
    ``patches_in_review`` over both; the rest the first part's."""
    if key != "series" or not isinstance(kept, dict) or not isinstance(new, dict):
        return kept
    first = kept if kept.get("all") else new
    return {
        "title": first["title"],
        "versions": sorted(set(kept["versions"]) | set(new["versions"])),
        "total": first["total"],
        "patches_in_review": kept["patches_in_review"] + new["patches_in_review"],
        "all": kept["all"] + new["all"],
    }


__all__ = ["PatchStatus", "SUMMARY_SCHEMA", "SUMMARY_VERSION", "build_summary", "build_summary_json",
           "merge_summary_json"]
