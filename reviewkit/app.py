"""The typer declarations of the command line: options, help, usage errors.

The bodies are in :mod:`reviewkit.cli`, which also parses a plain
``check`` or ``review`` command line without importing this module (typer
takes a sixth of a one-patch ``check``). ``reviewkit.cli.main`` stays the
entry point and ``from reviewkit.cli import app`` still gives this app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from reviewkit import __version__
from reviewkit.cli import (
    EXIT_INPUT,
    EXIT_OK,
    Format,
    SummaryFormat,
    _one_line,
    run_check,
    run_functions,
    run_knowledge_build,
    run_review,
    run_rules_list,
    run_summary,
)

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

# Keep these options in step with cli._PLAIN_OPTIONS, which parses a plain
# `check` or `review` command line without typer.
PATHS = typer.Argument(..., help="mbox (also .gz), maildir, .eml/.patch, list-archive page, "
                       "public-inbox git archive, or - for standard input.", show_default=False)
REPO = typer.Option(None, "--repo", help="git tree holding the source the patch applies to.")
CONFIG = typer.Option(None, "--config", help="config file (default: nearest .reviewkit.toml "
                      "or pyproject.toml with [tool.reviewkit]).")
NO_COLOR = typer.Option(False, "--no-color", help="no colour (also: NO_COLOR set, or not a terminal).")
SELECT = typer.Option(None, "--select", help="only rules whose id starts with this (repeatable).")
IGNORE = typer.Option(None, "--ignore", help="skip rules whose id starts with this (repeatable).")


@app.command()
def review(
    paths: List[str] = PATHS,
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="output format."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    pager: bool = typer.Option(False, "--pager", help="page the terminal review ($PAGER, else less -R)."),
    no_rules: bool = typer.Option(False, "--no-rules", help="skip the rules stage."),
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
) -> None:
    """Review a thread: the patch with the reviewers' comments and the findings under their lines."""
    raise typer.Exit(run_review(paths, fmt=fmt, repo=repo, config_file=config_file, no_color=no_color,
                                pager=pager, no_rules=no_rules, select=select, ignore=ignore))


@app.command()
def summary(
    paths: List[str] = PATHS,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write to this file instead of stdout."),
    fmt: SummaryFormat = typer.Option(SummaryFormat.markdown, "--format", "-f", help="output format."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
) -> None:
    """Markdown review summary: series, reviewers, comments by function, open questions, status."""
    raise typer.Exit(run_summary(paths, output=output, fmt=fmt, repo=repo, config_file=config_file))


@app.command()
def check(
    paths: List[str] = typer.Argument(..., help="git format-patch files or an mbox of a series; - for stdin.",
                                      show_default=False),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="output format."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
    no_color: bool = NO_COLOR,
    select: Optional[List[str]] = SELECT,
    ignore: Optional[List[str]] = IGNORE,
) -> None:
    """Pre-send checklist for authors. Exit 0: no item failed; 1: an item failed; 2: bad input.

    Works as git's sendemail-validate hook (see the README)."""
    raise typer.Exit(run_check(paths, fmt=fmt, repo=repo, config_file=config_file, no_color=no_color,
                               select=select, ignore=ignore))


@app.command()
def rules(
    explain: Optional[str] = typer.Option(None, "--explain", help="print the documentation of one rule (e.g. RK202)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="output format."),
    config_file: Optional[Path] = CONFIG,
) -> None:
    """List the rules: id, category, severity, summary; and whether the config enables them."""
    raise typer.Exit(run_rules_list(explain=explain, fmt=fmt, config_file=config_file))


@app.command()
def functions(
    paths: List[str] = PATHS,
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="output format."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
) -> None:
    """List the functions each patch changes, with their line spans and how they changed."""
    raise typer.Exit(run_functions(paths, fmt=fmt, repo=repo, config_file=config_file))


knowledge_app = typer.Typer(help="Knowledge learned from a kernel tree.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")


@knowledge_app.command("build")
def knowledge_build(
    tree: Path = typer.Argument(..., help="a kernel source tree.", show_default=False),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="the database to write (default: one "
                                          "under $XDG_CACHE_HOME/reviewkit/knowledge that --repo TREE finds)."),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", help="worker processes (default: one per CPU)."),
    global_only: bool = typer.Option(False, "--global-only", help="keep only functions other files call (and "
                                     "the static ones their chains go through), as the shipped database does."),
    config_file: Optional[Path] = CONFIG,
) -> None:
    """Learn from a kernel tree which functions may sleep, return a reference, or return holding a lock,
    its cleanup classes and atomic callbacks; write them to a database the rules read."""
    raise typer.Exit(run_knowledge_build(tree, output=output, jobs=jobs, global_only=global_only,
                                         config_file=config_file))


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"reviewkit {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="print the version."),
) -> None:
    """Patch review assistant for Linux-kernel-style review by email."""


def main() -> None:
    """Run the typer app over ``sys.argv``; exits.

    A usage error is one line on stderr and exit 2, like bad input (click
    would print the usage block and a blank line first); ``reviewkit`` with
    no command still prints the help.
    """
    # typer before 0.29 raises click's exceptions, 0.29 those of its own
    # copy of click: find the classes from the one typer exports.
    usage_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
    no_args = getattr(sys.modules[usage_error.__module__], "NoArgsIsHelpError", ())
    try:
        code = app(standalone_mode=False)
    except no_args as err:  # type: ignore[misc]
        err.show()
        code = EXIT_INPUT
    except usage_error as err:
        ctx = getattr(err, "ctx", None)
        hint = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
        sys.stderr.write(f"reviewkit: {_one_line(err.format_message())}{hint}\n")
        code = EXIT_INPUT
    except typer.Abort:
        code = 130
    sys.exit(code if isinstance(code, int) else EXIT_OK)
