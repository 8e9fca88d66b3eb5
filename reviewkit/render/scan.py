"""A line of ``reviewkit scan`` (schema ``reviewkit.scan``, version 1):
one JSON object per patch mail or cover letter, on one line.

``docs/json-schema.md`` describes it. Strings are the mail's text; the
line escapes control and invisible characters as the review's JSON does.
"""

from __future__ import annotations

import json
from typing import Any

from reviewkit.model.review import ScanRecord
from reviewkit.render.json_out import _finding, _trailer
from reviewkit.render.safe import json_escape

SCAN_SCHEMA = "reviewkit.scan"
SCAN_VERSION = 1


def render_scan_record(record: ScanRecord) -> dict[str, Any]:
    """The record as a JSON-ready dict; see ``docs/json-schema.md``."""
    m = record.message
    return {
        "schema": SCAN_SCHEMA,
        "version": SCAN_VERSION,
        "msgid": m.msgid,
        "subject": m.subject,
        "kind": m.kind.value,
        "author": m.author,
        "email": m.email,
        "date": m.date,
        "timestamp": m.timestamp,
        "series": {"version": m.series.version, "index": m.series.index, "total": m.series.total},
        "origin": m.origin,
        "thread": record.thread,
        "replies": list(record.replies),
        "trailers": [_trailer(t) for t in record.trailers],
        "findings": [_finding(f) for f in record.findings],
    }


def render_scan_line(record: ScanRecord) -> str:
    """The record as one line of JSON, with its newline."""
    text = json.dumps(render_scan_record(record), ensure_ascii=False, separators=(",", ":"))
    return json_escape(text) + "\n"


__all__ = ["SCAN_SCHEMA", "SCAN_VERSION", "render_scan_line", "render_scan_record"]
