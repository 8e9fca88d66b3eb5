"""examples/ must show what the current code prints."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_examples_are_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "regenerate.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_readme_opens_with_its_commands_then_the_overview() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```")
    # the first block: the two commands, first in the file
    assert blocks[1].startswith("sh\npython3 -m pip install . && reviewkit review threads/mlock-v16-16.mbox\n")
    # the first screenshot: the overview of a series, as the example holds it
    overview = (ROOT / "examples" / "lru-lock-v16.overview.txt").read_text(encoding="utf-8")
    assert blocks[3] == "\n$ reviewkit review tests/data/corpus/threads/lru-lock-v16.mbox\n" + overview
