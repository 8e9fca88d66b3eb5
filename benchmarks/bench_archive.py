"""A whole list archive: ``reviewkit scan``, ``review`` and ``summary`` over
the linux-pwm public-inbox archive (23,541 messages, ../shared/archives),
beside b4 and a bare standard-library parse of the same mail in the same
run.

Usage: python3 benchmarks/bench_archive.py [--only NAME ...] [--archive PATH]

Each command runs once (they take seconds to minutes), in turn, with the
archive's index cached unless the row says cold. For each: wall time, CPU
time (user + system of the process and its children), messages per
second, and the peak memory of the whole process tree (the sum of its
processes' proportional set sizes, sampled from /proc every 50 ms: workers
and git included; a page a forked worker shares with its parent counts
once) and the peak resident set of its largest process. The machine's
load average is printed before and after: on a machine shared with other
work, CPU time is the steadier figure.

Rows (``--only`` takes their names):

- ``stdlib``: every message read from git and parsed by
  ``email.message_from_bytes``, nothing else (the floor of any tool);
- ``b4``: ``b4 --offline-mode am -m archive.mbox MSGID``: b4 reading the
  archive (exported to an mbox) to pick one thread out of it;
- ``msgid``: ``reviewkit review ARCHIVE --msgid MSGID``, cold (no index
  in the cache) and warm;
- ``scan``: ``reviewkit scan --no-rules`` with ``--jobs 1``, ``--jobs 2``
  and ``--engine dask`` (a local cluster of two workers): mail, quotes,
  threads and patches;
- ``rules``: ``reviewkit scan`` with the rules on, ``--jobs 2``, and the
  findings per rule;
- ``bounded``: ``review --format json``, ``summary`` and ``scan`` over the
  archive and over a quarter of it (its newest messages, as an mbox): the
  peak memory must be about the same.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import reviewkit_argv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT.parent / "shared" / "archives" / "linux-pwm.vger.kernel.org.0.git"
# A real patch of the archive and its thread (nine messages: the cover
# letter, the patch, its review by Uwe Kleine-König and Thierry Reding, an
# Acked-by).
MSGID = "<1571191899-6150-2-git-send-email-gurus@codeaurora.org>"
ROWS = ("stdlib", "b4", "msgid", "scan", "rules", "bounded")

_STDLIB = r"""
import email, subprocess, sys
git = ["git", "-c", "safe.directory=*", "--git-dir", sys.argv[1]]
revs = subprocess.Popen(git + ["rev-list", "--all"], stdout=subprocess.PIPE)
cat = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
import threading
def feed():
    for line in revs.stdout:
        cat.stdin.write(line.strip() + b":m\n")
    cat.stdin.close()
threading.Thread(target=feed, daemon=True).start()
n = 0
while header := cat.stdout.readline():
    fields = header.split()
    if len(fields) != 3:
        continue
    data = cat.stdout.read(int(fields[2]))
    cat.stdout.read(1)
    if fields[1] == b"blob":
        email.message_from_bytes(data)
        n += 1
print(n)
"""


# --------------------------------------------------------------------------
# measuring a command


def _tree_memory(root: int) -> tuple[int, int]:
    """(total, largest) memory in kB of ``root`` and its descendants: the
    sum of their proportional set sizes (a page shared by a forked worker
    and its parent counts half to each), and the largest resident set."""
    parent: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    parent[int(entry.name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parent.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    total = largest = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                fields = {line.split(":")[0]: int(line.split()[1]) for line in f if line.split()[-1:] == ["kB"]}
        except (OSError, ValueError, IndexError):
            continue
        total += fields.get("Pss", 0)
        largest = max(largest, fields.get("Rss", 0))
    return total, largest


def measure(argv: list[str], *, env: dict[str, str], stdout: Path | None = None) -> dict:
    """Run ``argv``; its wall and CPU seconds, peak memory (MB) of its
    process tree and largest process, exit status and output's tail."""
    out = open(stdout, "wb") if stdout is not None else subprocess.PIPE
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=env)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            total, largest = _tree_memory(proc.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], largest)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    captured, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = os.times()
    if stdout is not None:
        out.close()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall": wall, "cpu": cpu, "tree_mb": peak[0] / 1024, "largest_mb": peak[1] / 1024,
            "code": proc.returncode, "stdout": (captured or b"").decode("utf-8", "replace"),
            "stderr": err.decode("utf-8", "replace")}


def _row(label: str, r: dict, messages: int | None) -> None:
    rate = f"{messages / r['wall']:8,.0f}" if messages else " " * 8
    print(f"{label:<52} {r['wall']:7.1f} {r['cpu']:7.1f} {rate} {r['tree_mb']:7.0f} {r['largest_mb']:7.0f}  "
          f"{r['code']}", flush=True)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------
# inputs


