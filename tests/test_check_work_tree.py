"""`check` run inside a git work tree reads the changed functions whole from it.

A lock left held on an early return is invisible to the hunks when the
unlock is more than three lines away; the tree shows the whole function.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BEFORE = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/spinlock.h>

static int drv_update(struct drv *d, int v)
{
	int ret = 0;

	spin_lock(&d->lock);
	d->pending = v;
	d->count++;
	d->stamp = jiffies;
	d->dirty = true;
	d->seen = 0;
	d->last = v;
	d->flags = 0;
	spin_unlock(&d->lock);
	return ret;
}
"""

# the return goes four lines below the lock and above the unlock: three
# lines of context show neither
AFTER = BEFORE.replace("\td->dirty = true;\n", "\tif (v < 0)\n\t\treturn -EINVAL;\n\td->dirty = true;\n")


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "A Developer", "GIT_AUTHOR_EMAIL": "dev@example.org",
           "GIT_COMMITTER_NAME": "A Developer", "GIT_COMMITTER_EMAIL": "dev@example.org"}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env).stdout


@pytest.fixture
def tree_and_patch(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "linux"
    (repo / "drivers").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "drivers" / "drv.c").write_text(BEFORE)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "drv: base")
    (repo / "drivers" / "drv.c").write_text(AFTER)
    _git(repo, "commit", "-qam", "drv: reject negative values\n\nSay why.\n\nSigned-off-by: A Developer <dev@example.org>")
    out = tmp_path / "out"
    _git(repo, "format-patch", "-q", "-1", "-o", str(out))
    return repo, next(out.glob("*.patch"))


def _check(patch: Path, cwd: Path, *extra: str) -> tuple[int, list[dict]]:
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "check", "--format", "json", *extra, str(patch)],
                          capture_output=True, text=True, cwd=cwd)
    doc = json.loads(proc.stdout)
    return proc.returncode, [i for i in doc["items"] if i["rule"] == "RK101" or i["name"] == "rules"]


def test_inside_the_work_tree_the_whole_function_is_read(tree_and_patch) -> None:
    repo, patch = tree_and_patch
    code, items = _check(patch, repo)
    assert code == 1
    assert any(i["status"] == "fail" and "d->lock" in " ".join(i["details"]) for i in items), items


def test_outside_the_tree_or_with_no_repo_only_the_hunks(tree_and_patch, tmp_path: Path) -> None:
    repo, patch = tree_and_patch
    for cwd, extra in ((tmp_path, ()), (repo, ("--no-repo",))):
        code, items = _check(patch, cwd, *extra)
        assert not any(i["status"] == "fail" for i in items), items
