"""Whole-process timing shared by the benchmarks: median of N runs."""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import Sequence


def time_command(argv: Sequence[str], *, runs: int = 7, env: dict | None = None,
                 stdin: bytes | None = None) -> tuple[float, int]:
    """Median wall time in seconds of ``argv`` over ``runs`` runs, and its exit status.

    One warm-up run first, so that the page cache is equally warm for every
    command compared in the same table.
    """
    subprocess.run(argv, capture_output=True, env=env, input=stdin)
    times = []
    code = 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, env=env, input=stdin)
        times.append(time.perf_counter() - start)
        code = proc.returncode
    return statistics.median(times), code


def print_table(rows: list[tuple[str, float, int]], baseline: float) -> None:
    """Print name, median ms and the ratio to the baseline."""
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  {'median ms':>9}  {'x baseline':>10}  exit")
    for name, seconds, code in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.1f}  {seconds / baseline:10.2f}  {code}")
