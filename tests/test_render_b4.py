"""b4 reads reviewkit: its check protocols and its review-mode files.

Each test runs b4 itself (a test dependency) on a small git tree the test
builds: three patches to one C file, one clean, one with an information
finding (RK103: both arms of an ``if`` release the lock), one with a
warning finding (RK601: a misspelled word in an added comment). Skipped
when git or b4 is not installed.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

B4 = shutil.which("b4") or str(Path(sys.executable).parent / "b4")
pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not os.access(B4, os.X_OK), reason="b4 is not installed (pip install 'reviewkit[b4]')"),
]

# the installed script, as a user configures it (b4 names the check by the
# command's base name); else the interpreter running the tests
_SCRIPT = Path(sys.executable).parent / "reviewkit"
REVIEWKIT = shlex.quote(str(_SCRIPT)) if os.access(_SCRIPT, os.X_OK) else f"{shlex.quote(sys.executable)} -m reviewkit"
TOOL = r"(?:reviewkit|python[0-9.]*)"

BASE = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/spinlock.h>

struct foo {
	spinlock_t lock;
	int a;
	int b;
};

void foo_update(struct foo *d, int x)
{
	spin_lock(&d->lock);
	if (x)
		d->a = 1;
	else
		d->b = 1;
	spin_unlock(&d->lock);
	if (x)
		foo_notify_a(d);
	else
		foo_notify_b(d);
}

int foo_count(struct foo *d)
{
	return d->a + d->b;
}
"""

# (subject, body, old text, new text): applied in order
PATCHES = [
    ("foo: document foo_count()",
     "Say what foo_count() returns, so that callers need not read the\nstructure to know it.",
     "{\n\treturn d->a + d->b;", "{\n\t/* the sum of both counters */\n\treturn d->a + d->b;"),
    ("foo: notify right after each update",
     "Call the notifier of each branch right after its update, so that the\nbranches read on their own.",
     "\tif (x)\n\t\td->a = 1;\n\telse\n\t\td->b = 1;\n\tspin_unlock(&d->lock);\n"
     "\tif (x)\n\t\tfoo_notify_a(d);\n\telse\n\t\tfoo_notify_b(d);",
     "\tif (x) {\n\t\td->a = 1;\n\t\tspin_unlock(&d->lock);\n\t\tfoo_notify_a(d);\n"
     "\t} else {\n\t\td->b = 1;\n\t\tspin_unlock(&d->lock);\n\t\tfoo_notify_b(d);\n\t}"),
    ("foo: say that foo_count() goes away",
     "Mark foo_count() as a helper that a later series removes.",
     "/* the sum of both counters */", "/* the sum of both counters, a tempary helper */"),
]
AUTHOR = ("Ada Lovelace", "ada@example.org")


def git(tree: Path, *args: str, stdin: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=tree, input=stdin, capture_output=True, check=True)
    return proc.stdout.decode()


