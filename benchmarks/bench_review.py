"""Whole-process time of `reviewkit review`, rules on, beside `python -c pass`.

Usage: python3 benchmarks/bench_review.py [--runs N]

Inputs: the bundled seed page and mlock thread, and the 66-message v16
"per memcg lru_lock" thread from tests/data/corpus/threads/. Each command
runs N times (median shown) in the same process run as the baseline.

Python's bytecode cache is on, as in bench_check.py (as for any installed
package), even when the calling environment sets PYTHONDONTWRITEBYTECODE.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import print_table, time_command  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
INPUTS = {
    "seed page": ROOT / "threads" / "seed-duyck-mlock-v16-16.txt",
    "mlock-v16-16.mbox (6 msgs)": ROOT / "threads" / "mlock-v16-16.mbox",
    "lru-lock-v16.mbox (66 msgs)": ROOT / "tests" / "data" / "corpus" / "threads" / "lru-lock-v16.mbox",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    # The console script beside this interpreter, as bench_check.py runs it:
    # another reviewkit on PATH would be another installation.
    script = Path(sys.executable).with_name("reviewkit")
    base = [str(script)] if script.is_file() else [sys.executable, "-m", "reviewkit"]
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reviewkit" / "bench"
    env["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
    baseline, code = time_command([sys.executable, "-c", "pass"], runs=args.runs, env=env)
    rows = [("python -c pass", baseline, code)]
    for fmt in ("json", "text"):
        for name, path in INPUTS.items():
            secs, code = time_command([*base, "review", str(path), "--format", fmt], runs=args.runs, env=env)
            rows.append((f"review {name} --format {fmt}", secs, code))
    print_table(rows, baseline)


if __name__ == "__main__":
    main()
