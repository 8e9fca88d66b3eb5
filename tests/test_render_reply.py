"""The draft inline reply, read back by Python's email parser and by
reviewkit itself: each finding comes back as a comment anchored to the
line it was found on, and the draft gives no trailer."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewkit.cli import app
from reviewkit.config import Config
from reviewkit.model import Message, MessageKind, Series
from reviewkit.pipeline import build_review
from reviewkit.render.reply import render_reply
from tests.conftest import CORPUS, DATA, raw_invisible

runner = CliRunner()
MLOCK_PATCH = CORPUS / "patches" / "117_v16-16-22-patch-posting.eml"
MSGID = "<1594429136-20002-17-git-send-email-alex.shi@linux.alibaba.com>"
TRAILER = re.compile(r"^(Reviewed|Acked|Tested|Signed-off|Reported|Suggested|Nacked)-by:", re.IGNORECASE | re.MULTILINE)


def _draft(path: Path, msgid: str, tmp_path: Path) -> str:
    out = tmp_path / "reply.eml"
    result = runner.invoke(app, ["reply", str(path), "--msgid", msgid, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    return out.read_text(encoding="utf-8")


def test_the_draft_is_a_mail_in_reply_to_the_posting(tmp_path: Path) -> None:
    text = _draft(MLOCK_PATCH, MSGID.strip("<>"), tmp_path)
    mail = email.message_from_string(text, policy=email.policy.default)
    assert mail["Subject"] == "Re: [PATCH v16 16/22] mm/mlock: reorder isolation sequence during munlock"
    assert mail["In-Reply-To"] == MSGID
    assert mail["References"].split()[-1] == MSGID
    assert mail["To"] == "Alex Shi <alex.shi@linux.alibaba.com>"
    assert mail["From"] is None and mail["Message-ID"] is None, "the mail client or git send-email sets them"
    body = mail.get_content()
    assert "On Sat, 11 Jul 2020 08:58:50 +0800, Alex Shi <alex.shi@linux.alibaba.com> wrote:\n" in body
    assert not TRAILER.search(body), "no trailer: giving one is the reviewer's decision"
    # trimmed: only the hunks with something to say (two of the four)
    assert body.count("> @@ ") == 2
    assert "> @@ -103,25 +103,6 @@" not in body


def test_reviewkit_reads_the_findings_back_on_their_lines(tmp_path: Path) -> None:
    draft = _draft(MLOCK_PATCH, MSGID, tmp_path)
    findings = build_review([str(MLOCK_PATCH)], config=Config()).findings
    on_code = [f for f in findings if f.file]
    assert len(on_code) >= 10, "the posting has findings: the test means something"
    # the reply as sent: the client adds From, Date and Message-ID
    sent = ("From: Reviewer <rev@example.org>\nDate: Mon, 13 Jul 2020 10:00:00 +0000\n"
            "Message-ID: <draft@example.org>\n" + draft)
    mbox = tmp_path / "thread.mbox"
    mbox.write_bytes(b"From x Thu Jan  1 00:00:00 1970\n" + MLOCK_PATCH.read_bytes().rstrip(b"\n") + b"\n\n"
                     + b"From y Thu Jan  1 00:00:00 1970\n" + sent.encode("utf-8"))
    review = build_review([str(mbox)], config=Config(rules=False))
    comments = review.comments["<draft@example.org>"]
    anchored = [c for c in comments if c.anchor is not None]
    def flat(text: str) -> str:
        return " ".join(text.split())

    for f in on_code:
        # two findings on one line (RK601 and RK602 on line 333) make one comment
        here = [c for c in anchored if (c.anchor.file, c.anchor.side.value, c.anchor.line, c.anchor.function)
                == (f.file, "new", f.line, f.function)]
        assert any(flat(f.message) in flat(c.text) for c in here), (f.rule, f.line, [c.text[:40] for c in here])
    assert {(c.anchor.file, c.anchor.line) for c in anchored} == {(f.file, f.line) for f in on_code}
    # the general finding (RK505, on the patch as a whole) opens the mail
    general = [c for c in comments if c.anchor is None]
    assert any("without a changelog" in c.text for c in general)


def test_a_reply_to_a_cover_letter_quotes_its_lines(tmp_path: Path) -> None:
    cover = CORPUS / "patches" / "101_v16-00-22-patch-posting.eml"
    msgid = re.search(r"^Message-Id: (<[^>]+>)", cover.read_text(encoding="utf-8", errors="replace"),
                      re.MULTILINE | re.IGNORECASE)[1]
    body = email.message_from_string(_draft(cover, msgid, tmp_path), policy=email.policy.default).get_content()
    # the cover letter's misspelled words, each under its quoted line
    assert re.search(r'^> .*patchs.*\n\n"patchs" may be misspelled', body, re.MULTILINE), body
    assert "> [...]" in body


def test_a_reply_needs_a_posting(tmp_path: Path) -> None:
    result = runner.invoke(app, ["reply", str(MLOCK_PATCH), "--msgid", "<nope@example.org>"])
    assert result.exit_code == 2 and "no mail with Message-ID <nope@example.org>" in result.stderr
    thread = Path(__file__).parent.parent / "threads" / "mlock-v16-16.mbox"
    reply_id = re.findall(r"^Message-I[dD]: (<[^>]+>)", thread.read_text(encoding="utf-8", errors="replace"),
                          re.MULTILINE)[1]
    result = runner.invoke(app, ["reply", str(thread), "--msgid", reply_id])
    assert result.exit_code == 2 and "no patch mail or cover letter" in result.stderr


def test_hostile_headers_stay_one_line_each() -> None:
    m = Message(msgid="<a@b>", subject="[PATCH] x\n\x1b[31mBcc: evil@example.org", author='Evil, "Eve"\x1b',
                email="eve@example.org", date="Mon, 1 Jan 2024 00:00:00 +0000", timestamp=None, in_reply_to=None,
                references=("<r@b>\nX-Injected: 1",), series=Series(), kind=MessageKind.PATCH, body="")
    text = render_reply(m, None, [])
    mail = email.message_from_string(text, policy=email.policy.default)
    assert mail["Bcc"] is None and mail["X-Injected"] is None
    assert not raw_invisible(text)
    assert mail["To"].addresses[0].addr_spec == "eve@example.org"


@pytest.mark.parametrize("name", ["render-hostile-thread.mbox"])
def test_a_reply_to_hostile_mail_holds_no_raw_control(tmp_path: Path, name: str) -> None:
    path = DATA / "fuzz" / name
    ids = re.findall(r"^Message-I[dD]: (<[^>]+>)", path.read_text(encoding="utf-8", errors="replace"), re.MULTILINE)
    for msgid in ids:
        result = runner.invoke(app, ["reply", str(path), "--msgid", msgid])
        assert result.exit_code in (0, 2)
        assert not raw_invisible(result.stdout)


@pytest.mark.parametrize("command", ["reply", "dismiss"])
def test_help_of_the_workflow_commands(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert ("--msgid" if command == "reply" else "--reason") in result.output
