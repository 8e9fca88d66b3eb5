"""The whole linux-pwm public-inbox archive (23,541 messages) goes through
the source and mail stages without an exception."""

from __future__ import annotations

from collections import Counter

import pytest

from reviewkit.mail import build_threads, parse_message
from reviewkit.model import MessageKind
from reviewkit.source import read_messages
from tests.conftest import ARCHIVE, needs_archive

ARCHIVE_MESSAGES = 23541


@pytest.mark.slow
@needs_archive()
def test_whole_archive_parses_and_threads() -> None:
    kinds: Counter[MessageKind] = Counter()
    messages = []
    for raw in read_messages([str(ARCHIVE)]):
        assert raw.origin.startswith("archive:")
        m = parse_message(raw)
        kinds[m.kind] += 1
        messages.append(m)
    assert len(messages) == ARCHIVE_MESSAGES
    # a list of patches and their review: both kinds are plentiful
    assert kinds[MessageKind.PATCH] > 5000
    assert kinds[MessageKind.REPLY] > 10000
    assert kinds[MessageKind.COVER] > 500
    assert sum(1 for m in messages if m.timestamp is None) < 10
    assert sum(1 for m in messages if m.msgid.endswith("@reviewkit>")) < 10

    threads = build_threads(messages)
    assert sum(len(t.messages) for t in threads) == ARCHIVE_MESSAGES
    assert len({m.msgid for t in threads for m in t.messages}) == ARCHIVE_MESSAGES
    assert 100 < len(threads) < ARCHIVE_MESSAGES // 2


@pytest.mark.slow
@needs_archive()
def test_the_shortcuts_read_each_archive_message_as_the_mail_parser_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # the index reads the head alone; parse_message takes the body of a
    # message of one part whole: both as email.message_from_bytes reads it
    import reviewkit.mail.parse as parse
    from reviewkit.mail import parse_threading
    from reviewkit.mail.parse import has_own_msgid

    shortcut = parse._one_part
    for raw in read_messages([str(ARCHIVE)]):
        m = parse_message(raw)
        assert parse_threading(raw) == (m.msgid, m.in_reply_to, m.references, m.subject, m.timestamp,
                                        has_own_msgid(m)), raw.origin
        monkeypatch.setattr(parse, "_one_part", lambda *args: None)
        assert parse_message(raw) == m, raw.origin
        monkeypatch.setattr(parse, "_one_part", shortcut)
