"""check stage: the pre-send checklist, made of the rules' findings.

The pipeline runs the rules over every mail of the input, as ``review``
does (:func:`reviewkit.pipeline.build_checklist`); this module turns the
findings into items. One item per check per mail, plus one item per series:
each RK5xx/RK6xx rule is an item of its own (``subject``, ``signed-off-by``
...), the other rules' findings (RK1xx-RK4xx) make the ``rules`` item. No
finding passes the item; a finding at least as severe as ``fail_on``
(``--fail-on``, config ``fail-on``; default error) fails it; a lesser one
makes it warn (a possible misspelling warns, as checkpatch's does). A cover
letter gets the items of the rules that read it (subject, template,
changelog, spelling). A rule the config turns off has no item.

The ``rules`` item passes only on what the rules could see: where a
changed function was only partly visible (the hunks show a few lines of
context, and no git tree gave the rest), it warns and names the functions
instead of saying "ok".
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from reviewkit.config import Config
from reviewkit.model import CheckItem, CodeMap, Finding, Posting, ScopeKind, Severity, Status
from reviewkit.rules import patch_format as pf
from reviewkit.rules.registry import is_enabled

# The families of the rules engine's own item: locks, references, context,
# error paths.
FLOW_RULES = ("RK1", "RK2", "RK3", "RK4")


class ItemSpec(NamedTuple):
    """What a passing item says and where a finding without a place is."""

    name: str
    ok: str
    where: str


_PATCH_ITEMS: dict[str, ItemSpec] = {
    "RK501": ItemSpec("subject", "[PATCH] tag, subsystem prefix, summary length", "subject"),
    "RK503": ItemSpec("signed-off-by", "signed off by the author", "commit message"),
    "RK504": ItemSpec("commit-message", "description present, wrapped at 75 columns", "commit message"),
    "RK505": ItemSpec("changelog", "changelog present", "notes under ---"),
    "RK506": ItemSpec("fixes-tag", "Fixes: tags well formed", "commit message"),
    "RK507": ItemSpec("diffstat", "diffstat matches the diff", "diffstat"),
    "RK508": ItemSpec("whitespace", "no whitespace errors in added lines", "diff"),
    "RK601": ItemSpec("spelling", "no misspelled words in added comments, strings, commit message", "commit message"),
    "RK602": ItemSpec("style", "no temporary-hack markers in added lines", "diff"),
}
_COVER_ITEMS: dict[str, ItemSpec] = {
    "RK501": ItemSpec("subject", "[PATCH] tag and a series title", "subject"),
    "RK509": ItemSpec("template", "edited: no *** SUBJECT HERE ***, *** BLURB HERE ***, EDITME", "cover letter"),
    "RK505": ItemSpec("changelog", "changelog present", "cover letter"),
    "RK601": ItemSpec("spelling", "no misspelled words", "cover letter"),
}
_RULES_ITEM = ItemSpec("rules", "no lock, reference or error-path finding", "patch")


def build_items(postings: Sequence[Posting], series_of: dict[str, tuple[Posting, ...]],
                findings: Sequence[Finding], codemaps: Sequence[CodeMap] = (), *,
                config: Config) -> tuple[CheckItem, ...]:
    """The checklist's items: one per series, then each mail's, in input order.

    Args:
        postings: the patch mails and cover letters checked, in input order.
        series_of: each posting's series, by msgid (see
            :func:`reviewkit.pipeline.find_series`).
        findings: what the rules found over the postings (``Finding.msgid``
            names the posting).
        codemaps: the code maps of the patches: which functions the rules
            saw whole.
        config: ``select``/``ignore``/``disable`` leave items out;
            ``rules`` off gives a ``rules`` item that says so; ``fail_on``
            sets the severity that fails an item.
    """
    maps = {cm.patch_msgid: cm for cm in codemaps}
    by_mail: dict[str, list[Finding]] = {}
    for f in findings:
        by_mail.setdefault(f.msgid, []).append(f)
    items: list[CheckItem] = []
    seen: set[str] = set()
    for p in postings:
        series = series_of.get(p.message.msgid, (p,))
        if series[0].message.msgid in seen:
            continue
        seen.add(series[0].message.msgid)
        if _enabled("RK502", config):
            found = [f for s in series for f in by_mail.get(s.message.msgid, ()) if f.rule == "RK502"]
            items.append(_item(ItemSpec("series-numbering", _numbering_ok(series), "series"), found, patch="",
                               rule_id="RK502", fail_on=config.fail_on))
    for p in postings:
        mine = [f for f in by_mail.get(p.message.msgid, ()) if f.rule != "RK502"]
        items.extend(_mail_items(p, mine, maps.get(p.message.msgid), config=config))
    return tuple(items)


def partly_visible(cm: CodeMap | None) -> tuple[str, ...]:
    """The changed functions the rules saw only in part: no git tree gave
    their text and the hunks do not show them whole (git's default of 3
    lines of context shows a few lines around each change)."""
    if cm is None or cm.exact:
        return ()
    out = []
    for cf in cm.functions:
        if not (cf.added_lines or cf.removed_lines):
            continue
        views = [v for v in (cf.old, cf.new) if v is not None]
        if views and views[0].function.kind is ScopeKind.FUNCTION and any(not v.function.complete for v in views):
            out.append(cf.name)
    return tuple(dict.fromkeys(out))


def _mail_items(p: Posting, findings: list[Finding], cm: CodeMap | None, *, config: Config) -> list[CheckItem]:
    is_cover = p.patch is None
    specs = dict(_COVER_ITEMS if is_cover else _PATCH_ITEMS)
    place = "cover letter" if is_cover else "commit message"
    # nothing found is lost: a rule's findings on a mail its item is not
    # usually shown for get the item there too
    for f in findings:
        if f.rule not in specs and f.rule in _PATCH_ITEMS:
            specs[f.rule] = _PATCH_ITEMS[f.rule]
    items = []
    for rule_id, spec in specs.items():
        if not _enabled(rule_id, config):
            continue
        found = [f for f in findings if f.rule == rule_id]
        items.append(_item(spec._replace(ok=_ok(rule_id, spec.ok, p)), found, patch=p.message.subject,
                           rule_id=rule_id, place=place, fail_on=config.fail_on))
    flow = [f for f in findings if f.rule not in specs]
    if not is_cover or flow:
        partial = partly_visible(cm)
        if not config.rules and not flow:
            items.append(CheckItem("rules", Status.WARN, "not run: the rules stage is turned off", "patch",
                                   p.message.subject))
        elif partial and not flow:
            names = ", ".join(f"{n}()" for n in partial[:4]) + (f" and {len(partial) - 4} more" if len(partial) > 4
                                                                  else "")
            items.append(CheckItem(
                "rules", Status.WARN, f"no finding, but only part of {names} was visible", "patch",
                p.message.subject, details=(), suggestion="run reviewkit check in the git tree the patch applies "
                "to, give --repo, or format the patch with more context (git format-patch -W)"))
        else:
            items.append(_item(_RULES_ITEM, flow, patch=p.message.subject, place=place, fail_on=config.fail_on))
    return items


def _ok(rule_id: str, ok: str, p: Posting) -> str:
    """What a passing item says, where it depends on the mail."""
    patch = p.patch
    if rule_id == "RK505":
        version = p.message.series.version or 1
        if version < 2:
            return "v1: no changelog needed"
        if patch is not None and pf.find_changelog_problems(version, patch.notes, patch.commit_message):
            return "changelog in the cover letter"
    elif rule_id == "RK506" and patch is not None and "fixes:" not in patch.commit_message.lower():
        return "no Fixes: tag"
    elif rule_id == "RK507" and patch is not None and not pf.parse_diffstat(patch.diffstat or patch.notes)[0]:
        return "no diffstat to compare"
    return ok


def _numbering_ok(series: tuple[Posting, ...]) -> str:
    total = next((s.message.series.total for s in series if s.message.series.total), None)
    if not total:
        return "not numbered" if len(series) == 1 else f"{len(series)} mails, one version"
    if len(series) == 1:
        return f"{series[0].message.series.index}/{total}: numbering consistent (one mail of the series given)"
    return f"{len(series)} mails, numbered 1..{total} without gaps"


def _enabled(rule_id: str, config: Config) -> bool:
    return is_enabled(rule_id, select=config.select, ignore=config.ignore + config.disable)


def _where(f: Finding, default: str, place: str) -> str:
    if f.file:
        return f"{f.file}:{f.line}" if f.line else f.file
    if f.line:
        return f"{place} line {f.line}"
    return default


def _also(f: Finding) -> str:
    """" (also lines 206, 230)": the other lines of the same cause."""
    more = [n for n in f.lines if n != f.line]
    return f" (also line{'s' if len(more) > 1 else ''} {', '.join(str(n) for n in more)})" if more else ""


def _detail_fix(suggestion: str) -> str:
    # RK103 suggests a block of code (patches/117: "merge the unlock paths:
    # ... if (clearlru) {"): its lines go below, not inside parentheses.
    if not suggestion:
        return ""
    if "\n" in suggestion:
        return f"; fix: {suggestion}"
    return f" ({suggestion})"


def _item(spec: ItemSpec, findings: Sequence[Finding], *, patch: str, rule_id: str = "",
          place: str = "commit message", fail_on: Severity = Severity.ERROR) -> CheckItem:
    """An item from the findings of one check: none pass; one at least as
    severe as ``fail_on`` fails it; lesser ones warn."""
    if not findings:
        return CheckItem(spec.name, Status.PASS, spec.ok, spec.where, patch, rule_id)
    failing = [f for f in findings if f.severity.rank >= fail_on.rank]
    status = Status.FAIL if failing else Status.WARN
    first = (failing or list(findings))[0]
    more = len(findings) - 1
    reason = first.message + _also(first) + (f" (and {more} more)" if more else "")
    places = tuple(_where(f, spec.where, place) for f in findings)
    details = tuple(f"{where}: {f.message}" + _also(f) + _detail_fix(f.suggestion) for where, f in zip(places, findings))
    return CheckItem(spec.name, status, reason, _where(first, spec.where, place), patch, rule_id or first.rule,
                     details, first.suggestion, tuple(findings), places)
