"""Run every enabled rule over a patch's code map.

Parameters are supplied by name (see :mod:`reviewkit.rules.registry`): a
rule with ``fn`` runs once per changed function, the others once per mail
(a patch, or a cover letter: no patch, no code map, no function).
A rule that raises becomes a one-line warning, never a traceback.
"""

from __future__ import annotations

import dataclasses

from reviewkit.config import Config
from reviewkit.errors import ConfigError
from reviewkit.model import CodeMap, Finding, Message, Patch, PatchSource, Posting, Side
from reviewkit.rules.dataflow import NotAnalysed
from reviewkit.rules.knowledge import KnowledgeBase, load_knowledge
from reviewkit.rules.registry import Rule, all_rules, is_enabled


def load_rules() -> list[Rule]:
    """Import the rule modules (registering them) and return every rule."""
    from reviewkit.rules import context, errpath, locks, managed, refs  # noqa: F401  (registration)

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
    for rule in find_enabled_rules(config):
        if rule.category == "patch-format" and patch is not None and patch.source is PatchSource.QUOTED:
            # A diff rebuilt from a reply's quote has lost its subject,
            # sign-off and notes: format verdicts on it would be about the
            # quote, not the patch.
            continue
        supply = {"patch": patch, "codemap": codemap, "message": message, "series": series, "cover": cover,
                  "kb": kb, "config": config}
        targets = list(codemap.functions if codemap is not None else ()) if "fn" in rule.params else [None]
        for fn in targets:
            args = {p: (fn if p == "fn" else supply[p]) for p in rule.params}
            try:
                produced = list(rule.func(**args) or ())
            except NotAnalysed as err:
                warnings.append(f"{rule.id}: not analysed: {err}")
                continue
            except ConfigError:
                raise
            except Exception as err:  # a rule bug must not take the review down
                where = f" in {fn.name}" if fn is not None else ""
                warnings.append(f"{rule.id} ({rule.name}) failed{where}: {type(err).__name__}: {err}")
                continue
            for f in produced:
                f = dataclasses.replace(f, msgid=msgid, function=f.function or _function_of(f, codemap))
                key = (f.rule, f.file, f.function, f.line, f.message)
                if key in seen:
                    continue
                seen.add(key)
                findings.append(f)
    findings.sort(key=_sort_key)
    return findings, warnings


def _function_of(finding: Finding, codemap: CodeMap | None) -> str | None:
    """The function a per-patch rule's finding (spelling, style) falls in."""
    if codemap is None or not finding.file or finding.line is None:
        return None
    from reviewkit.cmap import function_at

    return function_at(codemap, finding.file, Side.NEW, finding.line)


def run_rules(patch: Patch, codemap: CodeMap, *, config: Config) -> list[Finding]:
    """Findings of every enabled rule over ``codemap``, sorted by file,
    line and rule. Rule failures are dropped here; use
    :func:`run_rules_with_warnings` to show them."""
    return run_rules_with_warnings(patch, codemap, config=config)[0]
