"""Shared fixtures: a quiet, reproducible environment for every test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from reviewkit.model import Message, Patch

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
ROOT = Path(__file__).resolve().parent.parent
THREADS = ROOT / "threads"
SEED = THREADS / "seed-duyck-mlock-v16-16.txt"
MLOCK_THREAD = THREADS / "mlock-v16-16.mbox"
# The whole real list archive lives beside the project, not in it.
SHARED = ROOT.parent / "shared"
ARCHIVE = SHARED / "archives" / "linux-pwm.vger.kernel.org.0.git"


@pytest.fixture(autouse=True)
def _test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("PAGER", raising=False)


_NOT_PLAIN_ASCII = re.compile(r"[^\t\n\x20-\x7e]")


def raw_invisible(text: str) -> list[str]:
    """The characters of ``text`` that no output may hold raw: controls but
    TAB and LF (C0, DEL, C1), format characters (Cf: bidi controls,
    zero-width spaces and joiners, the byte-order mark, the soft hyphen),
    line and paragraph separators, lone surrogates."""
    return [c for c in _NOT_PLAIN_ASCII.findall(text)
            if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")]


def needs_archive() -> pytest.MarkDecorator:
    """Skip unless the real list archive is beside the project (CI has it)."""
    return pytest.mark.skipif(not ARCHIVE.is_dir(), reason="../shared/archives not present")


def git(*args: str, cwd: Path | None = None, input: bytes | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@b", "GIT_CONFIG_NOSYSTEM": "1"}
    out = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, env=env, check=True)
    return out.stdout.decode().strip()


def make_inbox(path: Path, messages: list[bytes], *, drop_refs: bool) -> None:
    """A v2-style epoch: one commit per message, the message in blob ``m``."""
    git("init", "-q", "--bare", str(path))
    parent: str | None = None
    for data in messages:
        blob = git("--git-dir", str(path), "hash-object", "-w", "--stdin", input=data)
        tree = git("--git-dir", str(path), "mktree", input=f"100644 blob {blob}\tm\n".encode())
        args = ["--git-dir", str(path), "commit-tree", tree, "-m", "m"]
        if parent:
            args += ["-p", parent]
        parent = git(*args)
    # a deletion commit: no blob m (public-inbox removes spam this way)
    empty = git("--git-dir", str(path), "mktree", input=b"")
    parent = git("--git-dir", str(path), "commit-tree", empty, "-p", parent or "", "-m", "d")
    git("--git-dir", str(path), "update-ref", "refs/heads/master", parent)
    git("--git-dir", str(path), "pack-refs", "--all")
    git("--git-dir", str(path), "repack", "-adq")
    if drop_refs:
        # as in ../shared/archives/*.git: packed-refs but no refs/ folder
        shutil.rmtree(path / "refs")


def load_messages(path: Path) -> list[Message]:
    """Every message of ``path``, decoded (no blocks yet)."""
    from reviewkit.mail import parse_message
    from reviewkit.source import read_messages

    return [parse_message(r) for r in read_messages([str(path)])]


@pytest.fixture(scope="module")
def originals() -> dict[int, Patch]:
    """The 22 v16 postings' patches by patch index (corpus patches 101..123)."""
    from reviewkit.patch import parse_patch

    out = {}
    for p in sorted((CORPUS / "patches").glob("1*.eml")):
        (msg,) = load_messages(p)
        patch = parse_patch(msg)
        if patch is not None:
            out[msg.series.index] = patch
    assert len(out) == 22
    return out
