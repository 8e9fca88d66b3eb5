"""reviewkit: a patch review assistant for kernel-style review by email."""

__version__ = "0.1.0"
