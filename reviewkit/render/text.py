"""The terminal review (rich).

First the overview of each series: one line per patch (``N/T``, title,
reviewers, comments, open questions, findings by severity, trailers,
status). Then per series its cover letter (the letter's text with its
changelog, the shortlog and diffstat, and the replies to it: the series'
discussion), and per patch a header (subject, author, version, date,
trailers), the diff by file and by function (function names as section
headers, old and new line numbers beside each line), each reviewer comment
under the line it follows and each finding under the line it concerns;
then the conversation (comments on no shown line, answers to other
reviewers).

How lines are laid out, on a terminal of some width:

- the writer's own words wrap at spaces; a word longer than the line (a
  URL) is never split;
- quoted lines (somebody else's words) are cropped with a marker, never
  wrapped: a wrapped tail would read as the replier's own words;
- code (diff lines, a diff a reviewer proposes, a suggested block) folds
  with its gutter: the continuation keeps the number columns and shows
  ``↪`` in the marker column.

A file or pipe (a console printing with ``soft_wrap``, so that
``options.no_wrap`` is set) gets every line whole.

Diff lines are green (added), red (removed) or dim (context); in C files
keywords are bold and comments italic on top of that.

Every mail-derived string goes through :mod:`reviewkit.render.safe`; no
markup string is ever built from mail text. Colour is the console's
business: a non-terminal file gets none, and ``no_color`` / ``NO_COLOR``
gets no attribute at all (see :func:`render_text`). A console whose
encoding is not UTF-8 gets ASCII stand-ins for the glyphs.
"""

from __future__ import annotations

import io
import re
from typing import Iterable

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.rule import Rule
from rich.segment import Segment
from rich.text import Text

from reviewkit.model import Comment, Finding, PatchSource, Severity, writer_name
from reviewkit.model.review import CommentFate, PatchStatus, Review
from reviewkit.render.layout import (
    CoverView,
    HunkView,
    Layout,
    PatchView,
    build_layout,
    comment_key,
    diff_marker,
    finding_place,
    findings_tally,
    function_label,
    function_sections,
    hunk_header,
    hunk_notes,
    loose_finding_groups,
    overview_rows,
    series_heading,
    series_label,
    trailers_tally,
)
from reviewkit.render.notes import dismissed_note
from reviewkit.render.safe import safe_plain, safe_text
from reviewkit.render.versions import VERDICT_STYLE, fate_where, status_words

# Glyphs, and their ASCII stand-ins for a console whose encoding is not
# UTF-8 (rich swaps its own box characters the same way).
_GLYPHS = {"comment": ("│ ", "| "), "finding": ("▌ ", "! "), "function": ("▶ ", "> "),
           "dot": (" · ", " - "), "arrow": (" → ", " -> "), "rule": ("─", "-"), "fold": ("↪", "\\"),
           "crop": ("…", "~"), "carried": ("┆ ", ": ")}


def _glyph(name: str, ascii_only: bool) -> str:
    return _GLYPHS[name][1 if ascii_only else 0]


# A light C highlight that keeps the diff colours (green/red/dim) and adds
# weight: keywords bold, comments italic. Cheap: two regexes per line, and
# only on a console that shows styles.
_C_KEYWORDS = re.compile(
    r"\b(?:if|else|for|while|do|switch|case|default|break|continue|return|goto|struct|union|enum|"
    r"static|const|inline|unsigned|signed|void|int|long|short|char|bool|sizeof|typedef|extern)\b")
_C_COMMENT = re.compile(r"/\*.*?(?:\*/|$)|//.*$|^\s*\*.*$")
_C_SUFFIXES = (".c", ".h")

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_LINE_STYLE = {"+": "green", "-": "red", " ": "dim"}
_STATUS_STYLE = {PatchStatus.REVIEWED: "green", PatchStatus.REVIEWED_CHANGES: "yellow",
                 PatchStatus.CHANGES_REQUESTED: "yellow", PatchStatus.NO_REVIEW: "dim"}
