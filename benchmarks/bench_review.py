"""Whole-process time of `reviewkit review`, rules on, beside `python -c pass`
and beside b4 on the same series.

Usage: python3 benchmarks/bench_review.py [--runs N]

Inputs: the bundled seed page and mlock thread, and the 66-message v16
"per memcg lru_lock" thread from tests/data/corpus/threads/. Each command
runs N times (median shown) in the same process run as the baselines:
``python -c pass``, and ``b4 --offline-mode am`` on the 66-message thread
(b4 reads the same mbox, threads it, picks the patches and writes the
series; it is the tool a maintainer runs on such a thread). The aim: text
and JSON review of that thread each within 0.7x b4's time. Commands run in
turn, a round at a time, so that load from other work on the machine falls
on each alike; CPU time (user + system) is the steadier figure then.
Skipped when b4 is not installed beside this interpreter or on PATH.

Python's bytecode cache is on, as in bench_check.py (as for any installed
package), even when the calling environment sets PYTHONDONTWRITEBYTECODE.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import Timing, bench_env, print_timings, reviewkit_argv, time_runs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SERIES = ROOT / "tests" / "data" / "corpus" / "threads" / "lru-lock-v16.mbox"
INPUTS = {
    "seed page": ROOT / "threads" / "seed-duyck-mlock-v16-16.txt",
    "mlock-v16-16.mbox (6 msgs)": ROOT / "threads" / "mlock-v16-16.mbox",
    "lru-lock-v16.mbox (66 msgs)": SERIES,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    base = reviewkit_argv()
    env = bench_env()
    b4 = Path(sys.executable).with_name("b4")
    b4_cmd = str(b4) if b4.is_file() else shutil.which("b4")

    commands: list[tuple[str, list[str]]] = [("python -c pass", [sys.executable, "-c", "pass"])]
    out = tempfile.mkdtemp(prefix="bench-b4-")
    if b4_cmd:
        commands.append((f"b4 --offline-mode am {SERIES.name}",
                         [b4_cmd, "--offline-mode", "am", "-m", str(SERIES), "-o", out]))
    for fmt in ("json", "text"):
        for name, path in INPUTS.items():
            commands.append((f"review {name} --format {fmt}", [*base, "review", str(path), "--format", fmt]))

    # a round is one run of each command; the median of each over the rounds
    rounds: dict[str, list[Timing]] = {label: [] for label, _ in commands}
    for n in range(args.runs + 1):
        for label, argv in commands:
            t = time_runs(argv, runs=1, env=env, cwd=out, warm_up=False)
            if n:  # the first round warms the page cache
                rounds[label].append(t)
    shutil.rmtree(out, ignore_errors=True)
    rows = [(label, Timing(statistics.median(t.wall for t in ts), statistics.median(t.cpu for t in ts),
                           ts[-1].code)) for label, ts in rounds.items()]
    baseline = rows[0][1]
    print_timings(rows, baseline, "python")
    if b4_cmd:
        b4_row = rows[1][1]
        print()
        print_timings([r for r in rows if "66 msgs" in r[0]], b4_row, "b4")


if __name__ == "__main__":
    main()
