"""The mail stage: decoding, subject tags, kinds, on real and crafted mail."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Iterator

import pytest

from reviewkit.mail import parse_message
from reviewkit.mail.flowed import unflow
from reviewkit.mail.subject import parse_subject
from reviewkit.model import Message, MessageKind, RawMessage, Series
from reviewkit.source import read_messages

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
MAIL = DATA / "mail"
SEED = CORPUS / "seed-duyck-mlock-v16-16.txt"


def _parse(path: Path) -> list[Message]:
    return [parse_message(raw) for raw in read_messages([str(path)])]


def _one(path: Path) -> Message:
    messages = _parse(path)
    assert len(messages) == 1
    return messages[0]


def _corpus_files() -> list[Path]:
    files = [SEED, *sorted(CORPUS.glob("threads/*.mbox"))]
    files += sorted(CORPUS.glob("patches/*.eml")) + sorted(CORPUS.glob("replies/*.eml"))
    files += sorted(CORPUS.glob("samples/**/*.mbox"))
    return files


# --------------------------------------------------------------------------
# the seed


def test_seed_page() -> None:
    m = _one(SEED)
    assert m.author == "Alexander Duyck"
    assert m.email == ""
    assert m.subject == "Re: [PATCH v16 16/22] mm/mlock: reorder isolation sequence during munlock"
    assert m.series == Series(
        version=16, index=16, total=22, is_patch_tag=True, is_reply=True,
        title="mm/mlock: reorder isolation sequence during munlock",
    )
    assert m.kind is MessageKind.REPLY
    assert m.date == "Fri Jul 17 2020 - 16:31:02 EST"
    assert m.timestamp == 1595021462.0  # 16:31:02 EST = 21:31:02 UTC
    assert re.fullmatch(r"<archive-page-[0-9a-f]{12}@reviewkit>", m.msgid)
    assert any(m.msgid in w for w in m.warnings)
    # the body starts at the attribution line and keeps every line after it
    lines = m.body.splitlines()
    assert lines[0] == "On Fri, Jul 10, 2020 at 5:59 PM Alex Shi <alex.shi@xxxxxxxxxxxxxxxxx> wrote:"
    assert lines[-1] == ">"
    assert "> diff --git a/mm/mlock.c b/mm/mlock.c" in lines
    assert len(lines) == len(SEED.read_text().splitlines()) - 6


def test_seed_id_is_stable() -> None:
    assert _one(SEED).msgid == _one(SEED).msgid
    other = parse_message(RawMessage(data=SEED.read_bytes() + b"\nmore\n", origin="x", archive_page=True))
    assert other.msgid != _one(SEED).msgid


def test_seed_matches_the_mailed_copy() -> None:
    # the seed page is the second message of the thread, as mailed
    mailed = _parse(CORPUS / "threads" / "mlock-v16-16.mbox")[1]
    page = _one(SEED)
    assert mailed.author == page.author == "Alexander Duyck"
    assert mailed.email == "alexander.duyck@gmail.com"
    assert mailed.subject == page.subject
    # The page shows the archive's arrival time in US Eastern time and
    # labels it "EST" even in July (daylight time): 16:31:02 there, sent
    # 13:30:48 -0700. Within the hour, not equal.
    assert mailed.timestamp is not None and page.timestamp is not None
    assert 0 <= page.timestamp - mailed.timestamp <= 3600 + 60


# --------------------------------------------------------------------------
# every corpus file


def test_every_corpus_file_parses() -> None:
    total = 0
    for path in _corpus_files():
        for m in _parse(path):
            total += 1
            assert m.msgid.startswith("<") and m.msgid.endswith(">"), path
            assert "\r" not in m.body, path
            assert m.body.strip() or m.attachments, path
    # seed 1 + threads 6 + 66 + patches 23 + replies 32 + samples 56
    # (53 "From " lines and three bare messages)
    assert total == 1 + 6 + 66 + 23 + 32 + 56


def _ground_truth_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in (CORPUS / "GROUND_TRUTH.md").read_text().splitlines():
        m = re.match(r"^\| (\d{3}_[^|]+\.eml) \| (.*?) \| (.*?) \| (.*?) \|", line)
        if m:
            rows.append(m.groups())
    return rows


def test_ground_truth_headers() -> None:
    rows = _ground_truth_rows()
    assert len(rows) == 32 + 23
    for name, subject, date, author in rows:
        is_reply = (CORPUS / "replies" / name).exists()
        m = _one(CORPUS / ("replies" if is_reply else "patches") / name)
        assert (m.subject, m.date, m.author) == (subject, date, author), name
        assert (m.kind is MessageKind.REPLY) == is_reply, name
        assert m.timestamp is not None, name


def test_v16_postings() -> None:
    for path in sorted((CORPUS / "patches").glob("*.eml")):
        m = _one(path)
        n = int(path.name[8:10])  # 101_v16-00-22-...
        assert m.author == "Alex Shi" and m.email == "alex.shi@linux.alibaba.com"
        assert (m.series.version, m.series.index, m.series.total) == (16, n, 22), path.name
        assert m.kind is (MessageKind.COVER if n == 0 else MessageKind.PATCH), path.name
        assert not m.warnings, path.name


def test_replies_with_unquoted_code_stay_replies() -> None:
    # 002 and 010 post code of their own, unquoted
    hugh = _one(CORPUS / "replies" / "002_v16-00-hugh-pgrotated-fix.eml")
    assert hugh.kind is MessageKind.REPLY
    assert re.search(r"^(?:diff |--- |\+\+\+ |@@ )", hugh.body, re.MULTILINE)
    assert _one(CORPUS / "replies" / "010_v16-15-duyck-compaction-helper.eml").kind is MessageKind.REPLY


def test_bodies_agree_with_the_standard_library() -> None:
    # Cross-check the decoding (13 of the replies are quoted-printable or
    # base64) against email.policy.default. Flowed mail differs on purpose
    # (the standard library does not un-flow): there the quoted lines agree.
    checked = flowed = 0
    for path in sorted(CORPUS.glob("patches/*.eml")) + sorted(CORPUS.glob("replies/*.eml")):
        raw = next(read_messages([str(path)]))
        std = email.message_from_bytes(raw.data, policy=email.policy.default)
        part = std.get_body(preferencelist=("plain",))
        expected = part.get_content().replace("\r\n", "\n")
        body = parse_message(raw).body
        if part.get_param("format") == "flowed":
            flowed += 1
            quoted = [ln for ln in expected.split("\n") if ln.startswith(">")]
            assert [ln for ln in body.split("\n") if ln.startswith(">")] == quoted, path.name
            assert len(body) <= len(expected), path.name  # soft breaks joined, if any
        else:
            assert body == expected, path.name
        checked += 1
    assert checked == 55 and flowed >= 1


def test_utf8_author_and_body() -> None:
    m = _one(CORPUS / "samples" / "patchwork" / "0013-with-utf8-body.mbox")
    assert m.author == "Rafał Miłecki"
    assert not m.warnings


def test_invalid_utf8_headers() -> None:
    m = _one(CORPUS / "samples" / "patchwork" / "0015-with-invalid-utf8-headers.mbox")
    assert m.author and m.email == "zajec5@gmail.com"
    assert m.kind is MessageKind.PATCH


def test_unknown_charset_warns() -> None:
    m = _one(CORPUS / "samples" / "patchwork" / "0010-invalid-charset.mbox")
    assert any("unknown charset" in w for w in m.warnings)
    assert m.kind is MessageKind.PATCH
    assert "diff" in m.body


def test_fuzz_samples_do_not_raise() -> None:
    broken = _one(CORPUS / "samples" / "patchwork" / "base64err.mbox")
    assert broken.body
    unknown = _one(CORPUS / "samples" / "patchwork" / "unknown-encoding.mbox")
    assert unknown.body and unknown.timestamp is None
    assert any("Date" in w for w in unknown.warnings)
    refs = _one(CORPUS / "samples" / "patchwork" / "refshdr.mbox")
    assert all(r.startswith("<") and r.endswith(">") for r in refs.references)


def test_multipart_ignores_html() -> None:
    m = _one(CORPUS / "samples" / "patchwork" / "0019-multipart-patch.mbox")
    assert m.kind is MessageKind.PATCH
    assert "<html" not in m.body.lower() and "<div" not in m.body.lower()
    c = _one(CORPUS / "samples" / "patchwork" / "0020-multipart-comment.mbox")
    assert c.kind is MessageKind.REPLY
    assert "<" not in c.body or "<html" not in c.body.lower()


def test_cvs_diff_is_a_patch() -> None:
    m = _one(CORPUS / "samples" / "patchwork" / "0007-cvs-format-diff.mbox")
    assert m.kind is MessageKind.PATCH


def test_missing_message_id_is_synthesized() -> None:
    m = _one(CORPUS / "samples" / "patchwork" / "0008-git-rename.mbox")
    assert re.fullmatch(r"<no-msgid-[0-9a-f]{12}@reviewkit>", m.msgid)
    assert any("no Message-ID" in w for w in m.warnings)
    assert m.author == "Yann E. MORIN"


def test_thunderbird_flowed_quote_keeps_lines() -> None:
    m = _parse(CORPUS / "samples" / "patchwork" / "bugs-multiple-content-types.mbox")[1]
    assert m.author == "Björn Töpel"
    lines = m.body.splitlines()
    # one quoted line per patch line: nothing glued, stuffing undone
    assert ">  \tstruct bpf_map *m = &map->map;" in lines
    assert "> -\treturn IS_ERR(m) ? PTR_ERR(m) : 0;" in lines
    assert ">  kernel/bpf/xskmap.c | 2 +-" in lines
    assert lines.count(">  ") == 2  # the quoted blank context lines
    assert "Acked-by: Björn Töpel <bjorn.topel@intel.com>" in lines


def test_lists_flowed_samples_keep_quoted_lines() -> None:
    for name in ("lkml-thp-sysfs-lock-review.mbox", "linux-mm-prctl-arg_lock-review.mbox"):
        path = CORPUS / "samples" / "lists" / name
        m = _one(path)
        raw_quoted = [ln for ln in path.read_text().split("\n\n", 1)[1].splitlines() if ln.startswith(">")]
        quoted = [ln for ln in m.body.splitlines() if ln.startswith(">")]
        assert len(quoted) == len(raw_quoted), name
    thp = _one(CORPUS / "samples" / "lists" / "lkml-thp-sysfs-lock-review.mbox")
    assert "> +\tspin_lock(&huge_anon_orders_lock);" in thp.body.splitlines()


def test_nested_qp_sample() -> None:
    m = _one(CORPUS / "samples" / "lists" / "dri-devel-drm-sched-nested-qp-excerpt.mbox")
    assert "=3D" not in m.body and "=20" not in m.body
    assert re.search(r"^> >>>>", m.body, re.MULTILINE)


# --------------------------------------------------------------------------
# crafted fixtures


def test_flowed_joins_prose_only() -> None:
    m = _one(MAIL / "0001-flowed-quoted-diff.eml")
    lines = m.body.splitlines()
    assert "> The lock only guards the flag, so take it once before the chain and " in lines
    assert "> drop it after." in lines
    assert ">  \tint ret = 0;" in lines
    assert ">  " in lines
    assert ">  \tif (x->a) " in lines
    assert "> -\t\tspin_lock(&x->lock);" in lines
    assert (
        "This is a long sentence of my own that the mail client wrapped at the usual width, "
        "and it must come back as one line because it is prose and not code."
    ) in lines
    assert "From here on a space-stuffed line." in lines
    assert lines[-2:] == ["-- ", "Rey"]


def test_flowed_delsp() -> None:
    m = _one(MAIL / "0002-flowed-delsp.eml")
    lines = m.body.splitlines()
    assert "Thisisalongwordthatwassplitinthemiddlebythesender, and DelSp=yes says the space goes away." in lines
    assert lines[:2] == ["> +\tif (ret) ", "> +\t\treturn ret;"]


def test_unflow_never_joins_code() -> None:
    text = "Try this: \n\tspin_lock(&a); \n\tfoo(); \n+\tbar(); \nend"
    assert unflow(text, delsp=False).split("\n") == ["Try this: ", "\tspin_lock(&a); ", "\tfoo(); ", "+\tbar(); ", "end"]


def test_unflow_stuffing_by_writer() -> None:
    # Thunderbird stuffs the first quote level twice: one space goes
    thunderbird = ">   \tint x;\n> +\ty = 1;\n>   \n>  From here"
    assert unflow(thunderbird, delsp=False).split("\n") == [">  \tint x;", "> +\ty = 1;", ">  ", ">  From here"]
    # Roundcube/aerc stuff once, as RFC 3676 says: nothing changes
    rfc = ">  \tint x;\n>   indented prose\n>> \tdeeper"
    assert unflow(rfc, delsp=False) == rfc


def test_no_from_line_patch() -> None:
    m = _one(MAIL / "0003-no-from-line.eml")
    assert m.msgid == "<hg-1@example.org>"
    assert (m.series.index, m.series.total) == (1, 2)
    assert m.kind is MessageKind.PATCH


def test_format_patch_file() -> None:
    m = _one(MAIL / "0010-format-patch.patch")
    assert m.kind is MessageKind.PATCH
    assert (m.series.version, m.series.prefixes, m.series.title) == (3, ("net",), "util: fix an off-by-one in f()")
    assert m.author == "Pat Author" and m.email == "pat@example.org"
    lines = m.body.splitlines()
    assert lines[0] == "From the report: f() returned one too many."
    assert lines[-2:] == ["-- ", "2.39.5"]
    assert any("no Message-ID" in w for w in m.warnings)


def test_mboxrd_messages() -> None:
    first, second = _parse(MAIL / "0004-mboxrd-escaping.mbox")
    assert first.kind is MessageKind.PATCH and second.kind is MessageKind.REPLY
    assert "From the manual: this line was escaped by the mbox writer." in first.body.splitlines()
    assert second.in_reply_to == "<mboxrd-1@example.org>"


def test_x_patch_attachment() -> None:
    m = _one(MAIL / "0006-multipart-x-patch.eml")
    assert m.body.strip() == "The fix is attached."
    assert len(m.attachments) == 1
    att = m.attachments[0]
    assert (att.filename, att.content_type) == ("0001-net-fix-the-frob.patch", "text/x-patch")
    assert att.text.startswith("diff --git a/net/frob.c b/net/frob.c\n")
    assert m.kind is MessageKind.PATCH
    assert m.series.prefixes == ("net-next",)


def test_other_attachments_are_kept_or_named() -> None:
    data = (
        b"Message-ID: <att@x>\nSubject: Re: [PATCH] x\nContent-Type: multipart/mixed; boundary=b\n\n"
        b"--b\nContent-Type: text/plain\n\nSee the log.\n"
        b"--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=dmesg.txt\n\n[ 1.0] oops\n"
        b"--b\nContent-Type: application/x-shellscript; name=gen.sh\n\necho hi\n"
        b"--b\nContent-Type: image/png; name=shot.png\nContent-Transfer-Encoding: base64\n\niVBORw0K\n"
        b"--b\nContent-Type: application/pgp-signature\n\nsig\n--b--\n"
    )
    m = parse_message(RawMessage(data=data, origin="t"))
    assert m.body.strip() == "See the log."
    assert [(a.filename, a.text.strip()) for a in m.attachments] == [("dmesg.txt", "[ 1.0] oops"), ("gen.sh", "echo hi")]
    assert m.warnings == ("attachment shot.png (image/png) is not text; not shown",)
    assert m.kind is MessageKind.REPLY


def test_html_only_is_stripped_with_a_warning() -> None:
    m = _one(MAIL / "0007-html-only.eml")
    assert "Why <not> use frob_get()?" in m.body
    assert "color: red" not in m.body and "<p>" not in m.body
    assert any("HTML" in w for w in m.warnings)


def test_qp_latin1_and_rfc2047() -> None:
    m = _one(MAIL / "0008-qp-latin1-rfc2047.eml")
    assert m.author == "Jörg Müller"
    assert m.subject == "Re: [PATCH v2] ümlaut: fix ä"
    assert m.body == "Grüße, a soft break and a = sign.\n"
    assert m.series.is_reply and m.series.version == 2


def test_hostile_bytes_never_raise() -> None:
    samples = [
        b"",
        b"\xff\xfe\x00garbage",
        b"Subject: =?x-unknown?q?=FF?=\nContent-Transfer-Encoding: base64\n\n!!!notbase64",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; charset=utf-99\n\n\xe9t\xe9\n",
        b"From: \xff\xfe <a@b>\nDate: 99 Foo 99999 99:99\nSubject: \xe4\n\nbody\n",
        b"Content-Type: text/plain; format=flowed; delsp=yes\n\n> a \n b \n\n",
    ]
    for data in samples:
        m = parse_message(RawMessage(data=data, origin="test"))
        assert isinstance(m, Message)
        assert m.msgid.startswith("<")


def test_unknown_charset_and_bad_base64_warn() -> None:
    m = parse_message(RawMessage(
        data=b"Message-ID: <b@x>\nContent-Type: text/plain; charset=x-klingon\n"
        b"Content-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=!!\n",
        origin="test",
    ))
    assert m.body.startswith("hello world")
    assert any("unknown charset" in w for w in m.warnings)
    assert any("broken base64" in w for w in m.warnings)
    cte = parse_message(RawMessage(data=b"Content-Transfer-Encoding: x-rot13\n\nuryyb\n", origin="t"))
    assert cte.body == "uryyb\n"
    assert any("unknown Content-Transfer-Encoding" in w for w in cte.warnings)


def test_cp1252_fallback() -> None:
    m = parse_message(RawMessage(data=b"Message-ID: <c@x>\n\nsmart \x93quotes\x94\n", origin="t"))
    assert m.body == "smart \u201cquotes\u201d\n"
    assert any("cp1252" in w for w in m.warnings)


def test_author_forms() -> None:
    from reviewkit.mail.headers import parse_author

    assert parse_author('"Yann E. MORIN" <yann.morin.1998@free.fr>') == ("Yann E. MORIN", "yann.morin.1998@free.fr")
    assert parse_author("Hugh Dickins (hughd@google.com)") == ("Hugh Dickins", "hughd@google.com")
    assert parse_author("kirill@shutemov.name") == ("kirill@shutemov.name", "kirill@shutemov.name")
    assert parse_author("Alex Shi <alex.shi@xxxxxxxxxxxxxxxxx>") == ("Alex Shi", "alex.shi@xxxxxxxxxxxxxxxxx")
    assert parse_author("Alexander Duyck") == ("Alexander Duyck", "")


def test_header_with_raw_bytes_in_content_disposition() -> None:
    data = (
        b"Message-ID: <e@x>\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
        b"Content-Type: text/plain\nContent-Disposition: inline; filename=\"\xe9t\xe9.txt\"\n\nhello\n--b--\n"
    )
    m = parse_message(RawMessage(data=data, origin="t"))
    assert m.body.strip() == "hello"
    assert not any("could not parse" in w for w in m.warnings)


def test_byte_order_mark() -> None:
    data = b"\xef\xbb\xbf" + (MAIL / "0003-no-from-line.eml").read_bytes()
    m = parse_message(RawMessage(data=data, origin="t"))
    assert m.msgid == "<hg-1@example.org>"


def test_cut_short_input_warns() -> None:
    raw = RawMessage(data=b"Message-ID: <t@x>\nSubject: x\n\npartial bo", origin="thread.mbox.gz#3",
                     cut="the input was cut short")
    m = parse_message(raw)
    assert m.body == "partial bo"
    assert any("cut short" in w for w in m.warnings)


def test_crlf_is_normalised() -> None:
    m = parse_message(RawMessage(data=b"Message-ID: <d@x>\r\nSubject: x\r\n\r\na\r\nb\r\n", origin="t"))
    assert m.body == "a\nb\n"


# --------------------------------------------------------------------------
# subject tags


@pytest.mark.parametrize(
    ("subject", "version", "index", "total", "prefixes", "reply", "title"),
    [
        ("[PATCH v16 16/22] mm/mlock: reorder", 16, 16, 22, (), False, "mm/mlock: reorder"),
        ("[RFC PATCH net-next v3 2/7] net: x", 3, 2, 7, ("RFC", "net-next"), False, "net: x"),
        ("[PATCH RESEND v2 1/3] y", 2, 1, 3, ("RESEND",), False, "y"),
        ("[PATCH 1 of 2] z", None, 1, 2, (), False, "z"),
        ("[PATCHv3 3/5] w", 3, 3, 5, (), False, "w"),
        ("[PATCH v2 0/4] cover", 2, 0, 4, (), False, "cover"),
        ("[bpf-next PATCH] b", None, None, None, ("bpf-next",), False, "b"),
        ("[PATCH] [net] two groups", None, None, None, ("net",), False, "two groups"),
        ("Re: [PATCH v16 00/22] per memcg lru_lock", 16, 0, 22, (), True, "per memcg lru_lock"),
        ("RE: Re[2]: AW: Sv: Fwd: [PATCH 01/10] t", None, 1, 10, (), True, "t"),
        ("Re: Re: plain question", None, None, None, (), True, "plain question"),
        ("[PATCH leds v3 06/11] leds: omnia", 3, 6, 11, ("leds",), False, "leds: omnia"),
        ("[PATCH] 3/5 outside", None, 3, 5, (), False, "outside"),
        ("no tags at all", None, None, None, (), False, "no tags at all"),
    ],
)
def test_parse_subject(subject, version, index, total, prefixes, reply, title) -> None:
    s = parse_subject(subject)
    assert (s.version, s.index, s.total, s.prefixes, s.is_reply, s.title) == (
        version, index, total, prefixes, reply, title,
    )


def test_resend_flag_and_patch_tag() -> None:
    assert parse_subject("[PATCH RESEND] x").resend
    assert parse_subject("[PATCH] x").is_patch_tag
    assert not parse_subject("[GIT PULL] pwm fixes").is_patch_tag


# --------------------------------------------------------------------------
# the head alone: what an index of an archive reads


def _mail_files() -> list[Path]:
    data = Path(__file__).parent / "data"
    return sorted(p for p in data.rglob("*") if p.is_file() and p.suffix in (".eml", ".mbox", ".patch", ".txt", ".gz"))


def _mail_raws() -> Iterator[RawMessage]:
    """Every message of every mail file under tests/data that reads as mail."""
    from reviewkit.errors import ReviewkitError

    for path in _mail_files():
        try:
            raws = list(read_messages([str(path)]))
        except ReviewkitError:
            continue
        yield from raws


def test_the_head_reader_gives_the_values_of_the_mail_parser() -> None:
    import email

    from reviewkit.mail.headers import HEAD_FIELDS, MIME_FIELDS, read_head

    compared = 0
    for raw in _mail_raws():
        if raw.archive_page:
            continue
        data = raw.data.removeprefix(b"\xef\xbb\xbf")
        parsed: dict[str, str] = {}
        for name, value in email.message_from_bytes(data).raw_items():
            key = name.strip().lower()
            if key in HEAD_FIELDS + MIME_FIELDS and key not in parsed:
                parsed[key] = value if isinstance(value, str) else str(value)
        assert read_head(data) == parsed, raw.origin
        compared += 1
    assert compared > 250


def test_threading_is_what_parse_message_gives() -> None:
    from reviewkit.mail import parse_message, parse_threading
    from reviewkit.mail.parse import has_own_msgid

    compared = 0
    for raw in _mail_raws():
        m = parse_message(raw)
        t = parse_threading(raw)
        assert t == (m.msgid, m.in_reply_to, m.references, m.subject, m.timestamp, has_own_msgid(m)), raw.origin
        compared += 1
    assert compared > 250


def test_a_message_of_one_part_is_read_as_the_mail_parser_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # parse_message takes the body of a one-part message whole instead of
    # through email.message_from_bytes: the Message is the same
    import reviewkit.mail.parse as parse

    shortcut = parse._one_part
    taken = compared = 0
    for raw in _mail_raws():
        fast = parse.parse_message(raw)
        monkeypatch.setattr(parse, "_one_part", lambda *args: None)
        whole = parse.parse_message(raw)
        monkeypatch.setattr(parse, "_one_part", shortcut)
        assert fast == whole, raw.origin
        compared += 1
        data = raw.data.removeprefix(b"\xef\xbb\xbf")
        taken += not raw.archive_page and shortcut(*parse.split_head(data)[:1], data,
                                                    parse.split_head(data)[1]) is not None
    assert compared > 250 and taken > 150
