"""b4's check protocols as reviewkit writes them, without b4 (tests/test_render_b4.py
runs b4 itself): one line per finding, a warning line never read as a fail,
mail text escaped."""

from __future__ import annotations

import json

from reviewkit.model import CheckItem, Checklist, Confidence, Finding, Severity, Status
from reviewkit.render.b4 import render_b4_json, render_b4_lines


def test_b4_lines_are_one_per_finding_and_a_warning_never_reads_as_a_fail() -> None:
    info = Finding("RK103", "unlock-path-merge", Severity.INFO, Confidence.HIGH, "a.c", "f", 3,
                   "quoted mail says ERROR: x\n\x1b[31mred", suggestion="do\nthis")
    err = Finding("RK601", "spelling", Severity.WARNING, Confidence.HIGH, "", None, 2, '"tempary"')
    items = (CheckItem("rules", Status.WARN, "r", "a.c:3", "p", "RK103", ("d",), "", (info,), ("a.c:3",)),
             CheckItem("spelling", Status.FAIL, "s", "commit message line 2", "p", "RK601", ("d",), "", (err,),
                       ("commit message line 2",)),
             CheckItem("subject", Status.PASS, "ok", "subject", "p", "RK501"))
    lines = render_b4_lines(Checklist(items)).splitlines()
    assert lines == ["a.c:3: WARNING: RK103 quoted mail says ERROR : x \\x1b[31mred (do this)",
                     'commit message line 2: ERROR: RK601 "tempary"']
    (result,) = render_b4_json(Checklist(items))
    assert result["status"] == "fail" and result["summary"] == "1 failed, 1 warned of 3 checks"
    assert [d["status"] for d in json.loads(result["details"])] == ["warn", "fail"]
    assert render_b4_lines(Checklist(items[2:])) == ""
    assert render_b4_json(Checklist(items[2:]))[0] == {"tool": "reviewkit", "status": "pass",
                                                      "summary": "1 check passed", "url": "", "details": ""}
