"""source stage: raw messages from mbox, maildir, mail files, stdin, archive
pages and public-inbox archives."""

from reviewkit.source.reader import Input, Part, PartKind, Place, read_messages

__all__ = ["Input", "Part", "PartKind", "Place", "read_messages"]
