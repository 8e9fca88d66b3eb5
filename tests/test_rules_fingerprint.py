"""Stable fingerprints and dismissals.

A finding's fingerprint is made of the rule, the file, the function and the
statement at its line, never the line number: it survives a hunk moving
down and the next version of the series (lru_lock v16 -> v17), and a
dismissal made on one version hides the finding on the next.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from reviewkit.config import Config
from reviewkit.dismissals import add_dismissal, load_dismissals, toml_string
from reviewkit.errors import ConfigError
from reviewkit.fingerprint import PATTERN
from reviewkit.model import Finding, normalise_statement
from reviewkit.pipeline import build_checklist, build_review
from tests.conftest import CORPUS, SHARED

runner = CliRunner()

MLOCK_PATCH = CORPUS / "patches" / "117_v16-16-22-patch-posting.eml"
V16 = CORPUS / "threads" / "lru-lock-v16.mbox"
V17 = SHARED / "corpus" / "threads" / "lru-lock-v17.mbox"


def _key(f: Finding) -> tuple:
    return (f.rule, f.file, f.function, f.line)


def _findings(path: Path, **config) -> tuple[Finding, ...]:
    return build_review([str(path)], config=Config(**config)).findings


def _shift(text: str, by: int) -> str:
    """The patch with every hunk ``by`` lines further down the file, and
    its code re-indented with spaces where it had tabs."""
    def move(m: re.Match) -> str:
        return f"@@ -{int(m[1]) + by},{m[2]} +{int(m[3]) + by},{m[4]} @@"

    return re.sub(r"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@", move, text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def mlock() -> tuple[Finding, ...]:
    found = _findings(MLOCK_PATCH)
    assert any(f.rule == "RK202" and f.function == "munlock_vma_page" for f in found)
    return found


def test_every_finding_has_its_own_fingerprint(mlock: tuple[Finding, ...]) -> None:
    assert all(PATTERN.match(f.fingerprint) for f in mlock)
    assert len({f.fingerprint for f in mlock}) == len(mlock)


def test_fingerprints_survive_a_line_shift(mlock: tuple[Finding, ...], tmp_path: Path) -> None:
    moved = tmp_path / "moved.eml"
    moved.write_bytes(_shift(MLOCK_PATCH.read_text(encoding="utf-8"), 40).encode("utf-8"))
    after = _findings(moved)
    before = {(f.rule, f.file, f.function, f.line): f.fingerprint for f in mlock if f.file}
    shifted = {(f.rule, f.file, f.function, f.line - 40): f.fingerprint for f in after if f.file}
    assert before.keys() == shifted.keys(), "the same findings, 40 lines further down"
    assert before == shifted
    # RK202 on get_page(page): line 178, then 218, one fingerprint
    (a,) = [f for f in mlock if f.rule == "RK202"]
    (b,) = [f for f in after if f.rule == "RK202"]
    assert (a.file, a.function, a.line, b.line) == ("mm/mlock.c", "munlock_vma_page", 178, 218)
    assert a.fingerprint == b.fingerprint


def test_a_changed_statement_changes_the_fingerprint(mlock: tuple[Finding, ...], tmp_path: Path) -> None:
    text = MLOCK_PATCH.read_text(encoding="utf-8")
    # the statement RK202 points at, rewritten (same meaning, other text);
    # and the indentation of another finding's line, which does not count
    assert "+\tget_page(page);\n" in text
    changed = text.replace("+\tget_page(page);\n", "+\tget_page((page));\n", 1)
    path = tmp_path / "changed.eml"
    path.write_bytes(changed.encode("utf-8"))
    after = {_key(f): f.fingerprint for f in _findings(path)}
    before = {_key(f): f.fingerprint for f in mlock}
    rk202 = ("RK202", "mm/mlock.c", "munlock_vma_page", 178)
    assert rk202 in after and after[rk202] != before[rk202]
    # the other findings keep theirs
    same = [k for k in before if k in after and k[0] != "RK202"]
    assert same and all(after[k] == before[k] for k in same)


def test_whitespace_of_a_statement_does_not_count() -> None:
    assert normalise_statement("\tget_page(page);  ") == normalise_statement("    get_page(page);")


def test_check_and_review_give_the_same_fingerprints(mlock: tuple[Finding, ...]) -> None:
    checklist = build_checklist([str(MLOCK_PATCH)], config=Config())
    assert {f.fingerprint for f in checklist.findings} == {f.fingerprint for f in mlock}


# --------------------------------------------------------------------------
# v16 -> v17 of the lru_lock series


@pytest.fixture(scope="module")
def versions() -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    if not V17.is_file():
        pytest.skip("../shared/corpus not present")
    return _findings(V16), _findings(V17)


@pytest.mark.shared
@pytest.mark.skipif(not V17.is_file(), reason="../shared/corpus not present")
def test_unchanged_code_keeps_its_fingerprint_from_v16_to_v17(versions) -> None:
    v16, v17 = versions
    fp16 = {f.fingerprint: f for f in v16}
    fp17 = {f.fingerprint: f for f in v17}
    # code the series did not change between the versions
    for rule, file, function, line in (("RK104", "mm/swap.c", "__page_cache_release", 86),
                                       ("RK104", "mm/vmscan.c", "isolate_lru_page", 1773),
                                       ("RK104", "mm/vmscan.c", "isolate_lru_page", 1776),
                                       ("RK601", "mm/vmscan.c", "move_pages_to_lru", 1868)):
        (a,) = [f for f in v16 if _key(f) == (rule, file, function, line)]
        (b,) = [f for f in v17 if _key(f) == (rule, file, function, line)]
        assert a.fingerprint == b.fingerprint, (rule, file, line)
    # the cover letter's "modefied" moved from line 37 to line 41: same line text, same fingerprint
    (a,) = [f for f in v16 if f.rule == "RK601" and not f.file and f.line == 37]
    (b,) = [f for f in v17 if f.rule == "RK601" and not f.file and f.line == 41]
    assert '"modefied"' in a.message and a.fingerprint == b.fingerprint
    # v17 reworked munlock_vma_page() (patch 16/22 of v16): its v16 findings are gone
    gone = [f for f in v16 if f.file == "mm/mlock.c" and f.rule in ("RK202", "RK103", "RK105")]
    assert gone and not any(f.fingerprint in fp17 for f in gone)
    # in general: equal fingerprints mean the same rule, file and function
    for fp in fp16.keys() & fp17.keys():
        assert (fp16[fp].rule, fp16[fp].file, fp16[fp].function) == (fp17[fp].rule, fp17[fp].file, fp17[fp].function)


@pytest.mark.shared
@pytest.mark.skipif(not V17.is_file(), reason="../shared/corpus not present")
def test_a_dismissal_on_v16_hides_the_finding_on_v17(versions, tmp_path: Path, monkeypatch) -> None:
    v16, _ = versions
    (target,) = [f for f in v16 if _key(f) == ("RK104", "mm/swap.c", "__page_cache_release", 86)]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["dismiss", target.fingerprint, "--reason", "the page is off the LRU here"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".reviewkit-dismissed.toml").is_file()

    result = runner.invoke(app, ["review", "--format", "json", str(V17)])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert target.fingerprint not in {f["fingerprint"] for f in doc["findings"]}
    assert doc["dismissed"] == [{"fingerprint": target.fingerprint, "rule": "RK104",
                                 "reason": "the page is off the LRU here"}]
    # the other findings are all there
    assert {f["fingerprint"] for f in doc["findings"]} == {f.fingerprint for f in versions[1]} - {target.fingerprint}

    text = runner.invoke(app, ["review", str(V17)]).stdout
    assert "1 finding dismissed as not a bug (.reviewkit-dismissed.toml), not shown" in text
    assert target.fingerprint not in text

    result = runner.invoke(app, ["check", "--format", "json", str(V17)])
    doc = json.loads(result.stdout)
    assert target.fingerprint not in {fp for item in doc["items"] for fp in item["fingerprints"]}
    assert {d["fingerprint"] for d in doc["dismissed"]} == {target.fingerprint}


# --------------------------------------------------------------------------
# the dismissals file and the dismiss command


def test_dismissals_round_trip_a_hostile_reason(tmp_path: Path) -> None:
    path = tmp_path / ".reviewkit-dismissed.toml"
    reason = 'quotes " and \\ backslash,\nnewline, tab\t, ESC \x1b, DEL \x7f, émoji 🐧'
    assert add_dismissal(path, "0123456789ABCDEF", reason, rule="RK104", where="mm/swap.c")
    assert load_dismissals(path) == {"0123456789abcdef": reason}
    assert not add_dismissal(path, "0123456789abcdef", "again"), "a second dismissal of one fingerprint"
    assert add_dismissal(path, "fedcba9876543210", "another")
    assert set(load_dismissals(path)) == {"0123456789abcdef", "fedcba9876543210"}
    assert path.read_text(encoding="utf-8").startswith("# Findings dismissed as not a bug")
    assert "\x1b" not in path.read_text(encoding="utf-8")
    assert toml_string("a\x7fb") == '"a\\u007fb"'


@pytest.mark.parametrize("text, key", [
    ('[[dismissed]]\nfingerprint = "xyz"\nreason = "r"\n', "fingerprint"),
    ('[[dismissed]]\nfingerprint = 5\n', "fingerprint"),
    ('[[dismissed]]\nfingerprint = "0123456789abcdef"\nreason = 3\n', "reason"),
    ('[[dismissed]]\nfingerprint = "0123456789abcdef"\ncolour = "red"\n', "colour"),
    ('dismissed = 1\n', "dismissed"),
    ('[other]\n', "other"),
])
def test_a_malformed_dismissals_file_is_a_usage_error(tmp_path: Path, monkeypatch, text: str, key: str) -> None:
    path = tmp_path / ".reviewkit-dismissed.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_dismissals(path)
    assert str(path) in str(err.value) and key in str(err.value)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", str(MLOCK_PATCH)])
    assert result.exit_code == 2
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1


def test_dismiss_wants_a_fingerprint_and_a_reason(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["dismiss", "not-hex", "--reason", "r"])
    assert result.exit_code == 2 and "no fingerprint" in result.stderr
    result = runner.invoke(app, ["dismiss", "0123456789abcdef", "--reason", "  "])
    assert result.exit_code == 2 and "reason" in result.stderr
    assert not (tmp_path / ".reviewkit-dismissed.toml").exists()
    result = runner.invoke(app, ["dismiss", "0123456789abcdef", "--reason", "fine"])
    assert result.exit_code == 0 and "dismissed 0123456789abcdef" in result.stdout
    result = runner.invoke(app, ["dismiss", "0123456789abcdef", "--reason", "fine"])
    assert result.exit_code == 0 and "already dismissed" in result.stdout


def test_dismiss_writes_at_the_top_of_the_git_tree(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "mm").mkdir()
    monkeypatch.chdir(tmp_path / "mm")
    assert runner.invoke(app, ["dismiss", "0123456789abcdef", "--reason", "fine"]).exit_code == 0
    assert (tmp_path / ".reviewkit-dismissed.toml").is_file()


def test_a_dismissed_finding_no_longer_fails_check(mlock: tuple[Finding, ...], tmp_path: Path, monkeypatch) -> None:
    (rk202,) = [f for f in mlock if f.rule == "RK202"]
    add_dismissal(tmp_path / ".reviewkit-dismissed.toml", rk202.fingerprint, "the reference is needed early")
    monkeypatch.chdir(tmp_path)
    doc = json.loads(runner.invoke(app, ["check", "--format", "json", str(MLOCK_PATCH)]).stdout)
    rules_item = next(i for i in doc["items"] if i["name"] == "rules")
    assert rk202.fingerprint not in rules_item["fingerprints"]
    assert not any("get_page(page) at line 178" in d for d in rules_item["details"])
    assert doc["dismissed"][0]["rule"] == "RK202"
