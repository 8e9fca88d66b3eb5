"""Chain the stages: source -> mail -> quotes -> patch -> cmap -> rules.

Prints nothing; render is the CLI's business. Each stage is imported inside
the function that uses it so that ``reviewkit --help`` stays fast.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

from reviewkit.config import Config
from reviewkit.model import (
    CodeMap,
    Comment,
    Finding,
    Message,
    MessageKind,
    Patch,
    PatchSource,
    Review,
    Thread,
    Trailer,
)


def read_thread(paths: Iterable[str], *, config: Config) -> tuple[list[Thread], list[str]]:
    """Read, decode, split and thread every message of ``paths``.

    Returns:
        (threads, warnings). Each message carries its blocks.

    Raises:
        InputError: a path cannot be read or holds no mail.
    """
    from reviewkit.mail import build_threads, parse_message
    from reviewkit.quotes import split_blocks
    from reviewkit.source import read_messages

    messages: list[Message] = []
    warnings: list[str] = []
    for raw in read_messages(list(paths)):
        msg = parse_message(raw)
        msg = dataclasses.replace(msg, blocks=split_blocks(msg))
        messages.append(msg)
        warnings.extend(f"{msg.origin}: {w}" for w in msg.warnings)
    return build_threads(messages), warnings


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
    from reviewkit.patch import extract_comments, parse_patch, rebuild_quoted
    from reviewkit.quotes import find_trailers

    threads, warnings = read_thread(paths, config=config)

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
                    warnings.extend(f"{msg.origin}: {w}" for w in patch.warnings)

    comments: dict[str, tuple[Comment, ...]] = {}
    reviews: dict[str, str] = {}
    quoted_patches: dict[str, Patch] = {}  # reviewed title -> first rebuilt quote
    for thread in threads:
        for msg in thread.messages:
            if msg.kind is MessageKind.PATCH and msg.msgid in mail_patches:
                continue
            original = _reviewed_patch(msg, thread, mail_patches, by_title)
            quoted = rebuild_quoted(msg, original)
            if quoted is not None:
                warnings.extend(f"{msg.origin}: {w}" for w in quoted.warnings)
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

    analysed = list(mail_patches.values()) + [
        p for p in quoted_patches.values() if p.msgid not in mail_patches]
    codemaps, findings, more = analyse_patches(analysed, config=config)
    warnings.extend(more)

    by_patch = {cm.patch_msgid: cm for cm in codemaps}
    patches = tuple(_annotate(p, by_patch.get(p.msgid)) for p in analysed)
    for msgid, cs in comments.items():
        cm = by_patch.get(reviews.get(msgid, ""))
        if cm is not None:
            comments[msgid] = _annotate_comments(cs, cm)

    return Review(
        threads=tuple(threads),
        patches=patches,
        comments=comments,
        codemaps=tuple(codemaps),
        findings=tuple(findings),
        warnings=tuple(warnings),
        trailers=trailers,
        reviews=reviews,
    )


def analyse_patches(patches: Iterable[Patch], *, config: Config) -> tuple[list[CodeMap], list[Finding], list[str]]:
    """Map functions and run the rules over each patch.

    Returns:
        (codemaps, findings, warnings).
    """
    from reviewkit.cmap import map_functions

    codemaps: list[CodeMap] = []
    findings: list[Finding] = []
    warnings: list[str] = []
    for patch in patches:
        cm = map_functions(patch, config=config)
        codemaps.append(cm)
        warnings.extend(cm.warnings)
        if config.rules:
            from reviewkit.rules import run_rules_with_warnings

            found, notes = run_rules_with_warnings(patch, cm, config=config)
            findings.extend(found)
            warnings.extend(notes)
    return codemaps, findings, warnings


def _annotate(patch: Patch, codemap: CodeMap | None) -> Patch:
    if codemap is None:
        return patch
    from reviewkit.cmap import annotate

    return annotate(patch, codemap)


def _annotate_comments(comments: tuple[Comment, ...], codemap: CodeMap) -> tuple[Comment, ...]:
    from reviewkit.cmap import annotate_comments

    return annotate_comments(comments, codemap)


def mail_patches_of(paths: Iterable[str], *, config: Config) -> tuple[list[tuple[Message, Patch]], list[str]]:
    """The patch mails of ``paths`` in input order, for the checklist.

    Returns:
        ([(message, patch)], warnings).
    """
    from reviewkit.patch import parse_patch

    threads, warnings = read_thread(paths, config=config)
    out = []
    for thread in threads:
        for msg in thread.messages:
            if msg.kind in (MessageKind.PATCH, MessageKind.COVER) or msg.series.is_patch_tag:
                patch = parse_patch(msg)
                if patch is not None:
                    out.append((msg, patch))
    return out, warnings


__all__ = ["build_review", "read_thread", "analyse_patches", "mail_patches_of", "PatchSource"]
