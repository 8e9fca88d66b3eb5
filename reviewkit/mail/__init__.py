"""mail stage: decode messages (charsets, MIME, format=flowed, subject tags)
and thread them."""

from reviewkit.mail.parse import parse_message
from reviewkit.mail.thread import build_threads

__all__ = ["build_threads", "parse_message"]
