"""Whole-process timing shared by the benchmarks: median of N runs.

Wall time and CPU time (user + system of the child, from
``resource.getrusage(RUSAGE_CHILDREN)``): on a machine busy with other work
the CPU time is the steadier figure to compare.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, NamedTuple, Sequence


class Timing(NamedTuple):
    wall: float  # median seconds
    cpu: float  # median seconds of user + system time
    code: int  # exit status of the last run
    out: str = ""  # standard output of the last run


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ran(argv: Sequence[str], proc: subprocess.CompletedProcess) -> None:
    """Stop the benchmark when ``argv`` did not run (a traceback, an exit
    status of 2 or more: bad input, a bug, a broken install): its time would
    measure nothing."""
    if proc.returncode >= 2 or b"Traceback" in proc.stderr:
        last = (proc.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"{' '.join(map(str, argv[:3]))} ... did not run (exit {proc.returncode}): {last}")


def time_runs(argv: Sequence[str], *, runs: int = 7, env: dict | None = None, stdin: bytes | None = None,
              cwd: str | None = None, warm_up: bool = True, before: Callable[[], None] | None = None) -> Timing:
    """Median wall and CPU time of ``argv`` over ``runs`` runs, its exit
    status and the last run's standard output.

    One warm-up run first (unless ``warm_up`` is off), so that the page
    cache is equally warm for every command compared in the same table.
    ``before`` runs before each timed run, outside the timing (emptying a
    cache). A command that did not run stops the benchmark (:func:`_ran`).
    """
    if warm_up:
        _ran(argv, subprocess.run(argv, capture_output=True, env=env, input=stdin, cwd=cwd))
    walls, cpus = [], []
    proc = None
    for _ in range(runs):
        if before is not None:
            before()
        cpu = _cpu()
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, env=env, input=stdin, cwd=cwd)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
        _ran(argv, proc)
    assert proc is not None, "runs must be at least 1"
    return Timing(statistics.median(walls), statistics.median(cpus), proc.returncode,
                  proc.stdout.decode("utf-8", "replace").strip())


def print_timings(rows: list[tuple[str, Timing]], baseline: Timing, name: str = "baseline") -> None:
    """Print name, median wall and CPU ms, and each as a ratio to ``baseline``."""
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  {'wall ms':>8}  {'cpu ms':>8}  {'wall/' + name:>12}  {'cpu/' + name:>12}  exit")
    for label, t in rows:
        print(f"{label:<{width}}  {t.wall * 1000:8.1f}  {t.cpu * 1000:8.1f}  {t.wall / baseline.wall:12.2f}  "
              f"{t.cpu / baseline.cpu:12.2f}  {t.code}")


def reviewkit_argv() -> list[str]:
    """How to run reviewkit: the console script beside this interpreter (a
    version manager's shim on PATH adds its own start-up, and another
    reviewkit on PATH would be another installation), else ``-m``."""
    script = Path(sys.executable).with_name("reviewkit")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "reviewkit"]


def bench_env() -> dict[str, str]:
    """The environment of a timed run: no colour, and Python's bytecode
    cache on (in a directory of its own), as for any installed package,
    even where the calling environment sets PYTHONDONTWRITEBYTECODE."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reviewkit" / "bench"
    env["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
    return env
