"""Chain the stages: source -> mail -> quotes -> patch -> cmap -> rules ->
versions -> overview, or (for ``check``) the checklist.

``build_review`` gives what ``review`` and ``summary`` show,
``build_checklist`` what ``check`` shows; both run the rules the same way
over the same mails (:func:`analyse_postings`), so they report the same
findings. Prints nothing; render is the CLI's business. Each stage is
imported inside the function that uses it so that ``reviewkit --help``
stays fast.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from reviewkit.config import Config
from reviewkit.errors import InputError, ReviewkitError
from reviewkit.model import (
    Checklist,
    RawMessage,
    CodeMap,
    Comment,
    Dismissed,
    Finding,
    Message,
    MessageKind,
    Patch,
    PatchSource,
    Posting,
    Thread,
    Trailer,
)

if TYPE_CHECKING:
    from reviewkit.model.review import Review, ScanRecord
    from reviewkit.hook import SeriesMemory
    from reviewkit.knowledge import LearnedKnowledge
    from reviewkit.mail.index import MailIndex
    from reviewkit.source import Input


def read_thread(paths: Iterable[str], *, config: Config) -> tuple[list[Thread], list[str]]:
    """Read, decode, split and thread every message of ``paths``.

    Returns:
        (threads, warnings). Each message carries its blocks.

    Raises:
        InputError: a path cannot be read or holds no mail.
    """
    from reviewkit.source import read_messages

    return thread_messages(read_messages(list(paths)))


def thread_messages(raws: Iterable[RawMessage]) -> tuple[list[Thread], list[str]]:
    """Decode, split and thread ``raws`` (see :func:`read_thread`)."""
    from reviewkit.mail import build_threads, parse_message
    from reviewkit.quotes import split_blocks

    messages: list[Message] = []
    warnings: list[str] = []
    for raw in raws:
        msg = parse_message(raw)
        msg = dataclasses.replace(msg, blocks=split_blocks(msg))
        messages.append(msg)
        warnings.extend(mail_notes(msg))
    return build_threads(messages), warnings


def message_label(msg: Message) -> str:
    """How a note names a message: a file of its own by its path; a message
    of an mbox or archive by its subject and Message-ID (its index in the
    mbox, "x.mbox#39", means nothing to a reader)."""
    if msg.origin and "#" not in msg.origin:
        return msg.origin
    return f"{msg.subject} {msg.msgid}".strip()


def mail_notes(msg: Message, notes: Iterable[str] | None = None, *, by_file: bool = False) -> list[str]:
    """``notes`` (default: what decoding ``msg`` had to guess), each led by
    the message's label (``by_file``: the file and index it was read from,
    as ``check`` names the files an author gives it). git format-patch
    writes no Message-ID (git send-email adds one): its absence from a patch
    mail or cover letter is no news."""
    from reviewkit.mail import NO_MSGID

    posting = msg.kind in (MessageKind.PATCH, MessageKind.COVER)
    label = (msg.origin or msg.msgid) if by_file else message_label(msg)
    return [f"{label}: {w}" for w in (msg.warnings if notes is None else notes)
            if not (posting and w.startswith(NO_MSGID))]


def _reviewed_patch(msg: Message, thread: Thread, by_msgid: dict[str, Patch],
                    by_title: dict[str, Patch]) -> Patch | None:
    """The mail patch a reply answers: its nearest patch ancestor, else the
    patch of the same cleaned subject (archive pages carry no headers)."""
    seen = set()
    cur = thread.parents.get(msg.msgid)
    while cur and cur not in seen:
        seen.add(cur)
        if cur in by_msgid:
            return by_msgid[cur]
        cur = thread.parents.get(cur)
    # "[PATCH]" alone has no title to match by
    return by_title.get(msg.series.title) if msg.series.title else None


def build_review(paths: Iterable[str], *, config: Config) -> Review:
    """Run the whole pipeline over the mail in ``paths``.

    Returns:
        A Review; problems that did not stop the run are in ``warnings``.

    Raises:
        InputError: no mail could be read.
    """
    threads, warnings = read_thread(paths, config=config)
    return review_threads(threads, warnings, config=config)


def review_threads(threads: list[Thread], warnings: list[str], *, config: Config) -> Review:
    """The rest of :func:`build_review`, over threads already read."""
    from reviewkit.patch import extract_comments, rebuild_quoted

    mail_patches, by_title, trailers = _read_patches(threads, warnings)
    postings_ids = set(mail_patches) | {m.msgid for t in threads for m in t.messages if m.kind is MessageKind.COVER}
    comments: dict[str, tuple[Comment, ...]] = {}
    reviews: dict[str, str] = {}
    quoted_patches: dict[str, Patch] = {}  # reviewed title -> first rebuilt quote
    for thread in threads:
        for msg in thread.messages:
            if msg.kind is MessageKind.PATCH and msg.msgid in mail_patches:
                continue
            original = _reviewed_patch(msg, thread, mail_patches, by_title)
            if original is None and _nearest(msg.msgid, thread, postings_ids) is not None:
                # A reply to a cover letter of the input (or below one): a
                # diff in it is someone's proposal, quoted or written there,
                # not the posting (Hugh Dickins' fix-up in lru-lock-v16.mbox,
                # answered in "Re: [PATCH v16 00/22]"). Its comments stay
                # with the series; its diff is shown in them as written.
                quoted = None
            else:
                quoted = rebuild_quoted(msg, original)
            if quoted is not None:
                warnings.extend(mail_notes(msg, quoted.warnings))
            parent = thread.parents.get(msg.msgid)
            comments[msg.msgid] = extract_comments(
                msg, quoted=quoted, original=original,
                parent_comments=comments.get(parent, ()) if parent else (),
            )
            if original is not None:
                reviews[msg.msgid] = original.msgid
            elif quoted is not None and quoted.files:
                # No posting in the input (a lone reply, like an archive
                # page): review the patch its quote rebuilds.
                first = quoted_patches.setdefault(msg.series.title or msg.msgid, quoted)
                reviews[msg.msgid] = first.msgid

    # the patch mails and cover letters, with what the mail says; then the
    # patches rebuilt from a quote, which have no mail of their own
    postings = [Posting(msg, mail_patches.get(msg.msgid)) for thread in threads for msg in thread.messages
                if msg.msgid in mail_patches or msg.kind is MessageKind.COVER]
    series_of = find_series(postings)
    learned = _learned(config)
    codemaps, findings, more = analyse_postings(postings, series_of, config=config, learned=learned)
    warnings.extend(more)
    rebuilt = [p for p in quoted_patches.values() if p.msgid not in mail_patches]
    for patch in rebuilt:
        cm, found, more = _analyse(patch, config=config, learned=learned)
        if cm is not None:
            codemaps.append(cm)
        findings.extend(found)
        warnings.extend(more)
    analysed = list(mail_patches.values()) + rebuilt

    by_patch = {cm.patch_msgid: cm for cm in codemaps}
    patches = tuple(_annotate(p, by_patch.get(p.msgid)) for p in analysed)
    for msgid, cs in comments.items():
        cm = by_patch.get(reviews.get(msgid, ""))
        if cm is not None:
            comments[msgid] = _annotate_comments(cs, cm)

    from reviewkit.model.review import Review
    from reviewkit.overview import build_overview

    shown, dismissed = split_dismissed(findings, config=config)
    review = Review(
        threads=tuple(threads),
        patches=patches,
        comments=comments,
        codemaps=tuple(codemaps),
        findings=_merged(shown, series_of),
        warnings=tuple(dict.fromkeys(warnings)),
        trailers=trailers,
        reviews=reviews,
        dismissed=dismissed,
    )
    review = _with_versions(review, postings, series_of)
    return dataclasses.replace(review, overview=build_overview(review, link_base=config.link_base))


def _with_versions(review: Review, postings: Sequence[Posting],
                   series_of: dict[str, tuple[Posting, ...]]) -> Review:
    """The review with the versions stage's findings, when the input holds
    a series in two or more versions."""
    from reviewkit.versions import build_versions

    versions = build_versions(review, postings, series_of)
    return review if versions is None else dataclasses.replace(review, versions=versions)


def _read_patches(threads: Sequence[Thread], warnings: list[str]) -> tuple[dict[str, Patch], dict[str, Patch],
                                                                         dict[str, tuple[Trailer, ...]]]:
    """The patch of each patch mail (by msgid), the first patch of each
    title, and the trailers of every message; the parse's notes go to
    ``warnings``."""
    from reviewkit.patch import parse_patch
    from reviewkit.quotes import find_trailers

    mail_patches: dict[str, Patch] = {}
    by_title: dict[str, Patch] = {}
    trailers: dict[str, tuple[Trailer, ...]] = {}
    for thread in threads:
        for msg in thread.messages:
            trailers[msg.msgid] = find_trailers(msg, msg.blocks)
            if msg.kind is MessageKind.PATCH:
                patch = parse_patch(msg)
                if patch is not None:
                    mail_patches[msg.msgid] = patch
                    if msg.series.title:
                        by_title.setdefault(msg.series.title, patch)
                    warnings.extend(mail_notes(msg, patch.warnings))
    return mail_patches, by_title, trailers


# The chosen threads of an input of at most this many messages are
# reviewed together, as one Review: the versions stage links a series'
# versions across threads (v16.mbox v17.mbox, or the threads of an archive
# that --subject picks). A larger input is reviewed unit by unit, in
# memory that follows the largest unit, and a series' versions are linked
# within a unit only.
WHOLE_MAX = 1000


class Reviews:
    """The review of an input unit by unit (reviewkit/mail/index.py): each
    Review is made when it is asked for and holds one unit's threads, so
    memory follows the largest unit, not the input; or, when the units
    chosen hold ``whole_max`` messages or fewer, one Review of them all.

    ``len()`` is the number of Reviews; ``messages`` the messages of the
    units chosen.
    """

    def __init__(self, source: "Input", index: "MailIndex", units: Sequence[int], *, config: Config,
                 whole_max: int | None = None) -> None:
        self.source = source
        self.index = index
        self.units = list(units)
        self.config = config
        self.messages = sum(index.size(n) for n in self.units)
        self.together = self.messages <= (WHOLE_MAX if whole_max is None else whole_max)

    def __len__(self) -> int:
        return 1 if self.together else len(self.units)

    def __iter__(self) -> Iterator[Review]:
        if self.together:
            yield self.whole()
            return
        for n in self.units:
            threads, warnings = thread_messages(self.source.read(self.index.places(n)))
            yield review_threads(threads, warnings, config=self.config)

    def sizes(self) -> Iterator[int]:
        """The messages of each Review, in order."""
        if self.together:
            return iter([self.messages])
        return (self.index.size(n) for n in self.units)

    def whole(self) -> Review:
        """One Review of every chosen unit together (held whole: for the
        outputs that are one document of everything, SARIF and b4's files)."""
        chosen = sorted((e for n in self.units for e in self.index.entries(n)), key=lambda e: e.position)
        threads, warnings = thread_messages(self.source.read(e.place for e in chosen))
        return review_threads(threads, warnings, config=self.config)


@contextmanager
def open_reviews(paths: Sequence[str], *, config: Config, msgids: Sequence[str] = (), subject: str | None = None,
                 since: float | None = None, on_message: Callable[[int], None] | None = None,
                 whole_max: int | None = None) -> Iterator[Reviews]:
    """The input in ``paths`` opened for review unit by unit: indexed (or
    its index taken from the cache), its units chosen.

    Args:
        msgids, subject, since: only the units holding one of ``msgids``,
            a subject containing ``subject``, a message dated ``since``
            (seconds since the epoch) or later.
        on_message: the index's progress (messages read), when it is built.
        whole_max: the most messages the units chosen may hold to be
            reviewed together (default :data:`WHOLE_MAX`).

    Raises:
        InputError: the input cannot be read; a Message-ID asked for is not
            in it; nothing matches ``subject`` or ``since``.
    """
    from reviewkit.mail.index import load_index
    from reviewkit.source import Input

    with Input(paths, reread=True) as source:
        index = load_index(source, on_message=on_message)
        missing = index.missing(msgids)
        if missing:
            raise InputError(f"no mail with Message-ID <{missing[0].strip().strip('<>')}> in the input")
        units = index.select(msgids=msgids, subject=subject, since=since)
        if not units:
            raise InputError("no thread of the input matches " + " and ".join(
                ([f"--subject {subject!r}"] if subject else []) + (["--since"] if since is not None else [])))
        yield Reviews(source, index, units, config=config, whole_max=whole_max)


def scan_unit(raws: Iterable[RawMessage], *, config: Config) -> list[ScanRecord]:
    """What ``scan`` says of each patch mail and cover letter of one unit:
    mail, quotes and threads, the patches parsed, and (``config.rules``)
    the rules run as for ``review``, with each posting's series.

    Returns:
        A record per posting, in thread reading order.
    """
    from reviewkit.model.review import ScanRecord

    threads, warnings = thread_messages(raws)
    mail_patches, _, trailers = _read_patches(threads, warnings)
    postings = [Posting(m, mail_patches.get(m.msgid)) for t in threads for m in t.messages
                if m.msgid in mail_patches or m.kind is MessageKind.COVER]
    series_of = find_series(postings)
    _, findings, _ = analyse_postings(postings, series_of, config=config, map_code=config.rules)
    shown, _ = split_dismissed(findings, config=config)
    merged = _merged(shown, series_of)
    ids = {p.message.msgid for p in postings}
    replies: dict[str, list[str]] = {}
    root: dict[str, str] = {}
    for thread in threads:
        for m in thread.messages:
            root[m.msgid] = thread.root
            if m.msgid not in ids:
                home = _nearest(m.msgid, thread, ids)
                if home is not None:
                    replies.setdefault(home, []).append(m.msgid)
    out = []
    for p in postings:
        msgid = p.message.msgid
        below = tuple(replies.get(msgid, ()))
        out.append(ScanRecord(p.message, root[msgid], below,
                              tuple(t for r in below for t in trailers.get(r, ()) if not t.quoted),
                              tuple(f for f in merged if f.msgid == msgid)))
    return out


def _nearest(msgid: str, thread: Thread, ids: set[str]) -> str | None:
    """The nearest of ``ids`` above ``msgid`` in ``thread``."""
    seen = set()
    cur = thread.parents.get(msgid)
    while cur and cur not in seen:
        if cur in ids:
            return cur
        seen.add(cur)
        cur = thread.parents.get(cur)
    return None


def _merged(shown: Sequence[Finding], series_of: dict[str, tuple[Posting, ...]]) -> tuple[Finding, ...]:
    """The findings ``shown``, one per cause (``merge_findings``, with the
    rules about the series); with none (the rules off) the rules stage is
    not loaded."""
    if not shown:
        return ()
    from reviewkit.rules.engine import merge_findings
    from reviewkit.rules.registry import all_rules

    return merge_findings(shown, series_of, (r.id for r in all_rules() if r.series))


def find_series(postings: Sequence[Posting]) -> dict[str, tuple[Posting, ...]]:
    """The series of each patch mail and cover letter, as git send-email
    threads them.

    A posting joins the one its In-Reply-To (else its last reference) names
    when the input holds it and it carries the same version: the patches of
    a series answer its cover letter or its first patch, and a v2 sent in
    reply to v1 is a series of its own. Numbered postings with no threading
    header that nothing answers (git format-patch files, not yet sent:
    tests/data/check/series-gap.mbox) form one series together.

    Returns:
        msgid -> the postings of its series, in input order.
    """
    by_id: dict[str, Posting] = {}
    for p in postings:
        by_id.setdefault(p.message.msgid, p)

    def version(p: Posting) -> int:
        return p.message.series.version or 1

    parent: dict[str, str] = {}
    for p in postings:
        m = p.message
        for ref in (m.in_reply_to, *reversed(m.references)):
            q = by_id.get(ref or "")
            if q is not None and q is not p:
                if version(q) == version(p):
                    parent[m.msgid] = q.message.msgid
                break

    def root(msgid: str) -> str:
        seen = set()
        while msgid in parent and msgid not in seen:
            seen.add(msgid)
            msgid = parent[msgid]
        return msgid

    answered = set(parent.values())
    groups: dict[str | None, list[Posting]] = {}
    for p in postings:
        m = p.message
        unsent = not m.in_reply_to and not m.references and m.series.total and m.msgid not in answered
        groups.setdefault(None if unsent else root(m.msgid), []).append(p)
    return {p.message.msgid: tuple(g) for g in groups.values() for p in g}


def analyse_postings(postings: Sequence[Posting], series_of: dict[str, tuple[Posting, ...]], *, config: Config,
                     map_code: bool = True, known_cover: Message | None = None,
                     learned: LearnedKnowledge | None = None) -> tuple[list[CodeMap], list[Finding], list[str]]:
    """Map the functions of each patch and run the rules over each patch
    mail and cover letter, with its mail, its series and the series' cover
    letter.

    Args:
        postings: the patch mails and cover letters.
        series_of: their series (:func:`find_series`).
        config: the settings; ``rules`` off runs no rule.
        map_code: False: no code map is built (the rules that read code
            must be off).
        known_cover: a cover letter not in the input (the one git send-email
            gave the hook a call earlier): the cover letter of the patches of
            its series (same version and total) whose series holds none.
        learned: the run's knowledge databases, when the caller has them
            open already (else they are opened here, once).

    Returns:
        (code maps of the patches, findings, warnings).
    """
    codemaps: list[CodeMap] = []
    findings: list[Finding] = []
    warnings: list[str] = []
    if learned is None and map_code:
        learned = _learned(config)
    for p in postings:
        series = series_of.get(p.message.msgid, (p,))
        cover = next((s.message for s in series if s.message.kind is MessageKind.COVER), None)
        if cover is None and known_cover is not None and _same_series(known_cover, p.message):
            cover = known_cover
        cm, found, more = _analyse(p.patch, config=config, map_code=map_code, message=p.message, series=series,
                                   cover=cover, learned=learned)
        if cm is not None:
            codemaps.append(cm)
        findings.extend(found)
        warnings.extend(more)
    return codemaps, findings, warnings


def _same_series(cover: Message, m: Message) -> bool:
    return (cover.series.version or 1) == (m.series.version or 1) and cover.series.total == m.series.total


def _learned(config: Config) -> LearnedKnowledge | None:
    """The knowledge databases of a run, when its rules read them: one for
    every patch of the run, as it keeps what it has read."""
    if not (config.rules and config.learned):
        return None
    from reviewkit.knowledge import LearnedKnowledge

    return LearnedKnowledge.for_config(config)


def _analyse(patch: Patch | None, *, config: Config, map_code: bool = True, message: Message | None = None,
             series: tuple[Posting, ...] = (), cover: Message | None = None,
             learned: LearnedKnowledge | None) -> tuple[CodeMap | None, list[Finding], list[str]]:
    """The code map of ``patch`` and the findings of the rules on it;
    ``learned`` (:func:`_learned`): what kernel trees taught, else none."""
    warnings: list[str] = []
    cm = None
    if patch is not None:
        if map_code:
            from reviewkit.cmap import map_functions

            cm = map_functions(patch, config=config)
            warnings.extend(cm.warnings)
        else:
            cm = CodeMap(patch.msgid, (), exact=False)
    findings: list[Finding] = []
    if config.rules:
        from reviewkit.fingerprint import stamp_findings
        from reviewkit.rules import run_rules_with_warnings

        kb = None
        if learned is not None and cm is not None and cm.functions:
            # what kernel trees taught about the names this patch calls
            from reviewkit.knowledge.tables import with_learned
            from reviewkit.rules.knowledge import load_knowledge

            kb = with_learned(load_knowledge(config.knowledge or None), cm, config, learned)
        found, notes = run_rules_with_warnings(patch, cm, config=config, kb=kb, message=message, series=series,
                                               cover=cover)
        findings.extend(stamp_findings(found, patch=patch, codemap=cm, message=message))
        warnings.extend(notes)
    return cm, findings, warnings


def split_dismissed(findings: Sequence[Finding], *, config: Config) -> tuple[tuple[Finding, ...],
                                                                             tuple[Dismissed, ...]]:
    """(the findings to show, those the config's ``dismissed`` names by
    fingerprint, each with its reason)."""
    if not config.dismissed:
        return tuple(findings), ()
    shown = tuple(f for f in findings if f.fingerprint not in config.dismissed)
    hidden = tuple(Dismissed(f, config.dismissed[f.fingerprint]) for f in findings
                   if f.fingerprint in config.dismissed)
    return shown, hidden


def build_checklist(paths: Iterable[str], *, config: Config, series_subjects: Sequence[str] = (),
                    memory: "SeriesMemory | None" = None, previous: Sequence[str] = ()) -> Checklist:
    """Run every check over patch mails: ``reviewkit check``.

    The rules run as for ``review`` (:func:`analyse_postings`), over the
    patch mails and cover letters of the input; ``config.rules`` off turns
    off only the rules that read code (RK1xx-RK4xx), not the format checks.

    Args:
        paths: format-patch files or an mbox of a series; ``-`` is standard
            input.
        config: the settings; ``select``/``ignore``/``disable`` leave items
            out by rule id, ``spelling_ignore`` adds words, ``fail_on`` is
            the least severity that fails an item.
        series_subjects: the subjects of the whole series the input is
            part of, when something else knows them (b4's tracking data,
            for its series check command): when the input holds the cover
            letter, the numbering is checked over those instead of over
            the input's mails alone.
        memory: the hook's memory of its ``git send-email`` run: a cover
            letter of the input is remembered; patches without theirs get
            the one remembered (reviewkit/hook.py).
        previous: the thread of the previous version (its patches and
            review): the items of :func:`reviewkit.check.build_version_items`
            are added.

    Returns:
        The checklist. Unreadable inputs and mails that are neither a patch
        nor a cover letter land in ``errors`` (exit status 2) beside the
        items of the mails that could be checked; replies in an mbox are
        skipped with a warning.

    Raises:
        InputError: no input held a patch mail (every path unreadable, or
            no patch in any); the message names the first problem.
    """
    from reviewkit.check import FLOW_RULES, build_items, build_version_items
    from reviewkit.mail import parse_message
    from reviewkit.patch import parse_patch
    from reviewkit.source import read_messages

    errors: list[str] = []
    warnings: list[str] = []
    postings: list[Posting] = []
    replies: list[str] = []
    for path in paths:
        try:
            raws = list(read_messages([str(path)]))
        except ReviewkitError as err:
            errors.append(str(err))
            continue
        if not raws:
            errors.append(f"{path}: holds no mail")
            continue
        for raw in raws:
            m = parse_message(raw)
            origin = m.origin or m.msgid
            warnings.extend(mail_notes(m, by_file=True))
            if m.kind is MessageKind.COVER:
                # a cover letter, even when it carries an interdiff; not a
                # reply to one ("Re: [PATCH v16 00/22]", replies/001_*.eml)
                postings.append(Posting(m, None))
                if memory is not None:
                    memory.remember(raw.data)
                continue
            try:
                patch = parse_patch(m)
            except ReviewkitError as err:
                errors.append(str(err))
                continue
            if patch is not None:
                warnings.extend(mail_notes(m, patch.warnings, by_file=True))
                postings.append(Posting(m, patch))
            elif m.series.is_reply:
                replies.append(origin)
            else:
                errors.append(f"{origin}: no diff found: not a patch mail ({m.subject})")

    if replies and not postings and not errors:
        # a reply alone (tests/data/corpus/replies/*.eml) has nothing for its
        # author to fix: say so on stderr, not with an empty tally on stdout
        errors.append(f"{replies[0]}: a reply, not a patch mail: nothing to check"
                      + (f" ({len(replies)} replies, no patch)" if len(replies) > 1 else ""))
    if errors and not postings:
        # nothing to check: one line on stderr and exit 2, as every command does
        raise InputError(errors[0] if len(errors) == 1 else f"{errors[0]} (and {len(errors) - 1} more)")
    if replies:
        # a thread mbox given to check: the replies are not the author's to fix
        warnings.append(f"skipped {len(replies)} repl{'y' if len(replies) == 1 else 'ies'} "
                        f"(check reads patch mails): {', '.join(replies)}")

    # the format checks run even when the rules that read code are off
    engine = config if config.rules else dataclasses.replace(
        config, rules=True, ignore=tuple(config.ignore) + FLOW_RULES)
    known_cover = None
    if memory is not None and not any(p.patch is None for p in postings):
        data = memory.recall()
        if data is not None:
            known_cover = parse_message(RawMessage(data, "(the cover letter of this git send-email run)"))
            if known_cover.kind is not MessageKind.COVER:
                known_cover = None
    series_of = find_series(postings)
    codemaps, findings, more = analyse_postings(postings, series_of, config=engine, map_code=config.rules,
                                                known_cover=known_cover)
    warnings.extend(more)
    if series_subjects and any(p.patch is None for p in postings):
        # the series check b4 runs on the cover letter; a patch checked on
        # its own (b4 sets the tracking data there too) keeps its verdict
        findings = _number_series(findings, postings, series_subjects, config=config)
    shown, dismissed = split_dismissed(findings, config=config)
    items = build_items(postings, series_of, _merged(shown, series_of), codemaps,
                        config=config)
    if previous:
        # the previous version and these patches read together: the
        # versions stage links them and gives each review comment its fate
        both = build_review([*previous, *paths], config=config)
        items += build_version_items(both, [p.message.msgid for p in postings])
    return Checklist(items, tuple(errors), tuple(dict.fromkeys(warnings)), tuple(p.message.subject for p in postings),
                     dismissed)


def _number_series(findings: list[Finding], postings: Sequence[Posting], subjects: Sequence[str], *,
                   config: Config) -> list[Finding]:
    """The findings with the series-numbering verdict (RK502) given over
    the input's mails and the series' other ``subjects``, on the first mail.

    b4 hands its series check command the cover letter alone; the series'
    numbering is in the subjects its tracking data lists.
    """
    from reviewkit.fingerprint import stamp_findings
    from reviewkit.rules.engine import make_findings
    from reviewkit.rules.patch_format import Posted, find_numbering_problems
    from reviewkit.rules.registry import is_enabled

    if not is_enabled("RK502", select=config.select, ignore=config.ignore + config.disable):
        return findings
    own = [Posted(p.message.subject, p.patch is not None) for p in postings]
    seen = {p.message.subject for p in postings}
    others = [Posted(s, True) for s in dict.fromkeys(subjects) if s not in seen]
    first = postings[0].message
    verdict = make_findings("RK502", find_numbering_problems(own + others), msgid=first.msgid)
    return [f for f in findings if f.rule != "RK502"] + stamp_findings(verdict, patch=None, codemap=None,
                                                                         message=first)


def _annotate(patch: Patch, codemap: CodeMap | None) -> Patch:
    if codemap is None:
        return patch
    from reviewkit.cmap import annotate

    return annotate(patch, codemap)


def _annotate_comments(comments: tuple[Comment, ...], codemap: CodeMap) -> tuple[Comment, ...]:
    from reviewkit.cmap import annotate_comments

    return annotate_comments(comments, codemap)


__all__ = ["Reviews", "analyse_postings", "build_checklist", "build_review", "find_series", "open_reviews",
           "read_thread", "review_threads", "scan_unit", "split_dismissed", "thread_messages", "PatchSource"]
