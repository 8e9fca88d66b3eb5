"""The review as one JSON document (schema ``reviewkit.review``, version 1).

The document mirrors the model, field by field; ``docs/json-schema.md``
describes it. Strings are the mail's text unchanged (JSON escapes control
characters itself); a consumer that prints them must escape them.
"""

from __future__ import annotations

from typing import Any

from reviewkit.model import (
    Anchor,
    ChangedFunction,
    CodeMap,
    Comment,
    DiffLine,
    FileDiff,
    Finding,
    Hunk,
    Message,
    Patch,
    Trailer,
)
from reviewkit.model.review import Review

SCHEMA = "reviewkit.review"
VERSION = 1


def _trailer(t: Trailer) -> dict[str, Any]:
    return {"key": t.key, "name": t.name, "email": t.email, "msgid": t.msgid, "quoted": t.quoted}


def _anchor(a: Anchor | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "file": a.file,
        "side": a.side.value,
        "line": a.line,
        "hunk": a.hunk,
        "quoted": a.quoted,
        "function": a.function,
        "answers": a.answers,
    }


def _comment(c: Comment) -> dict[str, Any]:
    return {
        "author": c.author,
        "email": c.email,
        "date": c.date,
        "text": c.text,
        "body_start": c.body_start,
        "anchor": _anchor(c.anchor),
        "quoted_text": c.quoted_text,
        "quoted_author": c.quoted_author,
    }


def _message(m: Message, review: Review) -> dict[str, Any]:
    return {
        "msgid": m.msgid,
        "subject": m.subject,
        "author": m.author,
        "email": m.email,
        "date": m.date,
        "timestamp": m.timestamp,
        "kind": m.kind.value,
        "series": {
            "title": m.series.title,
            "version": m.series.version,
            "index": m.series.index,
            "total": m.series.total,
            "prefixes": list(m.series.prefixes),
            "resend": m.series.resend,
        },
        "in_reply_to": m.in_reply_to,
        "references": list(m.references),
        "origin": m.origin,
        "reviews": review.reviews.get(m.msgid),
        "comments": [_comment(c) for c in review.comments.get(m.msgid, ())],
        "trailers": [_trailer(t) for t in review.trailers.get(m.msgid, ())],
        "warnings": list(m.warnings),
    }


def _line(dl: DiffLine) -> dict[str, Any]:
    return {"kind": dl.kind, "text": dl.text, "old": dl.old_no, "new": dl.new_no}


def _hunk(h: Hunk) -> dict[str, Any]:
    return {
        "old_start": h.old_start,
        "old_len": h.old_len,
        "new_start": h.new_start,
        "new_len": h.new_len,
        "header_context": h.header_context,
        "function": h.function,
        "snipped": h.snipped,
        "numbered_from_quote": h.numbered_from_quote,
        "lines": [_line(dl) for dl in h.lines],
    }


def _file(f: FileDiff) -> dict[str, Any]:
    return {
        "path": f.path,
        "old_path": f.old_path,
        "new_path": f.new_path,
        "status": f.status.value,
        "old_blob": f.old_blob,
        "new_blob": f.new_blob,
        "hunks": [_hunk(h) for h in f.hunks],
    }


def _patch(p: Patch) -> dict[str, Any]:
    return {
        "msgid": p.msgid,
        "subject": p.subject,
        "source": p.source.value,
        "commit_message": p.commit_message,
        "notes": p.notes,
        "diffstat": p.diffstat,
        "files": [_file(f) for f in p.files],
        "trailers": [_trailer(t) for t in p.trailers],
        "warnings": list(p.warnings),
    }


def _span(view) -> dict[str, Any] | None:
    if view is None:
        return None
    fn = view.function
    return {"start": fn.start, "end": fn.end, "complete": fn.complete}


def _function(cf: ChangedFunction, cm: CodeMap) -> dict[str, Any]:
    return {
        "patch": cm.patch_msgid,
        "file": cf.file,
        "name": cf.name,
        "status": cf.status.value,
        "old": _span(cf.old),
        "new": _span(cf.new),
        "exact": cm.exact,
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "category": f.category,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "file": f.file,
        "function": f.function,
        "line": f.line,
        "lines": list(f.lines or ((f.line,) if f.line is not None else ())),
        "message": f.message,
        "suggestion": f.suggestion,
        "rationale": f.rationale,
        "msgid": f.msgid,
        "fingerprint": f.fingerprint,
    }


def render_json(review: Review) -> dict[str, Any]:
    """The review as a JSON-ready dict (``json.dumps`` it as is).

    Returns:
        ``{"schema": "reviewkit.review", "version": 1, "threads", "messages",
        "patches", "functions", "findings", "dismissed", "warnings"}``, and
        ``"versions"`` when the input holds a series in two or more versions;
        see ``docs/json-schema.md``. Never fails on a well-formed Review.
    """
    known = {m.msgid for m in review.messages}
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "version": VERSION,
        "threads": [{"root": t.root, "messages": [m.msgid for m in t.messages]} for t in review.threads],
        "messages": [_message(m, review) for m in review.messages],
        "patches": [_patch(p) for p in review.patches],
        "functions": [_function(cf, cm) for cm in review.codemaps for cf in cm.functions],
        "findings": [_finding(f) for f in review.findings],
        # counted, not shown: what a dismissal names and why
        "dismissed": [{"fingerprint": d.finding.fingerprint, "rule": d.finding.rule, "reason": d.reason}
                      for d in review.dismissed],
        "warnings": list(review.warnings) + [w for cm in review.codemaps for w in cm.warnings if w not in review.warnings],
        # Comments of a message that is in no thread (none when the
        # pipeline is sound): kept so that nothing is lost.
        "other_comments": [{"msgid": k, "comments": [_comment(c) for c in cs]}
                           for k, cs in review.comments.items() if cs and k not in known],
    }
    if review.versions is not None:
        # the input holds a series in two or more versions
        from reviewkit.render.versions import versions_body

        doc["versions"] = versions_body(review.versions)
    return doc


def merge_review_json(key: str, kept: Any, new: Any) -> Any:
    """What the review of two parts of one input says of ``key``, a value
    that is no list (:class:`reviewkit.streaming.JsonSections` merges the
    lists): ``versions`` of both; the rest the first part's."""
    if key != "versions" or not isinstance(kept, dict) or not isinstance(new, dict):
        return kept
    from reviewkit.render.versions import merge_versions_body

    return merge_versions_body(kept, new)


__all__ = ["SCHEMA", "VERSION", "merge_review_json", "render_json"]
