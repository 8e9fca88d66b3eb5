"""The command line: the typer commands, each building a Config, calling the
pipeline and a renderer.

Exit status: 0 done (for ``check``: no item failed), 1 ``check`` found a
failing item, 2 bad input or usage (one line on stderr), 3 an internal error
(a bug: one line, the traceback with ``REVIEWKIT_DEBUG=1``). 130 on Ctrl-C.

Heavy modules (tree-sitter, unidiff, the rules, rich) are imported inside
the commands so that ``reviewkit --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import gc
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from reviewkit import __version__
from reviewkit.errors import ReviewkitError
from reviewkit.pager import ColorMode, Screen, find_screen
from reviewkit.render.safe import json_escape, safe_plain

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3


class Format(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


class SummaryFormat(str, enum.Enum):
    markdown = "markdown"
    text = "text"
    json = "json"


class ReviewFormat(str, enum.Enum):
    """``review``'s formats: the common ones and SARIF."""

    text = "text"
    markdown = "markdown"
    json = "json"
    sarif = "sarif"


class CheckFormat(str, enum.Enum):
    """``check``'s formats: the common ones, SARIF, and b4's two check
    protocols (lines for ``prep``/``am-perpatch-check-cmd``, JSON for
    ``review-perpatch``/``review-series-check-cmd``)."""

    text = "text"
    markdown = "markdown"
    json = "json"
    sarif = "sarif"
    b4 = "b4"
    b4_json = "b4-json"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"


