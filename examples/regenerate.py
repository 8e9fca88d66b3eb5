"""Regenerate examples/: the outputs of review, summary and check on the
bundled threads, in every format, and of versions on v16 and v17 of the
"per memcg lru_lock" series.

    python3 examples/regenerate.py           # rewrite the outputs
    python3 examples/regenerate.py --check   # exit 1 and name the stale ones

Runs from the repository root with relative paths, NO_COLOR and 100 columns,
so the outputs hold no machine path and no colour codes. A file or pipe
gets whole lines; ``lru-lock-v16.overview.txt`` is what an 80-column
terminal shows first (the README quotes it).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples"

SERIES = "tests/data/corpus/threads/lru-lock-v16.mbox"

# (output file, command line after `reviewkit`)
EXAMPLES = [
    ("mlock-v16-16.review.txt", ["review", "threads/mlock-v16-16.mbox"]),
    ("mlock-v16-16.review.md", ["review", "threads/mlock-v16-16.mbox", "--format", "markdown"]),
    ("mlock-v16-16.review.json", ["review", "threads/mlock-v16-16.mbox", "--format", "json"]),
    ("mlock-v16-16.summary.md", ["summary", "threads/mlock-v16-16.mbox"]),
    ("mlock-v16-16.summary.full.md", ["summary", "--full", "threads/mlock-v16-16.mbox"]),
    ("mlock-v16-16.summary.json", ["summary", "threads/mlock-v16-16.mbox", "--format", "json"]),
    ("lru-lock-v16.summary.md", ["summary", SERIES]),
    ("lru-lock-v16.summary.txt", ["summary", "--format", "text", SERIES]),
    ("seed.review.txt", ["review", "threads/seed-duyck-mlock-v16-16.txt"]),
    ("seed.review.json", ["review", "threads/seed-duyck-mlock-v16-16.txt", "--format", "json"]),
    ("seed.summary.md", ["summary", "threads/seed-duyck-mlock-v16-16.txt"]),
    ("117-mlock.check.txt", ["check", "examples/inputs/117_v16-16-22-patch-posting.eml"]),
    ("117-mlock.check.md", ["check", "examples/inputs/117_v16-16-22-patch-posting.eml", "--format", "markdown"]),
    ("117-mlock.check.json", ["check", "examples/inputs/117_v16-16-22-patch-posting.eml", "--format", "json"]),
    ("lru-lock-v16-v17.versions.txt", ["versions", "--comments", "tests/data/corpus/threads/lru-lock-v16.mbox",
                                       "tests/data/versions/lru-lock-v17.mbox"]),
]


def render(args: list[str]) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
    env.pop("REVIEWKIT_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "reviewkit", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # check exits 1 when an item fails
        raise SystemExit(f"reviewkit {' '.join(args)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def overview_at_80_columns() -> str:
    """The start of ``reviewkit review SERIES`` on an 80-column terminal
    (no colour): the overview, up to the rule over the cover letter."""
    sys.path.insert(0, str(ROOT))
    from rich.console import Console

    from reviewkit.config import load_config
    from reviewkit.pipeline import build_review
    from reviewkit.render import render_text

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        review = build_review([SERIES], config=load_config(None))
    finally:
        os.chdir(cwd)
    console = Console(file=io.StringIO(), width=80, color_system=None, force_terminal=False, legacy_windows=False)
    render_text(review, console)
    text = console.file.getvalue()
    head = text[: text.index("─" * 80)]
    return "".join(line.rstrip() + "\n" for line in head.rstrip("\n").split("\n"))


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for name, args in [*EXAMPLES, ("lru-lock-v16.overview.txt", None)]:
        text = overview_at_80_columns() if args is None else render(args)
        path = OUT / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale examples (run python3 examples/regenerate.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
