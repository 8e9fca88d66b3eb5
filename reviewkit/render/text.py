"""The terminal review (rich).

Per patch: a header (subject, author, version, date, trailers), the diff by
file and by function (function names as section headers, old and new line
numbers in a ``Table.grid`` of ``Text`` cells), each reviewer comment under
the line it follows and each finding under the line it concerns; then the
conversation (comments on no shown line, answers to other reviewers); a
closing table of comments and findings per function.

Diff lines are green (added), red (removed) or dim (context); in C files
keywords are bold and comments italic on top of that.

Every mail-derived string goes through :mod:`reviewkit.render.safe`; no
markup string is ever built from mail text. Colour is the console's
business: a non-terminal file gets none, and ``no_color`` / ``NO_COLOR``
gets no attribute at all (see :func:`render_text`); nothing here
hard-codes colour output. A console whose encoding is not UTF-8 gets ASCII
stand-ins for the glyphs.
"""

from __future__ import annotations

import io
import re
from typing import Iterable

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.cells import cell_len
from rich.measure import Measurement
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from reviewkit.model import Comment, Finding, PatchSource, Review, Severity
from reviewkit.render.layout import (
    HunkView,
    Layout,
    PatchView,
    build_layout,
    closing_warnings,
    diff_marker,
    finding_place,
    function_label,
    function_sections,
    hunk_header,
    hunk_notes,
    loose_finding_groups,
    per_function_counts,
    series_label,
)
from reviewkit.render.safe import safe_text
from reviewkit.render.versions import CarriedView

# Glyphs, and their ASCII stand-ins for a console whose encoding is not
# UTF-8 (rich swaps its own box characters the same way).
_GLYPHS = {"comment": ("│ ", "| "), "finding": ("▌ ", "! "), "function": ("▶ ", "> "),
           "dot": (" · ", " - "), "arrow": (" → ", " -> "), "rule": ("─", "-")}


def _glyph(name: str, ascii_only: bool) -> str:
    return _GLYPHS[name][1 if ascii_only else 0]


# A light C highlight that keeps the diff colours (green/red/dim) and adds
# weight: keywords bold, comments italic. Cheap: two regexes per line, and
# nothing to see on a console without styles.
_C_KEYWORDS = re.compile(
    r"\b(?:if|else|for|while|do|switch|case|default|break|continue|return|goto|struct|union|enum|"
    r"static|const|inline|unsigned|signed|void|int|long|short|char|bool|sizeof|typedef|extern)\b")
_C_COMMENT = re.compile(r"/\*.*?(?:\*/|$)|//.*$|^\s*\*.*$")
_C_SUFFIXES = (".c", ".h")

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_LINE_STYLE = {"+": "green", "-": "red", " ": "dim"}


class _Barred:
    """Render ``inner`` narrower by the bar's width, each line led by the bar."""

    def __init__(self, inner: RenderableType, bar: str, style: str) -> None:
        self.inner, self.bar, self.style = inner, bar, style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        inner = Measurement.get(console, options.update(width=max(1, options.max_width - len(self.bar))),
                                self.inner)
        return Measurement(inner.minimum + len(self.bar), inner.maximum + len(self.bar)).clamp(
            max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width - len(self.bar))
        inner_options = options.update(width=width)
        if console.color_system is None and not console.record:
            # No colour to show: the plain parts (most of a comment) need
            # not go through rich's wrapping (tests/data/corpus/threads/
            # lru-lock-v16.mbox has 1,165 comment lines). Each part ends
            # its last line, so the parts' lines follow one another.
            parts = self.inner.renderables if isinstance(self.inner, Group) else [self.inner]
            lines: list[list[Segment]] = []
            for part in parts:
                if not (type(part) is _Fields or (type(part) is Text and part.end == "\n")):
                    break  # rich's own path for the whole
                plain = _plain_lines(console, part, inner_options) if type(part) is Text else None
                if plain is None:
                    lines.extend(console.render_lines(part, inner_options, pad=False))
                else:
                    lines.extend([Segment(line)] for line in plain)
            else:
                yield from self._barred_lines(console, lines)
                return
        yield from self._barred_lines(console, console.render_lines(self.inner, inner_options, pad=False))

    def _barred_lines(self, console: Console, lines: list[list[Segment]]) -> RenderResult:
        bar = Segment(self.bar, console.get_style(self.style))
        for line in lines:
            yield bar
            yield from line
            yield Segment.line()


