"""Run every enabled rule over a patch's code map.

Parameters are supplied by name (see :mod:`reviewkit.rules.registry`): a
rule with ``fn`` runs once per changed function, the others once per mail
(a patch, or a cover letter: no patch, no code map, no function); the walks
a rule reads through ``flow`` are made once per run, on first use.
Rules yield :class:`~reviewkit.rules.registry.Report` records; the engine
makes each a :class:`~reviewkit.model.Finding` with the rule's id, category
and severity. A rule that raises becomes a one-line warning, never a
traceback.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable

from reviewkit.config import Config
from reviewkit.errors import ConfigError
from reviewkit.model import ChangedFunction, CodeMap, Confidence, Finding, Message, Patch, PatchSource, Posting, Side
from reviewkit.rules.dataflow import NotAnalysed
from reviewkit.rules.flows import PatchFlows
from reviewkit.rules.knowledge import KnowledgeBase, load_knowledge
from reviewkit.rules.registry import Report, Rule, all_rules, find_rule, is_enabled

# said of every finding on a function whose code the patch shows only in part
FRAGMENT_NOTE = " (judged from the lines the patch shows; the rest of the function was not visible)"
# said of every finding on a function known from a nearby version of its file
PLACED_NOTE = " (judged from the function as the tree given has it, the hunks found {offset:+d} lines off)"


def load_rules() -> list[Rule]:
    """Import the rule modules (registering them) and return every rule."""
    from reviewkit.rules import context, errpath, locks, managed, refs  # noqa: F401  (registration)
    from reviewkit.rules import afterunlock, cleanup, conditional, irqvariant, lockinit, results, runtimepm, selflock, unwind, useafterput  # noqa: F401  (registration)

    for optional in ("spelling", "style", "patch_format", "templates"):
        try:
            __import__(f"reviewkit.rules.{optional}")
        except ModuleNotFoundError as err:
            if err.name != f"reviewkit.rules.{optional}":
                raise
    return all_rules()


def find_enabled_rules(config: Config) -> list[Rule]:
    """The rules the config leaves on: select/ignore by longest prefix, and
    ``disable`` works as ignore."""
    ignore = tuple(config.ignore) + tuple(config.disable)
    return [r for r in load_rules() if is_enabled(r.id, select=tuple(config.select), ignore=ignore)]


def _sort_key(f: Finding) -> tuple:
    return (f.file, f.line if f.line is not None else 0, f.rule, f.function or "", f.message)


def run_rules_with_warnings(
    patch: Patch | None, codemap: CodeMap | None, *, config: Config, kb: KnowledgeBase | None = None,
    message: Message | None = None, series: tuple[Posting, ...] = (), cover: Message | None = None,
) -> tuple[list[Finding], list[str]]:
    """Findings of every enabled rule, and one-line warnings for rules that
    failed or functions that were too large to analyse.

    Args:
        patch, codemap: the patch and its code map; both None for a cover
            letter (then ``message`` is the cover letter).
        message, series, cover: what the mail says beyond its patch: the
            mail itself (``From:``, the subject's tags), the other mails of
            its series and the series' cover letter, when the input holds
            them (see :mod:`reviewkit.rules.registry`).

    Returns:
        (findings sorted by file, line, rule; warnings). Never raises for a
        rule's own failure.

    Raises:
        ConfigError: the config's [knowledge] table is malformed.
    """
    if kb is None:
        kb = load_knowledge(config.knowledge or None)
    msgid = patch.msgid if patch is not None else message.msgid if message is not None else ""
    findings: list[Finding] = []
    warnings: list[str] = []
    seen: set = set()
    run = PatchFlows(codemap, kb, patch)
    supply: dict[str, object] = {"patch": patch, "codemap": codemap, "message": message, "series": series,
                                 "cover": cover, "kb": kb, "config": config}
    for rule in find_enabled_rules(config):
        if rule.category == "patch-format" and patch is not None and patch.source is PatchSource.QUOTED:
            # A diff rebuilt from a reply's quote has lost its subject,
            # sign-off and notes: format verdicts on it would be about the
            # quote, not the patch.
            continue
        targets = run.functions if "fn" in rule.params else (None,)
        for flow in targets:
            fn = flow.fn if flow is not None else None
            args = {**supply, "fn": fn, "flow": flow}
            try:
                produced = list(rule.func(**{p: args[p] for p in rule.params}) or ())
            except NotAnalysed as err:
                warnings.append(f"{rule.id}: not analysed: {err}")
                continue
            except ConfigError:
                raise
            except Exception as err:  # a rule bug must not take the review down
                where = f" in {fn.name}" if fn is not None else ""
                warnings.append(f"{rule.id} ({rule.name}) failed{where}: {type(err).__name__}: {err}")
                continue
            for report in produced:
                f = _finding(rule, report, fn=fn, codemap=codemap, msgid=msgid)
                key = (f.rule, f.file, f.function, f.line, f.message)
                if key in seen:
                    continue
                seen.add(key)
                findings.append(f)
    findings.sort(key=_sort_key)
    return findings, warnings


def _finding(rule: Rule, report: Report, *, fn: ChangedFunction | None, codemap: CodeMap | None, msgid: str) -> Finding:
    """``report`` as a finding of ``rule``: in ``fn`` for a per-function rule,
    else in the function of the code map that holds its line."""
    message, confidence = report.message, report.confidence
    function: str | None
    if fn is not None:
        file, function = fn.file, fn.name
        if any(v.cfg is not None and not v.cfg.complete for v in (fn.old, fn.new) if v is not None):
            # only fragments were visible: say what the verdict rests on
            message += FRAGMENT_NOTE
            if confidence is Confidence.HIGH:
                confidence = Confidence.MEDIUM
        elif fn.placed is not None:
            # another version of the file than the patch's own
            message += PLACED_NOTE.format(offset=fn.placed)
    else:
        file, function = report.file, _function_of(report, codemap)
    return Finding(
        rule=rule.id,
        category=rule.category,
        severity=report.severity or rule.severity,
        confidence=confidence,
        file=file,
        function=function,
        line=report.line,
        message=message,
        suggestion=report.suggestion,
        rationale=report.rationale,
        msgid=msgid,
    )


def _function_of(report: Report, codemap: CodeMap | None) -> str | None:
    """The function a per-patch rule's report (spelling, style) falls in."""
    if codemap is None or not report.file or report.line is None:
        return None
    from reviewkit.cmap import function_at

    return function_at(codemap, report.file, Side.NEW, report.line)


def make_findings(rule_id: str, reports: Iterable[Report], *, msgid: str = "") -> list[Finding]:
    """Findings of the rule ``rule_id`` from reports made outside a run of
    the rules (the checklist calls the format checks with what only the
    mail knows: its ``From:``, the other mails of the series).

    Raises:
        KeyError: no rule has that id.
    """
    rule = find_rule(rule_id)
    return [_finding(rule, r, fn=None, codemap=None, msgid=msgid) for r in reports]


def run_rules(patch: Patch, codemap: CodeMap, *, config: Config) -> list[Finding]:
    """Findings of every enabled rule over ``codemap``, sorted by file,
    line and rule. Rule failures are dropped here; use
    :func:`run_rules_with_warnings` to show them."""
    return run_rules_with_warnings(patch, codemap, config=config)[0]


_NUMBER = re.compile(r"\d+")


def merge_findings(findings: Iterable[Finding], series_of: dict[str, tuple[Posting, ...]],
                   series_rules: Iterable[str] = ()) -> tuple[Finding, ...]:
    """One finding per cause, in first-seen order.

    - Findings of one rule in one mail, file and function whose messages
      differ only in their numbers (the line of each exit a lock is left
      held on) are one finding: the first, with ``lines`` holding every
      line, in order.
    - A finding of a rule about the series (``series_rules``: RK505, the
      series' changelog) on a whole mail (no file, no line) that several
      mails of one series carry with the same message is one finding, on
      the series' cover letter (else its first mail).

    Args:
        series_of: each posting's series, by msgid
            (:func:`reviewkit.pipeline.find_series`).
        series_rules: the ids of the rules whose whole-mail findings are
            about the series (``Rule.series``).
    """
    series_rules = frozenset(series_rules)
    merged: dict[tuple, Finding] = {}
    lines: dict[tuple, list[int]] = {}
    for f in findings:
        if f.rule in series_rules and not f.file and f.line is None:
            series = series_of.get(f.msgid, ())
            owner = next((p.message.msgid for p in series if p.patch is None), None)
            owner = owner or (series[0].message.msgid if series else f.msgid)
            key: tuple = ("series", f.rule, owner, f.message)
            if key not in merged:
                merged[key] = replace(f, msgid=owner) if len(series) > 1 else f
            continue
        key = ("cause", f.rule, f.msgid, f.file, f.function, _NUMBER.sub("#", f.message))
        if key not in merged:
            merged[key] = f
            lines[key] = []
        for n in (f.lines or ((f.line,) if f.line is not None else ())):
            if n not in lines[key]:
                lines[key].append(n)
    out = []
    for key, f in merged.items():
        seen = lines.get(key)
        out.append(replace(f, lines=tuple(seen)) if seen and len(seen) > 1 else f)
    return tuple(out)
