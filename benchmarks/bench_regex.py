"""Module-level regular expressions of reviewkit timed on hostile lines.

Usage: python3 benchmarks/bench_regex.py [--length N] [--over MS]

Every compiled pattern held by a module of the package runs ``search``,
``match`` and ``fullmatch`` on lines of N characters made of one repeated
piece (a letter, ``_``, a blank, ``(``, ``<``, ``-`` ...: the runs mail text
and C can hold). A pattern that backtracks takes time quadratic in N or
worse; the table lists each whose slowest call took more than --over
milliseconds, with the piece that made it slow. ``search`` on a pattern that
the code only runs anchored (``match``/``fullmatch`` at a known position)
is no problem: read the column the code uses. Run it with N doubled to tell
linear from quadratic.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import time

import reviewkit

PIECES = ["a", "_", "(", " ", "\t", "-", "a-", "<", "a.", "a@", "%1", "a ", "a:", "[", "a/", "0x", "*", "> ",
          ">", "a\n", "=", "+", "}", "{", "a,", "'", '"', "\\", "a(", "1", "A", "Aa", "@@ -1", "/*", "a->", "|",
          "`", "a: ", "-- ", " |", "{ => "]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=20_000)
    parser.add_argument("--over", type=float, default=20.0, help="milliseconds")
    args = parser.parse_args()
    patterns: dict[int, tuple[str, re.Pattern]] = {}
    for info in pkgutil.walk_packages(reviewkit.__path__, "reviewkit."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and id(value) not in patterns:
                patterns[id(value)] = (f"{info.name}.{name}", value)
    print(f"{'pattern':<50}  {'search ms':>9}  {'match ms':>8}  {'full ms':>8}  piece")
    for where, pattern in sorted(patterns.values(), key=lambda p: p[0]):
        worst = [0.0, 0.0, 0.0]
        piece_of = ""
        for piece in PIECES:
            line = (piece * (args.length // len(piece) + 1))[: args.length]
            data = line.encode() if isinstance(pattern.pattern, bytes) else line
            for k, method in enumerate((pattern.search, pattern.match, pattern.fullmatch)):
                start = time.perf_counter()
                method(data)
                spent = (time.perf_counter() - start) * 1000
                if spent > worst[k]:
                    worst[k] = spent
                    if spent == max(worst):
                        piece_of = piece
        if max(worst) > args.over:
            print(f"{where:<50}  {worst[0]:9.1f}  {worst[1]:8.1f}  {worst[2]:8.1f}  {piece_of!r}", flush=True)


if __name__ == "__main__":
    main()
