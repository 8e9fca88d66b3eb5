"""The hand parser of plain `check` / `review` command lines agrees with typer.

typer's own parse of the same arguments (the app's click command) is the
oracle: whatever the hand parser accepts must give the same values; the
rest must be left to typer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from reviewkit.cli import Format, app, parse_plain, run_check, run_review

ROOT = Path(__file__).resolve().parent.parent
POSTING = ROOT / "tests" / "data" / "corpus" / "patches" / "117_v16-16-22-patch-posting.eml"

DEFAULTS = {"fmt": "text", "repo": None, "config_file": None, "no_color": False,
            "select": (), "ignore": (), "pager": False, "no_rules": False}

ACCEPTED = [
    ["check", "a.eml"],
    ["check", "-"],
    ["check", "a.eml", "b.eml", "--no-color"],
    ["check", "-f", "json", "a.eml"],
    ["check", "--format=markdown", "a.eml", "--select", "RK1", "--select=RK2", "--ignore", "RK105"],
    ["check", "--repo", "tree", "--config", "x.toml", "a.eml", "-f", "text", "-f", "json"],
    ["review", "t.mbox", "--format", "json"],
    ["review", "--pager", "--no-rules", "t.mbox", "-", "--no-color"],
]

LEFT_TO_TYPER = [
    [], ["check"], ["check", "-h"], ["review", "a", "--help"], ["check", "--", "-a"],
    ["check", "-fjson", "a"], ["check", "--form", "json", "a"], ["check", "-f", "xml", "a"],
    ["check", "a", "-f"], ["check", "--no-color=1", "a"], ["check", "--pager", "a"],
    ["check", "--select", "-x", "a"], ["summary", "a"], ["rules"], ["--version"], ["check", "-x", "a"],
]


def _typer_params(argv: list[str]) -> dict:
    command = typer.main.get_command(app).commands[argv[0]]
    params = dict(command.make_context(argv[0], list(argv[1:])).params)
    params["paths"] = list(params["paths"])
    return {k: (str(v) if v is not None and k in ("repo", "config_file") else v) for k, v in params.items()}


@pytest.mark.parametrize("argv", ACCEPTED, ids=" ".join)
def test_plain_line_parses_as_typer_does(argv):
    parsed = parse_plain(argv)
    assert parsed is not None
    func, paths, kwargs = parsed
    assert func is (run_check if argv[0] == "check" else run_review)
    mine = {**DEFAULTS, **kwargs, "paths": paths}
    mine["fmt"] = mine["fmt"].value if isinstance(mine["fmt"], Format) else mine["fmt"]
    for key in ("select", "ignore"):
        mine[key] = tuple(mine[key])
    for key in ("repo", "config_file"):
        if mine[key] is not None:
            mine[key] = str(mine[key])
    expected = _typer_params(argv)
    assert {k: mine[k] for k in expected} == expected


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=lambda a: " ".join(a) or "(none)")
def test_anything_else_goes_to_typer(argv):
    assert parse_plain(argv) is None


def test_console_script_output_is_typers(tmp_path):
    """The same bytes and exit status by either road."""
    from typer.testing import CliRunner

    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path)}
    for args in (["check", str(POSTING)], ["check", "--format", "json", str(POSTING)]):
        proc = subprocess.run([sys.executable, "-m", "reviewkit", *args], capture_output=True, env=env)
        via_typer = CliRunner().invoke(app, args, env={"NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path)})
        assert proc.returncode == via_typer.exit_code
        assert proc.stdout.decode() == via_typer.stdout
