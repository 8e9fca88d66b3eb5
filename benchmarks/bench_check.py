"""Whole-process time of `reviewkit check PATCH` beside checkpatch.pl and `python -c pass`.

Usage: python3 benchmarks/bench_check.py [--runs N] [--tarball PATH] [--no-bytecode-cache]

Inputs: three of the v16 postings in tests/data/corpus/patches/ (the seed
patch 16/22, the small 02/22, the large 18/22). Each command runs N times
after one warm-up run; the median is shown, in the same run as the
baselines `python -c pass` and `perl -e 1`.

Rows:
- `reviewkit check`: the console script (typer CLI, checklist, text output).
- `checklist only`: the same work without the CLI layer, a small driver
  calling build_checklist and render_checklist_text, to show what the CLI's
  own start-up costs; `rules engine off` leaves out the `rules` item (no
  tree-sitter, no CFGs): the format, spelling and style checks alone.
- `spelling cache cold`: `reviewkit check` with an empty cache directory,
  so the codespell index is built in that run (the first `check` after an
  install or a codespell upgrade).
- `checkpatch.pl`: `perl checkpatch.pl --no-tree --no-color PATCH`, taken
  from Debian's linux-source tarball (scripts/checkpatch.pl, spelling.txt,
  const_structs.checkpatch), extracted once into the cache directory;
  `checkpatch.pl --codespell` adds codespell's dictionary (the one
  reviewkit reads, passed with `--codespellfile`), the spelling both do.
- `reviewkit --help`: the start-up of the command line alone.

The bound: `reviewkit check` on one patch, spelling on, at most 0.35x the
time of `checkpatch.pl --no-tree --codespell` on the same patch; the last
lines give that ratio per patch.

Every command runs from an empty scratch directory, not from this
checkout: `check` inside a git work tree looks the patch's files up in
that tree (the hook's case), and checkpatch.pl runs with `--no-tree`.

Python's bytecode cache is on for the reviewkit rows (as for any installed
package: its .pyc files exist) by pointing PYTHONPYCACHEPREFIX at a cache
directory; `--no-bytecode-cache` measures with PYTHONDONTWRITEBYTECODE=1,
every module compiled from source in every run.

The aim: `reviewkit check` on one patch, spelling included, in at most 125 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import Timing, reviewkit_argv, time_runs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PATCHES = ROOT / "tests" / "data" / "corpus" / "patches"
INPUTS = ("117_v16-16-22-patch-posting.eml", "103_v16-02-22-patch-posting.eml", "119_v16-18-22-patch-posting.eml")
TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")  # Debian's linux-source-6.1 package
AIM_MS = 125.0
BOUND = 0.35  # check / checkpatch.pl --codespell, same patch, same run

DRIVER = (
    "import sys\n"
    "from rich.console import Console\n"
    "from reviewkit.config import load_config\n"
    "from reviewkit.pipeline import build_checklist\n"
    "from reviewkit.render.checklist import render_checklist_text\n"
    "rules = sys.argv[1] == 'rules'\n"
    "c = build_checklist(sys.argv[2:], config=load_config(rules=rules))\n"
    "render_checklist_text(c, Console(no_color=True, highlight=False, markup=False, emoji=False))\n"
    "sys.exit(c.exit_code)\n"
)


def find_checkpatch(tarball: Path, cache: Path) -> Path | None:
    """checkpatch.pl with its data files, extracted once from the kernel tarball.

    Returns None (and says why) when the tarball or tar is missing.
    """
    dest = cache / f"checkpatch-{tarball.stat().st_mtime_ns if tarball.exists() else 0}"
    script = dest / "checkpatch.pl"
    if script.is_file():
        return script
    if not tarball.is_file():
        print(f"checkpatch.pl: {tarball} not found; its rows are left out", file=sys.stderr)
        return None
    if shutil.which("tar") is None:
        print("checkpatch.pl: no tar; its rows are left out", file=sys.stderr)
        return None
    dest.mkdir(parents=True, exist_ok=True)
    members = ["*/scripts/checkpatch.pl", "*/scripts/spelling.txt", "*/scripts/const_structs.checkpatch"]
    print(f"extracting checkpatch.pl from {tarball} (once) ...", file=sys.stderr)
    proc = subprocess.run(["tar", "-xJf", str(tarball), "-C", str(dest), "--strip-components=2",
                           "--wildcards", *members], capture_output=True, text=True)
    if proc.returncode != 0 or not script.is_file():
        print(f"checkpatch.pl: tar failed: {proc.stderr.strip()[:200]}", file=sys.stderr)
        return None
    return script


def codespell_dictionary() -> Path | None:
    """codespell's dictionary as this interpreter has it installed, else None
    (the `--codespell` rows are then left out)."""
    try:
        import codespell_lib
    except ImportError:
        print("checkpatch.pl --codespell: codespell is not installed; its rows are left out", file=sys.stderr)
        return None
    path = Path(codespell_lib.__file__).parent / "data" / "dictionary.txt"
    return path if path.is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--tarball", type=Path, default=TARBALL)
    parser.add_argument("--no-bytecode-cache", action="store_true")
    args = parser.parse_args()

    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reviewkit" / "bench"
    cache_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    # every command runs from this empty directory: run inside a git work
    # tree (this checkout), `check` would look the patch's files up in it
    # and read its pyproject.toml, where checkpatch.pl runs with --no-tree
    os.chdir(work)
    try:
        env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(work / "cache")}
        if args.no_bytecode_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(cache_root / "pycache")

        reviewkit = reviewkit_argv()
        check = [*reviewkit, "check"]
        driver = work / "driver.py"
        driver.write_text(DRIVER)
        checkpatch = find_checkpatch(args.tarball, cache_root)
        perl = shutil.which("perl")

        dictionary = codespell_dictionary()
        codespell = ["--codespell", f"--codespellfile={dictionary}"] if dictionary else []

        rows: list[tuple[str, Timing]] = []
        ratios: list[tuple[str, float, float]] = []
        base = time_runs([sys.executable, "-c", "pass"], runs=args.runs, env=env)
        rows.append(("python -c pass", base))
        if perl:
            timing = time_runs([perl, "-e", "1"], runs=args.runs, env=env)
            rows.append(("perl -e 1", timing))
        timing = time_runs([*reviewkit, "--help"], runs=args.runs, env=env)
        rows.append(("reviewkit --help", timing))

        cold_dir = work / "cold"

        def empty_cache() -> None:
            shutil.rmtree(cold_dir, ignore_errors=True)

        for name in INPUTS:
            path = str(PATCHES / name)
            short = name.split("_")[0]
            checked = time_runs([*check, "--no-color", path], runs=args.runs, env=env)
            rows.append((f"reviewkit check {short}", checked))
            timing = time_runs([sys.executable, str(driver), "rules", path], runs=args.runs, env=env)
            rows.append((f"checklist only {short}", timing))
            timing = time_runs([sys.executable, str(driver), "no-rules", path], runs=args.runs, env=env)
            rows.append((f"checklist only {short}, rules engine off", timing))
            if name == INPUTS[0]:
                cold_env = {**env, "XDG_CACHE_HOME": str(cold_dir)}
                timing = time_runs([*check, "--no-color", path], runs=args.runs, env=cold_env, before=empty_cache)
                rows.append((f"reviewkit check {short}, spelling cache cold", timing))
            if checkpatch is not None and perl:
                timing = time_runs([perl, str(checkpatch), "--no-tree", "--no-color", path], runs=args.runs, env=env)
                rows.append((f"checkpatch.pl {short}", timing))
                if codespell:
                    timing = time_runs([perl, str(checkpatch), "--no-tree", "--no-color", *codespell, path],
                                       runs=args.runs, env=env)
                    rows.append((f"checkpatch.pl --codespell {short}", timing))
                    ratios.append((short, checked.wall / timing.wall, checked.cpu / timing.cpu))
        series = sorted(str(p) for p in PATCHES.glob("*.eml"))
        timing = time_runs([*check, "--no-color", *series], runs=max(3, args.runs // 3), env=env)
        rows.append((f"reviewkit check, whole series ({len(series)} mails)", timing))
        if checkpatch is not None and perl:
            timing = time_runs([perl, str(checkpatch), "--no-tree", "--no-color", *series],
                               runs=max(3, args.runs // 3), env=env)
            rows.append((f"checkpatch.pl, whole series ({len(series)} mails)", timing))

        width = max(len(r[0]) for r in rows)
        mode = "off (PYTHONDONTWRITEBYTECODE=1)" if args.no_bytecode_cache else "on"
        print(f"runs: {args.runs} (median), bytecode cache: {mode}, aim: check <= {AIM_MS:.0f} ms")
        print(f"{'command':<{width}}  {'wall ms':>8}  {'cpu ms':>7}  {'x python':>8}  exit")
        for name, timing in rows:
            mark = ""
            if name.startswith("reviewkit check ") and "cold" not in name and "series" not in name:
                mark = "  ok" if timing.wall * 1000 <= AIM_MS else "  over the aim"
            print(f"{name:<{width}}  {timing.wall * 1000:8.1f}  {timing.cpu * 1000:7.1f}  {timing.wall / base.wall:8.2f}"
                  f"  {timing.code}{mark}")
        for short, ratio, cpu_ratio in ratios:
            verdict = "ok" if ratio <= BOUND else "over the bound"
            print(f"check {short} / checkpatch.pl --codespell {short}: {ratio:.2f}x wall, {cpu_ratio:.2f}x cpu"
                  f"  (bound {BOUND}x: {verdict})")
        load = os.getloadavg()[0]
        print(f"load average at the end: {load:.2f} on {os.cpu_count()} CPUs"
              + ("  (a busy machine: wall times are inflated; compare within this table)" if load > (os.cpu_count() or 1)
                 else ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