def b4(tree: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([B4, *args], cwd=tree, capture_output=True, text=True, timeout=300)


def _commit_patches(tree: Path) -> None:
    path = tree / "drivers" / "foo.c"
    for subject, body, old, new in PATCHES:
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        git(tree, "commit", "-qam", f"{subject}\n\n{body}\n\nSigned-off-by: {AUTHOR[0]} <{AUTHOR[1]}>")


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    git(tree, "init", "-q", "-b", "master")
    git(tree, "config", "user.name", AUTHOR[0])
    git(tree, "config", "user.email", AUTHOR[1])
    (tree / "drivers").mkdir()
    (tree / "drivers" / "foo.c").write_text(BASE)
    git(tree, "add", ".")
    git(tree, "commit", "-qm", "initial")
    return tree


def _flags(output: str) -> dict[str, str]:
    """b4's verdict per commit subject, from its coloured dots."""
    colours = {"\x1b[32m": "success", "\x1b[31m": "warning", "\x1b[31;5m": "fail"}
    out = {}
    for line in output.splitlines():
        m = re.match(r"^(\x1b\[[0-9;]+m)\u25cf\x1b\[0m [0-9a-f]{12}: (.*)$", line)
        if m:
            out[m[2]] = colours[m[1]]
    return out


def test_b4_prep_check_shows_reviewkit_findings_as_pass_warn_fail(tree: Path) -> None:
    proc = b4(tree, "prep", "-n", "foo-fixes")
    assert proc.returncode == 0, proc.stderr
    _commit_patches(tree)
    git(tree, "config", "b4.prep-perpatch-check-cmd", f"{REVIEWKIT} check --format b4 -")
    proc = b4(tree, "prep", "--check")
    assert proc.returncode == 0, proc.stderr
    output = proc.stdout + proc.stderr
    assert _flags(output) == {"foo: document foo_count()": "success",
                              "foo: notify right after each update": "warning",
                              "foo: say that foo_count() goes away": "fail"}, output
    assert re.search(TOOL + r": drivers/foo\.c:15: WARNING: RK103 both arms of `if \(x\)`", output), output
    assert re.search(TOOL + r': drivers/foo\.c:26: ERROR: RK601 "tempary" may be misspelled', output), output
    assert "Success: 1, Warning: 1, Error: 1" in output


def _mbox(tree: Path, rev_range: str) -> str:
    """The series as ``git format-patch`` writes it, with a cover letter
    whose blurb holds a misspelled word (RK601)."""
    mbox = git(tree, "format-patch", "--stdout", "-n", "--cover-letter", rev_range)
    return mbox.replace("*** SUBJECT HERE ***", "foo: three small fixes").replace(
        "*** BLURB HERE ***", "Three small fixes to foo; the last marks a tempary helper.")


def _patch_mails(tree: Path, rev_range: str) -> list[email.message.EmailMessage]:
    mbox = _mbox(tree, rev_range)
    parts = re.split(r"^From [0-9a-f]{40} .*\n", mbox, flags=re.MULTILINE)
    return [email.message_from_bytes(p.encode(), policy=email.policy.default) for p in parts if p.strip()]


def test_b4_review_check_commands_read_the_json_protocol(tree: Path, tmp_path: Path) -> None:
    checks = pytest.importorskip("b4.review.checks")
    git(tree, "checkout", "-q", "-b", "topic")
    _commit_patches(tree)
    mails = _patch_mails(tree, "master..HEAD")
    cover, patches = mails[0], mails[1:]
    results = checks.run_perpatch_checks([(str(n), m) for n, m in enumerate(patches, 1)],
                                         [f"{REVIEWKIT} check --format b4-json -"], str(tree))
    assert [[r["status"] for r in results[str(n)]] for n in (1, 2, 3)] == [["pass"], ["warn"], ["fail"]]
    for n in (1, 2, 3):
        (r,) = results[str(n)]
        assert r["tool"] == "reviewkit"
    details = json.loads(results["2"][0]["details"])
    assert details == [{"status": "warn", "description": details[0]["description"]}]
    assert details[0]["description"].startswith("drivers/foo.c:15: RK103 both arms of `if (x)`")
    (fail,) = [d for d in json.loads(results["3"][0]["details"]) if d["status"] == "fail"]
    assert fail["description"].startswith('drivers/foo.c:26: RK601 "tempary" may be misspelled')
    assert results["1"][0]["summary"].endswith("checks passed")

    # the series command gets the cover letter
    series = checks.run_series_checks(("0", cover), [f"{REVIEWKIT} check --format b4-json -"], str(tree))
    (r,) = series
    assert r["tool"] == "reviewkit" and r["status"] == "fail"
    (d,) = json.loads(r["details"])
    assert d["status"] == "fail" and d["description"].startswith('cover letter line 1: RK601 "tempary"')

    # with b4's tracking data, the series command checks the numbering of
    # the whole series: a gap (2/3 missing) fails it
    tracking = tmp_path / "tracking.json"
    titles = [m["Subject"] for m in patches]
    for listed, missing in ((titles, None), (titles[:1] + titles[2:], "series of 3: patch(es) 2 missing")):
        tracking.write_text(json.dumps({"series": {"subject": cover["Subject"]},
                                        "patches": [{"title": t} for t in listed]}))
        (r,) = checks.run_series_checks(("0", cover), [f"{REVIEWKIT} check --format b4-json -"], str(tree),
                                        extra_env={"B4_TRACKING_FILE": str(tracking)})
        numbering = [d["description"] for d in json.loads(r["details"]) if " RK502 " in d["description"]]
        assert numbering == ([] if missing is None else [f"series: RK502 {missing} (renumber with git format-patch, "
                                                         "or send the missing patches)"]), numbering
    # and a patch checked on its own keeps its own verdict
    results = checks.run_perpatch_checks([("1", patches[0])], [f"{REVIEWKIT} check --format b4-json -"],
                                         str(tree), extra_env={"B4_TRACKING_FILE": str(tracking)})
    assert [r["status"] for r in results["1"]] == ["pass"]


def test_b4_review_mode_takes_reviewkit_comments_under_their_lines(tree: Path, tmp_path: Path) -> None:
    review = pytest.importorskip("b4.review._review")
    git(tree, "checkout", "-q", "-b", "topic")
    _commit_patches(tree)
    # a review branch as b4 makes it: the patches, then a tracking commit
    git(tree, "checkout", "-q", "-b", "b4/review/foo", "HEAD")
    cover_text = "[PATCH 0/3] foo fixes"
    tracking = {"series": {"change-id": "foo", "revision": 1}, "patches": [{}, {}, {}]}
    git(tree, "commit", "-q", "--allow-empty", "-F", "-",
        stdin=(cover_text + "\n\n" + review.make_review_magic_json(tracking)).encode())
    head = git(tree, "rev-parse", "HEAD").strip()
    shas = git(tree, "rev-list", "--reverse", "master..HEAD~1").split()

    mbox = tmp_path / "series.mbox"
    mbox.write_text(_mbox(tree, "master..HEAD~1"))
    out = tree / ".git" / "b4-review" / head
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "review", "--b4-dir", str(out), str(mbox)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["0002.txt", "0003.txt", "identity.txt", "series.txt"]
    assert (out / "0003.txt").read_text().startswith("reviewkit: 1 finding (RK601)\n")

    findings = json.loads(subprocess.run([sys.executable, "-m", "reviewkit", "review", "--format", "json",
                                          str(mbox)], capture_output=True, text=True).stdout)["findings"]
    patches = tracking["patches"]
    assert review._integrate_agent_reviews(str(tree), cover_text, tracking, shas, patches, branch="b4/review/foo")
    assert not out.exists(), "b4 consumed the directory"
    got = {}
    for n, p in enumerate(patches, 1):
        for c in p.get("reviews", {}).get("reviewkit@reviewkit.invalid", {}).get("comments", []):
            got.setdefault(n, []).append((c["path"].removeprefix("b/"), c["line"], c["text"].split("\n")[0]))
    assert got == {
        2: [("drivers/foo.c", 15, next(f for f in findings if f["rule"] == "RK103")["rule"]
             + " (unlock-path-merge, info): both arms of `if (x)` (line 13) release")],
        3: [("drivers/foo.c", 26, 'RK601 (spelling, warning): "tempary" may be misspelled: temporary,')],
    }
    assert patches[1]["reviews"]["reviewkit@reviewkit.invalid"]["name"] == "reviewkit"