# the overview's status column: short words for a narrow terminal
_STATUS_SHORT = {PatchStatus.REVIEWED: "reviewed", PatchStatus.REVIEWED_CHANGES: "reviewed+fix",
                 PatchStatus.CHANGES_REQUESTED: "changes", PatchStatus.NO_REVIEW: "no review"}
# a scheme of at most 32 characters, from a character that cannot go on one:
# a long run of "a-a-a-" is tried once, not once per letter
_URL = re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}://\S+", re.IGNORECASE)
_TAB = 8

WRAP, CROP, FOLD = "wrap", "crop", "fold"


# --------------------------------------------------------------------------
# lines


def _fit(text: Text, width: int, mode: str, console: Console, fold_mark: Text) -> list[Text]:
    """``text`` (one line) laid out in ``width`` cells by ``mode``."""
    plain = text.plain
    if len(plain) <= width and (plain.isascii() or cell_len(plain) <= width):
        return [text]
    if mode == CROP:
        out = text.copy()
        out.truncate(width, overflow="ellipsis")
        return [out]
    if mode == FOLD:
        return _fold(text, width, fold_mark)
    if any(len(m.group()) > width for m in _URL.finditer(plain)):
        return [text]  # never split a URL: the terminal wraps the line, the link stays whole
    return list(text.wrap(console, width, justify="default", overflow="fold"))


def _fold(text: Text, width: int, mark: Text) -> list[Text]:
    """``text`` cut every ``width`` cells; each piece after the first
    starts with ``mark`` (the fold glyph in the marker column)."""
    offsets = []
    cells = 0
    limit = width
    for i, ch in enumerate(text.plain):
        size = 1 if " " <= ch <= "~" else get_character_cell_size(ch)
        if cells + size > limit and i:
            offsets.append(i)
            cells = 0
            limit = max(1, width - mark.cell_len)
        cells += size
    pieces = list(text.divide(offsets))
    return [pieces[0]] + [Text.assemble(mark, piece) for piece in pieces[1:]]


