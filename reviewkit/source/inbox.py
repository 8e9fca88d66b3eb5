"""Read a public-inbox git archive: one message per commit, in blob ``m``.

A v2 archive is a directory of epochs (``git/0.git``, ``git/1.git`` ...);
each epoch is a bare git repository. Mirrors copied without ``refs/``
(``../shared/archives/linux-pwm.vger.kernel.org.0.git`` is one) make git
refuse the directory, so such a repository is read through a throw-away
shim git dir that holds its HEAD, config and packed-refs and borrows its
objects through ``objects/info/alternates``.

Memory does not grow with the archive: ``git rev-list`` streams commit ids
into ONE ``git cat-file --batch`` process per epoch (a feeder thread writes
requests while this thread reads answers; the pipes bound what is in flight).
The same process reads messages again by commit (:class:`CatFile`).

A shim is a temporary directory (reviewkit/source/tempdir.py): removed
when the walk ends, however it ends.
"""

from __future__ import annotations

import queue
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reviewkit.errors import InputError
from reviewkit.source.mbox import MAX_MESSAGE
from reviewkit.source.tempdir import temporary_dir

# git maps the whole pack and keeps 96 MB of delta bases by default: 160 MB
# of resident memory for the linux-pwm archive (a 76 MB pack). Windows of
# 8 MB within 32 MB and 16 MB of delta bases hold it at 56 MB, in the same
# CPU time.
_GIT = ("git", "-c", "safe.directory=*", "-c", "core.deltaBaseCacheLimit=16m", "-c", "core.packedGitWindowSize=8m",
        "-c", "core.packedGitLimit=32m")


# Requests written before the answers are read: 50 bytes each, well within
# a pipe's 64 KiB, which git drains while it answers.
_AT_ONCE = 256


def is_git_dir(path: Path) -> bool:
    """Tell whether ``path`` looks like a bare git repository."""
    return (path / "objects").is_dir() and ((path / "HEAD").is_file() or (path / "packed-refs").is_file())


def find_epochs(path: Path) -> list[Path]:
    """Find the bare git repositories of a public-inbox archive.

    Returns:
        ``[path]`` for a bare git dir; the epochs ``git/N.git`` in numeric
        order for a v2 inbox directory; an empty list otherwise.
    """
    if is_git_dir(path):
        return [path]
    epochs = []
    for base in (path / "git", path):
        if base.is_dir():
            for child in base.iterdir():
                match = re.fullmatch(r"(\d+)\.git", child.name)
                if match and is_git_dir(child):
                    epochs.append((int(match.group(1)), child))
        if epochs:
            break
    return [p for _, p in sorted(epochs)]


@contextmanager
def readable_git_dir(repo: Path) -> Iterator[Path]:
    """Yield a git dir git accepts: ``repo`` itself, or a shim when refs/ is missing."""
    if (repo / "refs").is_dir():
        yield repo
        return
    with temporary_dir("reviewkit-inbox-") as shim:
        for name in ("HEAD", "config", "packed-refs"):
            if (repo / name).is_file():
                shutil.copyfile(repo / name, shim / name)
        if not (shim / "HEAD").exists():
            (shim / "HEAD").write_text("ref: refs/heads/master\n")
        (shim / "refs" / "heads").mkdir(parents=True)
        (shim / "refs" / "tags").mkdir()
        (shim / "objects" / "info").mkdir(parents=True)
        (shim / "objects" / "info" / "alternates").write_text(str((repo / "objects").resolve()) + "\n")
        yield shim


def epoch_state(repo: Path) -> str:
    """What names the state of an epoch: its refs (a fetch that brings new
    mail moves them), as a short digest; "" when they cannot be read."""
    import hashlib

    digest = hashlib.sha1()
    try:
        for name in ("HEAD", "packed-refs"):
            if (repo / name).is_file():
                digest.update(name.encode() + b"\0" + (repo / name).read_bytes())
        refs = repo / "refs"
        if refs.is_dir():
            for ref in sorted(p for p in refs.rglob("*") if p.is_file()):
                digest.update(str(ref.relative_to(repo)).encode() + b"\0" + ref.read_bytes())
    except OSError:
        return ""
    return digest.hexdigest()[:16]


