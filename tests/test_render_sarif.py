"""SARIF 2.1.0 output, validated against the OASIS schema (tests/data/sarif)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from reviewkit.dismissals import add_dismissal
from reviewkit.model import Confidence, Finding, Severity
from reviewkit.render.sarif import FINGERPRINT_KEY, render_sarif
from reviewkit.rules.engine import load_rules
from tests.conftest import CORPUS, DATA, MLOCK_THREAD

jsonschema = pytest.importorskip("jsonschema")

runner = CliRunner()
SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
MLOCK_PATCH = CORPUS / "patches" / "117_v16-16-22-patch-posting.eml"


def _validate(doc: dict) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _sarif(*args: str) -> dict:
    result = runner.invoke(app, [*args])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def _json(*args: str) -> dict:
    return json.loads(runner.invoke(app, [*args]).stdout)


def test_the_schema_is_the_oasis_one() -> None:
    assert SCHEMA["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    # and it bites: a result without a message is refused
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                                          "results": [{"ruleId": "RK1"}]}]}, SCHEMA)


def test_review_sarif_is_valid_and_carries_every_finding() -> None:
    doc = _sarif("review", "--format", "sarif", str(MLOCK_THREAD))
    _validate(doc)
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    # every rule, with its documentation as the help text
    registered = {r.id: r for r in load_rules()}
    assert [r["id"] for r in rules] == list(registered)
    for r in rules:
        assert r["help"]["text"] == registered[r["id"]].doc
        assert r["shortDescription"]["text"] == registered[r["id"]].summary
        assert r["properties"]["category"] == registered[r["id"]].category
    findings = _json("review", "--format", "json", str(MLOCK_THREAD))["findings"]
    assert findings, "the thread has findings: the test means something"
    results = run["results"]
    assert len(results) == len(findings)
    for f, r in zip(findings, results):
        assert r["ruleId"] == f["rule"] and rules[r["ruleIndex"]]["id"] == f["rule"]
        assert r["partialFingerprints"] == {FINGERPRINT_KEY: f["fingerprint"]}
        assert r["level"] == {"error": "error", "warning": "warning", "info": "note"}[f["severity"]]
        assert r["message"]["text"].startswith(f["message"])
        (loc,) = r["locations"]
        if f["file"]:
            physical = loc["physicalLocation"]
            assert physical["artifactLocation"] == {"uri": f["file"], "uriBaseId": "%SRCROOT%"}
            assert physical["region"]["startLine"] == f["line"]  # the post-image line
        if f["function"]:
            assert loc["logicalLocations"] == [{"name": f["function"], "kind": "function"}]
    rk202 = next(r for r in results if r["ruleId"] == "RK202")
    assert rk202["locations"][0]["physicalLocation"]["region"]["startLine"] == 178
    assert rk202["locations"][0]["logicalLocations"][0]["name"] == "munlock_vma_page"


def test_check_sarif_is_valid_with_commit_message_findings() -> None:
    doc = _sarif("check", "--format", "sarif", str(DATA / "check" / "bad-subject.patch"),
                 str(DATA / "check" / "missing-signoff.patch"))
    _validate(doc)
    results = doc["runs"][0]["results"]
    on_mail = [r for r in results if "physicalLocation" not in r["locations"][0]]
    assert on_mail, "findings on the commit message: no file to point at"
    for r in on_mail:
        (logical,) = r["locations"][0]["logicalLocations"]
        assert logical["kind"] == "resource" and logical["name"].startswith("commit message")
    assert {r["ruleId"] for r in results} >= {"RK501", "RK503"}


def test_a_dismissed_finding_is_a_suppressed_result(tmp_path: Path, monkeypatch) -> None:
    findings = _json("check", "--format", "json", str(MLOCK_PATCH))
    fp = next(fp for i in findings["items"] if i["name"] == "rules" for fp in i["fingerprints"])
    add_dismissal(tmp_path / ".reviewkit-dismissed.toml", fp, "needed before the branch")
    monkeypatch.chdir(tmp_path)
    doc = _sarif("check", "--format", "sarif", str(MLOCK_PATCH))
    _validate(doc)
    (suppressed,) = [r for r in doc["runs"][0]["results"] if "suppressions" in r]
    assert suppressed["partialFingerprints"][FINGERPRINT_KEY] == fp
    assert suppressed["suppressions"] == [{"kind": "external", "status": "accepted",
                                           "justification": "needed before the branch"}]


def test_hostile_paths_and_text_stay_valid() -> None:
    f = Finding("RK601", "spelling", Severity.WARNING, Confidence.HIGH, "dir with space/ä\x1b[31m.c",
                "fn", 3, 'msg "quoted" \x1b]8;;x\x07', suggestion="write it", fingerprint="0123456789abcdef")
    doc = render_sarif([f], load_rules(), errors=["x.mbox: cannot read"], warnings=["w"])
    _validate(doc)
    (r,) = doc["runs"][0]["results"]
    assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir%20with%20space/%C3%A4%1B%5B31m.c"
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is False
    text = runner.invoke(app, ["check", "--format", "sarif", str(DATA / "fuzz" / "render-hostile-thread.mbox")])
    assert "\x1b" not in text.stdout
