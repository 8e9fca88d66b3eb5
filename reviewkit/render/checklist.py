"""The pre-send checklist: ``reviewkit check PATCH...`` for patch authors.

One item per check per patch mail, plus series-level items, each pass, warn
or fail with a one-line reason and where it applies. The checks are the
RK5xx/RK6xx rules (``rules/patch_format.py``, ``rules/spelling.py``,
``rules/style.py``) called with what only the mail knows (``From:``, the
other mails of the series, the cover letter), and the rules engine's
findings over the changed functions.

A finding of severity warning or error fails its item; an info finding
makes it warn. ``Checklist.exit_code`` is the command's exit status.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from reviewkit.config import Config
from reviewkit.errors import InputError, ReviewkitError
from reviewkit.model import Finding, Message, Patch, Severity

if TYPE_CHECKING:
    from rich.console import Console

    from reviewkit.rules.registry import Report

SCHEMA_NAME, SCHEMA_VERSION = "reviewkit.checklist", 1


class Status(enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckItem:
    """One line of the checklist.

    ``where``: ``"subject"``, ``"commit message line 4"``, ``"mm/mlock.c:333"``,
    ``"series"``. ``patch`` is the subject of the mail the item is about
    ("" for a series item). ``details`` holds every finding behind a warn or
    fail (the reason names the first), each ``"where: message (suggestion)"``.
    """

    name: str
    status: Status
    reason: str
    where: str
    patch: str = ""
    rule: str = ""
    details: tuple[str, ...] = ()
    suggestion: str = ""  # how to fix the first finding


@dataclass(frozen=True)
class Checklist:
    items: tuple[CheckItem, ...]
    errors: tuple[str, ...] = ()  # bad input: one line each
    warnings: tuple[str, ...] = ()  # what parsing had to guess
    patches: tuple[str, ...] = field(default=())  # subjects, in input order

    @property
    def exit_code(self) -> int:
        """0 no item failed, 1 an item failed, 2 bad input (unreadable, no patch)."""
        if self.errors or not self.items:
            return 2
        return 1 if any(i.status is Status.FAIL for i in self.items) else 0

    def count(self, status: Status) -> int:
        return sum(1 for i in self.items if i.status is status)


# --------------------------------------------------------------------------
# building


@dataclass(frozen=True)
class _Mail:
    message: Message
    patch: Patch | None


def _read(paths_or_messages: Iterable[Any], errors: list[str], warnings: list[str]) -> list[_Mail]:
    """Messages and their patches; unreadable inputs become ``errors``."""
    from reviewkit.patch import parse_patch

    mails: list[_Mail] = []
    for item in paths_or_messages:
        if isinstance(item, tuple):
            mails.append(_Mail(item[0], item[1]))
            continue
        if isinstance(item, Message):
            messages = [item]
        else:
            from reviewkit.mail import parse_message
            from reviewkit.source import read_messages

            try:
                messages = [parse_message(raw) for raw in read_messages([str(item)])]
            except ReviewkitError as err:
                errors.append(str(err))
                continue
            if not messages:
                errors.append(f"{item}: holds no mail")
                continue
        for message in messages:
            # git format-patch writes no Message-ID (git send-email adds
            # one), so its absence is no news in a pre-send check.
            warnings.extend(f"{message.origin or message.msgid}: {w}" for w in message.warnings
                            if not w.startswith("no Message-ID"))
            try:
                patch = parse_patch(message)
            except ReviewkitError as err:
                errors.append(str(err))
                continue
            if patch is not None:
                warnings.extend(f"{message.origin or message.msgid}: {w}" for w in patch.warnings)
            mails.append(_Mail(message, patch))
    return mails


def _where(f: Finding, default: str, place: str = "commit message") -> str:
    if f.file:
        return f"{f.file}:{f.line}" if f.line else f.file
    if f.line:
        return f"{place} line {f.line}"
    return default


def _item(name: str, findings: Sequence[Finding], *, ok: str, default_where: str, patch: str,
          rule_id: str = "", place: str = "commit message") -> CheckItem:
    """An item from the findings of one check: none pass, info warns, others fail."""
    if not findings:
        return CheckItem(name, Status.PASS, ok, default_where, patch, rule_id)
    failing = [f for f in findings if f.severity is not Severity.INFO]
    status = Status.FAIL if failing else Status.WARN
    first = (failing or list(findings))[0]
    more = len(findings) - 1
    reason = first.message + (f" (and {more} more)" if more else "")
    details = tuple(f"{_where(f, default_where, place)}: {f.message}" + _detail_fix(f.suggestion) for f in findings)
    return CheckItem(name, status, reason, _where(first, default_where, place), patch, rule_id or first.rule, details,
                     first.suggestion)


def _detail_fix(suggestion: str) -> str:
    # RK103 suggests a block of code (patches/117: "merge the unlock paths:
    # ... if (clearlru) {"): its lines go below, not inside parentheses.
    if not suggestion:
        return ""
    if "\n" in suggestion:
        return f"; fix: {suggestion}"
    return f" ({suggestion})"


def _enabled(rule_id: str, config: Config) -> bool:
    from reviewkit.rules.registry import is_enabled

    return is_enabled(rule_id, select=config.select, ignore=config.ignore + config.disable)


def _rules_item(patch: Patch, subject: str, config: Config) -> CheckItem:
    """The rules engine's findings over the changed functions (RK1xx-RK4xx)."""
    if not config.rules:
        return CheckItem("rules", Status.WARN, "not run: the rules stage is turned off", "patch", subject)
    try:
        from reviewkit.cmap import map_functions
        from reviewkit.rules import run_rules
    except ImportError as err:
        return CheckItem("rules", Status.WARN, f"not run: the rules engine is not available ({err})", "patch",
                         subject)
    # RK5xx/RK6xx have items of their own: the engine need not run them again
    engine_config = replace(config, ignore=tuple(config.ignore) + ("RK5", "RK6"))
    try:
        codemap = map_functions(patch, config=config)
        findings = run_rules(patch, codemap, config=engine_config)
    except ReviewkitError as err:
        return CheckItem("rules", Status.WARN, f"not run: {err}", "patch", subject)
    findings = [f for f in findings if not f.rule.startswith(("RK5", "RK6"))]
    return _item("rules", findings, ok="no lock, reference or error-path finding", default_where="patch",
                 patch=subject)