class _Block:
    """Lines, each with a lead (a bar, the number columns) and a layout
    mode (:data:`WRAP`, :data:`CROP`, :data:`FOLD`); a line's wrapped or
    folded continuation gets ``cont`` as its lead."""

    def __init__(self) -> None:
        self.lines: list[tuple[Text, Text, str, Text]] = []

    def add(self, lead: Text, body: Text, mode: str = WRAP, cont: Text | None = None) -> None:
        self.lines.append((lead, cont if cont is not None else lead, mode, body))

    def add_text(self, lead: Text, text: Text, mode: str = WRAP) -> None:
        """Each line of ``text`` (which may hold newlines) as a line."""
        for line in text.split("\n", allow_blank=True) if "\n" in text.plain else [text]:
            self.add(lead, line, mode)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((lead.cell_len + cell_len(body.plain.expandtabs(_TAB)) for lead, _, _, body in self.lines),
                     default=0)
        return Measurement(min(widest, options.max_width), widest).clamp(max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # A console without colour (a pipe, NO_COLOR) writes the text of a
        # segment and ignores its style: a line that needs no fitting is
        # just its characters, tabs expanded (kernel code is indented
        # with tabs; lru-lock-v16.mbox has 5,000 diff rows).
        plain = console.color_system is None and not console.record
        mark = Text(_glyph("fold", options.ascii_only), style="dim")
        new_line = Segment.line()
        for lead, cont, mode, body in self.lines:
            text = body.plain
            if "\t" in text:
                text = text.expandtabs(_TAB)
                if plain and not body.spans:
                    body = Text(text, style=body.style)
                else:
                    body = body.copy()
                    body.expand_tabs(_TAB)
            if options.no_wrap:
                pieces = [body]
            else:
                width = max(1, options.max_width - lead.cell_len)
                pieces = _fit(body, width, mode, console, mark)
                if len(pieces) > 1 and mode == WRAP and cont.cell_len > lead.cell_len:
                    # a hanging indent: what follows the first line wraps
                    # to the width left beside the deeper indent
                    rest = body[len(pieces[0].plain):]
                    rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")):]
                    pieces = pieces[:1] + _fit(rest, max(1, options.max_width - cont.cell_len), mode, console, mark)
            for i, piece in enumerate(pieces):
                head = lead if i == 0 else cont
                if plain:
                    yield Segment(head.plain + (text if piece is body else piece.plain))
                else:
                    yield from head.render(console)
                    yield from piece.render(console)
                yield new_line


class _Fields:
    """Fields on one line, two spaces apart; where the width runs out the
    next field starts a line, so no field is cut in the middle ("date Sat,
    11 Jul 2020 08:58:50" / "+0800" at 100 columns, threads/mlock-v16-16.mbox)."""

    def __init__(self, fields: list[Text], separators: list[str] | None = None) -> None:
        self.fields = fields
        # what goes before each field when it shares a line with the last
        self.separators = separators or ["  "] * len(fields)

    def lines(self, width: int | None) -> list[Text]:
        """The fields on lines of at most ``width`` cells (None: one line)."""
        out = []
        line = Text()
        for field, sep in zip(self.fields, self.separators):
            if width is not None and line.cell_len and line.cell_len + len(sep) + field.cell_len > width:
                out.append(line)
                line = Text()
            if line.cell_len:
                line.append(sep, style="dim")
            line.append_text(field)
        if line.cell_len:
            out.append(line)
        return out

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        whole = sum(f.cell_len for f in self.fields) + sum(len(s) for s in self.separators[1:])
        widest = max((f.cell_len for f in self.fields), default=0)
        return Measurement(widest, whole).clamp(max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        block = _Block()
        for line in self.lines(None if options.no_wrap else options.max_width):
            block.add(Text(), line)
        yield block


def _who(name: str, email: str) -> Text:
    t = safe_text(writer_name(name, email), "bold")
    if email and name:
        t.append(" <")
        t.append_text(safe_text(email))
        t.append(">")
    return t


class _BlockView:
    """A renderable drawn as a :class:`_Block`; subclasses build it."""

    def block(self, ascii_only: bool, width: int | None, lead: Text | None = None) -> _Block:
        raise NotImplementedError

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.block(options.ascii_only, None if options.no_wrap else options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.block(options.ascii_only, options.max_width))


class CommentView(_BlockView):
    """A reviewer comment: who, when, what they answer, every line
    verbatim; a diff the writer proposes is shown as code."""

    def __init__(self, comment: Comment, *, show_quote: bool = False, diff_at: int | None = None,
                 answering: str | None = None) -> None:
        self.comment = comment
        self.show_quote = show_quote
        self.diff_at = diff_at
        # placed after the comment of this person's it answers
        self.answering = answering

    def header(self, ascii_only: bool = False) -> Text:
        return _Fields(*self._header_fields(ascii_only)).lines(None)[0]

    def _header_fields(self, ascii_only: bool) -> tuple[list[Text], list[str]]:
        """The header's parts and what joins each to the one before: a
        narrow terminal breaks between them, never inside a name or date."""
        c = self.comment
        who = Text("comment ", style="magenta")
        who.append_text(_who(c.author, c.email))
        fields, separators = [who], [""]
        if c.date:
            fields.append(safe_text(c.date, "dim"))
            separators.append(_glyph("dot", ascii_only))
        answers = c.anchor.answers if c.anchor and c.anchor.answers else self.answering
        if self.show_quote and not answers:
            answers = c.quoted_author
        if answers:
            fields.append(Text.assemble(("answers ", "dim"), safe_text(answers, "bold")))
            separators.append(" ")
        if self.show_quote and c.anchor is not None and c.anchor.file:
            where = c.anchor.file
            if c.anchor.line is not None:
                where += f":{c.anchor.line} ({c.anchor.side.value})"
            on = Text.assemble(("on ", "dim"), safe_text(where, "cyan"))
            if c.anchor.function:
                on.append(" in ", style="dim")
                on.append_text(safe_text(function_label(c.anchor.function), "bold cyan"))
            fields.append(on)
            separators.append(" ")
        if self.diff_at is not None:
            fields.append(Text("proposes a diff", style="bold magenta"))
            separators.append(_glyph("dot", ascii_only))
        return fields, separators

    def block(self, ascii_only: bool, width: int | None, lead: Text | None = None) -> _Block:
        c = self.comment
        bar = Text.assemble(lead or "", (_glyph("comment", ascii_only), "magenta"))
        out = _Block()
        for line in _Fields(*self._header_fields(ascii_only)).lines(
                None if width is None else max(1, width - bar.cell_len)):
            out.add(bar, line)
        quote_lines: list[str] = []
        if not self.show_quote and c.anchor is not None and c.anchor.answers and c.anchor.quoted:
            # An answer to another reviewer under the code line: show the
            # line of theirs it answers (threads/mlock-v16-16.mbox).
            quote_lines = ["> " + c.anchor.quoted.lstrip("> ")]
        elif not self.show_quote and self.answering and c.quoted_text.strip():
            quote_lines = ["> " + c.quoted_text.rstrip("\n").split("\n")[-1].lstrip("> ")]
        elif self.show_quote:
            quote = c.quoted_text or (c.anchor.quoted if c.anchor else "")
            if quote:
                lines = quote.rstrip("\n").split("\n")
                # Show what is answered, not a whole quoted mail: the last lines.
                if len(lines) > 6:
                    out.add(bar, Text(f"[{len(lines) - 6} earlier quoted lines]", style="dim italic"), CROP)
                    lines = lines[-6:]
                quote_lines = [q if q.startswith(">") else "> " + q for q in lines]
        for q in quote_lines:
            out.add(bar, safe_text(q, "dim italic"), CROP)
        for i, own in enumerate(c.text.rstrip("\n").split("\n")):
            if self.diff_at is not None and i >= self.diff_at:
                out.add(bar, safe_text(own, _LINE_STYLE.get(own[:1], "")), FOLD)
            else:
                out.add(bar, safe_text(own), WRAP)
        return out


class FindingView(_BlockView):
    """A finding: rule id, category, severity, confidence, message, every
    line it concerns, suggestion."""

    def __init__(self, finding: Finding, *, show_where: bool = False) -> None:
        self.finding = finding
        self.show_where = show_where

    def block(self, ascii_only: bool, width: int | None, lead: Text | None = None) -> _Block:
        f = self.finding
        style = _SEVERITY_STYLE.get(f.severity, "")
        bar = Text.assemble(lead or "", (_glyph("finding", ascii_only), style or "bold"))
        head = Text.assemble((f.rule, "bold " + style), " ", (f.category, style), " ",
                             (f"{f.severity.value} ({f.confidence.value} confidence)", style))
        if self.show_where:
            where = finding_place(f)
            if where:
                head.append(" at ", style="dim")
                head.append_text(safe_text(where, "cyan"))
            if f.function:
                head.append(" in ", style="dim")
                head.append_text(safe_text(function_label(f.function), "bold cyan"))
        out = _Block()
        out.add(bar, head)
        out.add_text(bar, safe_text(f.message))
        if len(f.lines) > 1:
            out.add(bar, Text("lines " + ", ".join(str(n) for n in f.lines), style="dim"))
        if f.suggestion:
            first, *rest = f.suggestion.split("\n")
            out.add(bar, Text.assemble(("suggestion: ", "bold"), safe_text(first)))
            for line in rest:  # a suggested block of code
                out.add(bar, safe_text(line), FOLD)
        if f.rationale:
            out.add(bar, Text.assemble(("why: ", "dim"), safe_text(f.rationale, "dim")))
        if f.fingerprint:
            out.add(bar, Text(f"fingerprint {f.fingerprint}", style="dim"))
        return out


class CarriedView(_BlockView):
    """A comment on the previous version under this version's diff: where
    it was, its status since and the evidence, then the comment as the
    overview knows it, all behind a bar of its own."""

    def __init__(self, comment: Comment, fate: CommentFate, notes: dict | None = None) -> None:
        self.comment, self.fate, self.notes = comment, fate, notes or {}

    def block(self, ascii_only: bool, width: int | None, lead: Text | None = None) -> _Block:
        f = self.fate
        style = VERDICT_STYLE[f.verdict]
        bar = Text.assemble(lead or "", (_glyph("carried", ascii_only), style))
        fields = [Text.assemble((f"from v{f.old_version} ", "dim"), safe_text(fate_where(f.comment), "cyan")),
                  Text.assemble((f"since v{f.new_version}: ", "dim"), (status_words(f), style))]
        out = _Block()
        for line in _Fields(fields, ["", _glyph("dot", ascii_only)]).lines(
                None if width is None else max(1, width - bar.cell_len)):
            out.add(bar, line)
        evidence = Text.assemble(bar, "  ")
        for e in f.evidence:
            # an evidence line indented by four spaces is code (a range-diff
            # line): cropped, not wrapped
            if e.startswith("    "):
                out.add(evidence, safe_text("  " + e.strip(), "dim"), CROP)
            else:
                out.add(evidence, safe_text(e, "dim"))
        out.lines.extend(_comment(self.comment, self.notes).block(ascii_only, width, bar).lines)
        return out


# --------------------------------------------------------------------------
# the diff


def _num(n: int | None, width: int) -> str:
    return ("" if n is None else str(n)).rjust(width) + " "


def _hunk_block(hv: HunkView, ascii_only: bool, width: int | None, c_source: bool, styled: bool,
                notes: dict) -> _Block:
    nw = max((len(str(n)) for r in hv.rows for n in (r.line.old_no, r.line.new_no) if n is not None), default=1)
    blank = Text(" " * (2 * nw + 2))
    out = _Block()
    h = hv.hunk
    head = Text(hunk_header(h), style="cyan")
    if h.header_context:
        head.append(" ")
        head.append_text(safe_text(h.header_context, "dim cyan"))
    for note in hunk_notes(h):
        head.append(f"  ({note})", style="dim italic")
    out.add(blank, head)
    for si, (function, rows) in enumerate(function_sections(hv)):
        if function is not None:
            out.add(blank, Text.assemble((_glyph("function", ascii_only), "bold blue"),
                                         safe_text(function_label(function), "bold blue")))
        elif si:
            out.add(blank, Text(_glyph("function", ascii_only) + "(outside any function)", style="bold blue"))
        for r in rows:
            style = _LINE_STYLE.get(r.line.kind, "")
            code = safe_text(diff_marker(r.line.kind) + r.line.text, style)
            if c_source and styled:
                code.highlight_regex(_C_KEYWORDS, "bold")
                code.highlight_regex(_C_COMMENT, "italic")
            out.add(Text(_num(r.line.old_no, nw) + _num(r.line.new_no, nw), style="dim"), code, FOLD, blank)
            for c in r.comments:
                out.lines.extend(_comment(c, notes).block(ascii_only, width, blank).lines)
            for f in r.findings:
                out.lines.extend(FindingView(f).block(ascii_only, width, blank).lines)
            for c, fate in r.earlier:  # the previous version's review, carried forward
                out.lines.extend(CarriedView(c, fate, notes).block(ascii_only, width, blank).lines)
    return out


# --------------------------------------------------------------------------
# the overview


class _OverviewTable:
    """One line per patch of a series; the title column takes what the
    terminal leaves (a file or pipe gets it whole)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        overview = self.layout.overview
        if overview is None:
            return
        width = None if options.no_wrap else options.max_width
        for n, series in enumerate(overview.series):
            rows = overview_rows(series)
            if n:
                yield Text("")
            head = Text("Series: ", style="bold")
            head.append_text(safe_text(series_heading(series), "bold"))
            if overview.selected:
                head.append("  (as selected)", style="dim")
            yield _wrapped(head)
            label_w = max([len(r.label) for r in rows] + [3])
            rev = [safe_plain(", ".join(r.reviewers)) for r in rows]
            rev_w = max([len(x) for x in rev] + [9])
            if width is not None:
                rev_w = min(rev_w, 18 if width >= 100 else 12)
            find = [findings_tally(r.severities) for r in rows]
            find_w = max([len(x) for x in find] + [5])
            trail = [trailers_tally(r.trailers) for r in rows]
            trail_w = max([len(x) for x in trail] + [4])
            stat_w = max(len(_STATUS_SHORT[r.status]) for r in rows) if rows else 6
            fixed = label_w + 1 + 1 + rev_w + 1 + 3 + 1 + 3 + 1 + find_w + 1 + trail_w + 1 + stat_w
            titles = [safe_text(r.title) for r in rows]
            title_w = max([t.cell_len for t in titles] + [5])
            if width is not None:
                title_w = max(8, min(title_w, width - fixed))
            header = (f"{'N/T':>{label_w}} {'patch':<{title_w}} {'reviewers':<{rev_w}} {'cmt':>3} {'?':>3} "
                      f"{'found':<{find_w}} {'tags':<{trail_w}} status")
            yield Text(header, style="bold dim")
            for r, title, reviewers, tally, trailers in zip(rows, titles, rev, find, trail):
                title = title.copy()
                if title.cell_len > title_w:
                    title.truncate(title_w, overflow="ellipsis")
                title.pad_right(title_w - title.cell_len)
                if len(reviewers) > rev_w:
                    reviewers = reviewers[: rev_w - 1] + _glyph("crop", options.ascii_only)
                line = Text(f"{r.label:>{label_w}} ", style="bold" if r.digest.is_cover else "")
                line.append_text(title)
                line.append(f" {reviewers:<{rev_w}} ")
                line.append(f"{r.comments or '-':>3} ")
                line.append(f"{r.open or '-':>3} ", style="bold yellow" if r.open else "")
                worst = r.severities[0][0] if r.severities else None
                line.append(f"{tally or '-':<{find_w}} ", style=_SEVERITY_STYLE.get(worst, "") if worst else "")
                line.append(f"{trailers or '-':<{trail_w}} ", style="green" if trailers else "")
                line.append(_STATUS_SHORT[r.status], style=_STATUS_STYLE[r.status])
                line.rstrip()
                yield line
            yield _wrapped(Text("cmt: reviewers' comments; ?: open questions; found: findings by severity, "
                                "e(rror) w(arning) i(nfo); tags: R(eviewed-by) A(cked-by) T(ested-by)", style="dim"))


# --------------------------------------------------------------------------
# sections


def _patch_header(v: PatchView, ascii_only: bool) -> Iterable:
    # The subject on a line of its own, under a plain rule: a rule's title
    # is cut to one line, and a subject must reach the reader whole.
    # rich 15 draws a title-less Rule with its own character even on an
    # ASCII console, hence the explicit one.
    yield Rule(style="blue", characters=_glyph("rule", ascii_only))
    yield _wrapped(safe_text(v.patch.subject or "(no subject)", "bold"))
    author = Text("author ", style="dim")
    author.append_text(_who(v.author, v.email) if v.author or v.email else Text("unknown", style="dim"))
    fields = [author]
    label = series_label(v)
    if label:
        fields.append(Text.assemble(("version ", "dim"), label))
    if v.date:
        fields.append(Text.assemble(("date ", "dim"), safe_text(v.date)))
    yield _Fields(fields)
    if v.digest is not None:
        status = [Text.assemble(("status ", "dim"), (v.digest.status.value, _STATUS_STYLE[v.digest.status]))]
        if v.digest.link:
            status.append(safe_text(v.digest.link, "dim"))
        yield _Fields(status)
    if v.patch.source is PatchSource.QUOTED:
        yield _wrapped(Text("diff rebuilt from what the reply quoted; the posting itself is not in the input",
                            style="italic dim"))
    for label, trailers in (("given in replies", v.trailers), ("carried by the patch", v.carried)):
        for t in trailers:
            line = Text(f"{label}: ", style="dim")
            line.append_text(safe_text(f"{t.key}: ", "green"))
            line.append_text(_who(t.name, t.email))
            yield _wrapped(line)


def _wrapped(text: Text, lead: str = "", mode: str = WRAP) -> _Block:
    block = _Block()
    block.add_text(Text(lead, style="dim"), text, mode)
    return block


def indented(text: Text, columns: int = 0, mode: str = WRAP, hang: int = 0) -> _Block:
    """``text`` (it may hold newlines) as lines after ``columns`` spaces: on
    a terminal a line wraps (or is cropped, or folds, by ``mode``) and its
    continuation is indented ``hang`` more; a file or pipe gets every line
    whole."""
    block = _Block()
    lead, cont = Text(" " * columns), Text(" " * (columns + hang))
    for line in text.split("\n", allow_blank=True) if "\n" in text.plain else [text]:
        block.add(lead, line, mode, cont)
    return block


def _render_patch(v: PatchView, console: Console, layout: Layout) -> None:
    ascii_only = console.options.ascii_only
    width = None if console.soft_wrap else console.width
    for r in _patch_header(v, ascii_only):
        _say(console, r)
    if v.patch.commit_message.strip():
        _say(console, _wrapped(safe_text(v.patch.commit_message.strip("\n"), "dim"), "  "))
    if not v.files:
        _say(console, Text("no diff in this patch", style="dim italic"))
    styled = console.color_system is not None
    for fv in v.files:
        fd = fv.file
        name = safe_text(fd.path or "(no path)", "bold cyan")
        if fd.old_path and fd.new_path and fd.old_path != fd.new_path:
            name = Text.assemble(safe_text(fd.old_path, "bold cyan"), _glyph("arrow", ascii_only), name)
        _say(console)
        _say(console, _wrapped(Text.assemble(("file ", "dim"), name, (f"  ({fd.status.value})", "dim"))))
        for hv in fv.hunks:
            _say(console, _hunk_block(hv, ascii_only, width, fd.path.endswith(_C_SUFFIXES), styled, layout.notes))
    for heading, group in loose_finding_groups(v):
        _say(console)
        _say(console, Text(heading, style="bold"))
        for f in group:
            _say(console, FindingView(f, show_where=True))
    if v.conversation:
        _say(console)
        _say(console, Text("Conversation", style="bold"))
        for c in v.conversation:
            _say(console, _comment(c, layout.notes, show_quote=True))
    if v.earlier:
        _say(console)
        _say(console, Text("Review of the previous version, on lines this diff does not show", style="bold"))
        for c, fate in v.earlier:
            _say(console, CarriedView(c, fate, layout.notes))


def _comment(c: Comment, notes: dict, *, show_quote: bool = False) -> CommentView:
    """The view of ``c`` with what the overview says of it (``notes``:
    :attr:`Layout.notes`): the diff it proposes, whom it answers."""
    note = notes.get(comment_key(c))
    if note is None:
        return CommentView(c, show_quote=show_quote)
    answered = notes.get(note.replies_to) if note.replies_to else None
    return CommentView(c, show_quote=show_quote, diff_at=note.diff_at,
                       answering=answered.comment.author if answered is not None else None)


def _render_cover(v: CoverView, console: Console, layout: Layout) -> None:
    ascii_only = console.options.ascii_only
    d = v.digest
    m = v.message
    _say(console, Rule(style="blue", characters=_glyph("rule", ascii_only)))
    _say(console, _wrapped(safe_text(m.subject or "(no subject)", "bold")))
    fields = [Text.assemble(("cover letter by ", "dim"), _who(m.author, m.email))]
    if d.version:
        fields.append(Text(f"v{d.version}"))
    if m.date:
        fields.append(Text.assemble(("date ", "dim"), safe_text(m.date)))
    if d.link:
        fields.append(safe_text(d.link, "dim"))
    _say(console, _Fields(fields))
    for t in d.trailers:
        _say(console, _wrapped(Text.assemble(("given in replies: ", "dim"), safe_text(f"{t.key}: ", "green"),
                                             _who(t.name, t.email))))
    if d.cover_text:
        _say(console, _wrapped(safe_text(d.cover_text), "  "))
    if d.cover_tail:
        # the shortlog and diffstat, laid out like code: a long line folds,
        # for the tail is the author's text too (nothing of it is cut)
        _say(console, _wrapped(safe_text(d.cover_tail, "dim"), "  ", FOLD))
    if v.findings:
        _say(console)
        _say(console, Text("Findings on the cover letter", style="bold"))
        for f in v.findings:
            _say(console, FindingView(f, show_where=True))
    if v.discussion:
        _say(console)
        _say(console, Text("Discussion of the series (replies to the cover letter)", style="bold"))
        for c in v.discussion:
            _say(console, _comment(c, layout.notes, show_quote=True))


def _say(console: Console, *objects: object) -> None:
    """Print without rich's cropping at the width: the renderables here
    fit their lines themselves, and a line that holds a long URL must reach
    the terminal whole."""
    console.print(*objects, crop=False)


class _TextIO(io.StringIO):
    """A string buffer that reports the encoding of the console it feeds,
    so rich picks the same box characters."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


def render_text(review: Review, console: Console) -> None:
    """Print the terminal review of ``review`` on ``console``.

    The console decides colour and width (the CLI builds it with
    ``no_color`` / ``NO_COLOR``; a non-terminal file gets no colour); a
    console that prints with ``soft_wrap`` (the CLI's, for a file or pipe)
    gets whole lines. With ``no_color`` on a terminal, rich drops colours
    but would still send bold, dim and italic; NO_COLOR users get none of
    them, so the review is rendered without styles first. Prints a one-line
    note when the review holds nothing to show.
    """
    if console.no_color and console.color_system is not None:
        buffer = _TextIO(console.encoding)
        plain = Console(file=buffer, width=console.width, color_system=None,
                        force_terminal=False, legacy_windows=False, highlight=False, emoji=False,
                        markup=False, tab_size=console.tab_size, soft_wrap=console.soft_wrap)
        _render(review, plain)
        console.out(buffer.getvalue(), end="", highlight=False)
        return
    _render(review, console)


def _render(review: Review, console: Console) -> None:
    layout = build_layout(review)
    sections = 0

    def section() -> None:
        # One blank line between sections, none before the first.
        nonlocal sections
        if sections:
            _say(console)
        sections += 1

    if not layout.sections and not layout.discussion and not layout.other_findings:
        section()
        _say(console, Text("No patch and no review comment found in the input.", style="italic"))
    if layout.overview is not None and layout.overview.series:
        section()
        _say(console, _OverviewTable(layout))
    for v in layout.sections:
        section()
        if isinstance(v, CoverView):
            _render_cover(v, console, layout)
        else:
            _render_patch(v, console, layout)
    if layout.discussion:
        section()
        _say(console, Rule(Text("Discussion outside any patch", style="bold"), align="left", style="blue",
                           characters=_glyph("rule", console.options.ascii_only)))
        for c in layout.discussion:
            msg = layout.messages.get(c.msgid)
            if msg is not None:
                # the comment's own mail: a cover letter is no reply, and a
                # reply's parent may be missing (samples/b4/*-with-cover.mbox)
                _say(console, _wrapped(Text.assemble(("mail ", "dim"), safe_text(msg.subject, "bold"))))
            _say(console, _comment(c, layout.notes, show_quote=True))
    if layout.other_findings:
        section()
        _say(console, Rule(Text("Other findings", style="bold"), align="left", style="blue",
                           characters=_glyph("rule", console.options.ascii_only)))
        for f in layout.other_findings:
            _say(console, FindingView(f, show_where=True))
    if review.dismissed:
        console.print(Text(dismissed_note(len(review.dismissed)), style="dim"))


__all__ = ["CROP", "CarriedView", "CommentView", "FOLD", "FindingView", "WRAP", "indented", "render_text"]
