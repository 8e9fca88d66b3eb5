"""The command line: help everywhere, one-line errors, exit codes, stdin."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from tests.conftest import MLOCK_THREAD, SEED

runner = CliRunner()

COMMANDS = ["review", "summary", "check", "rules", "functions"]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_everywhere(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.mark.parametrize("command", ["review", "summary", "check", "functions"])
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
