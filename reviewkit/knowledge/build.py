"""``reviewkit knowledge build``: walk a kernel tree, summarise every C file
in worker processes, derive the facts, write the database.

Memory: a worker holds one file and its tree at a time and hands back a
summary; the parent keeps the summaries (calls by name, a few facts per
function), never a source or a tree.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from reviewkit import __version__
from reviewkit.errors import ReviewkitError
from reviewkit.knowledge.derive import Graph, build_records
from reviewkit.knowledge.extract import FileSummary, summarise_file
from reviewkit.knowledge.seeds import Seeds
from reviewkit.knowledge.store import write_database

# Directories of a kernel tree that hold no kernel C: user-space tools and
# their copies of kernel headers (tools/include defines mutex_lock over
# pthreads), build scripts, documentation, the initramfs generator.
SKIP_DIRS = frozenset({"tools", "scripts", "Documentation", "usr", ".git"})

# A header with no block and no function-like macro (a register map:
# drivers/gpu/drm/amd/include/asic_reg/ holds 300 MB of `#define REG 0x..`)
# holds nothing to learn; reading it for this costs far less than parsing it.
_WORTH_PARSING = re.compile(rb"[{]|#\s*define\s+\w+\(|DEFINE_|EXTEND_")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildReport:
    output: Path
    files: int  # C files read
    functions: int  # definitions summarised (functions and function-like macros)
    counts: dict[str, int]  # facts by kind
    size: int  # bytes written
    seconds: float
    failed: tuple[str, ...]  # files that could not be read


def find_sources(tree: Path) -> list[str]:
    """The ``.c`` and ``.h`` files of ``tree`` (paths relative to it,
    sorted), leaving out :data:`SKIP_DIRS` at its top and symbolic links.

    Raises:
        ReviewkitError: ``tree`` is not a directory.
    """
    if not tree.is_dir():
        raise ReviewkitError(f"{tree}: not a directory")
    out = []
    for root, dirs, files in os.walk(tree):
        rel = os.path.relpath(root, tree)
        if rel == ".":
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        dirs.sort()
        for f in files:
            if f.endswith((".c", ".h")):
                full = os.path.join(root, f)
                if not os.path.islink(full):
                    out.append(os.path.normpath(os.path.join(rel, f)).replace(os.sep, "/"))
    out.sort()
    return out


def kernel_version(tree: Path) -> str:
    """``6.12.118`` from the tree's top Makefile; "" when it has none."""
    try:
        head = (tree / "Makefile").read_text("utf-8", "replace")[:2000]
    except OSError:
        return ""
    parts = {}
    for key in ("VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"):
        m = re.search(rf"^{key}\s*=\s*(\S*)\s*$", head, re.M)
        parts[key] = m.group(1) if m else ""
    if not parts["VERSION"]:
        return ""
    v = f"{parts['VERSION']}.{parts['PATCHLEVEL']}"
    if parts["SUBLEVEL"] and parts["SUBLEVEL"] != "0":
        v += f".{parts['SUBLEVEL']}"
    return v + parts["EXTRAVERSION"]


# ---------------------------------------------------------------------- workers

_WORKER: dict[str, Any] = {}


def _init_worker(tree: str, seeds: Seeds) -> None:
    _WORKER["tree"] = tree
    _WORKER["seeds"] = seeds


def _summarise(rel: str) -> tuple[str, FileSummary | None]:
    try:
        with open(os.path.join(_WORKER["tree"], rel), "rb") as f:
            source = f.read()
    except OSError:
        return rel, None
    if rel.endswith(".h") and _WORTH_PARSING.search(source) is None:
        return rel, FileSummary(rel, (), (), (), ())
    return rel, summarise_file(source, rel, _WORKER["seeds"])


def summarise_tree(tree: Path, files: list[str], seeds: Seeds, *, jobs: int = 1,
                   progress: Progress | None = None) -> Iterator[tuple[str, FileSummary | None]]:
    """Each file's summary (None: unreadable), in the order of ``files``,
    from ``jobs`` worker processes (1: in this process)."""
    total = len(files)
    if jobs <= 1:
        _init_worker(str(tree), seeds)
        for done, rel in enumerate(files, 1):
            yield _summarise(rel)
            if progress is not None:
                progress(done, total)
        return
    ctx = multiprocessing.get_context("spawn" if os.name != "posix" else "fork")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(str(tree), seeds)) as pool:
        # in order: the database is the same whatever the number of workers
        for done, item in enumerate(pool.imap(_summarise, files, chunksize=16), 1):
            yield item
            if progress is not None:
                progress(done, total)


def build_database(tree: Path, output: Path, seeds: Seeds, *, jobs: int = 1, global_only: bool = False,
                   progress: Progress | None = None, origin: str = "") -> BuildReport:
    """Learn from ``tree`` and write the database to ``output``.

    Args:
        tree: a kernel source tree.
        output: the database file to write.
        seeds: what the learning starts from (knowledge.toml and the config).
        jobs: worker processes.
        global_only: keep only what calls across files need (see
            :func:`reviewkit.knowledge.derive.build_records`).
        progress: called with (files done, files in all) as files finish.
        origin: how the database names its source in its metadata (default:
            the tree's directory name).

    Returns:
        What was built.

    Raises:
        ReviewkitError: the tree is not a directory or the output cannot
            be written.
    """
    start = time.monotonic()
    files = find_sources(tree)
    graph = Graph(seeds)
    failed = []
    for rel, summary in summarise_tree(tree, files, seeds, jobs=jobs, progress=progress):
        if summary is None:
            failed.append(rel)
        else:
            graph.add(summary)
    records, counts = build_records(graph, global_only=global_only)
    version = kernel_version(tree)
    meta = {
        "kernel": version,
        # a whole kernel tree: a database of it needs no other below it
        "complete": bool(version),
        "global_only": global_only,
        "source": origin or tree.resolve().name,
        "reviewkit": __version__,
        "files": len(files) - len(failed),
        "definitions": len(graph.fns),
        "facts": counts,
    }
    size = write_database(output, records, meta)
    return BuildReport(output, len(files) - len(failed), len(graph.fns), counts, size,
                       time.monotonic() - start, tuple(sorted(failed)))