class _Fields:
    """Fields on one line, two spaces apart; where the width runs out the
    next field starts a line, so no field is cut in the middle ("date Sat,
    11 Jul 2020 08:58:50" / "+0800" at 100 columns, threads/mlock-v16-16.mbox)."""

    def __init__(self, fields: list[Text], separators: list[str] | None = None) -> None:
        self.fields = fields
        # what goes before each field when it shares a line with the last
        self.separators = separators or ["  "] * len(fields)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # as wide as the fields on one line, as narrow as the widest field
        whole = sum(f.cell_len for f in self.fields) + sum(len(s) for s in self.separators[1:])
        widest = max((f.cell_len for f in self.fields), default=0)
        return Measurement(widest, whole).clamp(max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        line = Text()
        for field, sep in zip(self.fields, self.separators):
            if line.cell_len and line.cell_len + len(sep) + field.cell_len > width:
                yield line
                line = Text()
            if line.cell_len:
                line.append(sep, style="dim")
            line.append_text(field)
        if line.cell_len:
            yield line


def _who(name: str, email: str) -> Text:
    t = safe_text(name or email or "(unknown)", "bold")
    if email and name:
        t.append(" <")
        t.append_text(safe_text(email))
        t.append(">")
    return t


class _BarredView:
    """A renderable drawn as a bar-marked block; subclasses build it in
    ``_barred``."""

    def _barred(self, ascii_only: bool) -> _Barred:
        raise NotImplementedError

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self._barred(options.ascii_only)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self._barred(options.ascii_only))


class CommentView(_BarredView):
    """A reviewer comment: who, when, what they answer, every line verbatim."""

    def __init__(self, comment: Comment, *, show_quote: bool = False) -> None:
        self.comment = comment
        self.show_quote = show_quote

    def header(self, ascii_only: bool = False) -> Text:
        fields, separators = self._header_fields(ascii_only)
        t = Text()
        for field, sep in zip(fields, separators):
            if t.cell_len:
                t.append(sep, style="dim")
            t.append_text(field)
        return t

    def _header_fields(self, ascii_only: bool) -> tuple[list[Text], list[str]]:
        """The header's parts and what joins each to the one before: a
        narrow terminal breaks between them, never inside a name or date."""
        c = self.comment
        who = Text("comment ", style="magenta")
        who.append_text(_who(c.author, c.email))
        fields, separators = [who], [""]
        if c.date:
            dot = _glyph("dot", ascii_only)
            fields.append(safe_text(c.date, "dim"))
            separators.append(dot)
        answers = c.anchor.answers if c.anchor and c.anchor.answers else None
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
        return fields, separators

    def _barred(self, ascii_only: bool) -> _Barred:
        c = self.comment
        parts: list[RenderableType] = [_Fields(*self._header_fields(ascii_only))]
        if not self.show_quote and c.anchor is not None and c.anchor.answers and c.anchor.quoted:
            # An answer to another reviewer under the code line: show the
            # line of theirs it answers (threads/mlock-v16-16.mbox).
            parts.append(Text.assemble(("> ", "dim italic"), safe_text(c.anchor.quoted.lstrip("> "), "dim italic")))
        if self.show_quote:
            quote = c.quoted_text or (c.anchor.quoted if c.anchor else "")
            if quote:
                q = Text(style="dim italic")
                lines = quote.rstrip("\n").split("\n")
                # Show what is answered, not a whole quoted mail: the last lines.
                if len(lines) > 6:
                    q.append(f"[{len(lines) - 6} earlier quoted lines]\n")
                    lines = lines[-6:]
                for i, line in enumerate(lines):
                    q.append("> " if not line.startswith(">") else "")
                    q.append_text(safe_text(line))
                    if i < len(lines) - 1:
                        q.append("\n")
                parts.append(q)
        parts.append(safe_text(c.text.rstrip("\n")))
        return _Barred(Group(*parts), _glyph("comment", ascii_only), "magenta")


