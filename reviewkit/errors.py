"""Errors that reach the user as one line and exit status 2."""


class ReviewkitError(Exception):
    """Bad input or setup: the CLI prints ``str(err)`` on one line, exit 2."""


class InputError(ReviewkitError):
    """An input path cannot be read or holds no mail."""


class ConfigError(ReviewkitError):
    """The config file or the knowledge base is malformed."""
