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

A shim is removed when the walk ends, however it ends: by its ``finally``
when the reader stops or raises, and at exit for a run cut short by SIGINT
or SIGTERM. SIGTERM's default action ends the process on the spot, with no
``finally`` and no ``atexit``; while a shim exists, SIGTERM (when nothing
else handles it) raises SystemExit(143) instead, so the process unwinds.
"""

from __future__ import annotations

import atexit
import re
import shutil
import signal
import subprocess
import tempfile
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reviewkit.errors import InputError
from reviewkit.source.mbox import MAX_MESSAGE

_GIT = ("git", "-c", "safe.directory=*")
# Shims alive in this process: what the exit handler removes.
_SHIMS: set[Path] = set()


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
def _readable_git_dir(repo: Path) -> Iterator[Path]:
    """Yield a git dir git accepts: ``repo`` itself, or a shim when refs/ is missing."""
    if (repo / "refs").is_dir():
        yield repo
        return
    shim = Path(tempfile.mkdtemp(prefix="reviewkit-inbox-"))
    if not _SHIMS:
        atexit.register(_remove_shims)
    _SHIMS.add(shim)
    try:
        for name in ("HEAD", "config", "packed-refs"):
            if (repo / name).is_file():
                shutil.copyfile(repo / name, shim / name)
        if not (shim / "HEAD").exists():
            (shim / "HEAD").write_text("ref: refs/heads/master\n")
        (shim / "refs" / "heads").mkdir(parents=True)
        (shim / "refs" / "tags").mkdir()
        (shim / "objects" / "info").mkdir(parents=True)
        (shim / "objects" / "info" / "alternates").write_text(str((repo / "objects").resolve()) + "\n")
        with _sigterm_unwinds():
            yield shim
    finally:
        shutil.rmtree(shim, ignore_errors=True)
        _SHIMS.discard(shim)


def _remove_shims() -> None:
    for shim in list(_SHIMS):
        shutil.rmtree(shim, ignore_errors=True)
    _SHIMS.clear()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM raises SystemExit while inside, if it has its default action
    and this is the main thread (only it can take a handler)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is _exit_on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


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
        with _readable_git_dir(repo) as git_dir:
            yield from _read_epoch(repo, git_dir)


def _read_epoch(repo: Path, git_dir: Path) -> Iterator[tuple[bytes, str, bool]]:
    # git's complaints go to a file: a pipe nobody reads could fill and stall it
    errors = tempfile.TemporaryFile()
    try:
        revs = subprocess.Popen(
            [*_GIT, f"--git-dir={git_dir}", "rev-list", "--all"],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
    except OSError as err:
        errors.close()
        raise InputError(f"{repo}: cannot run git: {err.strerror}") from None
    try:
        batch = subprocess.Popen(
            [*_GIT, f"--git-dir={git_dir}", "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError as err:
        revs.kill()
        revs.wait()
        errors.close()
        raise InputError(f"{repo}: cannot run git: {err.strerror}") from None
    assert revs.stdout is not None and batch.stdin is not None and batch.stdout is not None

    # Commit ids in flight, in request order: cat-file answers in order, and
    # its answer names the blob, not the commit. The pipe to cat-file blocks
    # the feeder, so this holds a pipe's worth of ids at most.
    pending: queue.SimpleQueue[str] = queue.SimpleQueue()

    def feed() -> None:
        try:
            for line in revs.stdout:  # type: ignore[union-attr]
                commit = line.strip()
                pending.put(commit.decode("ascii", "replace"))
                batch.stdin.write(commit + b":m\n")  # type: ignore[union-attr]
        except (BrokenPipeError, ValueError):
            pass
        finally:
            try:
                batch.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass

    feeder = threading.Thread(target=feed, name="reviewkit-inbox-feed", daemon=True)
    feeder.start()
    out = batch.stdout
    count = 0
    try:
        while True:
            header = out.readline()
            if not header:
                break
            commit = pending.get()
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
                    count += 1
                    yield data, commit, size > MAX_MESSAGE
            # "<commit>:m missing": a deletion commit, nothing to read
    finally:
        out.close()
        for proc in (batch, revs):
            if proc.poll() is None:
                proc.kill()
        feeder.join(timeout=5)
        batch.wait()
        revs.wait()
        errors.seek(0)
        lines = errors.read().decode("utf-8", "replace").strip().splitlines()
        errors.close()
    if revs.returncode not in (0, -9) and count == 0:
        raise InputError(f"{repo}: git cannot read the archive: {lines[-1] if lines else 'unknown error'}")
