"""mail stage: decode messages (charsets, MIME, format=flowed, subject tags)
and thread them."""

from reviewkit.mail.parse import NO_MSGID, Threading, has_own_msgid, parse_message, parse_threading
from reviewkit.mail.thread import build_threads

__all__ = ["NO_MSGID", "Threading", "build_threads", "has_own_msgid", "parse_message", "parse_threading"]
