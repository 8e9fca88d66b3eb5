"""The command line: help everywhere, one-line errors, exit codes, stdin."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from tests.conftest import DATA, MLOCK_THREAD, SEED

runner = CliRunner()

COMMANDS = ["review", "summary", "check", "rules", "functions", "versions"]
HELP_ONLY = ["install-hook"]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS + HELP_ONLY)])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_everywhere(command: list[str], flag: str) -> None:
    result = runner.invoke(app, [*command, flag])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


# The common options, as the README lists them per command.
COMMON_OPTIONS = {
    "review": ("--repo", "--config", "--format", "--no-color", "--color", "--select", "--ignore", "--no-pager",
               "--patch", "--msgid", "--author", "--only-commented", "--findings-only", "--verbose"),
    "summary": ("--repo", "--config", "--format", "--no-color", "--color", "--select", "--ignore", "--no-pager",
                "--patch", "--msgid", "--author", "--only-commented", "--findings-only", "--verbose"),
    "check": ("--repo", "--config", "--format", "--no-color", "--color", "--select", "--ignore", "--fail-on",
              "--quiet", "--verbose"),
    "functions": ("--repo", "--config", "--format", "--no-color", "--color"),
    "versions": ("--repo", "--config", "--format", "--no-color", "--color", "--select", "--ignore", "--no-pager",
                 "--verbose"),
    "rules": ("--config", "--format", "--no-color", "--color", "--select", "--ignore"),
}
FLAGS = ("--no-color", "--no-pager", "--only-commented", "--findings-only", "--verbose", "--quiet")


@pytest.mark.parametrize("command", COMMANDS)
def test_common_options_hold_for_every_command(command: str) -> None:
    assert set(COMMON_OPTIONS) == set(COMMANDS)
    help_text = runner.invoke(app, [command, "--help"]).output
    for option in COMMON_OPTIONS[command]:
        assert f"  {option}" in help_text or f", {option}" in help_text or f"/ {option}" in help_text, option
    paths = [] if command == "rules" else [str(MLOCK_THREAD)]
    values = {"--repo": ".", "--format": "json", "--select": "RK1", "--ignore": "RK6", "--color": "never",
              "--patch": "0-22", "--msgid": "<1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com>",
              "--author": "Alex", "--fail-on": "warning"}
    args = [command, *paths]
    for option in COMMON_OPTIONS[command]:
        if option == "--config":
            continue
        args += [option] if option in FLAGS else [option, values[option]]
    result = runner.invoke(app, args)
    assert result.exit_code in ((0, 1) if command == "check" else (0,)), (args, result.stderr)
    json.loads(result.stdout)


def test_summary_takes_select_and_ignore() -> None:
    def rules_of(*options: str) -> set[str]:
        result = runner.invoke(app, ["summary", "--format", "json", *options, str(MLOCK_THREAD)])
        assert result.exit_code == 0, result.stderr
        return set(re.findall(r'"rule": "(RK[0-9]+)"', result.stdout))

    everything = rules_of()
    assert everything, "the thread has findings: the test means something"
    assert rules_of("--ignore", "RK") == set()
    kept = sorted(everything)[0]
    assert rules_of("--select", kept) == {kept}
    assert rules_of("--ignore", kept) == everything - {kept}


@pytest.mark.parametrize("command", ["review", "summary", "check", "functions", "versions"])
def test_missing_file_is_one_line_exit_2(command: str, tmp_path) -> None:
    missing = tmp_path / "no-such.mbox"
    proc = subprocess.run([sys.executable, "-m", "reviewkit", command, str(missing)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("reviewkit: ") and "no-such.mbox" in lines[0]
    assert "Traceback" not in proc.stderr


def test_binary_garbage_is_one_line_exit_2(tmp_path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "review", str(junk)],
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_error_line_shows_control_characters(tmp_path) -> None:
    evil = tmp_path / "x\x1b[31mred"
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "review", str(evil)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr
    assert "\\x1b" in proc.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("reviewkit ")


def test_review_json_from_stdin_matches_file() -> None:
    data = SEED.read_bytes()
    from_stdin = subprocess.run([sys.executable, "-m", "reviewkit", "review", "-", "--format", "json"],
                                input=data, capture_output=True)
    from_file = subprocess.run([sys.executable, "-m", "reviewkit", "review", str(SEED), "--format", "json"],
                               capture_output=True)
    assert from_stdin.returncode == 0, from_stdin.stderr
    a, b = json.loads(from_stdin.stdout), json.loads(from_file.stdout)
    assert [m["subject"] for m in a["messages"]] == [m["subject"] for m in b["messages"]]
    assert [c["text"] for m in a["messages"] for c in m["comments"]] == \
        [c["text"] for m in b["messages"] for c in m["comments"]]


def test_review_json_document_on_thread() -> None:
    result = runner.invoke(app, ["review", str(MLOCK_THREAD), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["schema"] == "reviewkit.review"
    assert doc["version"] == 1
    assert len(doc["messages"]) == 6
    kinds = [m["kind"] for m in doc["messages"]]
    assert kinds[0] == "patch" and kinds.count("reply") == 5


def test_rules_lists_and_explains() -> None:
    result = runner.invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rules"]
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids) and len(ids) >= 10
    explained = runner.invoke(app, ["rules", "--explain", ids[0]])
    assert explained.exit_code == 0
    assert ids[0] in explained.output
    unknown = runner.invoke(app, ["rules", "--explain", "RK999"])
    assert unknown.exit_code == 2


def test_config_disable_turns_rules_off(tmp_path, monkeypatch) -> None:
    (tmp_path / ".reviewkit.toml").write_text('disable = ["RK6"]\n')
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["rules", "--format", "json"])
    rows = json.loads(result.output)["rules"]
    assert rows, "no rules registered"
    for r in rows:
        assert r["enabled"] == (not r["id"].startswith("RK6")), r


def test_bad_config_is_one_line_exit_2(tmp_path, monkeypatch) -> None:
    (tmp_path / ".reviewkit.toml").write_text("disable = [\n")
    monkeypatch.chdir(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "rules"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 2
    assert "invalid TOML" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_text_review_in_a_pipe_has_no_padded_lines() -> None:
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "review", str(MLOCK_THREAD)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    assert len(lines) > 100
    assert [line for line in lines if line.endswith(" ")] == []
    assert "I don't think this get_page() call needs to be up here. It could be" in proc.stdout


# --------------------------------------------------------------------------
# usage errors: one line naming the file (and the key), exit 2
# (tests/data/fuzz-found/probes/min-13-cli-exit3-bad-usage)

USAGE = DATA / "fuzz-found" / "probes" / "min-13-cli-exit3-bad-usage"
POSTING = DATA / "corpus" / "patches" / "117_v16-16-22-patch-posting.eml"
BAD_CONFIGS = [
    ("bin.toml", "not UTF-8 text (byte 0)"),
    ("select-int.toml", "key 'select' must be a list of strings"),
    ("select-str.toml", "key 'select' must be a list of strings"),
    ("know-int.toml", "key 'knowledge' must be a path to a database or a table"),
    ("repo-int.toml", "key 'repo' must be a string"),
    ("pyproject-bad.toml", "unknown key(s) tool"),
]


def _usage_error(result, *names: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("reviewkit: ")
    for name in names:
        assert name in line, name
    return line


@pytest.mark.parametrize("name, says", BAD_CONFIGS, ids=[n for n, _ in BAD_CONFIGS])
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_config_value_is_a_usage_error(command: str, name: str, says: str) -> None:
    paths = [] if command == "rules" else [str(POSTING)]
    result = runner.invoke(app, [command, "--config", str(USAGE / name), *paths])
    _usage_error(result, f"{USAGE / name}: ", says)


def test_bad_reviewkit_table_in_a_parent_pyproject_is_a_usage_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_bytes((USAGE / "pyproject-bad.toml").read_bytes())
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    for args in (["rules"], ["check", str(POSTING)], ["review", str(POSTING)]):
        _usage_error(runner.invoke(app, args), f"{tmp_path / 'pyproject.toml'}: ",
                     "[tool] key 'reviewkit' must be a table")
    (tmp_path / "pyproject.toml").write_text("tool = 1\n")
    _usage_error(runner.invoke(app, ["rules"]), "key 'tool' must be a table")
    # another tool's pyproject.toml is none of ours
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    assert runner.invoke(app, ["rules"]).exit_code == 0


def test_good_pyproject_table_is_read(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.reviewkit]\ndisable = ["RK6"]\n')
    monkeypatch.chdir(tmp_path)
    rows = json.loads(runner.invoke(app, ["rules", "--format", "json"]).stdout)["rules"]
    assert {r["id"] for r in rows if not r["enabled"]} == {r["id"] for r in rows if r["id"].startswith("RK6")}


@pytest.mark.parametrize("option", [None, "--repo", "--config", "--output"])
def test_file_name_over_255_bytes_is_a_usage_error(tmp_path, option) -> None:
    long = str(tmp_path / ("a" * 300))
    args = ["summary", long] if option is None else ["summary", str(POSTING), option, long]
    line = _usage_error(runner.invoke(app, args), long)
    assert "File name too long" in line


def test_file_name_over_255_bytes_in_a_real_process(tmp_path) -> None:
    long = "b" * 5000
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "check", long], capture_output=True, text=True,
                          cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"reviewkit: {long}: cannot read (File name too long)\n"


# --------------------------------------------------------------------------
# a reader that leaves: `reviewkit review x | head -1` is no error (issue 14)

LRU = DATA / "corpus" / "threads" / "lru-lock-v16.mbox"
FAILING = DATA / "check" / "missing-signoff.patch"
PASSING = DATA / "check" / "0001-good.patch"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_review_into_head_exits_0(fmt: str) -> None:
    script = f'"$0" -m reviewkit review --format {fmt} "$1" | head -1; exit "${{PIPESTATUS[0]}}"'
    proc = subprocess.run(["bash", "-c", script, sys.executable, str(LRU)], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert len(proc.stdout.splitlines()) == 1


@pytest.mark.parametrize("args, status", [
    (["review", str(MLOCK_THREAD)], 0),
    (["review", "--format", "markdown", str(MLOCK_THREAD)], 0),
    (["summary", str(MLOCK_THREAD)], 0),
    (["functions", str(MLOCK_THREAD)], 0),
    (["check", str(FAILING)], 1),  # the reader left; the check still failed
    (["check", "--format", "json", str(PASSING)], 0),
    (["rules"], 0),
], ids=lambda v: " ".join(Path(a).name for a in v) if isinstance(v, list) else str(v))
def test_a_reader_gone_before_the_first_byte_is_no_error(args: list[str], status: int) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "reviewkit", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # before the interpreter has even started: every write fails
    err = proc.stderr.read()
    assert (proc.wait(), err) == (status, b"")


def test_a_pager_that_is_not_there_is_said_and_the_text_still_shown(capfd: pytest.CaptureFixture[str]) -> None:
    import io

    from reviewkit.pager import Screen, paged, show

    screen = Screen(terminal=True, color=False, width=80, height=2, pager="reviewkit-no-such-pager", force_pager=True)
    out = io.StringIO()
    show("one\ntwo\nthree\n", screen, out)
    assert out.getvalue() == "one\ntwo\nthree\n"
    assert "reviewkit: pager not found: reviewkit-no-such-pager" in capfd.readouterr().err
    with paged(screen, io.StringIO()) as pipe:
        try:
            pipe.write("one\n")
        except BrokenPipeError:
            pass
    assert "reviewkit: pager not found: reviewkit-no-such-pager" in capfd.readouterr().err