def git_dir(archive: Path, work: Path) -> Path:
    """A git dir git reads for ``archive``: itself, or (a mirror without
    ``refs/``) a shim that borrows its objects."""
    if (archive / "refs").is_dir():
        return archive
    shim = work / "shim.git"
    for name in ("HEAD", "config", "packed-refs"):
        if (archive / name).is_file():
            (shim / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(archive / name, shim / name)
    (shim / "refs" / "heads").mkdir(parents=True, exist_ok=True)
    (shim / "objects" / "info").mkdir(parents=True, exist_ok=True)
    (shim / "objects" / "info" / "alternates").write_text(str((archive / "objects").resolve()) + "\n")
    return shim


def export_mbox(git: Path, path: Path, *, fraction: float = 1.0) -> int:
    """The archive's messages (its newest ``fraction`` of them) as an mboxrd file."""
    cmd = ["git", "-c", "safe.directory=*", "--git-dir", str(git)]
    commits = subprocess.run(cmd + ["rev-list", "--all"], capture_output=True, check=True).stdout.split()
    commits = commits[: int(len(commits) * fraction)]
    answers = subprocess.run(cmd + ["cat-file", "--batch"], input=b"".join(c + b":m\n" for c in commits),
                             capture_output=True, check=True).stdout
    count = 0
    pos = 0
    with open(path, "wb") as f:
        while pos < len(answers):
            end = answers.index(b"\n", pos)
            fields = answers[pos:end].split()
            pos = end + 1
            if len(fields) != 3:
                continue
            size = int(fields[2])
            data = answers[pos:pos + size]
            pos += size + 1
            f.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
            for line in data.splitlines(keepends=True):
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                f.write(line)
            f.write(b"\n" if data.endswith(b"\n") else b"\n\n")
            count += 1
    return count


# --------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=ROWS, default=list(ROWS))
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    args = parser.parse_args()
    if not args.archive.is_dir():
        print(f"skipped: {args.archive} is not there")
        return
    rk = reviewkit_argv()
    b4 = Path(sys.executable).with_name("b4")
    b4_cmd = str(b4) if b4.is_file() else shutil.which("b4")
    work = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(work / "cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    archive = str(args.archive)
    git = git_dir(args.archive, work)
    messages = None
    print(f"archive: {archive}; load average before: {_load()}; {os.cpu_count()} cores")
    print(f"{'command':<52} {'wall s':>7} {'cpu s':>7} {'msgs/s':>8} {'tree MB':>7} {'max MB':>7}  exit")
    try:
        if "stdlib" in args.only:
            r = measure([sys.executable, "-c", _STDLIB, str(git)], env=env)
            messages = int(r["stdout"] or 0)
            _row("bare stdlib parse (email.message_from_bytes)", r, messages)
        mbox = work / "archive.mbox"
        count = export_mbox(git, mbox)
        messages = messages or count
        if "b4" in args.only and b4_cmd:
            r = measure([b4_cmd, "--offline-mode", "am", "-m", str(mbox), "-o", str(work / "b4"), MSGID], env=env)
            _row("b4 --offline-mode am -m archive.mbox MSGID", r, messages)
        if "msgid" in args.only:
            shutil.rmtree(work / "cache", ignore_errors=True)
            for label in ("cold", "warm", "warm"):
                r = measure([*rk, "review", archive, "--msgid", MSGID], env=env)
                _row(f"review ARCHIVE --msgid MSGID ({label})", r, None)
        if "scan" in args.only:
            out = work / "scan.jsonl"
            for label, extra in (("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"]),
                                 ("--engine dask (2 workers)", ["--engine", "dask", "--jobs", "2"])):
                r = measure([*rk, "scan", archive, "--no-rules", "-o", str(out), *extra], env=env)
                _row(f"scan --no-rules {label}", r, messages)
        if "rules" in args.only:
            out = work / "rules.jsonl"
            r = measure([*rk, "scan", archive, "-o", str(out), "--jobs", "2"], env=env)
            _row("scan --jobs 2 (rules on)", r, messages)
            print(r["stdout"].strip())
        if "bounded" in args.only:
            quarter = work / "quarter.mbox"
            quarter_messages = export_mbox(git, quarter, fraction=0.25)
            for name, path, count in (("archive", archive, messages), ("quarter (mbox)", str(quarter),
                                                                       quarter_messages)):
                for label, argv in (("review --format json", ["review", path, "--format", "json"]),
                                    ("summary", ["summary", path]),
                                    ("scan --jobs 2", ["scan", path, "--jobs", "2", "-o", str(work / "b.jsonl")])):
                    r = measure([*rk, *argv], env=env, stdout=work / "out")
                    _row(f"{label} {name} ({count:,} messages)", r, count)
    finally:
        print(f"load average after: {_load()}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