class FindingView(_BarredView):
    """A finding: rule id, category, severity, confidence, message, suggestion."""

    def __init__(self, finding: Finding, *, show_where: bool = False) -> None:
        self.finding = finding
        self.show_where = show_where

    def _barred(self, ascii_only: bool) -> _Barred:
        f = self.finding
        style = _SEVERITY_STYLE.get(f.severity, "")
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
        parts: list[RenderableType] = [head, safe_text(f.message)]
        if f.suggestion:
            parts.append(Text.assemble(("suggestion: ", "bold")) + safe_text(f.suggestion))
        if f.rationale:
            parts.append(Text.assemble(("why: ", "dim")) + safe_text(f.rationale, "dim"))
        return _Barred(Group(*parts), _glyph("finding", ascii_only), style or "bold")


_NOT_PLAIN = re.compile(r"[^\t\x20-\x7e]")
_TRAILING_SPACE = re.compile(r"\s+$")

try:  # rich's own word wrapper, so the plain path breaks lines where rich does
    from rich._wrap import divide_line as _divide_line
except ImportError:  # pragma: no cover - another rich: take the general path
    _divide_line = None


def _fold_plain(plain: str, width: int) -> list[str]:
    """What ``Text.wrap`` (justify left, overflow fold) makes of a line of
    printable ASCII longer than ``width``, each line padded to ``width``."""
    bounds = [0, *_divide_line(plain, width, fold=True), len(plain)]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        piece = plain[a:b]
        if len(piece) > width:
            space = _TRAILING_SPACE.search(piece)
            if space is not None:
                piece = piece[: len(piece) - min(len(space.group()), len(piece) - width)]
        out.append(piece[:width] if len(piece) > width else piece + " " * (width - len(piece)))
    return out


def _plain_lines(console: Console, text: Text, options: ConsoleOptions) -> list[str] | None:
    """The lines ``console.render_lines(text, options, pad=False)`` gives a
    ``Text`` of printable ASCII, tabs and newlines, as plain strings: what a
    console without colour writes. None for anything else (other
    characters, justification or overflow, no wrapping), which takes
    rich's own path."""
    plain = text.plain
    justify = text.justify or options.justify or "default"
    if (_divide_line is None or justify not in ("default", "left") or (text.overflow or options.overflow or "fold") != "fold"
            or text.no_wrap or options.no_wrap or text.end != "\n" or _NOT_PLAIN.search(plain.replace("\n", ""))):
        return None
    width = options.max_width
    tab = (console.tab_size if text.tab_size is None else text.tab_size) or 8
    out: list[str] = []
    for line in plain.split("\n"):
        if "\t" in line:
            line = line.expandtabs(tab)
        if len(line) <= width:
            out.append(line + " " * (width - len(line)) if justify == "left" else line)
        elif justify == "left":
            out.extend(_fold_plain(line, width))
        else:
            out.extend(_fold_unpadded(line, width))
    return out


def _fold_unpadded(plain: str, width: int) -> list[str]:
    """:func:`_fold_plain` without the padding (``justify="default"``)."""
    bounds = [0, *_divide_line(plain, width, fold=True), len(plain)]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        piece = plain[a:b]
        if len(piece) > width:
            space = _TRAILING_SPACE.search(piece)
            if space is not None:
                piece = piece[: len(piece) - min(len(space.group()), len(piece) - width)]
        out.append(piece[:width])
    return out


