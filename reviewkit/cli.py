"""The command line: build a Config, call the pipeline, call a renderer.

Exit status: 0 done (for ``check``: no item failed), 1 ``check`` found a
failing item, 2 bad input or usage (one line on stderr), 3 an internal error
(a bug: one line, the traceback with ``REVIEWKIT_DEBUG=1``).

Heavy modules (tree-sitter, unidiff, the rules) are imported inside the
commands so that ``reviewkit --help`` stays fast.
"""

from __future__ import annotations

import enum
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from reviewkit import __version__
from reviewkit.errors import ReviewkitError

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3

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


class Format(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


class SummaryFormat(str, enum.Enum):
    markdown = "markdown"
    json = "json"


_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _one_line(text: str) -> str:
    """Error text may quote mail (file names, headers): show controls, one line."""
    text = _UNSAFE.sub(_visible, str(text))
    return " ".join(text.split("\n"))


def _fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    sys.stderr.write(f"reviewkit: {_one_line(message)}\n")
    return typer.Exit(code)


def _run(body: Callable[[], int]) -> None:
    """Run a command body; input errors become one line and exit 2."""
    try:
        code = body()
    except ReviewkitError as err:
        raise _fail(str(err)) from None
    except BrokenPipeError:
        # `reviewkit review x | head`: the reader left; not an error.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        raise typer.Exit(EXIT_OK) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as err:  # a bug: one line unless asked for the traceback
        if os.environ.get("REVIEWKIT_DEBUG"):
            raise
        raise _fail(f"internal error: {type(err).__name__}: {err} (set REVIEWKIT_DEBUG=1 for the traceback)",
                    EXIT_BUG) from None
    raise typer.Exit(code)


def _config(repo: Optional[Path], config_file: Optional[Path], **overrides: Any):
    from reviewkit.config import load_config

    if repo is not None and not repo.exists():
        raise ReviewkitError(f"{repo}: no such git tree")
    return load_config(config_file, repo=repo, **overrides)


def _console(no_color: bool, stdout=None):
    from rich.console import Console

    # rich leaves colour out when not a terminal; with NO_COLOR it drops
    # colours but still sends bold and dim: no colour system sends nothing.
    plain = no_color or os.environ.get("NO_COLOR", "") != ""
    return Console(file=stdout or sys.stdout, no_color=plain or None, color_system=None if plain else "auto",
                   highlight=False, soft_wrap=False, emoji=False, markup=False)


def _json_text(doc: Any) -> str:
    """``doc`` as JSON; DEL, C1 and bidi controls escaped as ``\\uXXXX``
    (lossless: a parser gets the mail text back exact), so that JSON shown
    on a terminal cannot reorder or colour it (tests/data/fuzz/)."""
    from reviewkit.render.jsontext import render_json_text

    # json.dumps(doc, indent=2, ensure_ascii=False), faster; it escapes C0
    # itself, so what is left of _UNSAFE can only sit in strings.
    text = render_json_text(doc)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def _dump_json(doc: Any) -> None:
    sys.stdout.write(_json_text(doc))


def _check_paths(paths: List[str]) -> None:
    if not paths:
        raise ReviewkitError("no input: give a path, or - for standard input")


PATHS = typer.Argument(..., help="mbox (also .gz), maildir, .eml/.patch, list-archive page, "
                       "public-inbox git archive, or - for standard input.", show_default=False)
REPO = typer.Option(None, "--repo", help="git tree holding the source the patch applies to.")
CONFIG = typer.Option(None, "--config", help="config file (default: nearest .reviewkit.toml "
                      "or pyproject.toml with [tool.reviewkit]).")
NO_COLOR = typer.Option(False, "--no-color", help="no colour (also: NO_COLOR set, or not a terminal).")
SELECT = typer.Option(None, "--select", help="only rules whose id starts with this (repeatable).")
IGNORE = typer.Option(None, "--ignore", help="skip rules whose id starts with this (repeatable).")


def _rule_overrides(select, ignore, no_rules: bool = False) -> dict:
    out: dict[str, Any] = {}
    if select:
        out["select"] = tuple(select)
    if ignore:
        out["ignore"] = tuple(ignore)
    if no_rules:
        out["rules"] = False
    return out


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

    def body() -> int:
        _check_paths(paths)
        from reviewkit.pipeline import build_review

        config = _config(repo, config_file, **_rule_overrides(select, ignore, no_rules))
        result = build_review(paths, config=config)
        if fmt is Format.json:
            from reviewkit.render import render_json

            _dump_json(render_json(result))
        elif fmt is Format.markdown:
            from reviewkit.render import render_markdown

            sys.stdout.write(render_markdown(result))
        else:
            from reviewkit.render import render_text

            console = _console(no_color)
            if pager:
                with console.pager(styles=not (no_color or os.environ.get("NO_COLOR"))):
                    render_text(result, console)
            else:
                render_text(result, console)
        return EXIT_OK

    _run(body)


@app.command()
def summary(
    paths: List[str] = PATHS,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write to this file instead of stdout."),
    fmt: SummaryFormat = typer.Option(SummaryFormat.markdown, "--format", "-f", help="output format."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
) -> None:
    """Markdown review summary: series, reviewers, comments by function, open questions, status."""

    def body() -> int:
        _check_paths(paths)
        from reviewkit.pipeline import build_review

        config = _config(repo, config_file)
        result = build_review(paths, config=config)
        if fmt is SummaryFormat.json:
            from reviewkit.render import build_summary_json

            text = _json_text(build_summary_json(result))
        else:
            from reviewkit.render import build_summary

            text = build_summary(result)
        if output is None:
            sys.stdout.write(text)
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as err:
                raise ReviewkitError(f"{output}: cannot write: {err.strerror}") from None
        return EXIT_OK

    _run(body)


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

    def body() -> int:
        _check_paths(paths)
        from reviewkit.render.checklist import (
            build_checklist,
            render_checklist_json,
            render_checklist_markdown,
            render_checklist_text,
        )

        config = _config(repo, config_file, **_rule_overrides(select, ignore))
        checklist = build_checklist(paths, config=config)
        if fmt is Format.json:
            _dump_json(render_checklist_json(checklist))
        elif fmt is Format.markdown:
            sys.stdout.write(render_checklist_markdown(checklist))
        else:
            render_checklist_text(checklist, _console(no_color))
        return checklist.exit_code

    _run(body)


@app.command()
def rules(
    explain: Optional[str] = typer.Option(None, "--explain", help="print the documentation of one rule (e.g. RK202)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="output format."),
    config_file: Optional[Path] = CONFIG,
) -> None:
    """List the rules: id, category, severity, summary; and whether the config enables them."""

    def body() -> int:
        import reviewkit.rules  # noqa: F401  (registers the rules)
        from reviewkit.rules.registry import all_rules, is_enabled

        config = _config(None, config_file)
        registered = all_rules()
        if explain:
            match = [r for r in registered if r.id == explain.upper()]
            if not match:
                raise ReviewkitError(f"no rule {explain}; `reviewkit rules` lists them")
            r = match[0]
            sys.stdout.write(f"{r.id} {r.name} [{r.category}, {r.severity.value}]\n\n{r.doc}\n")
            return EXIT_OK
        ignore = config.ignore + config.disable
        rows = [
            {"id": r.id, "name": r.name, "category": r.category, "severity": r.severity.value,
             "enabled": is_enabled(r.id, select=config.select, ignore=ignore), "summary": r.summary}
            for r in registered
        ]
        if fmt is Format.json:
            _dump_json({"schema": "reviewkit.rules", "version": 1, "rules": rows})
        elif fmt is Format.markdown:
            out = ["| id | name | category | severity | enabled | summary |", "|---|---|---|---|---|---|"]
            out += [f"| {r['id']} | {r['name']} | {r['category']} | {r['severity']} | "
                    f"{'yes' if r['enabled'] else 'no'} | {r['summary'].replace('|', chr(92) + '|')} |" for r in rows]
            sys.stdout.write("\n".join(out) + "\n")
        else:
            for r in rows:
                off = "" if r["enabled"] else "  (disabled)"
                sys.stdout.write(f"{r['id']}  {r['category']:<18} {r['severity']:<8} {r['summary']}{off}\n")
        return EXIT_OK

    _run(body)


@app.command()
def functions(
    paths: List[str] = PATHS,
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="output format."),
    repo: Optional[Path] = REPO,
    config_file: Optional[Path] = CONFIG,
) -> None:
    """List the functions each patch changes, with their line spans and how they changed."""

    def body() -> int:
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
            _dump_json({"schema": "reviewkit.functions", "version": 1, "patches": reports})
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
            sys.stdout.write("```\n" + "\n".join(lines).replace("```", "` ` `") + "\n```\n")
        else:
            sys.stdout.write("\n".join(lines) + "\n")
        return EXIT_OK

    _run(body)


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
    """Console-script entry point.

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