def _check_patch(mail: _Mail, *, config: Config, cover_changelog: bool | None, numbered: bool) -> list[CheckItem]:
    from reviewkit.rules import patch_format as pf
    from reviewkit.rules.engine import make_findings
    from reviewkit.rules.spelling import find_added_text, find_commit_text, find_misspellings, misspelling_report
    from reviewkit.rules.style import temporary_markers

    m, patch = mail.message, mail.patch
    assert patch is not None
    subject = m.subject
    items: list[CheckItem] = []

    def add(rule_id: str, name: str, reports: Sequence[Report], ok: str, where: str) -> None:
        if _enabled(rule_id, config):
            findings = make_findings(rule_id, reports, msgid=patch.msgid)
            items.append(_item(name, findings, ok=ok, default_where=where, patch=subject, rule_id=rule_id))

    add("RK501", "subject", pf.find_subject_problems(subject), "[PATCH] tag, subsystem prefix, summary length",
        "subject")
    add("RK503", "signed-off-by", pf.find_signoff_problems(patch.commit_message, m.author, m.email),
        "signed off by the author", "commit message")
    add("RK504", "commit-message", pf.find_body_problems(patch.commit_message),
        "description present, wrapped at 75 columns", "commit message")
    changelog = pf.find_changelog_problems(m.series.version, patch.notes, patch.commit_message)
    ok_changelog = "v1: no changelog needed" if (m.series.version or 1) < 2 else "changelog present"
    if changelog and cover_changelog:
        changelog, ok_changelog = [], "changelog in the cover letter"
    elif changelog and numbered and cover_changelog is None:
        # one file of a series (the sendemail-validate hook): the cover
        # letter may carry the changelog, and it is not in the input
        changelog = [replace(f, severity=Severity.INFO,
                             message=f.message + "; the cover letter (not given) may carry it") for f in changelog]
    add("RK505", "changelog", changelog, ok_changelog, "notes under ---")
    add("RK506", "fixes-tag", pf.find_fixes_problems(patch.commit_message),
        "Fixes: tags well formed" if "fixes:" in patch.commit_message.lower() else "no Fixes: tag", "commit message")
    stat = patch.diffstat or patch.notes
    add("RK507", "diffstat", pf.find_diffstat_problems(stat, patch),
        "diffstat matches the diff" if pf.parse_diffstat(stat)[0] else "no diffstat to compare", "diffstat")
    add("RK508", "whitespace", pf.find_whitespace_problems(patch), "no whitespace errors in added lines", "diff")
    if _enabled("RK601", config):
        pieces = [*find_commit_text(patch.commit_message), *find_added_text(patch)]
        found = [misspelling_report(x) for x in find_misspellings(pieces, ignore=config.spelling_ignore)]
        add("RK601", "spelling", found, "no misspelled words in added comments, strings, commit message",
            "commit message")
    add("RK602", "style", list(temporary_markers(patch)), "no temporary-hack markers in added lines", "diff")
    items.append(_rules_item(patch, subject, config))
    return items


