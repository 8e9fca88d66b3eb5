"""Wall time and peak memory of every hostile input through every command.

Usage: python3 benchmarks/bench_hostile.py [--runs N] [--timeout S] [PATH ...]

Inputs: every mail, patch and gzip file under tests/data/fuzz-found/ (or
the PATHs given). Each goes through ``review`` (text, markdown, json),
``summary`` and ``check``; each run is a fresh process, timed from start
to exit, and its peak resident memory is the ru_maxrss that os.wait4()
reports for that one child. ``python -c pass`` runs first in the same run
as the baseline. The aim (issues 17 and 18): under 2 s each, under 5 s for
the 3 MB mail, under 300 MB. Columns: median wall seconds over N runs,
the ratio to the baseline, seconds per 100 KB of input (an input under
100 KB counts as 100 KB), the largest peak
RSS in MB, the exit status (``T`` for killed at the timeout).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOUND = ROOT / "tests" / "data" / "fuzz-found"
COMMANDS = [
    ("review text", ["review", "--format", "text"]),
    ("review md", ["review", "--format", "markdown"]),
    ("review json", ["review", "--format", "json"]),
    ("summary", ["summary"]),
    ("check", ["check"]),
]


def run_once(argv: list[str], *, timeout: float, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, exit status) of one run of ``argv``."""
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ])
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.perf_counter() - start > timeout:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return time.perf_counter() - start, usage.ru_maxrss / 1024, "T"
        time.sleep(0.005)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, str(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args()
    paths = args.paths or sorted(p for p in FOUND.rglob("*")
                                 if p.is_file() and p.suffix not in (".md", ".toml"))
    rk = shutil.which("reviewkit")
    base = [rk] if rk else [sys.executable, "-m", "reviewkit"]
    cache = tempfile.mkdtemp(prefix="bench-hostile-")
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": cache}
    try:
        run_once([*base, "rules"], timeout=args.timeout, env=env)  # warm the caches
        walls, peak = [], 0.0
        for _ in range(args.runs):
            wall, rss, _ = run_once([sys.executable, "-c", "pass"], timeout=args.timeout, env=env)
            walls.append(wall)
            peak = max(peak, rss)
        baseline = statistics.median(walls)
        width = max(len(_name(p)) for p in paths)
        print(f"{'input':<{width}}  {'KB':>7}  {'command':<11}  {'wall s':>7}  {'x base':>7}  {'s/100KB':>7}  "
              f"{'peak MB':>7}  exit")
        print(f"{'python -c pass':<{width}}  {'':>7}  {'':<11}  {baseline:7.3f}  {1:7.1f}  {'':>7}  {peak:7.0f}  0")
        worst: list[tuple[float, str]] = []
        for path in paths:
            kb = path.stat().st_size / 1024
            for label, cmd in COMMANDS:
                walls, peak, codes = [], 0.0, set()
                for _ in range(args.runs):
                    wall, rss, code = run_once([*base, *cmd, str(path)], timeout=args.timeout, env=env)
                    walls.append(wall)
                    peak = max(peak, rss)
                    codes.add(code)
                wall = statistics.median(walls)
                per = wall / max(kb / 100, 1)
                worst.append((wall, f"{_name(path)} {label}"))
                print(f"{_name(path):<{width}}  {kb:7.0f}  {label:<11}  {wall:7.2f}  {wall / baseline:7.1f}  "
                      f"{per:7.2f}  {peak:7.0f}  {','.join(sorted(codes))}", flush=True)
        wall, what = max(worst)
        print(f"slowest: {what} {wall:.2f} s")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _name(path: Path) -> str:
    try:
        return str(path.relative_to(FOUND))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()
