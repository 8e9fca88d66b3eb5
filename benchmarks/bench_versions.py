"""Whole-process time of the versions stage against `review` of one version.

Usage: python3 benchmarks/bench_versions.py [--runs N] [--archive PATH] [--no-archive]

The bound (issue 13): `review` of two versions of a 20-patch series, and
`versions` over a whole list archive, each within 2x the time of `review`
of one version: here `review lru-lock-v16.mbox` (22 patches, 66 messages)
against `review lru-lock-v16.mbox lru-lock-v17.mbox` (and `versions` of
the pair), and `review ARCHIVE` against `versions ARCHIVE` (the linux-pwm
public-inbox archive beside the project, 23,541 messages), all with JSON
output to a pipe.

The commands of one group run interleaved (a, b, c, a, b, c, ...) after
one warm-up run each, so that a machine shared with other work slows them
alike; the median of N runs is shown with its ratio to the group's
baseline (the first row). Python's bytecode cache is on, as in
bench_review.py.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import bench_env, reviewkit_argv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
THREADS = ROOT / "tests" / "data" / "corpus" / "threads"
V16, V17 = THREADS / "lru-lock-v16.mbox", ROOT / "tests" / "data" / "versions" / "lru-lock-v17.mbox"
ARCHIVE = ROOT.parent / "shared" / "archives" / "linux-pwm.vger.kernel.org.0.git"
BOUND = 2.0


def interleaved(commands: list[tuple[str, list[str]]], runs: int, env: dict) -> list[tuple[str, float, int]]:
    """Median wall time of each command, the commands taking turns."""
    times: dict[str, list[float]] = {name: [] for name, _ in commands}
    codes: dict[str, int] = {}
    for name, argv in commands:  # warm-up: page cache, bytecode cache
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(runs):
        for name, argv in commands:
            start = time.perf_counter()
            proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            times[name].append(time.perf_counter() - start)
            codes[name] = proc.returncode
    return [(name, statistics.median(times[name]), codes[name]) for name, _ in commands]


def table(title: str, rows: list[tuple[str, float, int]]) -> bool:
    base = rows[0][1]
    width = max(len(r[0]) for r in rows)
    print(title)
    print(f"  {'command':<{width}}  {'median s':>9}  {'x first':>7}  exit")
    ok = True
    for name, secs, code in rows:
        ratio = secs / base
        print(f"  {name:<{width}}  {secs:9.2f}  {ratio:7.2f}  {code}")
        ok = ok and ratio <= BOUND and code == 0
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the two-version group (default 5)")
    parser.add_argument("--archive-runs", type=int, default=2, help="runs of the archive group (default 2)")
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    parser.add_argument("--no-archive", action="store_true", help="leave out the whole-archive group")
    args = parser.parse_args()
    base = reviewkit_argv()
    env = bench_env()

    ok = table("two versions of a 22-patch series (interleaved, median of %d)" % args.runs, interleaved([
        ("review v16", [*base, "review", "--format", "json", str(V16)]),
        ("review v16 v17", [*base, "review", "--format", "json", str(V16), str(V17)]),
        ("versions v16 v17", [*base, "versions", "--format", "json", str(V16), str(V17)]),
    ], args.runs, env))
    if not args.no_archive and args.archive.is_dir():
        ok = table(f"the whole archive {args.archive.name} (interleaved, median of {args.archive_runs})",
                   interleaved([
                       ("review ARCHIVE", [*base, "review", "--format", "json", str(args.archive)]),
                       ("versions ARCHIVE", [*base, "versions", "--format", "json", str(args.archive)]),
                   ], args.archive_runs, env)) and ok
    print(f"bound: each row within {BOUND}x its group's first row: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
