"""mail stage: decode messages (charsets, MIME, format=flowed, subject tags)
and thread them."""

from reviewkit.mail.parse import NO_MSGID, has_own_msgid, parse_message
from reviewkit.mail.thread import build_threads

__all__ = ["NO_MSGID", "build_threads", "has_own_msgid", "parse_message"]