def _check_cover(mail: _Mail, *, config: Config, series_changelog: bool) -> list[CheckItem]:
    from reviewkit.rules import patch_format as pf
    from reviewkit.rules.engine import make_findings
    from reviewkit.rules.spelling import find_commit_text, find_misspellings, misspelling_report

    m = mail.message
    subject = m.subject
    items: list[CheckItem] = []
    if _enabled("RK501", config):
        items.append(_item("subject", make_findings("RK501", pf.find_subject_problems(subject), msgid=m.msgid),
                           ok="[PATCH] tag and a series title",
                           default_where="subject", patch=subject, rule_id="RK501"))
    if _enabled("RK505", config):
        found = [] if series_changelog else pf.find_changelog_problems(m.series.version, _cover_text(m.body))
        found = make_findings("RK505", found, msgid=m.msgid)
        ok = "v1: no changelog needed" if (m.series.version or 1) < 2 else "changelog present"
        items.append(_item("changelog", found, ok=ok, default_where="cover letter", patch=subject,
                           rule_id="RK505"))
    if _enabled("RK601", config):
        found = make_findings("RK601", [misspelling_report(x) for x in find_misspellings(
            find_commit_text(_cover_text(m.body)), ignore=config.spelling_ignore)], msgid=m.msgid)
        items.append(_item("spelling", found, ok="no misspelled words", default_where="cover letter",
                           patch=subject, rule_id="RK601", place="cover letter"))
    return items


def _cover_text(body: str) -> str:
    """The cover letter's own words: above the shortlog and diffstat git appends."""
    lines = body.split("\n")
    for i, line in enumerate(lines):
        # "Alex Shi (20):" opens git's shortlog (101_v16-00-22); the diffstat
        # or the "-- " signature end the text when there is no shortlog
        if re.match(r"^\S.* \(\d+\):$", line) or line == "-- " or re.match(r"^ \S+\s+\|\s+\d+", line):
            return "\n".join(lines[:i])
    return body


def _cover_has_changelog(m: Message) -> bool:
    """A cover letter's changelog, also in the informal form the v16 cover
    (101_v16-00-22) uses: "The new version which bases on v5.8-rc4. Add 2
    more patchs ... and modified ..."."""
    from reviewkit.rules.patch_format import has_changelog

    return has_changelog(_cover_text(m.body), prose=True)


