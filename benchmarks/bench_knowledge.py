"""What looking up the learned knowledge costs a one-patch run, from a cold process.

Usage: python3 benchmarks/bench_knowledge.py [--runs N] [--database PATH]

For each of the three v16 postings bench_check.py times (tests/data/corpus/
patches/: 02/22, the seed 16/22, the large 18/22), the names its diff calls
(identifiers followed by "(") are looked up in the database shipped in the
package (or --database) by a fresh interpreter, beside the same interpreter
that only imports the config, in the same run:

  baseline   python -c "from reviewkit.config import load_config; load_config()"
  lookup     the same, then LearnedKnowledge.for_config(config).lookup(names)

and the chain of every sleeping name found is walked (what a finding
would print). Printed: names asked, facts found, median wall and CPU ms of
both, and what the lookup adds. The lookup must add a few milliseconds at
most: reviewkit check must stay within 0.35x checkpatch.pl --codespell
(benchmarks/bench_check.py) once the rules ask it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import time_runs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PATCHES = ROOT / "tests" / "data" / "corpus" / "patches"
INPUTS = ("103_v16-02-22-patch-posting.eml", "117_v16-16-22-patch-posting.eml", "119_v16-18-22-patch-posting.eml")
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")

BASE = "from reviewkit.config import load_config\nconfig = load_config()\n"
LOOKUP = BASE + (
    "import sys\n"
    "from pathlib import Path\n"
    "from reviewkit.knowledge import LearnedKnowledge\n"
    "kb = LearnedKnowledge.for_config(config) if len(sys.argv) < 3 else "
    "LearnedKnowledge([(Path(sys.argv[2]), 'bench', False)])\n"
    "names = sys.argv[1].split(',')\n"
    "facts = kb.lookup(names)\n"
    "chains = [kb.chain(n) for n in facts.sleeps]\n"
    "print(len(facts.sleeps) + len(facts.refs) + len(facts.gets) + len(facts.locks) + len(facts.cleanups), "
    "sum(map(len, chains)))\n"
)


def called_names(path: Path) -> list[str]:
    """The identifiers followed by "(" on the diff lines of a patch mail."""
    names: set[str] = set()
    in_diff = False
    for line in path.read_text("utf-8", "replace").splitlines():
        if line.startswith("diff --git"):
            in_diff = True
        elif in_diff and line[:1] in ("+", "-", " ") and not line.startswith(("+++", "---")):
            names.update(_CALL.findall(line))
    return sorted(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", type=Path)
    args = parser.parse_args()
    from reviewkit.knowledge.learned import SHIPPED

    db = args.database or SHIPPED
    if not db.is_file():
        sys.exit(f"{db}: no database")
    work = Path(tempfile.mkdtemp(prefix="bench-knowledge-"))
    # as bench_check.py: the bytecode cache on, as for an installed package
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(XDG_CACHE_HOME=str(work / "cache"), PYTHONPYCACHEPREFIX=str(work / "pycache"))
    print(f"database: {db} ({db.stat().st_size} bytes), runs: {args.runs} (median)")
    print(f"{'patch':<6} {'names':>5} {'facts':>5} {'chain steps':>11}  {'base ms':>8} {'lookup ms':>9} "
          f"{'+wall ms':>8} {'+cpu ms':>7}")
    for name in INPUTS:
        names = called_names(PATCHES / name)
        base = time_runs([sys.executable, "-c", BASE], runs=args.runs, env=env)
        extra = [str(db)] if args.database else []
        lookup = time_runs([sys.executable, "-c", LOOKUP, ",".join(names), *extra], runs=args.runs, env=env)
        facts, steps = lookup.out.split()
        print(f"{name[:3]:<6} {len(names):>5} {facts:>5} {steps:>11}  {base.wall * 1000:8.1f} "
              f"{lookup.wall * 1000:9.1f} {(lookup.wall - base.wall) * 1000:8.1f} {(lookup.cpu - base.cpu) * 1000:7.1f}")
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} CPUs")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
