"""A long fuzzing campaign: mutated real mails against every promise.

Usage: python3 benchmarks/fuzz.py --count N --seed S [--start K] [--keep DIR] [--slow SECONDS]

Each of N mails is a seed from tests/data with one to three mutations
(tests/fuzzing.py), all drawn from ``random.Random`` seeded by S and the
mail's number, so a run is repeatable and mail K of seed S can be rebuilt
alone (``--only K``); ``--start K`` runs mails K to K+N-1, so that one
campaign splits over processes (mails 0-4999 and 5000-9999 of a seed are
the campaign of 10,000). Each runs in this process through the pipeline, the
renderers and ``check`` (tests/fuzzing.py: check_mail): an internal error,
a lost comment line or an exit of ``check`` other than 0, 1, 2 is a
failure; so is a mail slower than --slow seconds per 100 KB (an input under
100 KB counts as 100 KB) in the best of three runs. A mail that hangs is
stopped after 120 s.

Each failure is kept as a file in tests/data/fuzz-found/campaign/ (named
by the broken promise, seed and number) with a line in its README.md, so
that tests/test_fuzz_found.py runs it from then on. The end of the run
prints the counts, the slowest mails per 100 KB, and the command to repeat.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzzing import MUTATIONS, Outcome, check_mail, find_seeds, mutate  # noqa: E402

KEEP = ROOT / "tests" / "data" / "fuzz-found" / "campaign"
HANG = 120


class _Hang(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Hang()


def build_mail(seed: int, number: int, seeds: list[Path]) -> tuple[bytes, Path, list[str]]:
    """Mail ``number`` of the campaign ``seed``: its bytes, seed file and mutations."""
    r = random.Random(f"{seed}:{number}")
    source = r.choice(seeds)
    names = r.sample(sorted(MUTATIONS), r.randint(1, 3))
    return mutate(source.read_bytes(), names, r), source, names


def run_mail(path: Path) -> Outcome:
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG)
    try:
        return check_mail(path)
    except _Hang:
        return Outcome(problems=[f"still running after {HANG} s"], seconds=float(HANG))
    finally:
        signal.alarm(0)


def keep(data: bytes, kind: str, seed: int, number: int, source: Path, names: list[str], what: str,
         directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{kind}-{seed}-{number}{source.suffix}"
    path.write_bytes(data)
    readme = directory / "README.md"
    if not readme.exists():
        readme.write_text("# Kept by benchmarks/fuzz.py\n\nEach file broke a promise in a campaign; "
                          "tests/test_fuzz_found.py runs it. Rebuild one with "
                          "`benchmarks/fuzz.py --seed S --only N`.\n\n| file | seed mail | mutations | what broke |\n"
                          "|---|---|---|---|\n")
    first = what.strip().splitlines()[0][:200].replace("|", "\\|")
    with readme.open("a") as f:
        f.write(f"| `{path.name}` | `{source.relative_to(ROOT / 'tests' / 'data')}` | {', '.join(names)} | {first} |\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", type=int, default=None, help="run mail K alone")
    parser.add_argument("--start", type=int, default=0, help="the number of the first mail")
    parser.add_argument("--keep", type=Path, default=KEEP, help="where failures go")
    parser.add_argument("--slow", type=float, default=1.0, help="seconds per 100 KB")
    args = parser.parse_args()
    os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="fuzz-cache-"))
    seeds = find_seeds()
    numbers = [args.only] if args.only is not None else range(args.start, args.start + args.count)
    counts = {"internal error": 0, "lost line": 0, "check exit": 0, "slow": 0, "hang": 0}
    per_100kb: list[tuple[float, int, str]] = []
    total_bytes = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        for number in numbers:
            data, source, names = build_mail(args.seed, number, seeds)
            total_bytes += len(data)
            path = Path(work) / f"mail{source.suffix}"
            path.write_bytes(data)
            out = run_mail(path)
            scale = max(len(data) / 100_000, 1.0)
            for _ in range(2):  # the machine may have been busy: the best of three
                if out.problems or out.seconds / scale <= args.slow:
                    break
                time.sleep(1)
                again = run_mail(path)
                out = again if again.problems or again.seconds < out.seconds else out
            if not out.problems and out.seconds / scale > args.slow:
                out.problems.append(f"{out.seconds:.2f} s for {len(data):,} bytes")
            per_100kb.append((out.seconds / scale, number, f"{source.name} {'+'.join(names)} {len(data):,} B"))
            if out.problems:
                what = out.problems[0]
                kind = ("hang" if what.startswith("still running") else "internal-error" if "internal error" in what
                        else "check-exit" if what.startswith("check:") else
                        "slow" if " s for " in what else "lost-line")
                counts[kind.replace("-", " ")] += 1
                kept = keep(data, kind, args.seed, number, source, names, what, args.keep)
                print(f"#{number} {kind}: {source.name} {'+'.join(names)} -> {kept.name}\n    "
                      + "\n    ".join(what.splitlines()[:6]), flush=True)
            if (number + 1 - args.start) % 500 == 0:
                print(f"... {number + 1 - args.start} mails, {time.perf_counter() - start:.0f} s", flush=True)
    per_100kb.sort(reverse=True)
    print(f"\n{len(numbers)} mails ({total_bytes / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s, "
          f"seed {args.seed}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    print("slowest per 100 KB (inputs under 100 KB count as 100 KB):")
    for secs, number, what in per_100kb[:5]:
        print(f"  {secs:6.2f} s  #{number}  {what}")
    start_arg = f" --start {args.start}" if args.start else ""
    print(f"repeat: python3 benchmarks/fuzz.py --count {args.count} --seed {args.seed}{start_arg}")


if __name__ == "__main__":
    main()
