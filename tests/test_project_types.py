"""The package's annotations hold, and ship.

mypy, as pyproject's ``[tool.mypy]`` sets it up, finds no error in
``reviewkit/``; ``reviewkit/py.typed`` tells the checkers of code that
imports reviewkit to read those annotations, so it must reach the
installed package. mypy keeps its cache in ``.mypy_cache``: the first run
takes a couple of seconds, a later one rechecks only the modules that
changed.
"""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_error_in_the_package() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Success: no issues found"), proc.stdout


def test_the_package_is_marked_typed() -> None:
    assert importlib.resources.files("reviewkit").joinpath("py.typed").is_file()
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["reviewkit"]
