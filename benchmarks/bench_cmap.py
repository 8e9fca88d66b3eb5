"""Time tree-sitter parsing and function indexing over a large set of real C files.

Usage: python3 benchmarks/bench_cmap.py [DIR]

DIR holds the C files (searched recursively). Without it, Debian's
linux-source-6.1 tarball (under /usr/src, package linux-source-6.1) is
opened and only linux-source-6.1/mm/*.c is extracted to a temporary folder.

Printed, all from the same run (best of --runs passes, the page cache warm):
  parse       raw tree-sitter parse of every file (the baseline);
  index       parse + find_functions (the functions query, the top-level
              filter and the text scan for headers tree-sitter cannot read);
              the aim is under 10% over parse;
  cfg         build_cfg for every function found (on already-parsed trees);
and counts: files whose tree has errors, functions found, false
function_definition nodes a full-tree walk would find (iterator macros
and their blocks inside bodies), functions the text scan found, functions
cut at a column-0 brace and parsed again, and functions whose body has
real syntax errors.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reviewkit.cmap.cfg import build_cfg
from reviewkit.cmap.functions import find_function_bodies
from reviewkit.cmap.parse import body_error_lines, parse_c
from reviewkit.model import Side

TARBALL_DIR = Path("/usr/src")
MEMBERS = "linux-source-6.1/mm/*.c"


def extract_mm(dest: Path) -> Path:
    """Extract mm/*.c (not its subfolders) from the linux-source tarball.

    Raises:
        SystemExit: no tarball, or tar failed.
    """
    tarballs = sorted(TARBALL_DIR.glob("linux-source-6.1.tar.*"))
    if not tarballs:
        raise SystemExit(f"no linux-source-6.1 tarball in {TARBALL_DIR}; give a directory of C files")
    done = subprocess.run(
        ["tar", "-xf", str(tarballs[0]), "-C", str(dest), "--wildcards", "--no-wildcards-match-slash", MEMBERS],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"tar failed: {done.stderr.strip()}")
    return dest / "linux-source-6.1" / "mm"


def walk_definitions(tree) -> tuple[int, int]:
    """(all function_definition nodes a full-tree walk finds, those inside
    another function_definition: ``for_each_hstate(h) {`` in a body)."""
    total = nested = 0
    stack = [(tree.root_node, False)]
    while stack:
        node, inside = stack.pop()
        if node.type == "function_definition":
            total += 1
            if inside:
                nested += 1
            inside = True
        stack.extend((c, inside) for c in node.children)
    return total, nested


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, help="directory of C files (default: mm/*.c of linux-source-6.1)")
    ap.add_argument("--runs", type=int, default=5, help="passes per measurement; the best counts")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir if args.dir is not None else extract_mm(Path(tmp))
        files = sorted(p for p in root.rglob("*.c") if p.is_file())
        if not files:
            raise SystemExit(f"{root}: no .c files")
        sources = [p.read_bytes() for p in files]
    total = sum(len(s) for s in sources)
    mb = total / 1e6

    def parse_all():
        for s in sources:
            parse_c(s)

    def index_all():
        for s in sources:
            find_function_bodies(parse_c(s), s, file="", side=Side.NEW)

    trees = [parse_c(s) for s in sources]
    bodies = [find_function_bodies(t, s, file="", side=Side.NEW) for t, s in zip(trees, sources)]

    def cfg_all():
        for bs in bodies:
            for b in bs:
                build_cfg(b.node, b.source, name=b.function.name, side=Side.NEW, line_offset=b.line_offset)

    parse_all()  # warm the parser and the query cache
    index_all()
    # parse and index back to back in each pass, so that both see the same
    # machine load; the ratio is the median of the passes' ratios
    pairs = [(best(parse_all, 1), best(index_all, 1)) for _ in range(args.runs)]
    t_parse = min(p for p, _ in pairs)
    t_index = min(i for _, i in pairs)
    ratio = statistics.median(i / p for p, i in pairs)
    t_cfg = best(cfg_all, args.runs)

    n_funcs = sum(len(bs) for bs in bodies)
    with_errors = sum(1 for t in trees if t.root_node.has_error)
    walked = [walk_definitions(t) for t in trees]
    all_defs, false_defs = sum(w[0] for w in walked), sum(w[1] for w in walked)
    from_scan = sum(1 for bs, s in zip(bodies, sources) for b in bs if b.source is not s and b.line_offset)
    reparsed = sum(1 for bs, s in zip(bodies, sources) for b in bs if b.source is not s and not b.line_offset)
    body_errors = 0
    for bs in bodies:
        for b in bs:
            node = b.node.child_by_field_name("body") if b.node.type == "function_definition" else b.node
            if body_error_lines(node or b.node, line_offset=b.line_offset):
                body_errors += 1

    print(f"{len(files)} files, {mb:.2f} MB, {n_funcs} functions ({root.name if args.dir else MEMBERS})")
    print(f"{'step':<18}{'seconds':>9}{'MB/s':>9}{'vs parse':>10}")
    print(f"{'parse (baseline)':<18}{t_parse:9.3f}{mb / t_parse:9.1f}{1.0:10.3f}")
    print(f"{'parse + index':<18}{t_index:9.3f}{mb / t_index:9.1f}{t_index / t_parse:10.3f}")
    print(f"{'cfg (all funcs)':<18}{t_cfg:9.3f}{mb / t_cfg:9.1f}{t_cfg / t_parse:10.3f}")
    print(f"index overhead over parse: {100 * (ratio - 1):.1f}% (median of {args.runs} paired passes; aim: under 10%)")
    print(f"files whose tree has errors: {with_errors}/{len(files)}")
    print(
        f"false function_definition nodes a full-tree walk would find: {false_defs} of {all_defs}"
        f" ({100 * false_defs / max(all_defs, 1):.1f}%)"
    )
    print(f"functions found by the text scan (header tree-sitter could not read): {from_scan}")
    print(f"functions cut at a column-0 '}}' and parsed again (runaway parse): {reparsed}")
    print(f"functions with real syntax errors in the body: {body_errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
