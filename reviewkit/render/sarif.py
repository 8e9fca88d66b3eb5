"""Findings as SARIF 2.1.0, the static-analysis log GitHub code scanning and
most CI viewers read (``--format sarif`` for ``review`` and ``check``).

One run: the tool with every rule (its summary, documentation and default
level), one result per finding with its physical location in the
post-image (``uriBaseId`` ``%SRCROOT%``: the top of the tree the patch
applies to), the function as a logical location, and the fingerprint
(:mod:`reviewkit.fingerprint`) under ``partialFingerprints``, so that a
viewer matches a finding across versions of a patch. A finding on the
commit message has a logical location only: it is on no file. A dismissed
finding (``.reviewkit-dismissed.toml``) is there with a suppression that
gives the reason, which is how SARIF says "not a bug".

The rules come in as data: render imports no rule. Validated against the
OASIS schema in tests/test_render_sarif.py.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Protocol, Sequence
from urllib.parse import quote

from reviewkit import __version__
from reviewkit.model import Checklist, Dismissed, Finding, Severity
from reviewkit.model.review import Review

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
SRCROOT_MEANS = "the top of the source tree the patch applies to"
FINGERPRINT_KEY = "reviewkit/v1"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


class RuleDoc(Protocol):
    """What SARIF says of a rule (``reviewkit.rules.registry.Rule`` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    @property
    def summary(self) -> str: ...

    @property
    def doc(self) -> str: ...


def _rule(r: RuleDoc) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary or r.id},
        "help": {"text": r.doc or r.summary or r.id},  # the rule's documentation, as `rules --explain` prints it
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"category": r.category, "tags": [r.category]},
    }


def _message(f: Finding) -> str:
    return f.message + (f"\nSuggested change: {f.suggestion}" if f.suggestion else "")


def _location(f: Finding, subject: str) -> dict[str, Any]:
    loc: dict[str, Any] = {}
    if f.file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": quote(f.file, safe="/"), "uriBaseId": SRCROOT}}
        if f.line is not None and f.line >= 1:
            physical["region"] = {"startLine": f.line}
        loc["physicalLocation"] = physical
    if f.function:
        loc["logicalLocations"] = [{"name": f.function, "kind": "function"}]
    elif not f.file:
        where = "commit message" + (f" line {f.line}" if f.line else "")
        loc["logicalLocations"] = [{"name": where, "fullyQualifiedName": f"{subject}: {where}" if subject else where,
                                    "kind": "resource"}]
    return loc


def _result(f: Finding, index: Mapping[str, int], subject: str, reason: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": f.rule}
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    result["level"] = _LEVEL[f.severity]
    result["message"] = {"text": _message(f)}
    result["locations"] = [_location(f, subject)]
    if f.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    props: dict[str, Any] = {"category": f.category, "confidence": f.confidence.value}
    if f.msgid:
        props["msgid"] = f.msgid
    if subject:
        props["subject"] = subject
    if f.rationale:
        props["rationale"] = f.rationale
    result["properties"] = props
    if reason is not None:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": reason}]
    return result


def render_sarif(findings: Iterable[Finding], rules: Sequence[RuleDoc], *, dismissed: Sequence[Dismissed] = (),
                 subjects: Mapping[str, str] | None = None, warnings: Sequence[str] = (),
                 errors: Sequence[str] = ()) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run, as a JSON-ready dict.

    Args:
        findings: the findings shown.
        rules: every rule the tool has (``reviewkit.rules.registry.all_rules()``).
        dismissed: findings dismissed as not a bug: results with a suppression.
        subjects: msgid -> the subject of the mail a finding is in.
        warnings, errors: notes of the run (``errors`` mark it unsuccessful).
    """
    subjects = subjects or {}
    index = {r.id: i for i, r in enumerate(rules)}
    results = [_result(f, index, subjects.get(f.msgid, "")) for f in findings]
    results += [_result(d.finding, index, subjects.get(d.finding.msgid, ""), d.reason) for d in dismissed]
    notes = [{"level": "error", "message": {"text": e}} for e in errors]
    notes += [{"level": "warning", "message": {"text": w}} for w in warnings]
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "reviewkit", "version": __version__, "semanticVersion": __version__,
                                "rules": [_rule(r) for r in rules]}},
            "originalUriBaseIds": {SRCROOT: {"description": {"text": SRCROOT_MEANS}}},
            "invocations": [invocation],
            "results": results,
        }],
    }


def render_review_sarif(review: Review, rules: Sequence[RuleDoc]) -> dict[str, Any]:
    """The findings of a review as a SARIF log."""
    warnings = list(review.warnings) + [w for cm in review.codemaps for w in cm.warnings if w not in review.warnings]
    return render_sarif(review.findings, rules, dismissed=review.dismissed,
                        subjects={m.msgid: m.subject for m in review.messages}, warnings=warnings)


def render_checklist_sarif(checklist: Checklist, rules: Sequence[RuleDoc]) -> dict[str, Any]:
    """The findings behind a checklist's items as a SARIF log; inputs that
    could not be checked are error notifications."""
    subjects = {f.msgid: i.patch for i in checklist.items for f in i.findings if i.patch}
    return render_sarif(checklist.findings, rules, dismissed=checklist.dismissed, subjects=subjects,
                        warnings=checklist.warnings, errors=checklist.errors)


__all__ = ["FINGERPRINT_KEY", "SCHEMA_URI", "RuleDoc", "render_checklist_sarif", "render_review_sarif",
           "render_sarif"]
