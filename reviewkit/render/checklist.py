"""The pre-send checklist in three formats: terminal text, markdown, JSON.

The checklist itself (:class:`~reviewkit.model.Checklist`) is built by the
pipeline (:func:`reviewkit.pipeline.build_checklist`); here it is only
shown. ``Checklist.exit_code`` is the command's exit status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reviewkit.model import Checklist, Status

if TYPE_CHECKING:
    from rich.console import Console

SCHEMA_NAME, SCHEMA_VERSION = "reviewkit.checklist", 1


# --------------------------------------------------------------------------
# formats

_MARK = {Status.PASS: ("ok", "green"), Status.WARN: ("warn", "yellow"), Status.FAIL: ("FAIL", "bold red")}


def render_checklist_text(checklist: Checklist, console: "Console", *, quiet: bool = False) -> None:
    """Print the checklist: one line per item under each patch's subject,
    the details of warn/fail items indented below, then a tally. ``quiet``:
    only the items that failed or warned, under their patch's subject, and
    nothing at all when every item passed."""
    from rich.text import Text

    from reviewkit.render.notes import dismissed_note
    from reviewkit.render.safe import safe_text

    for err in checklist.errors:
        console.print(Text.assemble(("error: ", "bold red"), safe_text(err)), soft_wrap=True)
    if not quiet:
        for w in checklist.warnings:
            console.print(Text.assemble(("warning: ", "yellow"), safe_text(w)), soft_wrap=True)
    items = _shown(checklist, quiet)
    current = None
    for n, item in enumerate(items):
        if item.patch != current or n == 0:
            current = item.patch
            gap = "\n" if n or checklist.errors or (checklist.warnings and not quiet) else ""
            console.print(Text.assemble(gap, safe_text(item.patch or "series", "bold")))
        mark, style = _MARK[item.status]
        line = Text.assemble(("  " + mark.ljust(5), style), (item.name.ljust(18), "bold"), safe_text(item.reason))
        if item.status is not Status.PASS:
            line.append("  [" if item.where else "", "dim")
            line.append_text(safe_text(item.where, "dim"))
            line.append("]" if item.where else "", "dim")
        console.print(line, soft_wrap=True)
        if item.status is not Status.PASS and len(item.details) > 1:
            for d in item.details:
                first, *rest = d.split("\n")
                console.print(Text.assemble("         - ", safe_text(first)), soft_wrap=True)
                for more in rest:  # a suggested block of code, kept under its item
                    console.print(Text.assemble("             ", safe_text(more)), soft_wrap=True)
        elif item.status is not Status.PASS and item.suggestion:
            first, *rest = item.suggestion.split("\n")
            console.print(Text.assemble("         fix: ", safe_text(first)), soft_wrap=True)
            for more in rest:
                console.print(Text.assemble("             ", safe_text(more)), soft_wrap=True)
    if quiet and not items and not checklist.errors:
        return
    tally = (f"\n{checklist.count(Status.PASS)} passed, {checklist.count(Status.WARN)} warned, "
             f"{checklist.count(Status.FAIL)} failed")
    style = "bold red" if checklist.exit_code else "green"
    console.print(Text(tally, style=style))
    if checklist.dismissed:
        console.print(Text(dismissed_note(len(checklist.dismissed)), style="dim"))


def _shown(checklist: Checklist, quiet: bool) -> list:
    """The items to print: all, or with ``quiet`` those that warned or failed."""
    return [i for i in checklist.items if not quiet or i.status is not Status.PASS]


def render_checklist_markdown(checklist: Checklist, *, quiet: bool = False) -> str:
    """The checklist as GitHub markdown: a task list per patch (mail text
    escaped); ``quiet``: only the items that warned or failed."""
    from reviewkit.render.notes import dismissed_note
    from reviewkit.render.safe import md_code, md_escape, md_fence

    out = ["# reviewkit pre-send checklist", ""]
    for err in checklist.errors:
        out.append(f"**error:** {md_escape(err)}  ")
    for w in checklist.warnings:
        out.append(f"*warning:* {md_escape(w)}  ")
    if checklist.errors or checklist.warnings:
        out.append("")
    current = None
    for item in _shown(checklist, quiet):
        if item.patch != current or current is None:
            if current is not None:
                out.append("")
            current = item.patch
            out += [f"## {md_escape(item.patch) if item.patch else 'Series'}", ""]
        box = "x" if item.status is Status.PASS else " "
        where = f" ({md_code(item.where)})" if item.status is not Status.PASS and item.where else ""
        out.append(f"- [{box}] **{item.status.value}** {md_escape(item.name)}: {md_escape(item.reason)}{where}")
        if item.status is not Status.PASS and len(item.details) > 1:
            for d in item.details:
                first, _, rest = d.partition("\n")
                out.append(f"  - {md_escape(first)}")
                if rest:  # a suggested block of code: a fence inside the list item
                    out += ["", *("    " + x if x else "" for x in md_fence(rest, "c").rstrip("\n").split("\n")), ""]
    out += ["", f"{checklist.count(Status.PASS)} passed, {checklist.count(Status.WARN)} warned, "
            f"{checklist.count(Status.FAIL)} failed; exit status {checklist.exit_code}", ""]
    if checklist.dismissed:
        out += [md_escape(dismissed_note(len(checklist.dismissed))), ""]
    return "\n".join(out)


def render_checklist_json(checklist: Checklist) -> dict:
    """The checklist as a JSON-ready dict (schema ``reviewkit.checklist`` v1):
    ``{"schema", "version", "exit_code", "counts", "errors", "warnings", "items": [...]}``,
    each item ``{name, status, reason, where, patch, rule, details, suggestion}``."""
    return {
        "schema": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "exit_code": checklist.exit_code,
        "counts": {s.value: checklist.count(s) for s in Status},
        "errors": list(checklist.errors),
        "warnings": list(checklist.warnings),
        "patches": list(checklist.patches),
        "items": [
            {"name": i.name, "status": i.status.value, "reason": i.reason, "where": i.where, "patch": i.patch,
             "rule": i.rule, "details": list(i.details), "suggestion": i.suggestion,
             "fingerprints": [f.fingerprint for f in i.findings]}
            for i in checklist.items
        ],
        "dismissed": [{"fingerprint": d.finding.fingerprint, "rule": d.finding.rule, "reason": d.reason}
                      for d in checklist.dismissed],
    }


__all__ = ["render_checklist_json", "render_checklist_markdown", "render_checklist_text"]
