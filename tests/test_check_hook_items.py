"""``check`` as a hook reads it: ``--quiet``, ``--fail-on``, unedited cover
letter templates (RK509), a directory of patches, and what the rules could
not see ("only part of f() was visible" instead of "ok")."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from reviewkit.config import Config, load_config
from reviewkit.errors import ConfigError
from reviewkit.model import Severity, Status
from reviewkit.pipeline import build_checklist
from reviewkit.rules.templates import find_template_text
from tests.test_check_support import CHECK

GOOD = CHECK / "0001-good.patch"
# v16 01/22: changes move_pages_to_lru(), of which the hunks show a part
PARTIAL = next((CHECK.parent / "corpus" / "patches").glob("102_*.eml"))


def _check(*args: str):
    return CliRunner().invoke(app, ["check", "--no-color", *args])


def test_quiet_prints_only_what_failed_or_warned() -> None:
    full = _check(str(GOOD))
    quiet = _check("--quiet", str(GOOD))
    assert full.exit_code == quiet.exit_code == 0
    assert "ok   subject" in full.stdout
    assert quiet.stdout == ""  # every item passed: nothing at all
    warned = _check("--quiet", str(PARTIAL))
    assert warned.exit_code == 0
    assert "ok " not in warned.stdout and "warn spelling" in " ".join(warned.stdout.split())
    bad = _check("--quiet", str(CHECK / "missing-signoff.patch"))
    assert bad.exit_code == 1 and "FAIL signed-off-by" in " ".join(bad.stdout.split())
    assert "0 failed" not in bad.stdout and "1 failed" in bad.stdout


def test_fail_on_from_the_command_line_and_the_config(tmp_path: Path) -> None:
    v2 = str(CHECK / "v2-no-changelog.patch")
    assert _check(v2).exit_code == 0
    assert _check("--fail-on", "warning", v2).exit_code == 1
    config = tmp_path / "rk.toml"
    config.write_text('fail-on = "warning"\n')
    assert _check("--config", str(config), v2).exit_code == 1
    assert _check("--config", str(config), "--fail-on", "error", v2).exit_code == 0
    config.write_text('fail-on = "sometimes"\n')
    with pytest.raises(ConfigError, match="fail-on"):
        load_config(config)


def test_a_function_seen_in_part_is_not_ok() -> None:
    checklist = build_checklist([str(PARTIAL)], config=Config())
    [rules] = [i for i in checklist.items if i.name == "rules"]
    assert rules.status is Status.WARN
    assert rules.reason == "no finding, but only part of move_pages_to_lru() was visible"
    assert "--repo" in rules.suggestion


@pytest.mark.parametrize("subject, body, says", [
    ("[PATCH 0/2] *** SUBJECT HERE ***", "*** BLURB HERE ***\n", ["subject", "cover letter"]),
    ("[PATCH v2 0/3] EDITME: cover title for lru-lock", "# Describe the purpose\n", ["subject"]),
    ("[PATCH 0/2] mm: a title", "Changes in v2:\n- EDITME: describe what is new\n", ["cover letter"]),
    ("[PATCH 0/2] mm: a title", "A real description of the series.\n", []),
])
def test_an_unedited_cover_letter_template(subject: str, body: str, says: list[str]) -> None:
    found = find_template_text(subject, body)
    assert [f.message.split(" still says")[0].removeprefix("the ") for f in found] == says
    assert all(f.rule == "RK509" and f.severity is Severity.ERROR for f in found)


def test_a_directory_of_format_patch_files(tmp_path: Path) -> None:
    cover = (CHECK / "0001-good.patch").read_text()
    cover = cover.replace("Subject: [PATCH] mm/compaction: correct the comments of compact_defer_shift",
                          "Subject: [PATCH 0/1] *** SUBJECT HERE ***")
    cover = cover[: cover.index("\n\n") + 2] + "*** BLURB HERE ***\n"
    (tmp_path / "0000-cover-letter.patch").write_text(cover)
    (tmp_path / "0001-x.patch").write_text(GOOD.read_text().replace("[PATCH]", "[PATCH 1/1]"))
    result = _check("--quiet", str(tmp_path))
    assert result.exit_code == 1
    assert "FAIL template" in " ".join(result.stdout.split()) and "*** SUBJECT HERE ***" in result.stdout
