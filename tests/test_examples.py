"""examples/ must show what the current code prints."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_examples_are_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "regenerate.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
