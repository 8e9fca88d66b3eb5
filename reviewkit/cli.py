"""The command line: the typer commands, each building a Config, calling the
pipeline and a renderer.

Exit status: 0 done (for ``check``: no item failed), 1 ``check`` found a
failing item, 2 bad input or usage (one line on stderr), 3 an internal error
(a bug: one line, the traceback with ``REVIEWKIT_DEBUG=1``). 130 on Ctrl-C.

Heavy modules (tree-sitter, unidiff, the rules, rich) are imported inside
the commands so that ``reviewkit --help`` stays fast.
"""

from __future__ import annotations

import enum
import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from reviewkit import __version__
from reviewkit.errors import ReviewkitError
from reviewkit.render.safe import json_escape, safe_plain

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3


class Format(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


class SummaryFormat(str, enum.Enum):
    markdown = "markdown"
    json = "json"


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
REPO = typer.Option(None, "--repo", help="git tree holding the source the patch applies to.")
CONFIG = typer.Option(None, "--config", help="config file (default: nearest .reviewkit.toml "
                      "or pyproject.toml with [tool.reviewkit]).")
NO_COLOR = typer.Option(False, "--no-color", help="no colour (also: NO_COLOR set, or not a terminal).")
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


def _config(repo: Optional[Path], config_file: Optional[Path], *, select: Optional[List[str]] = None,
            ignore: Optional[List[str]] = None, **overrides: Any):  # -> Config (imported lazily)
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


def _no_color(no_color: bool) -> bool:
    return no_color or os.environ.get("NO_COLOR", "") != ""


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


def _console(no_color: bool, stdout=None):  # type: ignore[no-untyped-def]
    # rich leaves colour out when not a terminal; with NO_COLOR it drops
    # colours but still sends bold and dim: no colour system sends nothing.
    plain = _no_color(no_color)
    return _console_class()(file=stdout or sys.stdout, no_color=plain or None,
                            color_system=None if plain else "auto", highlight=False, soft_wrap=False,
                            emoji=False, markup=False)


def _render(no_color: bool, render: Callable[[Any], None], *, pager: bool = False) -> None:
    """Render on a console over stdout: paged if asked, without line padding
    when stdout is no terminal; a reader that left ends the output quietly."""
    try:
        if pager:
            console = _console(no_color)
            with console.pager(styles=not _no_color(no_color)):
                render(console)
        elif sys.stdout.isatty():
            render(_console(no_color))
        else:
            plain = _PlainLines(sys.stdout)
            try:
                render(_console(no_color, plain))
            finally:
                plain.finish()
    except BrokenPipeError:
        _reader_left()


def _emit(fmt: Format, no_color: bool, *, document: Callable[[], Any], markdown: Callable[[], str],
          text: Callable[[Any], None], pager: bool = False) -> None:
    """The output in ``fmt``: the JSON ``document``, the ``markdown``, or
    the ``text`` rendered on a console; only the one asked for is made."""
    if fmt is Format.json:
        _write(_json_text(document()))
    elif fmt is Format.markdown:
        _write(markdown())
    else:
        _render(no_color, text, pager=pager)


# --------------------------------------------------------------------------
# the commands


@app.command()
@_exits
def review(
    paths: List[str] = PATHS,
    fmt: Format = FORMAT,
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    pager: bool = typer.Option(False, "--pager", help="page the terminal review ($PAGER, else less -R)."),
    no_rules: bool = typer.Option(False, "--no-rules", help="skip the rules stage."),
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
) -> int:
    """Review a thread: the patch with the reviewers' comments and the findings under their lines."""
    _check_paths(paths)
    from reviewkit.pipeline import build_review

    from reviewkit import render  # each renderer is imported when it is used

    config = _config(repo, config_file, select=select, ignore=ignore, rules=False if no_rules else None)
    result = build_review(paths, config=config)
    _emit(fmt, no_color, pager=pager, document=lambda: render.render_json(result),
          markdown=lambda: render.render_markdown(result), text=lambda console: render.render_text(result, console))
    return EXIT_OK


@app.command()
@_exits
def summary(
    paths: List[str] = PATHS,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write to this file instead of stdout."),
    fmt: SummaryFormat = typer.Option(SummaryFormat.markdown, "--format", "-f", help="output format."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
) -> int:
    """Markdown review summary: series, reviewers, comments by function, open questions, status."""
    _check_paths(paths)
    from reviewkit.pipeline import build_review

    config = _config(repo, config_file, select=select, ignore=ignore)
    result = build_review(paths, config=config)
    if fmt is SummaryFormat.json:
        from reviewkit.render import build_summary_json

        text = _json_text(build_summary_json(result))
    else:
        from reviewkit.render import build_summary

        text = build_summary(result)
    if output is None:
        _write(text)
        return EXIT_OK
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ReviewkitError(f"{output}: cannot write: {err.strerror}") from None
    return EXIT_OK


@app.command()
@_exits
def check(
    paths: List[str] = typer.Argument(..., help="git format-patch files or an mbox of a series; - for stdin.",
                                      show_default=False),
    fmt: Format = FORMAT,
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
    previous: Optional[List[str]] = typer.Option(
        None, "--previous", help="the previous version's thread (repeatable): its open review comments and "
        "questions, dropped review trailers, and a changelog that misses changes are reported."),
) -> int:
    """Pre-send checklist for authors. Exit 0: no item failed; 1: an item failed; 2: bad input.

    Works as git's sendemail-validate hook (see the README)."""
    _check_paths(paths)
    if previous and "-" in paths:
        raise ReviewkitError("--previous reads the patches twice: give them as files, not - (standard input)")
    from reviewkit.pipeline import build_checklist
    from reviewkit.render import checklist as render_checklist

    config = _config(repo, config_file, select=select, ignore=ignore)
    checklist = build_checklist(paths, config=config, previous=tuple(previous or ()))
    _emit(fmt, no_color, document=lambda: render_checklist.render_checklist_json(checklist),
          markdown=lambda: render_checklist.render_checklist_markdown(checklist),
          text=lambda console: render_checklist.render_checklist_text(checklist, console))
    return checklist.exit_code


@app.command()
@_exits
def rules(
    explain: Optional[str] = typer.Option(None, "--explain", help="print the documentation of one rule (e.g. RK202)."),
    fmt: Format = FORMAT,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
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
    comments: bool = typer.Option(False, "--comments", help="list each review comment of a version with what "
                                  "became of it in the next, and the evidence."),
    range_diff: bool = typer.Option(False, "--range-diff", help="show the range-diff of each changed patch."),
    no_rules: bool = typer.Option(False, "--no-rules", help="skip the rules stage (no fates of findings)."),
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
) -> int:
    """Series across versions: each version with its date, the patch-to-patch links, the review's fate."""
    _check_paths(paths)
    from reviewkit.pipeline import build_review
    from reviewkit.render import versions as render_versions

    config = _config(repo, config_file, select=select, ignore=ignore, rules=False if no_rules else None)
    result = build_review(paths, config=config)
    _emit(fmt, no_color, document=lambda: render_versions.versions_json(result),
          markdown=lambda: render_versions.render_versions_markdown(result, comments=comments, range_diff=range_diff),
          text=lambda console: render_versions.render_versions_text(result, console, comments=comments,
                                                                    range_diff=range_diff))
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