def read_inbox(path: Path) -> Iterator[tuple[bytes, str, bool]]:
    """Yield every message of a public-inbox archive.

    Args:
        path: a bare git dir or a v2 inbox directory of epochs.

    Returns:
        An iterator of ``(message bytes, commit id, cut)``, newest first
        within each epoch; ``cut`` is true for a message longer than
        MAX_MESSAGE, of which the first MAX_MESSAGE bytes are read. Commits
        without a blob ``m`` (public-inbox deletions) are skipped.

    Raises:
        InputError: git is missing or cannot read the repository.
    """
    epochs = find_epochs(path)
    if not epochs:
        raise InputError(f"{path}: not a public-inbox archive (no git repository found)")
    for repo in epochs:
        yield from read_epoch(repo)


def read_epoch(repo: Path) -> Iterator[tuple[bytes, str, bool]]:
    """Every message of one epoch (see :func:`read_inbox`)."""
    with readable_git_dir(repo) as git_dir:
        # git's complaints go to a file: a pipe nobody reads could fill and stall it
        errors = tempfile.TemporaryFile()
        try:
            revs = subprocess.Popen([*_GIT, f"--git-dir={git_dir}", "rev-list", "--all"],
                                    stdout=subprocess.PIPE, stderr=errors)
        except OSError as err:
            errors.close()
            raise InputError(f"{repo}: cannot run git: {err.strerror}") from None
        assert revs.stdout is not None
        count = 0
        try:
            with CatFile(repo, git_dir) as batch:
                commits = (line.strip().decode("ascii", "replace") for line in revs.stdout)
                for found in batch.messages(commits):
                    count += 1
                    yield found
        finally:
            if revs.poll() is None:
                revs.kill()
            revs.wait()
            errors.seek(0)
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
            errors.close()
        if revs.returncode not in (0, -9) and count == 0:
            raise InputError(f"{repo}: git cannot read the archive: {lines[-1] if lines else 'unknown error'}")


class CatFile:
    """One ``git cat-file --batch`` of an epoch: its messages by commit id,
    read in turns while it stays open (a run that reads an archive thread
    by thread asks it some thousand times; a process each would cost more
    than the reading).

    Memory does not grow with what is asked: a feeder thread writes the
    requests while the caller reads the answers, and the pipes bound what
    is in flight.
    """

    def __init__(self, repo: Path, git_dir: Path) -> None:
        self.repo = repo
        self.git_dir = git_dir
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "CatFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            try:
                self._proc = subprocess.Popen([*_GIT, f"--git-dir={self.git_dir}", "cat-file", "--batch"],
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.DEVNULL)
            except OSError as err:
                raise InputError(f"{self.repo}: cannot run git: {err.strerror}") from None
        return self._proc

    def messages(self, commits: Iterable[str]) -> Iterator[tuple[bytes, str, bool]]:
        """``(message bytes, commit id, cut)`` for each of ``commits`` that
        holds a blob ``m``, in order (see :func:`read_inbox`)."""
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        requests = proc.stdin
        # Commit ids in flight, in request order (cat-file answers in order,
        # and its answer names the blob, not the commit); None: no more.
        pending: queue.SimpleQueue[str | None] = queue.SimpleQueue()

        def feed(commits: Iterable[str]) -> None:
            try:
                for commit in commits:
                    pending.put(commit)
                    requests.write(commit.encode("ascii", "replace") + b":m\n")
                requests.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass
            finally:
                pending.put(None)

        feeder = None
        if isinstance(commits, (list, tuple)) and len(commits) <= _AT_ONCE:
            # a thread's few messages: the requests fit in the pipe, no
            # thread is needed to write them while the answers are read
            feed(commits)
        else:
            feeder = threading.Thread(target=feed, args=(commits,), name="reviewkit-inbox-feed", daemon=True)
            feeder.start()
        out = proc.stdout
        done = False
        try:
            while (commit := pending.get()) is not None:
                header = out.readline()
                if not header:  # git ended: nothing more comes
                    return
                fields = header.split()
                if len(fields) == 3 and fields[2].isdigit():
                    size = int(fields[2])
                    data = out.read(min(size, MAX_MESSAGE))
                    rest = size - len(data)
                    while rest > 0:  # past the bound: skipped, not held
                        skipped = len(out.read(min(rest, 1 << 20)))
                        if not skipped:
                            break
                        rest -= skipped
                    out.read(1)  # the newline after the contents
                    if fields[1] == b"blob":
                        yield data, commit, size > MAX_MESSAGE
                # "<commit>:m missing": a deletion commit, nothing to read
            done = True
        finally:
            if not done:
                # stopped half-way: answers are left in the pipe, so this
                # process is of no more use
                self.close()
            if feeder is not None:
                feeder.join(timeout=5)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for pipe in (proc.stdin, proc.stdout):
            try:
                pipe.close()  # type: ignore[union-attr]
            except OSError:
                pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
