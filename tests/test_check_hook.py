"""``reviewkit install-hook`` and ``check --hook`` as git's sendemail-validate
hook: git send-email over a small series in a kernel-style git tree.

- an unedited cover letter (``*** SUBJECT HERE ***``) aborts the send;
- a possible misspelling warns without blocking, and the cover letter's
  changelog, seen one hook call earlier, counts for the patch after it;
- a lock left held on a new error path, in a patch with git's 3 lines of
  context, fails: the hook reads the whole function from the tree it runs in.

Skipped where ``git send-email`` is not installed (Debian: git-email).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewkit.hook import MARK, SeriesMemory, hook_text, install_hook, run_key
from reviewkit.errors import InputError


def _git(tree: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=tree, capture_output=True, text=True, check=kw.pop("check", True),
                          **kw)


def _send_email_missing() -> bool:
    if shutil.which("git") is None:
        return True
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True).stdout.strip()
    return not (Path(exec_path) / "git-send-email").exists()


needs_send_email = pytest.mark.skipif(_send_email_missing(), reason="git send-email is not installed (git-email)")

FOO = """\
#include <linux/spinlock.h>

struct foo {
\tspinlock_t lock;
\tint count;
\tint limit;
};

/* Add n to the count, up to the limit. */
int foo_add(struct foo *f, int n)
{
\tint ret = 0;

\tspin_lock(&f->lock);
\tf->count += n;
\tif (f->count > f->limit)
\t\tf->count = f->limit;
\tf->count++;
\tf->count--;
\tret = f->count;
\tspin_unlock(&f->lock);
\treturn ret;
}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A git tree with drivers/foo.c and two commits on top: a comment with
    a misspelling, then an early return that leaves the lock held."""
    t = tmp_path / "linux"
    t.mkdir()
    _git(t, "init", "-q")
    for key, value in (("user.name", "Ann Author"), ("user.email", "ann@example.com"),
                       ("sendemail.confirm", "never"), ("sendemail.suppresscc", "all")):
        _git(t, "config", key, value)
    (t / "drivers").mkdir()
    (t / "drivers" / "foo.c").write_text(FOO)
    _git(t, "add", ".")
    _git(t, "commit", "-qm", "drivers: foo: add foo")
    _commit(t, FOO.replace("/* Add n", "/* Teh count grows; add n"), "drivers: foo: say what the count does",
            "Describe foo_add() in its comment.")
    _commit(t, (t / "drivers" / "foo.c").read_text().replace("\tf->count += n;\n",
                                                            "\tf->count += n;\n\tif (n < 0)\n\t\treturn -EINVAL;\n"),
            "drivers: foo: reject negative counts", "A negative count makes no sense here.")
    return t


def _commit(t: Path, text: str, subject: str, body: str) -> None:
    (t / "drivers" / "foo.c").write_text(text)
    _git(t, "commit", "-qam", f"{subject}\n\n{body}\n\nSigned-off-by: Ann Author <ann@example.com>")


def _send(t: Path, *files: Path) -> subprocess.CompletedProcess:
    return _git(t, "send-email", "--dry-run", "--to=list@example.org", "--from=Ann Author <ann@example.com>",
                *map(str, files), check=False, stdin=subprocess.DEVNULL)


def _install(t: Path) -> Path:
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "install-hook"], cwd=t, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    hook = t / ".git" / "hooks" / "sendemail-validate"
    assert proc.stdout == f"wrote {hook}\n"
    return hook


def test_the_hook_runs_this_reviewkit_by_its_absolute_path(tree: Path) -> None:
    hook = _install(tree)
    text = hook.read_text()
    assert text.startswith("#!/bin/sh\n") and MARK in text and os.access(hook, os.X_OK)
    line = next(x for x in text.splitlines() if x.startswith("exec "))
    program = line.split()[1].strip("'")
    assert Path(program).is_absolute() and Path(program).exists()
    assert "check --hook --quiet --no-color" in line and line.endswith('"$1"')
    # a hook of someone else's stays, unless --force
    hook.write_text("#!/bin/sh\nexit 0\n")
    with pytest.raises(InputError, match="already there"):
        install_hook(tree, options=[])
    install_hook(tree, options=["--fail-on", "warning"], force=True)
    assert "--fail-on warning" in hook.read_text()


def test_outside_a_git_tree_install_hook_says_so(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "install-hook"], cwd=tmp_path, capture_output=True,
                          text=True, env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert proc.returncode == 2 and proc.stderr.startswith("reviewkit: ") and "not in a git tree" in proc.stderr


@needs_send_email
def test_git_send_email_with_the_hook(tree: Path) -> None:
    _install(tree)
    out = tree / "out"
    _git(tree, "format-patch", "-q", "-v2", "--cover-letter", "-o", str(out), "HEAD~2")
    cover, spelling, leak = sorted(out.glob("*.patch"))

    # an unedited cover letter aborts the send
    sent = _send(tree, cover, spelling)
    assert sent.returncode != 0
    assert "FAIL template" in sent.stderr and "*** SUBJECT HERE ***" in sent.stderr

    # edited, with a changelog: the misspelling warns, nothing blocks, and
    # the patch after the cover letter takes its changelog (one hook call later)
    text = cover.read_text()
    text = text.replace("*** SUBJECT HERE ***", "drivers: foo: comments and a check")
    text = text.replace("*** BLURB HERE ***", "A comment for foo_add().\n\nv1 -> v2: reworded the comment")
    cover.write_text(text)
    sent = _send(tree, cover, spelling)
    assert sent.returncode == 0, sent.stderr
    assert '"Teh" may be misspelled' in sent.stderr and "warn spelling" in " ".join(sent.stderr.split())
    assert "changelog" not in sent.stderr  # passed: the cover letter carries it
    alone = subprocess.run([sys.executable, "-m", "reviewkit", "check", "--quiet", "--no-color", str(spelling)],
                           cwd=tree, capture_output=True, text=True)
    assert "the cover letter (not given) may carry it" in alone.stdout  # without the hook's memory

    # the lock left held: the hook reads foo_add() whole from the tree
    sent = _send(tree, cover, leak)
    assert sent.returncode != 0
    assert "f->lock still held" in sent.stderr and "FAIL rules" in " ".join(sent.stderr.split())


def test_the_memory_of_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    one, two = SeriesMemory("run-1"), SeriesMemory("run-2")
    one.remember(b"Subject: [PATCH v2 0/2] x\n\nbody\n")
    assert one.recall() == b"Subject: [PATCH v2 0/2] x\n\nbody\n"
    assert two.recall() is None  # another run
    # old entries expire
    assert one.entry.path is not None
    past = one.entry.path.stat().st_mtime - 3600
    os.utime(one.entry.path, (past, past))
    assert one.recall() is None
    # git 2.42 and later count the mails: the first one starts afresh
    monkeypatch.setenv("GIT_SENDEMAIL_FILE_COUNTER", "1")
    fresh = SeriesMemory.for_this_run()
    fresh.remember(b"x")
    monkeypatch.setenv("GIT_SENDEMAIL_FILE_COUNTER", "2")
    assert SeriesMemory.for_this_run().recall() == b"x"
    assert run_key() == run_key()


def test_hook_text_quotes_what_it_runs() -> None:
    text = hook_text(["/opt/my tools/bin/reviewkit"], ["--fail-on", "warning"])
    assert "exec '/opt/my tools/bin/reviewkit' check --hook --quiet --no-color --fail-on warning \"$1\"" in text