def build_checklist(paths_or_messages: Iterable[Any], *, config: Config) -> Checklist:
    """Run every check over patch mails.

    Args:
        paths_or_messages: paths (``str``/``Path``; ``-`` is standard input)
            of format-patch files or an mbox of a series, parsed
            ``Message`` records, or ``(Message, Patch | None)`` pairs.
        config: the settings; ``select``/``ignore``/``disable`` leave items
            out by rule id, ``spelling_ignore`` adds words.

    Returns:
        The checklist. Unreadable inputs and mails that are neither a patch
        nor a cover letter land in ``errors`` (exit status 2) beside the
        items of the mails that could be checked; replies in an mbox are
        skipped with a warning.

    Raises:
        InputError: no input held a patch mail (every path unreadable, or
            no patch in any); the message names the first problem.
    """
    errors: list[str] = []
    warnings: list[str] = []
    mails = _read(list(paths_or_messages), errors, warnings)

    kept: list[_Mail] = []
    replies: list[str] = []
    for mail in mails:
        m = mail.message
        if m.series.index == 0 and m.series.is_patch_tag and not m.series.is_reply:
            # a cover letter, even when it carries an interdiff; not a reply
            # to one ("Re: [PATCH v16 00/22]", replies/001_*.eml)
            kept.append(_Mail(m, None))
        elif mail.patch is not None:
            kept.append(mail)
        elif m.series.is_reply:
            replies.append(m.origin or m.msgid)
        else:
            errors.append(f"{m.origin or m.msgid}: no diff found: not a patch mail ({m.subject})")

    if replies and not kept and not errors:
        # a reply alone (tests/data/corpus/replies/*.eml) has nothing for its
        # author to fix: say so on stderr, not with an empty tally on stdout
        errors.append(f"{replies[0]}: a reply, not a patch mail: nothing to check"
                      + (f" ({len(replies)} replies, no patch)" if len(replies) > 1 else ""))
    if errors and not kept:
        # nothing to check: one line on stderr and exit 2, as every command does
        raise InputError(errors[0] if len(errors) == 1 else f"{errors[0]} (and {len(errors) - 1} more)")
    if replies:
        # a thread mbox given to check: the replies are not the author's to fix
        warnings.append(f"skipped {len(replies)} repl{'y' if len(replies) == 1 else 'ies'} "
                        f"(check reads patch mails): {', '.join(replies)}")
    covers = [x for x in kept if x.patch is None]
    patches = [x for x in kept if x.patch is not None]
    cover_changelog: bool | None = None
    if covers:
        cover_changelog = any(_cover_has_changelog(c.message) for c in covers)
    from reviewkit.rules import patch_format as pf

    patch_changelog = any(
        pf.has_changelog(p.patch.notes, prose=True) for p in patches if p.patch is not None)

    items: list[CheckItem] = []
    if kept and _enabled("RK502", config):
        posted = [pf.Posted(x.message.subject, x.patch is not None) for x in kept]
        from reviewkit.rules.engine import make_findings

        found = make_findings("RK502", pf.find_numbering_problems(posted))
        total = next((x.message.series.total for x in kept if x.message.series.total), None)
        if not total:
            ok = "not numbered" if len(kept) == 1 else f"{len(kept)} mails, one version"
        elif len(kept) == 1:
            ok = f"{kept[0].message.series.index}/{total}: numbering consistent (one mail of the series given)"
        else:
            ok = f"{len(kept)} mails, numbered 1..{total} without gaps"
        items.append(_item("series-numbering", found, ok=ok, default_where="series", patch="", rule_id="RK502"))
    for mail in kept:
        if mail.patch is None:
            items.extend(_check_cover(mail, config=config, series_changelog=bool(cover_changelog) or patch_changelog))
        else:
            numbered = (mail.message.series.total or 1) > 1
            items.extend(_check_patch(mail, config=config, cover_changelog=cover_changelog, numbered=numbered))
    return Checklist(tuple(items), tuple(errors), tuple(warnings), tuple(x.message.subject for x in kept))


# --------------------------------------------------------------------------
# rendering

_MARK = {Status.PASS: ("ok", "green"), Status.WARN: ("warn", "yellow"), Status.FAIL: ("FAIL", "bold red")}


def render_checklist_text(checklist: Checklist, console: "Console") -> None:
    """Print the checklist: one line per item under each patch's subject,
    the details of warn/fail items indented below, then a tally."""
    from rich.text import Text

    from reviewkit.render.safe import safe_text

    for err in checklist.errors:
        console.print(Text.assemble(("error: ", "bold red"), safe_text(err)), soft_wrap=True)
    for w in checklist.warnings:
        console.print(Text.assemble(("warning: ", "yellow"), safe_text(w)), soft_wrap=True)
    current = None
    for n, item in enumerate(checklist.items):
        if item.patch != current or n == 0:
            current = item.patch
            gap = "\n" if n or checklist.errors or checklist.warnings else ""
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
    tally = (f"\n{checklist.count(Status.PASS)} passed, {checklist.count(Status.WARN)} warned, "
             f"{checklist.count(Status.FAIL)} failed")
    style = "bold red" if checklist.exit_code else "green"
    console.print(Text(tally, style=style))


def render_checklist_markdown(checklist: Checklist) -> str:
    """The checklist as GitHub markdown: a task list per patch (mail text escaped)."""
    from reviewkit.render.safe import md_code, md_escape, md_fence

    out = ["# reviewkit pre-send checklist", ""]
    for err in checklist.errors:
        out.append(f"**error:** {md_escape(err)}  ")
    for w in checklist.warnings:
        out.append(f"*warning:* {md_escape(w)}  ")
    if checklist.errors or checklist.warnings:
        out.append("")
    current = None
    for item in checklist.items:
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
             "rule": i.rule, "details": list(i.details), "suggestion": i.suggestion}
            for i in checklist.items
        ],
    }


__all__ = ["CheckItem", "Checklist", "Status", "build_checklist", "render_checklist_json",
           "render_checklist_markdown", "render_checklist_text"]