class _DiffGrid:
    """What ``Table.grid`` renders for two fixed-width number columns and
    one folding column, segment for segment, without the table's cost:
    rich measures, pads and reshapes every cell of a table, and a long
    series (tests/data/corpus/threads/lru-lock-v16.mbox, 5,000 diff rows)
    spent most of its run there. The width rule is the table's: the code
    column is as wide as its widest cell, at most what the number columns
    leave; a console too narrow for that gets the real table.
    """

    def __init__(self, num_width: int) -> None:
        self.num_width = num_width
        self.rows: list[tuple[Text, Text, RenderableType]] = []

    def add_row(self, old: Text, new: Text, cell: RenderableType) -> None:
        self.rows.append((old, new, cell))

    def _table(self) -> Table:
        grid = Table.grid(padding=0)
        grid.add_column(width=self.num_width, no_wrap=True)
        grid.add_column(width=self.num_width, no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        for row in self.rows:
            grid.add_row(*row)
        return grid

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        nw = self.num_width
        limit = options.max_width - 2 * nw
        if limit < 1 or nw > options.max_width:
            yield self._table()
            return
        widest = 0
        for _, _, cell in self.rows:
            widest = max(widest, Measurement.get(console, options, cell).maximum)
            if widest >= limit:
                break
        code_width = min(widest or 1, limit)
        base = options.update(width=2 * nw + code_width, highlight=False, height=None)
        num_opts = base.update(width=nw, justify="left", no_wrap=True, overflow="ellipsis", height=None,
                               highlight=False)
        code_opts = base.update(width=code_width, justify="left", no_wrap=False, overflow="fold", height=None,
                                highlight=False)
        style = console.get_style("") + Style.null()
        num_blank = [Segment(" " * nw, style)]
        code_blank = [Segment(" " * code_width, style)]
        adjust = Segment.adjust_line_length
        joiner = Text("\n")

        # A console without colour (a pipe, NO_COLOR) writes the text of a
        # segment and ignores its style: a line of printable ASCII and tabs
        # that fits is then just its characters, tabs expanded as rich
        # does (to the next multiple of the tab size; one cell per character).
        plain_only = console.color_system is None and not console.record

        def lines_of(cell: RenderableType, width: int, opts: ConsoleOptions) -> list[list[Segment]]:
            if plain_only and type(cell) is Text and cell.justify in (None, "left"):
                plain = cell.plain
                if not _NOT_PLAIN.search(plain):
                    if "\t" in plain:
                        plain = plain.expandtabs((console.tab_size if cell.tab_size is None else cell.tab_size) or 8)
                    if len(plain) <= width:
                        return [[Segment(plain + " " * (width - len(plain)))]]
                    if (_divide_line is not None and cell.overflow in (None, "fold") and not cell.no_wrap
                            and not opts.no_wrap):
                        return [[Segment(piece)] for piece in _fold_plain(plain, width)]
            if type(cell) is Text and cell.justify in (None, "left") and "\n" not in cell.plain:
                # One line that fits: what Text.__rich_console__ makes of
                # it (tabs expanded, padded to the width, joined,
                # rendered), minus the wrapping and cropping that would
                # change nothing. Kernel code is indented with tabs.
                line = cell.copy()
                if "\t" in line.plain:
                    line.expand_tabs((console.tab_size if cell.tab_size is None else cell.tab_size) or 8)
                plain = line.plain
                n = cell_len(plain)
                if n <= width and len(plain) <= width:
                    if n < width:
                        line.pad_right(width - n)
                    return [list(joiner.join([line]).render(console))]
            return [adjust(line, width) for line in console.render_lines(cell, opts, style=style)]

        new_line = Segment.line()
        for old, new, cell in self.rows:
            cells = [lines_of(old, nw, num_opts), lines_of(new, nw, num_opts), lines_of(cell, code_width, code_opts)]
            height = max(1, *(len(c) for c in cells))
            for i in range(height):
                for c, blank in zip(cells, (num_blank, num_blank, code_blank)):
                    yield from (c[i] if i < len(c) else blank)
                yield new_line


def _num(n: int | None, width: int) -> Text:
    # The trailing space separates the columns: a grid without cell padding
    # renders several times faster (rich wraps every padded cell).
    return Text(("" if n is None else str(n)).rjust(width) + " ", style="dim")


def _hunk_grid(hv: HunkView, ascii_only: bool, c_source: bool = False) -> _DiffGrid:
    width = max((len(str(n)) for r in hv.rows for n in (r.line.old_no, r.line.new_no) if n is not None),
                default=1)
    grid = _DiffGrid(width + 1)
    blank = _num(None, width)
    h = hv.hunk
    head = Text(hunk_header(h), style="cyan")
    if h.header_context:
        head.append(" ")
        head.append_text(safe_text(h.header_context, "dim cyan"))
    for note in hunk_notes(h):
        head.append(f"  ({note})", style="dim italic")
    grid.add_row(blank, blank, head)
    for si, (function, rows) in enumerate(function_sections(hv)):
        if function is not None:
            grid.add_row(blank, blank, Text.assemble((_glyph("function", ascii_only), "bold blue"),
                                                     safe_text(function_label(function), "bold blue")))
        elif si:
            grid.add_row(blank, blank, Text(_glyph("function", ascii_only) + "(outside any function)",
                                            style="bold blue"))
        for r in rows:
            style = _LINE_STYLE.get(r.line.kind, "")
            cell = Text(diff_marker(r.line.kind), style=style)
            code = safe_text(r.line.text, style)
            if c_source:
                code.highlight_regex(_C_KEYWORDS, "bold")
                code.highlight_regex(_C_COMMENT, "italic")
            cell.append_text(code)
            grid.add_row(_num(r.line.old_no, width), _num(r.line.new_no, width), cell)
            for c in r.comments:
                grid.add_row(blank, blank, CommentView(c))
            for f in r.findings:
                grid.add_row(blank, blank, FindingView(f))
            for c, fate in r.earlier:  # the previous version's review, carried forward
                grid.add_row(blank, blank, CarriedView(c, fate))
    return grid


def _patch_header(v: PatchView, ascii_only: bool) -> Iterable[RenderableType]:
    # The subject on a line of its own, under a plain rule: a rule's title
    # is cut to one line, and a subject must reach the reader whole.
    # rich 15 draws a title-less Rule with its own character even on an
    # ASCII console, hence the explicit one.
    yield Rule(style="blue", characters=_glyph("rule", ascii_only))
    yield safe_text(v.patch.subject or "(no subject)", "bold")
    author = Text("author ", style="dim")
    author.append_text(_who(v.author, v.email) if v.author or v.email else Text("unknown", style="dim"))
    fields = [author]
    label = series_label(v)
    if label:
        fields.append(Text.assemble(("version ", "dim"), label))
    if v.date:
        fields.append(Text.assemble(("date ", "dim"), safe_text(v.date)))
    yield _Fields(fields)
    if v.patch.source is PatchSource.QUOTED:
        yield Text("diff rebuilt from what the reply quoted; the posting itself is not in the input",
                   style="italic dim")
    for label, trailers in (("given in replies", v.trailers), ("carried by the patch", v.carried)):
        for t in trailers:
            line = Text(f"{label}: ", style="dim")
            line.append_text(safe_text(f"{t.key}: ", "green"))
            line.append_text(_who(t.name, t.email))
            yield line
    for w in v.patch.warnings:
        yield Text.assemble(("warning: ", "yellow"), safe_text(w))


def _render_patch(v: PatchView, console: Console) -> None:
    for r in _patch_header(v, console.options.ascii_only):
        console.print(r)
    if v.patch.commit_message.strip():
        console.print(_Barred(safe_text(v.patch.commit_message.strip("\n"), "dim"), "  ", ""))
    if not v.files:
        console.print(Text("no diff in this patch", style="dim italic"))
    for fv in v.files:
        fd = fv.file
        name = safe_text(fd.path or "(no path)", "bold cyan")
        if fd.old_path and fd.new_path and fd.old_path != fd.new_path:
            name = Text.assemble(safe_text(fd.old_path, "bold cyan"), _glyph("arrow", console.options.ascii_only),
                                 name)
        console.print()
        console.print(Text.assemble(("file ", "dim"), name, (f"  ({fd.status.value})", "dim")))
        for hv in fv.hunks:
            console.print(_hunk_grid(hv, console.options.ascii_only, fd.path.endswith(_C_SUFFIXES)))
    for heading, group in loose_finding_groups(v):
        console.print()
        console.print(Text(heading, style="bold"))
        for f in group:
            console.print(FindingView(f, show_where=True))
    if v.conversation:
        console.print()
        console.print(Text("Conversation", style="bold"))
        for c in v.conversation:
            console.print(CommentView(c, show_quote=True))
    if v.earlier:
        console.print()
        console.print(Text("Review of the previous version, on lines this diff does not show", style="bold"))
        for c, fate in v.earlier:
            console.print(CarriedView(c, fate))


def _closing_table(layout: Layout) -> Table | None:
    rows = per_function_counts(layout)
    if not rows:
        return None
    table = Table(title=Text("Comments and findings per function", style="bold"), box=box.SIMPLE_HEAD,
                  show_lines=False, expand=False)
    several = len(layout.patches) > 1
    if several:
        table.add_column("patch", overflow="fold", ratio=3)
    table.add_column("file", overflow="fold", ratio=2)
    table.add_column("function", overflow="fold", ratio=2)
    table.add_column("comments", justify="right")
    table.add_column("findings", justify="right")
    for subject, file, fn, nc, nf, sev in rows:
        cells = [safe_text(file) if file else Text("(general)"), safe_text(function_label(fn) if fn else "-"), Text(str(nc)),
                 Text(f"{nf}" + (" (" + ", ".join(f"{n} {s}" for s, n in sorted(sev.items())) + ")" if nf else ""))]
        if several:
            cells.insert(0, safe_text(subject))
        table.add_row(*cells)
    return table


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
    ``no_color`` / ``NO_COLOR``; a non-terminal file gets no colour). With
    ``no_color`` on a terminal, rich drops colours but would still send
    bold, dim and italic; NO_COLOR users get none of them, so the review is
    rendered without styles first. Prints a one-line note when the review
    holds nothing to show.
    """
    if console.no_color and console.color_system is not None:
        plain = Console(file=_TextIO(console.encoding), width=console.width, color_system=None,
                        force_terminal=False, legacy_windows=False, highlight=False, emoji=False,
                        markup=False, tab_size=console.tab_size)
        _render(review, plain)
        console.out(plain.file.getvalue(), end="", highlight=False)
        return
    _render(review, console)


def _render(review: Review, console: Console) -> None:
    layout = build_layout(review)
    sections = 0

    def section() -> None:
        # One blank line between sections, none before the first.
        nonlocal sections
        if sections:
            console.print()
        sections += 1

    if not layout.patches and not layout.discussion and not layout.other_findings:
        section()
        console.print(Text("No patch and no review comment found in the input.", style="italic"))
    for v in layout.patches:
        section()
        _render_patch(v, console)
    if layout.discussion:
        section()
        console.print(Rule(Text("Discussion outside any patch", style="bold"), align="left", style="blue"))
        for c in layout.discussion:
            msg = layout.messages.get(c.msgid)
            if msg is not None:
                # the comment's own mail: a cover letter is no reply, and a
                # reply's parent may be missing (samples/b4/*-with-cover.mbox)
                console.print(Text.assemble(("mail ", "dim"), safe_text(msg.subject, "bold")))
            console.print(CommentView(c, show_quote=True))
    if layout.other_findings:
        section()
        console.print(Rule(Text("Other findings", style="bold"), align="left", style="blue"))
        for f in layout.other_findings:
            console.print(FindingView(f, show_where=True))
    table = _closing_table(layout)
    if table is not None:
        section()
        console.print(table)
    for w in closing_warnings(layout):
        console.print(Text.assemble(("warning: ", "yellow"), safe_text(w)))


__all__ = ["CommentView", "FindingView", "render_text"]
