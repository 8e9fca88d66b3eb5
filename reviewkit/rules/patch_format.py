"""RK5xx: the shape of a patch mail, as maintainers and checkpatch.pl expect it.

Each rule is a thin wrapper over a ``find_*_problems`` function that takes
plain values. Besides the patch, the rules read what only the mail knows
(the ``message``: its ``From:`` and subject; the other mails of its
``series``; the series' ``cover`` letter), which the engine supplies; a
cover letter comes with no patch (``patch`` None), and only the subject,
numbering and changelog rules have something to say about it.

Findings of these rules have ``file=""``; ``line`` is the 1-based line of
the commit message when one is meant (None for the subject or the diffstat).
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple, Sequence

from reviewkit.mail.subject import parse_subject
from reviewkit.model import Confidence, Message, Patch, Posting, Severity
from reviewkit.quotes.patchmail import find_cover_text
from reviewkit.quotes.trailers import find_trailer_lines, parse_person, parse_trailer_line
from reviewkit.rules.registry import Report, rule

SUMMARY_MAX = 75  # Documentation/process/submitting-patches.rst: "70-75 characters"
BODY_MAX = 75  # checkpatch.pl: "prefer a maximum 75 chars per line"


def _subject(patch: Patch | None, message: Message | None) -> str:
    """The subject of the mail: the message's, else the patch's."""
    if message is not None:
        return message.subject
    return patch.subject if patch is not None else ""


def _report(severity: Severity, message: str, *, line: int | None = None,
            suggestion: str = "", rationale: str = "", file: str = "",
            confidence: Confidence = Confidence.HIGH) -> Report:
    return Report(line, message, suggestion, rationale, confidence, file, severity)


# --------------------------------------------------------------------------
# subject

# "mm/mlock: ", "net: stmmac: ", "dt-bindings: pwm: ", "drm/i915/gt: ",
# "x86/mm/pat: ", "Documentation/process: " (every title of the v16 series
# in tests/data/corpus/patches/ has one).
_SUBSYSTEM = re.compile(r"^[\w.,/+*{}-]+(?: [\w.,/+*{}-]+)?: \S")
_REVERT = re.compile(r'^Revert "')


def find_subject_problems(subject: str) -> list[Report]:
    """Problems of the subject line of a patch (not of a cover letter).

    Returns:
        RK501 findings, empty when the subject is well formed.
    """
    tags = parse_subject(subject)
    out: list[Report] = []
    if not tags.is_patch_tag:
        out.append(_report(Severity.ERROR, "the subject has no [PATCH] tag",
                            suggestion="send with git format-patch (it writes [PATCH ...])"))
    title = tags.title
    if not title:
        out.append(_report(Severity.ERROR, "the subject has no summary after the tags"))
        return out
    if tags.index == 0:  # a cover letter names the series, not a subsystem change
        return out
    if not _SUBSYSTEM.match(title) and not _REVERT.match(title):
        out.append(_report(Severity.WARNING, "the summary has no subsystem prefix (\"subsys: summary\")",
                            suggestion="start the summary with the subsystem, as `git log --oneline FILE` shows",
                            rationale="maintainers sort and grep mail by the subsystem prefix"))
    if len(title) > SUMMARY_MAX:
        # a note, not a failure: 10 of 1,034 linux-pwm postings sampled
        # had 76-90 characters and were applied as they were
        out.append(_report(Severity.INFO,
                            f"the summary is {len(title)} characters long (at most {SUMMARY_MAX})",
                            suggestion="shorten the summary; details go in the body",
                            rationale="the summary becomes the commit's one-line name in git log --oneline"))
    if title.endswith(".") and not title.endswith("..."):
        out.append(_report(Severity.WARNING, "the summary ends with a period",
                            suggestion="drop the final period"))
    return out


@rule("RK501", category="patch-format", severity=Severity.ERROR)
def subject_format(patch: Patch | None, message: Message | None) -> Iterator[Report]:
    """The subject line is not ``[PATCH vN M/T] subsys: summary``.

    What it flags:
        A subject without a ``[PATCH]`` tag, without a summary, a summary
        without a subsystem prefix (``mm/mlock: ``), longer than 75
        characters, or ending with a period.

    Why it matters:
        The summary becomes the commit's name in ``git log --oneline``;
        maintainers route and grep mail by the tag and the prefix
        (Documentation/process/submitting-patches.rst, "The canonical patch
        format").

    Example:
        RK501: Subject: [PATCH] Fix the munlock race.
        Okay: Subject: [PATCH v16 16/22] mm/mlock: reorder isolation sequence during munlock

    Suggested change:
        Use the prefix ``git log --oneline -- FILE`` shows for the files,
        a short imperative summary, no final period.

    Knowledge used:
        The subject grammar of ``git format-patch`` and the kernel's
        submitting-patches document.

    Limits:
        A summary prefix is recognised by shape (words then ``: ``); a
        wrong subsystem name is not caught. Cover letters (``0/T``) need no
        prefix.
    """
    for f in find_subject_problems(_subject(patch, message)):
        yield f


# --------------------------------------------------------------------------
# series numbering


class Posted(NamedTuple):
    """One mail of a series as the numbering check sees it."""

    subject: str
    has_diff: bool


def find_numbering_problems(mails: Sequence[Posted]) -> list[Report]:
    """Version and numbering problems across the patch mails of one input.

    Mails without ``M/T`` numbering are single patches and are only
    checked for a common version. Returns RK502 findings (``line`` None).
    """
    out: list[Report] = []
    tagged = [(m, parse_subject(m.subject)) for m in mails]
    tagged = [(m, t) for m, t in tagged if t.is_patch_tag]
    versions = sorted({t.version or 1 for _, t in tagged})
    if len(versions) > 1:
        out.append(_report(Severity.ERROR,
                            "the mails carry different versions: " + ", ".join(f"v{v}" for v in versions),
                            suggestion="regenerate the whole series with one -v N"))
    # the subject gives index and total together
    numbered = [(t.index, t.total) for _, t in tagged if t.index is not None and t.total is not None]
    if not numbered:
        return out
    totals = sorted({of for _, of in numbered})
    if len(totals) > 1:
        out.append(_report(Severity.ERROR,
                            "the mails disagree on the series length: " + ", ".join(f"/{n}" for n in totals),
                            suggestion="regenerate the whole series with git format-patch"))
    # a 0/T mail may carry a diff: "Interdiff against v4:" and range-diffs
    # in cover letters (linux-pwm "[PATCH v5 0/2] Multicolor PWM LED support")
    for index, of in numbered:
        if index > of:
            out.append(_report(Severity.ERROR, f"patch {index}/{of}: index above total"))
    total = totals[-1]
    indexes = [i for i, _ in numbered if i]
    seen = set(indexes)
    dupes = sorted({i for i in indexes if indexes.count(i) > 1})
    if dupes:
        out.append(_report(Severity.ERROR, "patch number(s) used twice: " + ", ".join(map(str, dupes))))
    # Only a whole series can show a gap: one file given to the
    # sendemail-validate hook is checked alone.
    if len(numbered) > 1:
        missing = [i for i in range(1, total + 1) if i not in seen]
        if missing:
            out.append(_report(Severity.ERROR,
                                f"series of {total}: patch(es) " + ", ".join(map(str, missing)) + " missing",
                                suggestion="renumber with git format-patch, or send the missing patches"))
        has_cover = any(i == 0 for i, _ in numbered)
        if total > 1 and not has_cover and len(set(indexes)) == total:
            out.append(_report(Severity.WARNING, f"a series of {total} patches without a 0/{total} "
                                "cover letter", suggestion="git format-patch --cover-letter",
                                rationale="the cover letter says what the series does and why, and carries "
                                "the changelog between versions"))
    return out


@rule("RK502", category="patch-format", severity=Severity.ERROR)
def series_numbering(patch: Patch | None, message: Message | None, series: tuple[Posting, ...]) -> Iterator[Report]:
    """The version or ``M/T`` numbering of a series is inconsistent.

    What it flags:
        Mails of one series with different versions (``v3`` and ``v4``),
        different totals, an index above the total, a number used twice,
        a gap (``1/3``, ``3/3``), and a series of
        several patches without a ``0/T`` cover letter. A verdict on the
        series is given once, on its first mail in the input.

    Why it matters:
        Tools (b4, patchwork) and people assemble the series from the
        numbers; a gap or a stale patch from the previous version gets the
        wrong code applied.

    Example:
        RK502: [PATCH v2 1/3] ... [PATCH v2 3/3] (2/3 missing)
        Okay: [PATCH v2 0/3] ... [PATCH v2 1/3] [PATCH v2 2/3] [PATCH v2 3/3]

    Suggested change:
        Regenerate the series with ``git format-patch -v N --cover-letter``
        into an empty directory and send all of it.

    Knowledge used:
        The ``[PATCH vN M/T]`` convention of ``git format-patch``.

    Limits:
        The series-wide part needs the whole series in the input (an mbox or
        every file); one file given to the sendemail-validate hook is checked
        on its own.
    """
    if series and message is not None and series[0].message.msgid != message.msgid:
        return  # the series' verdict, given on its first mail
    posted = [Posted(p.message.subject, p.patch is not None) for p in series]
    for f in find_numbering_problems(posted or [Posted(_subject(patch, message), patch is not None)]):
        yield f


# --------------------------------------------------------------------------
# Signed-off-by

# A line that means to be a sign-off but is no trailer: "Signed-off-by; Ben
# Dooks <...>" (a linux-pwm v5 10/10 posting).
_SOB_LOOKALIKE = re.compile(r"^\s*signed[-_ ]?off[-_ ]?by\s*[^:\w\s]?", re.IGNORECASE)
_IN_BODY_FROM = re.compile(r"^From:\s*(.+)$")


def _norm_name(name: str) -> str:
    return " ".join(name.replace('"', "").split()).casefold()


def find_in_body_from(commit_message: str) -> tuple[str, str] | None:
    """The ``From: Name <email>`` line opening the body (the real author when
    someone else sends the patch); None when there is none."""
    for line in commit_message.splitlines():
        if not line.strip():
            continue
        m = _IN_BODY_FROM.match(line)
        if m:
            name, email = parse_person(m.group(1))
            return (name, email) if email else None
        return None
    return None


def find_signoff_problems(commit_message: str, author: str = "", email: str = "") -> list[Report]:
    """Signed-off-by problems: missing, malformed, or none by the author.

    Args:
        commit_message: the text above ``---``, trailers included.
        author, email: the mail's ``From:``; an in-body ``From:`` line
            overrides them. Empty: only presence and form are checked.

    Returns:
        RK503 findings, ``line`` the commit message line.
    """
    out: list[Report] = []
    sobs: list[tuple[int, str, str]] = []
    for n, line in enumerate(commit_message.splitlines(), 1):
        trailer = parse_trailer_line(line)
        if trailer is None or trailer[0] != "Signed-off-by":
            if trailer is None and _SOB_LOOKALIKE.match(line):
                out.append(_report(Severity.ERROR, f"malformed sign-off line: {line.strip()}", line=n,
                                    suggestion="write exactly \"Signed-off-by: Name <address>\""))
            continue
        name, addr = parse_person(trailer[1])
        if not addr or not name:
            out.append(_report(Severity.ERROR, f"Signed-off-by without a Name <address>: {line.strip()}",
                                line=n, suggestion="Signed-off-by: Full Name <address>"))
            continue
        sobs.append((n, name, addr))
    in_body = find_in_body_from(commit_message)
    if in_body:
        author, email = in_body
    if not sobs:
        if not out:
            who = f" by {author} <{email}>" if email else ""
            out.append(_report(Severity.ERROR, f"no Signed-off-by{who}",
                                suggestion="git commit --amend -s (or git format-patch -s)",
                                rationale="the Developer's Certificate of Origin: patches without it are not applied"))
        return out
    if not email:
        return out
    same = [s for s in sobs if s[2].casefold() == email.casefold()]
    by_name = [s for s in sobs if author and _norm_name(s[1]) == _norm_name(author)]
    if not same and by_name:
        # The same person with another address (a work and a private one):
        # checkpatch warns "From:/Signed-off-by: email address mismatch";
        # such patches are applied (linux-pwm has several).
        n, name, addr = by_name[0]
        out.append(_report(Severity.INFO,
                            f"the author signs off as <{addr}> but mails from <{email}>", line=n,
                            suggestion="sign off with the address you send from, or add an in-body "
                            f"\"From: {name} <{addr}>\" line", confidence=Confidence.MEDIUM))
    elif not same:
        listed = ", ".join(f"<{a}>" for _, _, a in sobs)
        out.append(_report(Severity.ERROR,
                            f"no Signed-off-by by the author {author} <{email}> (signed: {listed})",
                            line=sobs[0][0],
                            suggestion="sign off with the author's address, or add an in-body From: line "
                            "naming the real author",
                            rationale="the author must certify the Developer's Certificate of Origin"))
    elif author and not any(_norm_name(n) == _norm_name(author) for _, n, _ in same):
        n, name, addr = same[0]
        out.append(_report(Severity.WARNING,
                            f"Signed-off-by name {name!r} differs from the author's {author!r}", line=n,
                            suggestion="use the same name in From: and Signed-off-by:",
                            confidence=Confidence.MEDIUM))
    return out


@rule("RK503", category="patch-format", severity=Severity.ERROR)
def signed_off_by(patch: Patch | None, message: Message | None) -> Iterator[Report]:
    """Signed-off-by is missing, malformed, or not the author's.

    What it flags:
        A commit message with no ``Signed-off-by:``, one without a
        ``Name <address>``, or none whose address is the author's (the mail's
        ``From:``, or the in-body ``From:`` line that overrides it; addresses
        compare case-insensitively); a warning when the address matches but
        the name differs.

    Why it matters:
        The sign-off is the Developer's Certificate of Origin
        (Documentation/process/submitting-patches.rst); maintainers do not
        apply a patch whose author did not sign it off.

    Example:
        RK503: From: Alex Shi <alex.shi@linux.alibaba.com> ... Signed-off-by: Someone Else <else@example.org>
        Okay: From: Alex Shi <alex.shi@linux.alibaba.com> ... Signed-off-by: Alex Shi <alex.shi@linux.alibaba.com>

    Suggested change:
        ``git commit --amend -s``, or an in-body ``From:`` naming the real
        author when sending someone else's patch.

    Knowledge used:
        The DCO rules of the kernel's submitting-patches document.

    Limits:
        A patch without its mail (given alone to the rules engine) is
        compared against the in-body ``From:`` alone. A cover letter needs
        no sign-off.
    """
    if patch is None:
        return
    author, email = (message.author, message.email) if message is not None else ("", "")
    for f in find_signoff_problems(patch.commit_message, author, email):
        yield f


# --------------------------------------------------------------------------
# commit message body

# A scheme starts where a word does and is short: unanchored, "[a-z][a-z0-9+.-]*"
# rescanned a 40,000-character word from each of its letters (34 s,
# tests/data/fuzz-found/probes/min-06-redos-commit-message-long-word).
_URL = re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}://\S", re.IGNORECASE)
# A quoted log: an indented line, a kernel log timestamp "[   12.345678]",
# or an oops/lockdep line; kept as is, however long.
_LOG = re.compile(r"^(\s|\[\s*\d+\.\d+\]|\[lkp@|(WARNING|BUG|Call Trace|RIP|CPU|Hardware name):)")


def find_body_problems(commit_message: str) -> list[Report]:
    """The commit message has no description, or lines longer than 75 characters.

    Trailers are no description: the trailer run that ends the message
    (``Change-Id:`` lines in it too, as git interpret-trailers has it) and
    any other trailer line. Lines exempt from the width check: trailers,
    quoted logs (indented lines, timestamps), lines with a URL, and single
    tokens (nothing to wrap). Returns RK504 findings.
    """
    out: list[Report] = []
    lines = commit_message.splitlines()
    trailers = {i + 1 for i in find_trailer_lines(lines)}
    in_body = find_in_body_from(commit_message)
    prose: list[tuple[int, str]] = []
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if not s:
            continue
        if in_body and not prose and _IN_BODY_FROM.match(line):
            continue
        if n in trailers:
            continue
        prose.append((n, line))
    if not prose:
        out.append(_report(Severity.WARNING, "the commit message has no description",
                            suggestion="say what the patch changes and why, above the Signed-off-by",
                            rationale="the description is what remains in git history"))
        return out
    for n, line in enumerate(lines, 1):
        if len(line) <= BODY_MAX:
            continue
        s = line.strip()
        if n in trailers:
            continue
        if _LOG.match(line) or _URL.search(line) or " " not in s:
            continue
        out.append(_report(Severity.INFO, f"line {n} is {len(line)} characters (wrap at {BODY_MAX})",
                            line=n, suggestion="rewrap the paragraph; logs and URLs may stay long"))
    return out


@rule("RK504", category="patch-format", severity=Severity.WARNING)
def commit_message_body(patch: Patch | None) -> Iterator[Report]:
    """The commit message has no description, or is not wrapped at 75 columns.

    What it flags:
        A commit message holding nothing but trailers; prose lines longer
        than 75 characters.

    Why it matters:
        The description is what stays in git history; ``git log`` indents it
        by four columns, so longer lines wrap in an 80-column terminal.

    Example:
        RK504: (a commit message with only "Signed-off-by: ...")
        Okay: This patch reorder the isolation steps during munlock ...

    Suggested change:
        Describe what changes and why; rewrap paragraphs at 72-75 columns.

    Knowledge used:
        checkpatch.pl's COMMIT_LOG_LONG_LINE limit (75).

    Limits:
        Quoted logs (indented, timestamped), URLs, trailers and single long
        tokens are left alone; a long line is a note (warn), not a failure.
    """
    if patch is None:  # a cover letter: its text is no commit message
        return
    for f in find_body_problems(patch.commit_message):
        yield f


# --------------------------------------------------------------------------
# changelog

# "v1 -> v2", "v2: ...", "Changes in v2", "Changes since v1", "since v1:",
# "V2 -> V3:", "changelog:"; also "v15 ... v16" lists in cover letters.
_CHANGELOG = re.compile(
    r"^\s*(?:[-*]\s*)?(?:"
    r"v\d+\s*(?:->|=>|-+>|→|to|vs\.?)\s*v\d+"
    r"|v\d+\s*[:\-]"
    r"|changes?\s+(?:in|since|from|for|to)\s+v?\d+"
    r"|since\s+v\d+"
    r"|change\s*log"
    r"|changes\s*:"
    r"|revision\s+history"
    r")", re.IGNORECASE | re.MULTILINE)


# Informal changelogs: "This v2 actually compiles" (a linux-pwm v2 note),
# "The new version which bases on v5.8-rc4" (101_v16-00-22).
_CHANGELOG_PROSE = re.compile(r"\bv\d+\b(?!\.\d)|\b(?:new|this|last|previous)\s+version\b"
                              r"|\bcompared\s+(?:to|with)\b|\brebased?\s+(?:on|onto)\b", re.IGNORECASE)


def has_changelog(text: str, *, prose: bool = False) -> bool:
    """True when ``text`` holds a version changelog line; with ``prose``
    also when it speaks of versions in words (notes and cover letters)."""
    if _CHANGELOG.search(text) is not None:
        return True
    return prose and _CHANGELOG_PROSE.search(text) is not None


def find_changelog_problems(version: int | None, notes: str, commit_message: str = "") -> list[Report]:
    """From v2 on, a patch should say what changed since the last version.

    The changelog is looked for under ``---`` (``notes``) and, as some
    authors write it, in the commit message. Returns RK505 findings.
    """
    if not version or version < 2:
        return []
    if has_changelog(notes, prose=True) or has_changelog(commit_message):
        return []
    return [_report(Severity.WARNING, f"v{version} without a changelog (\"v{version - 1} -> v{version}: ...\")",
                     suggestion=f"add under the --- line: \"v{version - 1} -> v{version}: what changed\" "
                     "(git format-patch --notes, or in the cover letter)",
                     rationale="reviewers need to know what changed since they last looked")]


@rule("RK505", category="patch-format", severity=Severity.WARNING, series=True)
def changelog(patch: Patch | None, message: Message | None, series: tuple[Posting, ...],
              cover: Message | None) -> Iterator[Report]:
    """A v2 or later patch does not say what changed since the last version.

    What it flags:
        A patch tagged ``v2`` or later with no changelog under ``---``
        (``v1 -> v2:``, ``Changes in v2``, ``v2: ...``, ``Changes since
        v1``) and none in the series' cover letter either; a v2 or later
        cover letter with no changelog when no patch of the series has one.

    Why it matters:
        Reviewers reread a new version against what they asked for; without
        a changelog they must diff the versions themselves.

    Example:
        RK505: [PATCH v2] mm: fix x (nothing under ---)
        Okay: [PATCH v2] mm: fix x ... --- v1 -> v2: take the lock earlier

    Suggested change:
        Under the ``---`` line (it does not enter git history), or in the
        cover letter: ``v1 -> v2: ...``.

    Knowledge used:
        The kernel's submitting-patches document ("Respond to review
        comments"), b4's changelog conventions.

    Limits:
        One patch file of a numbered series checked alone (the
        sendemail-validate hook) cannot see the cover letter; the finding is
        then a note (info) rather than a warning.
    """
    version = message.series.version if message is not None else parse_subject(_subject(patch, None)).version
    if patch is None:
        # a cover letter: the changelog may be in the notes of its patches
        if message is None or any(p.patch is not None and has_changelog(p.patch.notes, prose=True) for p in series):
            return
        yield from find_changelog_problems(version, find_cover_text(message.body))
        return
    found = find_changelog_problems(version, patch.notes, patch.commit_message)
    if not found:
        return
    if cover is not None:
        # informal, as in the v16 cover (101_v16-00-22): "The new version
        # which bases on v5.8-rc4. Add 2 more patchs ... and modified ..."
        if not has_changelog(find_cover_text(cover.body), prose=True):
            yield from found
    elif message is not None and (message.series.total or 1) > 1:
        # one file of a series (the sendemail-validate hook): the cover
        # letter may carry the changelog, and it is not in the input
        yield from (f._replace(severity=Severity.INFO, message=f.message + "; the cover letter (not given) may carry it")
                    for f in found)
    else:
        yield from found


# --------------------------------------------------------------------------
# Fixes:

_FIXES_LINE = re.compile(r"^\s*Fixes\s*:", re.IGNORECASE)
_FIXES_OK = re.compile(r'^Fixes: [0-9a-f]{12,40} \("(.+)"\)$')
_FIXES_SHA = re.compile(r"^\s*Fixes\s*:\s*(?:commit\s+)?([0-9a-fA-F]+)")


def find_fixes_problems(commit_message: str) -> list[Report]:
    """``Fixes:`` lines not in the form ``Fixes: <12+ hex> ("subject")``.

    Returns RK506 findings with the commit message line.
    """
    out: list[Report] = []
    lines = commit_message.splitlines()
    for n, line in enumerate(lines, 1):
        if not _FIXES_LINE.match(line):
            continue
        s = line.rstrip()
        if _FIXES_OK.match(s):
            continue
        m = _FIXES_SHA.match(s)
        if not m:
            why = "no commit id"
        elif len(m.group(1)) < 12:
            why = f"the commit id has {len(m.group(1))} digits (at least 12)"
        elif not re.search(r'\("', s):
            # a subject wrapped onto the next line also lands here
            why = 'the subject is not in ("...")' + (" (wrapped line?)" if n < len(lines) and
                                                      lines[n].strip().endswith('")') else "")
        else:
            why = 'not in the form Fixes: <12+ hex digits> ("subject")'
        out.append(_report(Severity.ERROR, f"malformed Fixes: tag: {why}", line=n,
                            suggestion="git log -1 --format='Fixes: %h (\"%s\")' --abbrev=12 COMMIT, on one line",
                            rationale="stable tooling and reviewers find the fixed commit from this line"))
    return out


@rule("RK506", category="patch-format", severity=Severity.ERROR)
def fixes_tag(patch: Patch | None) -> Iterator[Report]:
    """A ``Fixes:`` tag is not ``Fixes: <12+ hex> ("subject")``.

    What it flags:
        ``Fixes:`` lines with a short or missing commit id, a subject not in
        ``("...")``, a ``commit`` word, or the subject wrapped onto the next
        line.

    Why it matters:
        The stable team's scripts and reviewers find the fixed commit from
        this line; a short id becomes ambiguous as the tree grows.

    Example:
        RK506: Fixes: 1234567 mm: fix the thing
        Okay: Fixes: 0123456789ab ("mm/mlock: fix the thing")

    Suggested change:
        ``git log -1 --abbrev=12 --format='Fixes: %h ("%s")' COMMIT``.

    Knowledge used:
        Documentation/process/submitting-patches.rst; checkpatch.pl's
        GIT_COMMIT_ID check.

    Limits:
        The commit id is not looked up in a tree, so a wrong id in the
        right form passes.
    """
    if patch is None:  # a cover letter
        return
    for f in find_fixes_problems(patch.commit_message):
        yield f


# --------------------------------------------------------------------------
# diffstat

# What follows the "|" of a diffstat line, matched at each "|" in turn: a
# lazy path and three runs of optional blanks in one pattern took 7 s on a
# line of 3,000 spaces.
_STAT_VALUE = re.compile(r"\s+(?:(\d+)(?:\s+[+\-]*)?|Bin(?:\s+(\d+)\s+->\s+(\d+)\s+bytes)?)\s*")
_STAT_SUMMARY = re.compile(r"^\s*(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?")


class StatEntry(NamedTuple):
    path: str
    changes: int | None  # None for a binary file


def parse_diffstat(text: str) -> tuple[list[StatEntry], tuple[int, int, int] | None]:
    """The per-file lines and the summary ``(files, insertions, deletions)``.

    Returns ``([], None)`` when ``text`` holds no diffstat.
    """
    entries: list[StatEntry] = []
    summary = None
    for line in text.splitlines():
        m = _STAT_SUMMARY.match(line)
        if m:
            summary = (int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))
            continue
        entry = _parse_stat_line(line)
        if entry is not None:
            entries.append(entry)
    return entries, summary


def _parse_stat_line(line: str) -> StatEntry | None:
    """`` mm/mlock.c | 93 ++++----``: the path before the first ``|`` that
    has blanks on both sides and a count or ``Bin`` after it; else None."""
    first = len(line) - len(line.lstrip())
    bar = line.find("|", first + 1)
    while bar >= 0:
        if line[bar - 1].isspace():
            m = _STAT_VALUE.fullmatch(line, bar + 1)
            if m:
                return StatEntry(line[first:bar].rstrip(), int(m.group(1)) if m.group(1) else None)
        bar = line.find("|", bar + 1)
    return None


def _stat_paths(path: str) -> tuple[str, ...]:
    """The paths a diffstat name can stand for: ``a/{b => c}/d``, ``x => y``,
    and ``.../tail`` abbreviations (matched as suffixes)."""
    # by string scans: the regex "^(.*)\{(.*) => (.*)\}(.*)$" backtracked
    # cubically over a path of braces and arrows
    close = path.rfind("}")
    arrow = path.rfind(" => ", 0, max(close, 0))
    opening = path.rfind("{", 0, max(arrow, 0))
    if opening >= 0:
        return ((path[:opening] + path[arrow + 4 : close] + path[close + 1 :]).replace("//", "/"),)
    if " => " in path:
        return (path.split(" => ", 1)[1].replace("}", ""),)
    # a rename whose "{old => " part git cut away to fit the width:
    # ".../linux/platform_data/x86}/pwm-lpss.h" (linux-pwm, pwm-lpss move)
    return (path.replace("{", "").replace("}", ""),)


def _matches(stat_path: str, file_path: str) -> bool:
    for p in _stat_paths(stat_path):
        if p.startswith(".../"):
            if file_path.endswith(p[3:]):
                return True
        elif p == file_path:
            return True
    return False


def find_diffstat_problems(diffstat: str, patch: Patch) -> list[Report]:
    """Compare the diffstat with the diff: files, per-file and total counts.

    Returns RK507 findings; none when there is no diffstat.
    """
    entries, summary = parse_diffstat(diffstat)
    if not entries and summary is None:
        return []
    out: list[Report] = []
    counts = {}
    for fd in patch.files:
        adds = sum(1 for h in fd.hunks for dl in h.lines if dl.kind == "+")
        dels = sum(1 for h in fd.hunks for dl in h.lines if dl.kind == "-")
        counts[fd.path] = (adds, dels)
    unmatched = dict(counts)
    for e in entries:
        hit = next((p for p in unmatched if _matches(e.path, p)), None)
        if hit is None:
            hit_any = next((p for p in counts if _matches(e.path, p)), None)
            if hit_any is None:
                out.append(_report(Severity.ERROR, f"the diffstat lists {e.path}, the diff does not change it"))
            continue
        adds, dels = unmatched.pop(hit)
        if e.changes is not None and e.changes != adds + dels:
            out.append(_report(Severity.ERROR,
                                f"{hit}: the diffstat says {e.changes} changed lines, the diff has {adds + dels} "
                                f"(+{adds} -{dels})"))
    for path in unmatched:
        if entries:
            out.append(_report(Severity.ERROR, f"{path} is in the diff but not in the diffstat"))
    if summary is not None:
        files, ins, dels = summary
        t_add = sum(a for a, _ in counts.values())
        t_del = sum(d for _, d in counts.values())
        if files != len(counts) or ins != t_add or dels != t_del:
            out.append(_report(Severity.ERROR,
                                f"the diffstat says {files} file(s), +{ins} -{dels}; the diff has "
                                f"{len(counts)} file(s), +{t_add} -{t_del}"))
    if out:
        out = [f if f.suggestion else _with_suggestion(f) for f in out]
    return out


def _with_suggestion(f: Report) -> Report:
    return f._replace(suggestion="regenerate the patch with git format-patch instead of editing the diff by hand",
                       rationale="a hand-edited diff that disagrees with its diffstat often fails to apply")


@rule("RK507", category="patch-format", severity=Severity.ERROR)
def diffstat_matches(patch: Patch | None) -> Iterator[Report]:
    """The diffstat under ``---`` does not match the diff.

    What it flags:
        A file in the diffstat the diff does not touch or the reverse, a
        per-file count of changed lines (``| 93 +++---``) other than the
        diff's added plus removed lines, and a summary line (``1 file
        changed, 51 insertions(+), 42 deletions(-)``) that disagrees.

    Why it matters:
        A mismatch means the diff was edited by hand after
        ``git format-patch``; such patches often fail to apply or are not
        what was tested.

    Example:
        RK507: mm/mlock.c | 93 ++++---- with a diff of 90 changed lines
        Okay: mm/mlock.c | 93 ++++---- with 51 added and 42 removed lines

    Suggested change:
        Edit the commit, not the patch file, and run git format-patch again.

    Knowledge used:
        git's diffstat format (``.../`` abbreviations, ``{a => b}`` renames,
        ``Bin`` lines).

    Limits:
        The +/- bar is scaled by git and is not compared; binary files are
        compared by name only.
    """
    if patch is None:  # a cover letter: its diffstat is the series'
        return
    for f in find_diffstat_problems(patch.diffstat or patch.notes, patch):
        yield f


# --------------------------------------------------------------------------
# whitespace

_C_FILE = (".c", ".h")


def find_whitespace_problems(patch: Patch) -> list[Report]:
    """Whitespace errors in added lines: trailing whitespace, a space before a
    tab in the indent, and (C files) an indent of eight or more spaces.

    Returns RK508 findings with file and new-side line.
    """
    out: list[Report] = []
    for fd in patch.files:
        path = fd.path
        is_c = path.endswith(_C_FILE)
        for h in fd.hunks:
            for dl in h.lines:
                if dl.kind != "+":
                    continue
                text = dl.text.rstrip("\n")
                if text != text.rstrip():
                    out.append(_report(Severity.ERROR, "trailing whitespace", file=path, line=dl.new_no,
                                        suggestion="strip it (git diff --check shows them all)"))
                indent = text[:len(text) - len(text.lstrip(" \t"))]
                if " \t" in indent:
                    out.append(_report(Severity.WARNING, "space before tab in indent", file=path,
                                        line=dl.new_no, suggestion="indent with tabs only"))
                elif is_c and indent.startswith(" " * 8) and "\t" not in indent and text.strip():
                    out.append(_report(Severity.ERROR, "indent of eight or more spaces; use tabs",
                                        file=path, line=dl.new_no,
                                        suggestion="indent with tabs (Documentation/process/coding-style.rst)"))
    return out


@rule("RK508", category="patch-format", severity=Severity.ERROR)
def whitespace_errors(patch: Patch | None) -> Iterator[Report]:
    """Added lines carry whitespace errors.

    What it flags:
        Trailing whitespace, a space before a tab in the indentation, and in
        C files an indentation of eight or more spaces (instead of tabs).

    Why it matters:
        ``git am`` warns and maintainers' ``apply.whitespace=error`` refuses
        such patches; the kernel indents with tabs.

    Example:
        RK508: +	return 0;<space>
        Okay: +	return 0;

    Suggested change:
        ``git diff --check`` lists them; fix the lines and amend.

    Knowledge used:
        git's core.whitespace defaults; the kernel's coding style.

    Limits:
        Lines added to files other than C get only the first two checks.
    """
    if patch is None:  # a cover letter
        return
    for f in find_whitespace_problems(patch):
        yield f
