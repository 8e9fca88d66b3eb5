"""reviewkit: a patch review assistant for kernel-style review by email."""

__version__ = "0.1.0"

# Before any of the package's dataclasses is defined: their methods are
# compiled once, not in every run (see reviewkit/dccache.py).
from reviewkit import dccache as _dccache  # noqa: E402

_dccache.install()