app = typer.Typer(
    name="reviewkit",
    help="Patch review assistant for Linux-kernel-style review by email.\n\n"
    "Exit status: 0 done, 1 `check` found a failing item, 2 bad input or usage, 3 internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# The common options, declared once.
PATHS = typer.Argument(..., help="mbox (also .gz), maildir, .eml/.patch, list-archive page, "
                       "public-inbox git archive, or - for standard input.", show_default=False)
FORMAT = typer.Option(Format.text, "--format", "-f", help="output format.")
REPO = typer.Option(None, "--repo", help="the source the patch applies to: a git tree (the exact pre-image, "
                    "or another version the hunks are found in) or a plain source directory.")
CONFIG = typer.Option(None, "--config", help="config file (default: nearest .reviewkit.toml "
                      "or pyproject.toml with [tool.reviewkit]).")
NO_COLOR = typer.Option(False, "--no-color", help="no colour (--color=never; also: NO_COLOR set).")
COLOR = typer.Option(ColorMode.auto, "--color", help="auto: on a terminal; always: also into a pipe "
                     "(| less -R); never.")
PAGER = typer.Option(None, "--pager/--no-pager", help="page through $REVIEWKIT_PAGER, $PAGER or less -FRX "
                     "(default: when a terminal's output is longer than the screen).", show_default=False)
VERBOSE = typer.Option(False, "--verbose", "-v", help="print what parsing had to guess on stderr.")
# what to show of a review
PATCH = typer.Option(None, "--patch", "-p", help="only patch N, N/T or A-B (0: the cover letter; repeatable).")
MSGID = typer.Option(None, "--msgid", help="only the patch, cover letter or reply with this Message-ID "
                     "(repeatable); of an archive or a large mbox, only its thread is read.")
SUBJECT = typer.Option(None, "--subject", help="only the threads with a message whose subject contains this "
                       "(any case).")
SINCE = typer.Option(None, "--since", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
                     help="only the threads with a message dated on or after this (YYYY-MM-DD, UTC).",
                     show_default=False)
AUTHOR = typer.Option(None, "--author", help="only what this person wrote (name or address, part of it): "
                      "their patches and their comments (repeatable).")
ONLY_COMMENTED = typer.Option(False, "--only-commented", help="only patches a reviewer commented on.")
FINDINGS_ONLY = typer.Option(False, "--findings-only", help="only patches with findings: their findings and "
                             "the hunks they are on, no comments.")
SELECT = typer.Option(None, "--select", help="only rules whose id starts with this (repeatable).")
IGNORE = typer.Option(None, "--ignore", help="skip rules whose id starts with this (repeatable).")


# --------------------------------------------------------------------------
# what every command shares


def _one_line(text: object) -> str:
    """Error text may quote mail (file names, headers): controls shown, one line."""
    return " ".join(safe_plain(str(text)).split("\n"))


def _fail(message: str, code: int = EXIT_INPUT) -> int:
    sys.stderr.write(f"reviewkit: {_one_line(message)}\n")
    return code


def _exits(command: Callable[..., int]) -> Callable[..., None]:
    """A command body returns its exit status; this ends the command with it.

    Bad input (``ReviewkitError``) becomes one line on stderr and exit 2; any
    other exception is a bug: one line and exit 3, or the traceback with
    ``REVIEWKIT_DEBUG=1``.
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs)
        except ReviewkitError as err:
            code = _fail(str(err))
        except KeyboardInterrupt:
            code = 130
        except Exception as err:  # a bug: one line unless asked for the traceback
            if os.environ.get("REVIEWKIT_DEBUG"):
                raise
            code = _fail(f"internal error: {type(err).__name__}: {err} (set REVIEWKIT_DEBUG=1 for the traceback)",
                         EXIT_BUG)
        raise typer.Exit(code)

    return run


def _with_work_tree(config):  # (Config) -> Config, imported lazily
    """``config`` with the git work tree the command runs in as its tree,
    taken quietly: a tree the patch does not fit says nothing."""
    import dataclasses
    import subprocess

    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return config
    top = done.stdout.strip()
    if done.returncode != 0 or not top:
        return config
    return dataclasses.replace(config, repo=Path(top), repo_found=True)


def _config(repo: Optional[Path], config_file: Optional[Path], *, select: Optional[List[str]] = None,
            ignore: Optional[List[str]] = None, dismissals: bool = False,
            **overrides: Any):  # -> Config (imported lazily)
    """The settings: the config file, the command line's ``overrides`` and,
    for the commands that show findings (``dismissals``), the nearest
    ``.reviewkit-dismissed.toml``."""
    from reviewkit.config import load_config

    if repo is not None:
        try:
            repo.stat()
        except FileNotFoundError:
            raise ReviewkitError(f"{repo}: no such git tree") from None
        except OSError as err:  # a name over 255 bytes
            raise ReviewkitError(f"{repo}: cannot read ({err.strerror})") from None
    if select:
        overrides["select"] = tuple(select)
    if ignore:
        overrides["ignore"] = tuple(ignore)
    if dismissals:
        from reviewkit.dismissals import find_dismissals_file, load_dismissals

        found = find_dismissals_file(Path.cwd())
        if found is not None:
            overrides["dismissed"] = load_dismissals(found)
    return load_config(config_file, repo=repo, **overrides)


def _check_paths(paths: List[str]) -> None:
    if not paths:
        raise ReviewkitError("no input: give a path, or - for standard input")


def _reader_left() -> None:
    """The reader of stdout went away (``reviewkit review x | head``): not
    an error. What is still buffered, and the flush at exit, go nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _write(text: str) -> None:
    """``text`` to stdout; a reader that left ends the output quietly."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _reader_left()


def _json_text(doc: Any) -> str:
    """``doc`` as indented JSON, invisible characters escaped."""
    from reviewkit.render.jsontext import render_json_text

    return json_escape(render_json_text(doc)) + "\n"


class _PlainLines:
    """A text stream that drops the spaces rich pads each line with.

    On a terminal the padding is invisible; in a file or a pipe (and in
    ``examples/``) it is trailing whitespace on every line. Complete lines
    pass through stripped; :meth:`finish` writes what is left.
    """

    def __init__(self, out) -> None:  # type: ignore[no-untyped-def]
        self.out = out
        self.pending = ""

    def write(self, text: str) -> int:
        lines = (self.pending + text).split("\n")
        self.pending = lines.pop()
        if lines:
            self.out.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return False

    def finish(self) -> None:
        if self.pending:
            self.out.write(self.pending.rstrip(" "))
            self.pending = ""
        self.out.flush()


@functools.cache
def _console_class() -> type:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit with status 1, the status of a failed check:
            # the command decides (see _render)
            self.quiet = True
            raise BrokenPipeError

    return _Console


def _console(screen: Screen, out):  # type: ignore[no-untyped-def]
    """A console for ``screen``: fitted to a terminal's width, else
    printing whole lines (``soft_wrap``); colour only when asked for."""
    return _console_class()(file=out, width=screen.width, height=screen.height,
                            force_terminal=screen.color or None, no_color=not screen.color,
                            color_system="auto" if screen.color else None, highlight=False,
                            soft_wrap=not screen.terminal, emoji=False, markup=False, legacy_windows=False)


def _screen(color: ColorMode = ColorMode.auto, no_color: bool = False, pager: Optional[bool] = False) -> Screen:
    return find_screen(color=color, no_color=no_color, pager=pager)


def _show(text: str, screen: Screen) -> None:
    """``text`` to stdout, through the pager when ``screen`` says so; a
    reader that left ends the output quietly."""
    from reviewkit.pager import show

    try:
        show(text, screen)
    except BrokenPipeError:
        _reader_left()


def _render(screen: Screen, render: Callable[[Any], None]) -> None:
    """Render on a console for ``screen``: a terminal's output is made
    whole first and then shown (through the pager when it is longer than
    the screen); a file or pipe gets it as it is made, without line
    padding; a reader that left ends the output quietly."""
    try:
        if screen.terminal:
            buffer = io.StringIO()
            render(_console(screen, buffer))
            _show(buffer.getvalue(), screen)
        else:
            plain = _PlainLines(sys.stdout)
            try:
                render(_console(screen, plain))
            finally:
                plain.finish()
    except BrokenPipeError:
        _reader_left()


def _emit(fmt: Format, screen: Screen, *, document: Callable[[], Any], markdown: Callable[[], str],
          text: Callable[[Any], None]) -> None:
    """The output in ``fmt``: the JSON ``document``, the ``markdown``, or
    the ``text`` rendered on a console; only the one asked for is made."""
    if fmt is Format.json:
        _show(_json_text(document()), screen)
    elif fmt is Format.markdown:
        _show(markdown(), screen)
    else:
        _render(screen, text)


def _notes(warnings: Any, verbose: bool) -> None:
    """What parsing had to guess: on stderr with ``-v``, else not at all
    (the JSON output carries it)."""
    if verbose:
        for w in warnings:
            sys.stderr.write(f"reviewkit: note: {_one_line(w)}\n")


def _selection(patch: Optional[List[str]], msgid: Optional[List[str]], author: Optional[List[str]],
               only_commented: bool, findings_only: bool):  # -> Selection (imported lazily)
    from reviewkit.overview import Selection, parse_patch_range

    return Selection(patches=tuple(parse_patch_range(p) for p in patch or ()), msgids=tuple(msgid or ()),
                     authors=tuple(author or ()), only_commented=only_commented, findings_only=findings_only)


def _timestamp(when: Optional[datetime]) -> Optional[float]:
    """``--since`` in seconds since the epoch (a date without a zone is UTC)."""
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


@contextmanager
def _reviews(paths: List[str], config: Any, screen: Screen, *, msgid: Optional[List[str]], subject: Optional[str],
             since: Optional[datetime]) -> Iterator[tuple[Any, Any]]:
    """The input opened for review thread by thread (its index read or
    built, with a progress bar on a terminal), and the progress bar."""
    from reviewkit.pipeline import open_reviews
    from reviewkit.streaming import Progress

    with Progress(quiet_output=screen.terminal) as progress:
        with open_reviews(paths, config=config, msgids=msgid or (), subject=subject, since=_timestamp(since),
                          on_message=progress.indexing) as reviews:
            progress.stop()
            yield reviews, progress


def _each(reviews: Any, progress: Any, chosen: Any, verbose: bool) -> Iterator[Any]:
    """Each unit's review, narrowed to ``chosen``, its notes on stderr with ``-v``."""
    from reviewkit.overview import select_review

    progress.units(reviews.messages)
    for result, size in zip(reviews, reviews.sizes()):
        _notes(result.warnings, verbose)
        yield select_review(result, chosen)
        progress.advance(size)


def _emit_each(fmt: Format, screen: Screen, results: Iterator[Any], *, single: bool,
               document: Callable[[Any], Any], markdown: Callable[[Any], str], text: Callable[[Any, Any], None],
               merge: Optional[Callable[[str, Any, Any], Any]] = None, output: Optional[Path] = None) -> None:
    """The output of the reviews in ``results``: as :func:`_emit` makes it
    for one (``single``); for several, written one after the other as each
    is made (a JSON document section by section, whole at the end), to
    ``output`` or the screen."""
    if single:
        result = next(results)
        if output is None:
            _emit(fmt, screen, document=lambda: document(result), markdown=lambda: markdown(result),
                  text=lambda console: text(result, console))
            return
        if fmt is Format.json:
            body = _json_text(document(result))
        else:
            body = markdown(result)
        try:
            output.write_text(body, encoding="utf-8")
        except OSError as err:
            raise ReviewkitError(f"{output}: cannot write: {err.strerror}") from None
        return
    from reviewkit.pager import paged
    from reviewkit.streaming import JsonSections

    try:
        with contextlib.ExitStack() as stack:
            if output is not None:
                try:
                    out: Any = stack.enter_context(open(output, "w", encoding="utf-8"))
                except OSError as err:
                    raise ReviewkitError(f"{output}: cannot write: {err.strerror}") from None
            else:
                out = stack.enter_context(paged(screen))
            if fmt is Format.json:
                doc = stack.enter_context(JsonSections(merge))
                for result in results:
                    doc.add(document(result))
                doc.write(out.write)
                return
            for n, result in enumerate(results):
                if n:
                    out.write("\n")
                if fmt is Format.markdown:
                    out.write(markdown(result))
                elif screen.terminal and output is None:
                    buffer = io.StringIO()
                    text(result, _console(screen, buffer))
                    out.write(buffer.getvalue())
                else:
                    plain = _PlainLines(out)
                    text(result, _console(screen, plain))
                    plain.finish()
                out.flush()
    except BrokenPipeError:
        _reader_left()


# --------------------------------------------------------------------------
# the commands


@app.command()
@_exits
def review(
    paths: List[str] = PATHS,
    fmt: ReviewFormat = typer.Option(ReviewFormat.text, "--format", "-f", help="output format."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    color: ColorMode = COLOR,
    pager: Optional[bool] = PAGER,
    no_rules: bool = typer.Option(False, "--no-rules", help="skip the rules stage."),
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    b4_dir: Optional[Path] = typer.Option(None, "--b4-dir", help="write b4's review-mode files of the series "
                                          "into this directory (.git/b4-review/<sha of the review branch>) "
                                          "instead of printing the review."),
    patch: Optional[List[str]] = PATCH,
    msgid: Optional[List[str]] = MSGID,
    subject: Optional[str] = SUBJECT,
    since: Optional[datetime] = SINCE,
    author: Optional[List[str]] = AUTHOR,
    only_commented: bool = ONLY_COMMENTED,
    findings_only: bool = FINDINGS_ONLY,
    verbose: bool = VERBOSE,
) -> int:
    """Review a thread: the overview of each series, then the cover letter and
    each patch with the reviewers' comments and the findings under their lines.
    An archive is reviewed thread by thread, each written as it is done."""
    _check_paths(paths)
    chosen = _selection(patch, msgid, author, only_commented, findings_only)

    from reviewkit import render  # each renderer is imported when it is used

    config = _config(repo, config_file, select=select, ignore=ignore, rules=False if no_rules else None,
                     dismissals=True)
    screen = _screen(color, no_color, pager)
    with _reviews(paths, config, screen, msgid=msgid, subject=subject, since=since) as (reviews, progress):
        if b4_dir is not None or fmt is ReviewFormat.sarif:
            # one document of the whole (chosen) input
            result = reviews.whole()
            _notes(result.warnings, verbose)
            if b4_dir is not None:
                _write(_write_b4_review(result, b4_dir))
            else:
                _write(_json_text(render.render_review_sarif(result, _all_rules())))
            return EXIT_OK
        # only the renderer of the format asked for is imported (the JSON
        # output needs neither rich nor the markdown layout)
        _emit_each(Format(fmt.value), screen, _each(reviews, progress, chosen, verbose), single=len(reviews) == 1,
                   document=lambda result: render.render_json(result),
                   markdown=lambda result: render.render_markdown(result),
                   text=lambda result, console: render.render_text(result, console),
                   merge=render.merge_review_json)
    return EXIT_OK


@app.command()
@_exits
def summary(
    paths: List[str] = PATHS,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write to this file instead of stdout."),
    fmt: SummaryFormat = typer.Option(SummaryFormat.markdown, "--format", "-f",
                                      help="markdown, text (plain, 72 columns, for a reply by mail) or json."),
    full: bool = typer.Option(False, "--full", help="every comment verbatim under the code it quotes, the "
                              "author's replies, the findings in full (the archive form)."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    color: ColorMode = COLOR,
    pager: Optional[bool] = PAGER,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    patch: Optional[List[str]] = PATCH,
    msgid: Optional[List[str]] = MSGID,
    subject: Optional[str] = SUBJECT,
    since: Optional[datetime] = SINCE,
    author: Optional[List[str]] = AUTHOR,
    only_commented: bool = ONLY_COMMENTED,
    findings_only: bool = FINDINGS_ONLY,
    verbose: bool = VERBOSE,
) -> int:
    """Review summary: per patch its status and one line per comment (open
    questions first), with links; --full for every comment verbatim.
    An archive is summarised thread by thread, each written as it is done."""
    _check_paths(paths)
    chosen = _selection(patch, msgid, author, only_commented, findings_only)
    from reviewkit.render import build_summary, build_summary_json, merge_summary_json

    config = _config(repo, config_file, select=select, ignore=ignore, dismissals=True)
    screen = _screen(color, no_color, pager)
    with _reviews(paths, config, screen, msgid=msgid, subject=subject, since=since) as (reviews, progress):
        # the summary is text in every format: shown whole, not laid out on a console
        summarise = functools.partial(build_summary, full=full, plain=fmt is SummaryFormat.text)
        _emit_each(Format.json if fmt is SummaryFormat.json else Format.markdown, screen,
                   _each(reviews, progress, chosen, verbose), single=len(reviews) == 1, document=build_summary_json,
                   markdown=summarise, text=lambda result, console: None, merge=merge_summary_json, output=output)
    return EXIT_OK


@app.command()
@_exits
def check(
    paths: List[str] = typer.Argument(..., help="git format-patch files, a directory of them, or an mbox of a "
                                      "series; - for stdin.", show_default=False),
    fmt: CheckFormat = typer.Option(CheckFormat.text, "--format", "-f", help="output format (b4, b4-json: "
                                    "b4's check-command protocols, see the README)."),
    repo: Optional[Path] = REPO,
    no_repo: bool = typer.Option(False, "--no-repo", help="do not use the git work tree the command runs in."),
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    color: ColorMode = COLOR,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    previous: Optional[List[str]] = typer.Option(
        None, "--previous", help="the previous version's thread (repeatable): its open review comments and "
        "questions, dropped review trailers, and a changelog that misses changes are reported."),
    fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", help="the least severity of a finding that "
                                             "fails an item (default: error, or the config's fail-on); a lesser "
                                             "one warns.", show_default=False),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="print only the items that failed or warned."),
    hook: bool = typer.Option(False, "--hook", help="run as git's sendemail-validate hook: the cover letter of "
                              "one git send-email run is remembered for the patches that follow it, and the "
                              "git tree it runs in is the --repo (unless one is given)."),
    verbose: bool = VERBOSE,
) -> int:
    """Pre-send checklist for authors. Exit 0: no item failed; 1: an item failed; 2: bad input.

    Works as git's sendemail-validate hook (reviewkit install-hook writes it).
    Run inside a git work tree, it reads the functions the patch changes
    whole from that tree where the hunks are found in it (--no-repo: only
    from the hunks)."""
    _check_paths(paths)
    if previous and "-" in paths:
        raise ReviewkitError("--previous reads the patches twice: give them as files, not - (standard input)")
    from reviewkit.model import Severity
    from reviewkit.pipeline import build_checklist
    from reviewkit.render import checklist as render_checklist

    overrides = {"fail_on": Severity(fail_on.value)} if fail_on is not None else {}
    config = _config(repo, config_file, select=select, ignore=ignore, dismissals=True, **overrides)
    if config.repo is None and not no_repo:
        # git runs the hook at the top of the work tree the patches come
        # from: the rules see whole functions there, not the three lines of
        # context of each hunk
        config = _with_work_tree(config)
    remembered = None
    if hook:
        from reviewkit.hook import SeriesMemory

        remembered = SeriesMemory.for_this_run()
    subjects = _b4_series_subjects() if fmt is CheckFormat.b4_json else ()
    checklist = build_checklist(paths, config=config, series_subjects=subjects, memory=remembered,
                                previous=tuple(previous or ()))
    _notes(checklist.warnings, verbose)
    if fmt in (CheckFormat.sarif, CheckFormat.b4, CheckFormat.b4_json):
        _emit_check_tool_format(fmt, checklist)
    else:
        screen = _screen(color, no_color, pager=False)
        _emit(Format(fmt.value), screen, document=lambda: render_checklist.render_checklist_json(checklist),
              markdown=lambda: render_checklist.render_checklist_markdown(checklist, quiet=quiet),
              text=lambda console: render_checklist.render_checklist_text(checklist, console, quiet=quiet))
    return checklist.exit_code


@app.command()
@_exits
def rules(
    explain: Optional[str] = typer.Option(None, "--explain", help="print the documentation of one rule (e.g. RK202)."),
    fmt: Format = FORMAT,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    color: ColorMode = COLOR,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
) -> int:
    """List the rules: id, category, severity, summary; and whether the config enables them."""
    import reviewkit.rules  # noqa: F401  (registers the rules)
    from reviewkit.rules.registry import all_rules, is_enabled

    config = _config(None, config_file, select=select, ignore=ignore)
    registered = all_rules()
    if explain:
        match = [r for r in registered if r.id == explain.upper()]
        if not match:
            raise ReviewkitError(f"no rule {explain}; `reviewkit rules` lists them")
        r = match[0]
        _write(f"{r.id} {r.name} [{r.category}, {r.severity.value}]\n\n{r.doc}\n")
        return EXIT_OK
    ignored = config.ignore + config.disable
    rows: list[dict[str, Any]] = [
        {"id": r.id, "name": r.name, "category": r.category, "severity": r.severity.value,
         "enabled": is_enabled(r.id, select=config.select, ignore=ignored), "summary": r.summary}
        for r in registered
    ]
    if fmt is Format.json:
        _write(_json_text({"schema": "reviewkit.rules", "version": 1, "rules": rows}))
    elif fmt is Format.markdown:
        out = ["| id | name | category | severity | enabled | summary |", "|---|---|---|---|---|---|"]
        out += [f"| {r['id']} | {r['name']} | {r['category']} | {r['severity']} | "
                f"{'yes' if r['enabled'] else 'no'} | {r['summary'].replace('|', chr(92) + '|')} |" for r in rows]
        _write("\n".join(out) + "\n")
    else:
        _write("".join(f"{r['id']}  {r['category']:<18} {r['severity']:<8} {r['summary']}"
                       f"{'' if r['enabled'] else '  (disabled)'}\n" for r in rows))
    return EXIT_OK


@app.command()
@_exits
def functions(
    paths: List[str] = PATHS,
    fmt: Format = FORMAT,
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    color: ColorMode = COLOR,
) -> int:
    """List the functions each patch changes, with their line spans and how they changed."""
    _check_paths(paths)
    from reviewkit.cmap import functions_report, map_functions
    from reviewkit.pipeline import build_review

    config = _config(repo, config_file, rules=False)
    result = build_review(paths, config=config)
    reports = []
    for patch in result.patches:
        cm = next((c for c in result.codemaps if c.patch_msgid == patch.msgid), None)
        if cm is None:
            cm = map_functions(patch, config=config)
        reports.append({"msgid": patch.msgid, "subject": patch.subject, "source": patch.source.value,
                        "exact": cm.exact, "functions": functions_report(cm)})
    if fmt is Format.json:
        _write(_json_text({"schema": "reviewkit.functions", "version": 1, "patches": reports}))
        return EXIT_OK
    lines = []
    for rep in reports:
        mode = "exact (git tree)" if rep["exact"] else "from the hunks"
        lines.append(f"{_one_line(rep['subject'])}  [{rep['source']}, {mode}]")
        for fn in rep["functions"]:
            old = fn.get("old") or "-"
            new = fn.get("new") or "-"
            lines.append(f"  {_one_line(fn.get('file', ''))}: {_one_line(fn.get('name', ''))}  "
                         f"{fn.get('status', '')}  old {old}  new {new}")
    if fmt is Format.markdown:
        _write("```\n" + "\n".join(lines).replace("```", "` ` `") + "\n```\n")
    else:
        _write("\n".join(lines) + "\n")
    return EXIT_OK


@app.command()
@_exits
def versions(
    paths: List[str] = PATHS,
    fmt: Format = FORMAT,
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    color: ColorMode = COLOR,
    pager: Optional[bool] = PAGER,
    comments: bool = typer.Option(False, "--comments", help="list each review comment of a version with what "
                                  "became of it in the next, and the evidence."),
    range_diff: bool = typer.Option(False, "--range-diff", help="show the range-diff of each changed patch."),
    no_rules: bool = typer.Option(False, "--no-rules", help="skip the rules stage (no fates of findings)."),
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    verbose: bool = VERBOSE,
) -> int:
    """Series across versions: each version with its date, the patch-to-patch links, the review's fate."""
    _check_paths(paths)
    from reviewkit.pipeline import build_review
    from reviewkit.render import versions as render_versions

    config = _config(repo, config_file, select=select, ignore=ignore, rules=False if no_rules else None,
                     dismissals=True)
    result = build_review(paths, config=config)
    _notes(result.warnings, verbose)
    _emit(fmt, _screen(color, no_color, pager), document=lambda: render_versions.versions_json(result),
          markdown=lambda: render_versions.render_versions_markdown(result, comments=comments, range_diff=range_diff),
          text=lambda console: render_versions.render_versions_text(result, console, comments=comments,
                                                                    range_diff=range_diff))
    return EXIT_OK


@app.command()
@_exits
def dismiss(
    fingerprint: str = typer.Argument(..., help="the finding's fingerprint (JSON findings[].fingerprint; the "
                                      "terminal review shows it under each finding).", show_default=False),
    reason: str = typer.Option(..., "--reason", help="why it is not a bug, for the next reader.",
                               show_default=False),
    file: Optional[Path] = typer.Option(None, "--file", help="the dismissals file (default: the nearest "
                                        ".reviewkit-dismissed.toml, else one at the top of the git tree)."),
) -> int:
    """Dismiss a finding as not a bug: later runs count it and do not show it, on this version and the next."""
    from reviewkit.dismissals import add_dismissal, default_dismissals_file

    path = file if file is not None else default_dismissals_file(Path.cwd())
    if add_dismissal(path, fingerprint, reason):
        _write(f"dismissed {fingerprint.strip().lower()} in {_one_line(str(path))}\n")
    else:
        _write(f"{fingerprint.strip().lower()} is already dismissed in {_one_line(str(path))}\n")
    return EXIT_OK


@app.command()
@_exits
def reply(
    paths: List[str] = PATHS,
    msgid: str = typer.Option(..., "--msgid", help="Message-ID of the patch mail (or cover letter) to answer.",
                              show_default=False),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write the draft to this file "
                                          "instead of stdout."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
) -> int:
    """Draft an inline reply to one posting: the patch quoted, each finding under its line; no trailer."""
    _check_paths(paths)
    from reviewkit.model import MessageKind, PatchSource
    from reviewkit.pipeline import build_review
    from reviewkit.render.reply import render_reply

    config = _config(repo, config_file, select=select, ignore=ignore, dismissals=True)
    result = build_review(paths, config=config)
    want = msgid.strip().strip("<>")
    message = next((m for m in result.messages if m.msgid.strip("<>") == want), None)
    if message is None:
        raise ReviewkitError(f"no mail with Message-ID <{want}> in the input")
    patch = next((p for p in result.patches if p.msgid == message.msgid and p.source is PatchSource.MAIL), None)
    if patch is None and message.kind is not MessageKind.COVER:
        raise ReviewkitError(f"<{want}> is no patch mail or cover letter ({message.subject}): reply to the "
                             "posting, not to a reply")
    text = render_reply(message, patch, [f for f in result.findings if f.msgid == message.msgid])
    if output is None:
        _write(text)
        return EXIT_OK
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ReviewkitError(f"{output}: cannot write: {err.strerror}") from None
    return EXIT_OK


# --------------------------------------------------------------------------
# b4 and SARIF: the outputs other tools read


def _all_rules() -> list:
    """Every rule, for SARIF's rule table."""
    from reviewkit.rules.engine import load_rules

    return load_rules()


def _b4_series_subjects() -> tuple[str, ...]:
    """The subjects of the series b4's review TUI is checking: the cover
    letter's and each patch's, from the tracking data ``B4_TRACKING_FILE``
    names (set for its check commands); none when it is not set. A file
    that cannot be read is one line on stderr, which b4 shows only when
    there is no result."""
    import json

    name = os.environ.get("B4_TRACKING_FILE")
    if not name:
        return ()
    try:
        with open(name, encoding="utf-8") as fh:
            tracking = json.load(fh)
        series, patches = tracking.get("series", {}), tracking.get("patches", [])
        subjects = [series.get("subject", "")] + [p.get("title", "") for p in patches]
    except (OSError, ValueError, AttributeError) as err:
        sys.stderr.write(f"reviewkit: B4_TRACKING_FILE {_one_line(name)}: not read ({_one_line(err)})\n")
        return ()
    return tuple(s for s in subjects if isinstance(s, str) and s)


def _emit_check_tool_format(fmt: CheckFormat, checklist: Any) -> None:
    """The checklist as SARIF or as b4 reads a check command's output;
    inputs that could not be checked go to stderr (b4 counts each line
    there a fail)."""
    from reviewkit import render

    if fmt is CheckFormat.sarif:
        _write(_json_text(render.render_checklist_sarif(checklist, _all_rules())))
        return
    for err in checklist.errors:
        sys.stderr.write(f"reviewkit: {_one_line(err)}\n")
    if fmt is CheckFormat.b4:
        _write(render.render_b4_lines(checklist))
    else:
        _write(_json_text(render.render_b4_json(checklist)))


def _write_b4_review(result: Any, directory: Path) -> str:
    """Write b4's review-mode files of the one series in ``result`` into
    ``directory``; returns the note to print (the files written)."""
    from reviewkit import render
    from reviewkit.model import MessageKind, PatchSource

    posted = [(m, p) for m in result.messages for p in result.patches
              if p.msgid == m.msgid and p.source is PatchSource.MAIL]
    versions = sorted({m.series.version or 1 for m, _ in posted})
    if not posted:
        raise ReviewkitError("--b4-dir: the input holds no patch mail")
    if len(versions) > 1:
        raise ReviewkitError("--b4-dir: the input holds more than one version of the series ("
                             + ", ".join(f"v{v}" for v in versions) + "); give one")
    numbered = [(m.series.index or n, p) for n, (m, p) in enumerate(posted, 1)]
    covers = [m.msgid for m in result.messages if m.kind is MessageKind.COVER]
    files = render.render_b4_review(result, numbered, covers)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
    except OSError as err:
        raise ReviewkitError(f"{directory}: cannot write: {err.strerror}") from None
    return "".join(f"wrote {_one_line(str(directory / name))}\n" for name in files)


class Engine(str, enum.Enum):
    """Where ``scan`` runs its batches."""

    local = "local"
    dask = "dask"


@app.command()
@_exits
def scan(
    paths: List[str] = PATHS,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write the JSON lines to this file "
                                          "(default: stdout; the table at the end goes to stderr then)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="processes of this machine (with --engine dask and "
                             "no --scheduler: the workers of a local cluster)."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local: this machine; dask: a Dask cluster "
                                  "(pip install 'dask[distributed]'; the workers read the input's paths)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="the Dask scheduler's address "
                                            "(tcp://host:8786); default: a local cluster of --jobs workers.",
                                            show_default=False),
    resume: bool = typer.Option(False, "--resume", help="continue a scan into -o FILE where it stopped."),
    no_rules: bool = typer.Option(False, "--no-rules", help="skip the rules: mail, quotes, threads and patches only."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    msgid: Optional[List[str]] = typer.Option(None, "--msgid", help="only the thread of this Message-ID "
                                              "(repeatable)."),
    subject: Optional[str] = SUBJECT,
    since: Optional[datetime] = SINCE,
) -> int:
    """Scan a whole archive: a JSON line per patch mail and cover letter (Message-ID, subject, replies,
    trailers, findings), in bounded memory, then a table of the findings per rule."""
    _check_paths(paths)
    import time

    from reviewkit import scanner as scanning
    from reviewkit.mail.index import load_index
    from reviewkit.source import Input
    from reviewkit.streaming import Progress

    if resume and output is None:
        raise ReviewkitError("--resume needs -o FILE: the output it continues")
    if scheduler is not None and engine is not Engine.dask:
        raise ReviewkitError("--scheduler is for --engine dask")
    config = _config(repo, config_file, select=select, ignore=ignore, rules=False if no_rules else None,
                     dismissals=True)
    started = time.perf_counter()
    tally = scanning.Tally()
    with Progress() as progress, Input(paths, reread=True) as source:
        index = load_index(source, on_message=progress.indexing)
        missing = index.missing(msgid or ())
        if missing:
            raise ReviewkitError(f"no mail with Message-ID <{missing[0].strip().strip('<>')}> in the input")
        units = index.select(msgids=msgid or (), subject=subject, since=_timestamp(since))
        batches = list(scanning.plan_batches(index, units))
        tally.units = len(units)
        done = 0
        state = None
        if output is not None:
            key = source.key()
            options = repr((sorted(config.select), sorted(config.ignore), sorted(config.disable), config.rules,
                            str(config.repo), msgid, subject, _timestamp(since), scanning.BATCH_MESSAGES))
            state = scanning.Resume(str(output), key, options) if key is not None else None
            if resume:
                kept = state.load() if state is not None else None
                try:
                    size = output.stat().st_size
                except OSError:
                    size = -1
                if kept is None or size < kept[1]:
                    sys.stderr.write("reviewkit: note: nothing to resume; scanning from the start\n")
                else:
                    done, size = kept
                    tally.resumed_from = done
                    os.truncate(output, size)
        try:
            out: Any = open(output, "a" if done else "w", encoding="utf-8") if output is not None else sys.stdout
        except OSError as err:
            raise ReviewkitError(f"{output}: cannot write: {err.strerror}") from None
        todo = batches[done:]
        progress.units(sum(b.messages for b in todo), what="scanning")
        if engine is Engine.dask:
            results = scanning.run_dask(todo, config, scheduler=scheduler, jobs=jobs)
        elif jobs > 1:
            results = scanning.run_pool(todo, config, jobs=jobs)
        else:
            results = scanning.run_here(todo, config)

        def written(result: Any) -> None:
            progress.advance(result.messages)
            if state is not None:
                state.save(result.number + 1, out.tell())

        try:
            scanning.write_scan(results, out, tally=tally, on_batch=written)
        except BrokenPipeError:
            _reader_left()
            return EXIT_OK
        finally:
            if output is not None:
                out.close()
        tally.seconds = time.perf_counter() - started
    _scan_table(tally, sys.stdout if output is not None else sys.stderr)
    return EXIT_OK


def _scan_table(tally: Any, stream: Any) -> None:
    """What the scan did, and the findings per rule, as a table."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rate = tally.messages / tally.seconds if tally.seconds else 0.0
    console = Console(file=stream, highlight=False, markup=False, emoji=False, soft_wrap=not stream.isatty())
    resumed = f" (resumed after {tally.resumed_from} batches)" if tally.resumed_from else ""
    console.print(Text(f"scanned {tally.messages:,} messages in {tally.seconds:.1f} s "
                       f"({rate:,.0f} messages/s){resumed}: {tally.postings:,} patch mails and cover letters, "
                       f"{sum(tally.rules.values()):,} findings"))
    if tally.rules:
        table = Table("rule", "findings", box=None, pad_edge=False)
        for rule, count in sorted(tally.rules.items()):
            table.add_row(Text(rule), Text(f"{count:,}"))
        console.print(table)


@app.command("install-hook")
@_exits
def install_hook(
    where: Path = typer.Argument(Path("."), help="a directory in the git tree (default: here).",
                                 show_default=False),
    fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", help="written into the hook: the least severity "
                                             "that aborts the send (default: error, or the config's fail-on).",
                                             show_default=False),
    force: bool = typer.Option(False, "--force", help="replace a sendemail-validate hook reviewkit did not write."),
) -> int:
    """Write git's sendemail-validate hook: `reviewkit check --hook --quiet` on each mail git send-email sends,
    by the absolute path of this reviewkit."""
    from reviewkit.hook import install_hook as write_hook

    options = ["--fail-on", fail_on.value] if fail_on is not None else []
    path = write_hook(where, options=options, force=force)
    _write(f"wrote {_one_line(path)}\n")
    return EXIT_OK


knowledge_app = typer.Typer(help="Knowledge learned from a kernel tree.", no_args_is_help=True,
                            context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(knowledge_app, name="knowledge")


@knowledge_app.command("build")
@_exits
def knowledge_build(
    tree: Path = typer.Argument(..., help="a kernel source tree.", show_default=False),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="the database to write (default: one "
                                          "under $XDG_CACHE_HOME/reviewkit/knowledge that --repo TREE finds)."),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", help="worker processes (default: one per CPU)."),
    global_only: bool = typer.Option(False, "--global-only", help="keep only functions other files call (and "
                                     "the static ones their chains go through), as the shipped database does."),
    config_file: Optional[Path] = CONFIG,
) -> int:
    """Learn from a kernel tree which functions may sleep, return a reference, or return holding a lock,
    its cleanup classes and atomic callbacks; write them to a database the rules read.

    A progress bar on a terminal (stderr); one summary line on stdout."""
    from reviewkit.knowledge.build import build_database
    from reviewkit.knowledge.learned import default_database_path
    from reviewkit.knowledge.seeds import build_seeds
    from reviewkit.rules.knowledge import knowledge_tables

    config = _config(None, config_file)
    seeds = build_seeds(knowledge_tables(config.knowledge))
    out = output or default_database_path(tree)
    workers = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn("learning"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                   TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("", total=None)
            report = build_database(tree, out, seeds, jobs=workers, global_only=global_only,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total))
    else:
        report = build_database(tree, out, seeds, jobs=workers, global_only=global_only)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items()))
    _write(f"{_one_line(str(report.output))}: {report.size} bytes, {kinds or 'no facts'} "
           f"from {report.files} files ({report.functions} definitions) in {report.seconds:.0f} s\n")
    for rel in report.failed:
        sys.stderr.write(f"reviewkit: {_one_line(rel)}: unreadable, skipped\n")
    return EXIT_OK


def _version(value: bool) -> None:
    if value:
        _write(f"reviewkit {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="print the version."),
) -> None:
    """Patch review assistant for Linux-kernel-style review by email."""


def main() -> None:
    """Console-script entry point: run the app over ``sys.argv``; exits.

    A usage error is one line on stderr and exit 2, like bad input (click
    would print the usage block and a blank line first); ``reviewkit`` with
    no command still prints the help.
    """
    # typer raises the exceptions of the click it uses (its own copy in
    # newer releases): find the classes from the one typer exports.
    usage_error: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
    no_args = getattr(sys.modules[usage_error.__module__], "NoArgsIsHelpError", None)
    # The modules loaded so far live as long as the process: leave them out
    # of every collection (a full one otherwise walks them all again).
    gc.freeze()
    try:
        code = app(standalone_mode=False)
    except usage_error as err:
        if no_args is not None and isinstance(err, no_args):  # `reviewkit` alone: the help, exit 2
            err.show()
            code = EXIT_INPUT
        else:
            ctx = getattr(err, "ctx", None)
            hint = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
            code = _fail(f"{err.format_message()}{hint}")
    except typer.Abort:
        code = 130
    sys.exit(code if isinstance(code, int) else EXIT_OK)
