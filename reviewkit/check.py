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

With the previous version's thread (``check --previous``), the versions
stage reads both together and :func:`build_version_items` adds what became
of that version's review: open comments and questions, review trailers
dropped from an unchanged patch, a changelog that misses a change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Sequence

from reviewkit.config import Config
from reviewkit.model import CheckItem, CodeMap, Finding, Patch, Posting, ScopeKind, Severity, Status, Trailer
from reviewkit.rules import patch_format as pf
from reviewkit.rules.registry import is_enabled

if TYPE_CHECKING:  # the versions' records are defined only when --previous asks for them
    from reviewkit.model.review import CommentFate, PatchLink, Review

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


# --------------------------------------------------------------------------
# check --previous: the new version held against the review of the previous


def build_version_items(review: Review, current: Sequence[str]) -> tuple[CheckItem, ...]:
    """Items for the patches of ``current`` against their previous version.

    Per patch: ``previous-review`` (the previous version's review comments:
    an open question fails, an open comment or one agreed to but left
    unchanged warns) and ``review-trailers`` (a Reviewed-by, Acked-by or
    Tested-by given on the previous version of a patch whose diff is the
    same but that does not carry it warns); per series:
    ``previous-review`` of the cover letter and ``changelog-match``
    (patches changed but not in the changelog, or in it but unchanged).

    Args:
        review: the review of the previous version's thread and the new
            patches together (the versions stage has run over it).
        current: the Message-IDs of the new patch mails and cover letter.

    Returns:
        The items; one warning item when no previous version of the
        patches was found.
    """
    from reviewkit.versions.changelog import find_gaps

    versions = review.versions
    cur = set(current)
    messages = {m.msgid: m for m in review.messages}
    patches = {p.msgid: p for p in review.patches}
    items: list[CheckItem] = []
    for series in versions.series if versions is not None else ():
        for step in series.steps:
            old, new = series.versions[step.old], series.versions[step.new]
            if not cur & (set(new.patches) | {new.cover}):
                continue
            assert versions is not None
            label = f"v{old.version}"
            if new.cover in cur:
                fates = [f for f in versions.comments if f.patch == old.cover]
                items.append(_review_item(fates, label, "", "cover letter"))
            for link in step.links:
                if link.new is None or link.new not in cur:
                    continue
                subject = messages[link.new].subject
                fates = [f for f in versions.comments if f.successor == link.new]
                items.append(_review_item(fates, label, subject, "patch"))
                items.append(_trailer_item(link, versions.trailers.get(link.old or "", ()), patches.get(link.new),
                                           label, subject))
            gaps = [g for g in find_gaps(step.links, patches, messages.get(new.cover or ""), new.total)
                    if g.link.new in cur]
            details = tuple(f"{messages[g.link.new or ''].subject}: {g.why}" for g in gaps)
            if gaps:
                items.append(CheckItem("changelog-match", Status.WARN, details[0]
                                       + (f" (and {len(details) - 1} more)" if len(details) > 1 else ""), "series",
                                       details=details,
                                       suggestion=f"say in the changelog what changed since {label}, patch by patch"))
            else:
                items.append(CheckItem("changelog-match", Status.PASS,
                                       f"the changelog names every patch changed since {label}", "series"))
    if not items:
        items.append(CheckItem("previous-review", Status.WARN, "no previous version of these patches found in the "
                               "--previous input (same author, a matching title, an older version)", "series"))
    return tuple(items)


def _review_item(fates: Sequence[CommentFate], label: str, subject: str, where: str) -> CheckItem:
    """previous-review: open questions fail; open comments, and agreements
    with nothing changed, warn."""
    from reviewkit.model.review import AnswerKind, CommentScope, Verdict

    asked = [f for f in fates if f.verdict is Verdict.OPEN and f.questions]
    unanswered = [f for f in fates if f.verdict is Verdict.OPEN and not f.questions]
    # an agreement on a cover letter changes no code to look at
    agreed = [f for f in fates if f.verdict is Verdict.ANSWERED and f.answer is AnswerKind.AGREE
              and f.scope is not CommentScope.GENERAL]
    if not fates:
        return CheckItem("previous-review", Status.PASS, f"no review comments on {label}", where, subject)
    if not (asked or unanswered or agreed):
        n = len(fates)
        return CheckItem("previous-review", Status.PASS, f"all {n} comment{'s' if n != 1 else ''} on {label} "
                         "addressed, answered or moot", where, subject)

    def detail(f: CommentFate, what: str, text: str = "") -> str:
        c = f.comment
        at = c.anchor.file + (f":{c.anchor.line}" if c.anchor.line is not None else "") if c.anchor and c.anchor.file \
            else "general"
        said = text or " ".join(c.text.split())
        return f"{at}: {c.author or c.email} ({c.date}): {what}: {said[:100]}" + ("..." if len(said) > 100 else "")

    details = tuple([detail(f, "open question", " ".join(f.questions)) for f in asked]
                    + [detail(f, "open, unanswered") for f in unanswered]
                    + [detail(f, "agreed to, but the code is unchanged") for f in agreed])
    status = Status.FAIL if asked else Status.WARN
    parts = []
    if asked:
        parts.append(f"{len(asked)} question{'s' if len(asked) != 1 else ''} from {label} unanswered")
    if unanswered:
        parts.append(f"{len(unanswered)} comment{'s' if len(unanswered) != 1 else ''} from {label} neither answered "
                     "nor acted on")
    if agreed:
        parts.append(f"{len(agreed)} agreed to but unchanged")
    reason = "; ".join(parts) + f": {details[0]}" + (f" (and {len(details) - 1} more)" if len(details) > 1 else "")
    return CheckItem("previous-review", status, reason, where, subject, details=details,
                     suggestion="answer each comment on the list, or change the code it is about")


def _trailer_item(link: PatchLink, given: Sequence[Trailer], patch: Patch | None, label: str,
                  subject: str) -> CheckItem:
    """review-trailers: a trailer given on the previous version of an
    unchanged patch must be carried (submitting-patches.rst: a patch that
    changed may drop them)."""
    carried = {(t.key, t.email.lower()) for t in patch.trailers} if patch is not None else set()
    missing = [t for t in given if (t.key, t.email.lower()) not in carried]
    rd = link.range_diff
    same = rd is not None and rd.same
    if missing and same:
        details = tuple(f"{t.key}: {t.name} <{t.email}> (given on {label} in {t.msgid})" for t in missing)
        return CheckItem("review-trailers", Status.WARN, f"{details[0]} is missing, and the diff is the same as on "
                         f"{label}" + (f" (and {len(details) - 1} more)" if len(details) > 1 else ""), "commit message",
                         subject, details=details, suggestion="add the trailers given on the previous version")
    if missing:
        return CheckItem("review-trailers", Status.PASS, f"{len(missing)} trailer{'s' if len(missing) != 1 else ''} "
                         f"given on {label} left out; the diff changed since", "commit message", subject)
    if given:
        return CheckItem("review-trailers", Status.PASS, f"the trailers given on {label} are carried",
                         "commit message", subject)
    return CheckItem("review-trailers", Status.PASS, f"no review trailers given on {label}", "commit message",
                     subject)
