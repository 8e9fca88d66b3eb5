"""The command line: build a Config, call the pipeline, call a renderer.

Exit status: 0 done (for ``check``: no item failed), 1 ``check`` found a
failing item, 2 bad input or usage (one line on stderr), 3 an internal error
(a bug: one line, the traceback with ``REVIEWKIT_DEBUG=1``).

The commands' bodies live here; their typer declarations (options, help)
live in :mod:`reviewkit.app`. A plain ``check`` or ``review`` command line
(paths and the usual options) is parsed here by hand and runs without
importing typer, whose import is a sixth of a one-patch ``check``; any other
command line, and any help or usage error, goes to typer.

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

from reviewkit.errors import ReviewkitError

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3


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


def _fail(message: str, code: int = EXIT_INPUT) -> int:
    sys.stderr.write(f"reviewkit: {_one_line(message)}\n")
    return code


def _run(body: Callable[[], int]) -> int:
    """Run a command body; input errors become one line and exit 2.

    Returns:
        The exit status.
    """
    try:
        return body()
    except ReviewkitError as err:
        return _fail(str(err))
    except BrokenPipeError:
        # `reviewkit review x | head`: the reader left; not an error.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug: one line unless asked for the traceback
        if os.environ.get("REVIEWKIT_DEBUG"):
            raise
        return _fail(f"internal error: {type(err).__name__}: {err} (set REVIEWKIT_DEBUG=1 for the traceback)",
                     EXIT_BUG)


def _config(repo: Optional[Path], config_file: Optional[Path], **overrides: Any):
    from reviewkit.config import load_config

    if repo is not None and not repo.exists():
        raise ReviewkitError(f"{repo}: no such git tree")
    return load_config(config_file, repo=repo, **overrides)


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


def _render_to_stdout(no_color: bool, render: Callable[[Any], None]) -> None:
    """Render on a console over stdout, without line padding when stdout is
    no terminal."""
    if sys.stdout.isatty():
        render(_console(no_color))
        return
    plain = _PlainLines(sys.stdout)
    try:
        render(_console(no_color, plain))
    finally:
        plain.finish()


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


def _rule_overrides(select, ignore, no_rules: bool = False) -> dict:
    out: dict[str, Any] = {}
    if select:
        out["select"] = tuple(select)
    if ignore:
        out["ignore"] = tuple(ignore)
    if no_rules:
        out["rules"] = False
    return out


def run_review(paths: List[str], *, fmt: Format = Format.text, repo: Optional[Path] = None,
               config_file: Optional[Path] = None, no_color: bool = False, pager: bool = False,
               no_rules: bool = False, select: Optional[List[str]] = None,
               ignore: Optional[List[str]] = None) -> int:
    """The ``review`` command. Returns the exit status."""

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

            if pager:
                console = _console(no_color)
                with console.pager(styles=not (no_color or os.environ.get("NO_COLOR"))):
                    render_text(result, console)
            else:
                _render_to_stdout(no_color, lambda console: render_text(result, console))
        return EXIT_OK

    return _run(body)


def run_summary(paths: List[str], *, output: Optional[Path] = None, fmt: SummaryFormat = SummaryFormat.markdown,
                repo: Optional[Path] = None, config_file: Optional[Path] = None) -> int:
    """The ``summary`` command. Returns the exit status."""

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

    return _run(body)


def run_check(paths: List[str], *, fmt: Format = Format.text, repo: Optional[Path] = None,
              config_file: Optional[Path] = None, no_color: bool = False, select: Optional[List[str]] = None,
              ignore: Optional[List[str]] = None) -> int:
    """The ``check`` command. Returns the exit status."""

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
            _render_to_stdout(no_color, lambda console: render_checklist_text(checklist, console))
        return checklist.exit_code

    return _run(body)


def run_rules_list(*, explain: Optional[str] = None, fmt: Format = Format.text,
                   config_file: Optional[Path] = None) -> int:
    """The ``rules`` command. Returns the exit status."""

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

    return _run(body)


def run_functions(paths: List[str], *, fmt: Format = Format.text, repo: Optional[Path] = None,
                  config_file: Optional[Path] = None) -> int:
    """The ``functions`` command. Returns the exit status."""

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

    return _run(body)


def run_knowledge_build(tree: Path, *, output: Optional[Path] = None, jobs: Optional[int] = None,
                        global_only: bool = False, config_file: Optional[Path] = None) -> int:
    """The ``knowledge build`` command: learn from a kernel tree, write the
    database. A progress bar on a terminal (stderr); one summary line on
    stdout. Returns the exit status."""

    def body() -> int:
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
        sys.stdout.write(f"{_one_line(str(report.output))}: {report.size} bytes, {kinds or 'no facts'} "
                         f"from {report.files} files ({report.functions} definitions) in {report.seconds:.0f} s\n")
        for rel in report.failed:
            sys.stderr.write(f"reviewkit: {_one_line(rel)}: unreadable, skipped\n")
        return EXIT_OK

    return _run(body)


# The options a plain `check` / `review` may carry, as app.py declares them:
# name -> (keyword, takes a value, repeatable).
_PLAIN_OPTIONS: dict[str, dict[str, tuple[str, bool, bool]]] = {
    "check": {
        "--format": ("fmt", True, False), "-f": ("fmt", True, False),
        "--repo": ("repo", True, False), "--config": ("config_file", True, False),
        "--no-color": ("no_color", False, False),
        "--select": ("select", True, True), "--ignore": ("ignore", True, True),
    },
}
_PLAIN_OPTIONS["review"] = {
    **_PLAIN_OPTIONS["check"],
    "--pager": ("pager", False, False), "--no-rules": ("no_rules", False, False),
}


def parse_plain(argv: List[str]) -> tuple[Callable[..., int], List[str], dict[str, Any]] | None:
    """A plain ``check`` or ``review`` command line, parsed without typer.

    Plain means: the command, then paths (``-`` included) and the options
    :mod:`reviewkit.app` declares for it, long options as ``--opt VALUE``
    or ``--opt=VALUE``, ``-f VALUE``, a valid format.

    Returns:
        (command function, paths, keyword arguments), or None for anything
        else (help, ``--``, an unknown or abbreviated option, a missing
        value or path, a bad format): typer then parses it and says what is
        wrong, as before.
    """
    if not argv or argv[0] not in _PLAIN_OPTIONS:
        return None
    table = _PLAIN_OPTIONS[argv[0]]
    paths: List[str] = []
    kwargs: dict[str, Any] = {}
    i = 1
    while i < len(argv):
        tok = argv[i]
        i += 1
        if tok == "-" or not tok.startswith("-"):
            paths.append(tok)
            continue
        name, eq, value = tok.partition("=")
        if name not in table or (eq and not name.startswith("--")):
            return None
        key, takes_value, repeat = table[name]
        if not takes_value:
            if eq:
                return None
            kwargs[key] = True
            continue
        if not eq:
            if i >= len(argv):
                return None
            value = argv[i]
            i += 1
        if not value or value.startswith("-"):
            return None  # odd enough to leave to typer
        if repeat:
            kwargs.setdefault(key, []).append(value)
        else:
            kwargs[key] = value
    if not paths:
        return None
    if "fmt" in kwargs:
        try:
            kwargs["fmt"] = Format(kwargs["fmt"])
        except ValueError:
            return None
    for key in ("repo", "config_file"):
        if key in kwargs:
            kwargs[key] = Path(kwargs[key])
    return (run_check if argv[0] == "check" else run_review), paths, kwargs


def __getattr__(name: str) -> Any:
    # `from reviewkit.cli import app` (the tests, typer's CliRunner): the
    # typer app is built on first use, not at import.
    if name == "app":
        from reviewkit.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point.

    A usage error is one line on stderr and exit 2, like bad input (click
    would print the usage block and a blank line first); ``reviewkit`` with
    no command still prints the help.
    """
    # The command line, not the library: a program importing reviewkit keeps
    # its dataclasses module as it is (see reviewkit/dccache.py).
    from reviewkit import dccache

    dccache.install()
    plain = parse_plain(sys.argv[1:])
    if plain is not None:
        command, paths, kwargs = plain
        sys.exit(command(paths, **kwargs))
    from reviewkit.app import main as typer_main

    typer_main()
