"""source stage: raw messages from mbox, maildir, mail files, stdin, archive
pages and public-inbox archives."""

from reviewkit.source.reader import read_messages

__all__ = ["read_messages"]
