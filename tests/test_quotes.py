"""The quotes stage: blocks, attribution chains, trailers, comment runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest

from reviewkit.mail import parse_message
from reviewkit.model import Block, BlockKind, Message, MessageKind, Series
from reviewkit.quotes import (
    body_lines,
    comment_runs,
    find_trailers,
    is_attribution,
    parse_attribution,
    parse_quote_prefix,
    split_blocks,
)
from reviewkit.quotes.trailers import parse_trailer_line
from reviewkit.source import read_messages

from .conftest import ARCHIVE, needs_archive

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
CRAFTED = DATA / "quotes"
SEED = CORPUS / "seed-duyck-mlock-v16-16.txt"


# --------------------------------------------------------------------------
# loading real mail through the source and mail stages


def _kind(subject: str) -> MessageKind:
    """A crafted body's kind, from a subject written for the test."""
    if subject.lower().startswith("re:"):
        return MessageKind.REPLY
    return MessageKind.PATCH if "[PATCH" in subject else MessageKind.OTHER


def make_message(body: str, *, author: str = "Test Writer", subject: str = "Re: test",
                 kind: MessageKind | None = None, msgid: str = "<test@example.org>") -> Message:
    return Message(
        msgid=msgid,
        subject=subject,
        author=author,
        email="",
        date="",
        timestamp=None,
        in_reply_to=None,
        references=(),
        series=Series(),
        kind=kind if kind is not None else _kind(subject),
        body=body,
    )


def read_mail_file(path: Path) -> Iterator[Message]:
    """Every message of a corpus file (.eml, .mbox, archive page), decoded."""
    for raw in read_messages([str(path)]):
        yield parse_message(raw)


def archive_page_message(path: Path) -> Message:
    messages = list(read_mail_file(path))
    assert len(messages) == 1
    return messages[0]


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.suffix in {".eml", ".mbox", ".txt"})


def corpus_messages() -> Iterator[Message]:
    for path in corpus_files():
        yield from read_mail_file(path)


def crafted(name: str, **kw) -> Message:
    return make_message((CRAFTED / name).read_text(encoding="utf-8"), **kw)


def kinds(blocks: tuple[Block, ...]) -> list[tuple[str, int]]:
    return [(b.kind.value, b.depth) for b in blocks]


# --------------------------------------------------------------------------
# parse_quote_prefix / is_attribution


@pytest.mark.parametrize(
    ("line", "depth", "text"),
    [
        ("> text", 1, "text"),
        (">text", 1, "text"),
        (">", 1, ""),
        ("> > text", 2, "text"),
        (">> text", 2, "text"),
        ("> >> text", 3, "text"),
        (">>> text", 3, "text"),
        ("> > >", 3, ""),
        # Thunderbird quotes " \tint order" as ">   \t...": only ONE space goes
        (">   \tint order = to_thpsize(kobj)->order;", 1, "  \tint order = to_thpsize(kobj)->order;"),
        (">  }", 1, " }"),
        ("> +\tspin_lock(&l);", 1, "+\tspin_lock(&l);"),
        (">  > not nested: two spaces", 1, " > not nested: two spaces"),
        ("plain text", 0, "plain text"),
        (" > leading space is not a quote", 0, " > leading space is not a quote"),
        ("", 0, ""),
    ],
)
def test_parse_quote_prefix(line: str, depth: int, text: str) -> None:
    assert parse_quote_prefix(line) == (depth, text)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("On Fri, Jul 10, 2020 at 5:59 PM Alex Shi <alex.shi@xxxxxxxxxxxxxxxxx> wrote:", "Alex Shi"),
        ("On Mon, Jul 20, 2020 at 11:43:51AM +0300, Kirill A. Shutemov wrote:", "Kirill A. Shutemov"),
        ('On Thu, 16 Jul 2020 14:12:48 -0700 "Kirill A. Shutemov" <k@s.name> wrote:', "Kirill A. Shutemov"),
        ("On 7/17/20 1:23 AM, Alexander Duyck wrote:", "Alexander Duyck"),
        ("On 11.05.24 08:40, xu.xin16@zte.com.cn wrote:", "xu.xin16@zte.com.cn"),
        ("> On Fri, Aug 25, 2023 at 10:02:32AM +0200, Christian König wrote:  ", "Christian König"),
        ("Le 26/03/2025 à 16:35, Corentin Guillevic a écrit :", "Corentin Guillevic"),
        ("> Am 25.08.23 um 15:36 schrieb Matthew Brost:", "Matthew Brost"),
        ("Am Fr., 10. Juli 2020 um 17:59 Uhr schrieb Alex Shi <a@b.c>:", "Alex Shi"),
        ("El vie, 10 jul 2020 a las 17:59, Alex Shi (<a@b.c>) escribió:", "Alex Shi"),
        ("Il giorno ven 10 lug 2020 alle ore 17:59 Alex Shi <a@b.c> ha scritto:", "Alex Shi"),
        ("Quoting Jane Doe (2020-07-10 17:59:00):", "Jane Doe"),
        ("* Jane Doe <jane@example.org> [2020-07-10 17:59]:", "Jane Doe"),
        ("Alex Shi wrote:", "Alex Shi"),
        ("在 2020/7/16 下午10:11, Alexander Duyck 写道:", "Alexander Duyck"),
        # forms from the linux-pwm archive
        ("Maxime Ripard <maxime@cerno.tech> 于2021年3月5日周五 上午12:07写道：", "Maxime Ripard"),
        ("On 2021/4/12, 9:20 PM,Rob Herringwrote:", "Rob Herring"),
        ("On Fri, July 24, 2020 5:51 AM, Randy Dunlap wrote", "Randy Dunlap"),
        ("Wednesday, July 29, 2020 3:37 PM, Dmitry Torokhov wrote:", "Dmitry Torokhov"),
        ('At 2023-03-19 20:21:48, "Christophe JAILLET" <c@w.fr> wrote:', "Christophe JAILLET"),
        ("On Sunday, 3 May 2026 12:46:23 Central European Summer Time William Breathitt Gray wrote:",
         "William Breathitt Gray"),
        (">   > \tOn Mon, May 17, 2021 at 02:53:44AM +0000, Billy Tsai wrote:", "Billy Tsai"),
        ("\ufeffOn 2021/10/4, 3:08 PM, \"Uwe Kleine-König\" <u@k.de> wrote:", "Uwe Kleine-König"),
        ("Jane Doe <jane@example.org> writes:", "Jane Doe"),
    ],
)
def test_parse_attribution_names(line: str, name: str) -> None:
    assert is_attribution(line)
    assert parse_attribution(line) == name


@pytest.mark.parametrize(
    "line",
    [
        "As I wrote:",
        "This is what you wrote:",
        "I don't think this get_page() call needs to be up here.",
        "> + get_page(page);",
        "On the other hand this is fine.",
        "On the other hand, you wrote:",
        "On 5 occasions we rewrote",
        "",
    ],
)
def test_not_attribution(line: str) -> None:
    assert not is_attribution(line)


def test_attribution_wrapped_over_three_lines() -> None:
    # linux-pwm: "> On Thu, 30 Apr 2026 13:16:46 +0300" / "> Radu Sabau via B4
    # Relay <...>" / "> wrote:"; the relay is not the author
    body = ("Hi,\n\n> On Thu, 30 Apr 2026 13:16:46 +0300\n"
            "> Radu Sabau via B4 Relay <devnull+radu.sabau.analog.com@kernel.org>\n"
            "> wrote:\n> > +\tret = regmap_write(map, REG, val);\n\nCheck ret.\n")
    blocks = split_blocks(make_message(body))
    got = [(b.kind.value, b.depth, b.credited_to, len(b.lines)) for b in blocks]
    assert got == [
        ("text", 0, "Test Writer", 1), ("blank", 0, "Test Writer", 1),
        ("quote", 1, None, 3), ("quote", 2, "Radu Sabau", 1),
        ("blank", 0, "Test Writer", 1), ("text", 0, "Test Writer", 1),
        ("blank", 0, "Test Writer", 1),
    ]


# --------------------------------------------------------------------------
# the no-loss invariant over the whole corpus


def test_corpus_is_found() -> None:
    # the collector must see the corpus: 32 replies, 23 patches, the samples
    files = corpus_files()
    assert len([p for p in files if p.parent.name == "replies"]) == 32
    assert len([p for p in files if p.parent.name == "patches"]) == 23
    assert sum(1 for _ in corpus_messages()) >= 150


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_line_lost(path: Path) -> None:
    messages = list(read_mail_file(path))
    assert messages, path
    for msg in messages:
        blocks = split_blocks(msg)
        lines = msg.body.split("\n")
        assert [line for b in blocks for line in b.lines] == lines
        pos = 0
        for b in blocks:
            assert b.start == pos and b.lines
            pos += len(b.lines)
            if b.kind is BlockKind.QUOTE:
                assert b.depth >= 1
            else:
                assert b.depth == 0
                assert b.credited_to == (msg.author or None)
            if b.kind in (BlockKind.TEXT, BlockKind.TRAILER, BlockKind.ATTRIBUTION):
                assert all(parse_quote_prefix(line)[0] == 0 for line in b.lines)
        # comment runs cover every unquoted non-blank line exactly once
        runs = comment_runs(msg, blocks)
        covered = [i for r in runs for i in range(r.start, r.end)]
        assert len(covered) == len(set(covered))
        for b in blocks:
            if b.kind is not BlockKind.QUOTE and any(line.strip() for line in b.lines):
                assert all(i in set(covered) for i in range(b.start, b.start + len(b.lines)))


def test_patch_mails_have_their_parts() -> None:
    # every v16 posting but the cover letter is a format-patch mail
    for path in sorted((CORPUS / "patches").glob("1[0-2][0-9]_*.eml")):
        msg = next(read_mail_file(path))
        if msg.kind is not MessageKind.PATCH:
            assert "00/22" in msg.subject
            continue
        blocks = split_blocks(msg)
        order = [b.kind for b in blocks if b.kind is not BlockKind.BLANK]
        assert order[0] is BlockKind.COMMIT_MESSAGE, path.name
        assert BlockKind.DIFF in order, path.name
        assert order[-1] is BlockKind.SIGNATURE, path.name
        notes = next(b for b in blocks if b.kind is BlockKind.NOTES)
        assert notes.lines[0] == "---"
        stat = [b for b in blocks if b.kind is BlockKind.DIFFSTAT]
        assert len(stat) == 1 and re.match(r"^ \d+ files? changed", stat[0].lines[-1]), path.name
        diff = next(b for b in blocks if b.kind is BlockKind.DIFF)
        assert diff.lines[0].startswith("diff --git ")
        trailers = find_trailers(msg, blocks)
        assert any(t.key == "Signed-off-by" and t.name == "Alex Shi" for t in trailers), path.name
        assert not any(t.quoted for t in trailers)


# --------------------------------------------------------------------------
# the seed: Duyck's six inline comments on v16 16/22


def test_seed_six_inline_comments() -> None:
    msg = archive_page_message(SEED)
    assert msg.author == "Alexander Duyck"
    blocks = split_blocks(msg)
    attribution = [b for b in blocks if b.kind is BlockKind.ATTRIBUTION]
    assert [b.lines for b in attribution] == [
        ("On Fri, Jul 10, 2020 at 5:59 PM Alex Shi <alex.shi@xxxxxxxxxxxxxxxxx> wrote:",)
    ]
    quotes = [b for b in blocks if b.kind is BlockKind.QUOTE]
    assert quotes and all(b.depth == 1 and b.credited_to == "Alex Shi" for b in quotes)
    texts = [b for b in blocks if b.kind is BlockKind.TEXT]
    assert all(b.credited_to == "Alexander Duyck" for b in texts)

    runs = [r for r in comment_runs(msg, blocks) if r.substantive]
    assert [r.anchor for r in runs] == [
        "> + get_page(page);",
        "> + clearlru = TestClearPageLRU(page);",
        "> +",
        "> + __munlock_isolation_failed(page);",
        "> + spin_lock_irq(&zone->zone_pgdat->lru_lock);",
        # the page lost the diff's leading whitespace: "+\t\t}" became "> }"
        "> }",
    ]
    assert [r.index for r in runs] == [1, 2, 3, 4, 5, 6]
    assert all(r.quoted_author == "Alex Shi" for r in runs)
    assert runs[0].text.strip().startswith("I don't think this get_page() call needs to be up here.")
    assert runs[2].text.strip() == "You could just place the get_page() call here."
    # the code sketch inside the fourth comment stays in that comment
    assert "__munlock_isolated_failed();" in runs[3].text
    # each run carries the quoted context it answers
    assert [len(r.quotes) for r in runs] == [1] * 6
    assert runs[0].quotes[0].lines[-1] == "> + get_page(page);"
    assert all(r.anchor_block is r.quotes[-1] for r in runs)
    # anchor_line points at the body line the anchor text came from
    lines = msg.body.split("\n")
    assert all(lines[r.anchor_line].strip() == r.anchor for r in runs)
    # the quoted patch's "--" / "1.8.3.1" stays in the quote
    assert quotes[-1].lines[-4:] == ("> --", "> 1.8.3.1", ">", ">")


# --------------------------------------------------------------------------
# real nesting: five levels deep, Thunderbird's space-stuffed diff


def test_dri_devel_nested_chain() -> None:
    path = CORPUS / "samples" / "lists" / "dri-devel-drm-sched-nested-qp-excerpt.mbox"
    msg = next(read_mail_file(path))
    blocks = split_blocks(msg)
    # "On Fri, 25 Aug 2023 15:45:49 +0200" / "Christian König <...> wrote:"
    assert blocks[0].kind is BlockKind.ATTRIBUTION and len(blocks[0].lines) == 2
    credit = {b.depth: b.credited_to for b in blocks if b.kind is BlockKind.QUOTE}
    assert credit == {
        1: "Christian König",  # the wrapped depth-0 attribution
        2: "Matthew Brost",  # "> Am 25.08.23 um 15:36 schrieb Matthew Brost:"
        3: "Christian König",  # "> > On ..., Christian König wrote:"
        4: "Matthew Brost",  # "> >> Am ... schrieb Matthew Brost:"
        5: "Danilo Krummrich",  # "> >>> On ..., Danilo Krummrich wrote:"
        6: "Matthew Brost",  # "> >>>> On ..., Matthew Brost wrote:"
    }
    deep = [line for b in blocks if b.depth == 6 for line in b.lines]
    assert "> >>>>>    \tstruct drm_sched_entity *entity;" in deep
    assert parse_quote_prefix("> >>>>>    \tstruct drm_sched_entity *entity;") == (
        6, "   \tstruct drm_sched_entity *entity;")
    runs = [r for r in comment_runs(msg, blocks) if r.substantive]
    assert runs[0].anchor == "> > behavior)."
    assert runs[0].quoted_author == "Matthew Brost"
    assert runs[0].text.strip().startswith("I'm a bit worried")


def test_thunderbird_quoted_diff_keeps_whitespace() -> None:
    path = CORPUS / "samples" / "lists" / "lkml-thp-sysfs-lock-review.mbox"
    msg = next(read_mail_file(path))
    blocks = split_blocks(msg)
    quote = next(b for b in blocks if b.kind is BlockKind.QUOTE)
    assert quote.credited_to == "xu.xin16@zte.com.cn"
    texts = [parse_quote_prefix(line)[1] for line in quote.lines]
    # format=flowed: the mail stage drops the stuffed space of ">   \tint";
    # what is left after the marker is the diff's context line, exactly
    assert " \tint order = to_thpsize(kobj)->order;" in texts
    assert "+\tspin_lock(&huge_anon_orders_lock);" in texts
    assert "-\t\tspin_lock(&huge_anon_orders_lock);" in texts
    # "> " with a trailing space is an empty quoted line, inside the quote
    assert "> " in quote.lines
    assert [b.kind for b in blocks[-3:]] == [BlockKind.TRAILER, BlockKind.BLANK, BlockKind.SIGNATURE]
    trailers = find_trailers(msg, blocks)
    own = [t for t in trailers if not t.quoted]
    assert [(t.key, t.name, t.email) for t in own] == [
        ("Reviewed-by", "David Hildenbrand", "david@redhat.com")]
    quoted = [t for t in trailers if t.quoted]
    assert [(t.key, t.name, t.email) for t in quoted] == [
        ("Signed-off-by", "Ran Xiaokai", "ran.xiaokai@zte.com.cn")]


def test_mlock_thread_chinese_attribution_chain() -> None:
    # Alex Shi's client writes "在 <date>, <name> 写道:"; Duyck's quoted
    # "On ..., Alex Shi wrote:" then credits depth 2 back to Alex Shi
    path = CORPUS / "threads" / "mlock-v16-16.mbox"
    messages = list(read_mail_file(path))
    assert messages[0].kind is MessageKind.PATCH
    replies = [m for m in messages if m.author == "Alex Shi" and m.kind is MessageKind.REPLY]
    assert replies
    reply = replies[0]
    blocks = split_blocks(reply)
    attribution = next(b for b in blocks if b.kind is not BlockKind.BLANK)
    assert attribution.kind is BlockKind.ATTRIBUTION
    assert attribution.lines[0].startswith("在 ") and attribution.lines[0].endswith("写道:")
    credit = {b.depth: b.credited_to for b in blocks if b.kind is BlockKind.QUOTE}
    assert credit == {1: "Alexander Duyck", 2: "Alex Shi"}
    assert all(b.credited_to == "Alex Shi" for b in blocks if b.kind is BlockKind.TEXT)


def test_b4_followup_trailers() -> None:
    path = CORPUS / "samples" / "b4" / "trailers-thread-with-followups.mbox"
    followup = list(read_mail_file(path))[-1]
    blocks = split_blocks(followup)
    got = [(t.key, t.name, t.email, t.quoted) for t in find_trailers(followup, blocks)]
    assert got == [
        ("Signed-off-by", "Konstantin Ryabitsev", "konstantin@linuxfoundation.org", True),
        ("Reviewed-by", "Follow Upper", "follow.upper@example.org", False),
    ]


def test_b4_non_git_patch_and_bare_dashes_signature() -> None:
    path = CORPUS / "samples" / "b4" / "trailers-followup-non-git-patch-with-comments.mbox"
    patch, reply = list(read_mail_file(path))
    blocks = split_blocks(patch)
    assert [b.kind.value for b in blocks] == [
        "commit-message", "blank", "trailer", "notes", "blank", "diff", "signature"]
    diff = next(b for b in blocks if b.kind is BlockKind.DIFF)
    assert diff.lines[:2] == ("--- a/b4/junk.py", "+++ b/b4/junk.py")
    assert blocks[-1].lines[:2] == ("-- ", "2.wong.fu")
    # "--" without its space, then "My sig", closes the reply
    reply_blocks = split_blocks(reply)
    assert reply_blocks[-1].kind is BlockKind.SIGNATURE
    assert reply_blocks[-1].lines[:2] == ("--", "My sig")
    runs = comment_runs(reply, reply_blocks)
    assert [r.substantive for r in runs] == [False]  # a bare Reviewed-by


# --------------------------------------------------------------------------
# crafted fixtures


def test_crafted_nested_chain_credits() -> None:
    msg = crafted("nested-chain.txt", author="Dan Replier")
    blocks = split_blocks(msg)
    assert kinds(blocks) == [
        ("attribution", 0),
        ("quote", 1),
        ("quote", 2),
        ("quote", 3),
        ("quote", 2),
        ("quote", 1),
        ("blank", 0),
        ("text", 0),
        ("blank", 0),
    ]
    by = [(b.depth, b.credited_to) for b in blocks if b.kind is BlockKind.QUOTE]
    assert by == [(1, "Carol Reviewer"), (2, "Bob Maintainer"), (3, "Alice Author"),
                  (2, "Bob Maintainer"), (1, "Carol Reviewer")]
    # the bare "> >" inside the depth-3 quote stays with it
    assert "> > >" in blocks[3].lines and "> >" not in blocks[3].lines
    text = next(b for b in blocks if b.kind is BlockKind.TEXT)
    assert text.credited_to == "Dan Replier"
    runs = comment_runs(msg, blocks)
    assert runs[-1].anchor == "> Agreed, the early return needs an unlock."
    assert runs[-1].quoted_author == "Carol Reviewer"


def test_crafted_foreign_attributions() -> None:
    msg = crafted("foreign-attributions.txt")
    blocks = split_blocks(msg)
    attributions = [b for b in blocks if b.kind is BlockKind.ATTRIBUTION]
    assert len(attributions) == 8
    assert attributions[-1].lines == (
        "On Fri, Jul 10, 2020 at 5:59 PM Wrapped Name <wrapped@example.com>", "wrote:")
    credits = [b.credited_to for b in blocks if b.kind is BlockKind.QUOTE]
    assert credits == ["Corinne Dupont", "Matthias Bauer", "Elena García", "Paolo Rossi",
                       "Jane Doe", "Ken Mutt", "Ann Other", "Wrapped Name"]
    runs = [r for r in comment_runs(msg, blocks) if r.substantive]
    assert [r.quoted_author for r in runs] == credits


def test_crafted_outlook_top_post() -> None:
    msg = crafted("outlook-top-post.txt", author="Pat Author")
    blocks = split_blocks(msg)
    assert kinds(blocks) == [
        ("text", 0), ("blank", 0), ("attribution", 0), ("quote", 1), ("quote", 2),
        ("quote", 1)]  # the file's final newline: an empty line of Olga's text
    assert blocks[2].lines[0] == "-----Original Message-----"
    assert blocks[2].lines[-1] == "Subject: RE: [PATCH] foo: fix the bar"
    assert blocks[3].credited_to == "Olga Reviewer"
    assert blocks[3].lines[1] == "The error path leaks the clock."
    assert blocks[4].credited_to is None  # Olga quoted without an attribution


def test_crafted_signature_and_trailers() -> None:
    msg = crafted("signature-trailers.txt", author="Rita Reviewer", msgid="<rita@example.org>")
    blocks = split_blocks(msg)
    assert kinds(blocks) == [
        ("attribution", 0), ("quote", 1), ("blank", 0), ("text", 0), ("blank", 0),
        ("trailer", 0), ("blank", 0), ("signature", 0)]
    sig = blocks[-1]
    assert sig.lines == ("-- ", "Rita", "Not a trailer: just a signature line", "")
    trailers = find_trailers(msg, blocks)
    got = [(t.key, t.name, t.email, t.quoted) for t in trailers]
    assert got == [
        ("Signed-off-by", "Sam Sender", "sam@example.org", True),
        ("Reviewed-by", "Quoted Person", "quoted@example.org", True),
        ("Reviewed-by", "Rita Reviewer", "rita@example.org", False),
        ("Acked-by", "", "rita@example.org", False),
        ("Tested-by", "Tom Tester", "tester@example.org", False),
        ("Cc", "", "stable@vger.kernel.org", False),
        ("Fixes", '0123456789ab ("foo: add the bar")', "", False),
    ]
    assert all(t.msgid == "<rita@example.org>" for t in trailers)
    runs = comment_runs(msg, blocks)
    assert [r.substantive for r in runs] == [False, True]
    assert runs[1].anchor == "> reviewed-BY: Quoted Person <quoted@example.org>"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("reviewed-by: Rita Reviewer <rita@example.org>", ("Reviewed-by", "Rita Reviewer <rita@example.org>")),
        ("Signed-Off-By: A <a@b.c>", ("Signed-off-by", "A <a@b.c>")),
        ("Co-developed-by: B <b@c.d>", ("Co-developed-by", "B <b@c.d>")),
        ("Reported-by: Christophe JAILLET", ("Reported-by", "Christophe JAILLET")),
        ('Fixes: 76fe464c8e64 ("leds: pwm: ...")', ("Fixes", '76fe464c8e64 ("leds: pwm: ...")')),
        ("Link: https://bugzilla.kernel.org/show_bug.cgi?id=218559",
         ("Link", "https://bugzilla.kernel.org/show_bug.cgi?id=218559")),
        ("Cc: stable@vger.kernel.org", ("Cc", "stable@vger.kernel.org")),
        ("Fixes: the problem is the missing unlock.", None),
        ("Link: see the thread above", None),
        ("Cc: everyone who cares", None),
        ("Reviewed-by:", None),
        ("> Reviewed-by: A <a@b.c>", None),
    ],
)
def test_parse_trailer_line(line: str, expected: tuple[str, str] | None) -> None:
    assert parse_trailer_line(line) == expected


def test_crafted_patch_mail() -> None:
    msg = crafted("patch-mail.txt", author="Bob Maintainer", subject="[PATCH v2] foo: fix the bar")
    assert msg.kind is MessageKind.PATCH
    blocks = split_blocks(msg)
    assert [b.kind.value for b in blocks] == [
        "commit-message", "blank", "trailer", "notes", "blank", "diffstat", "blank", "diff",
        "signature"]
    trailer = blocks[2]
    assert trailer.lines[2] == "[bob: reworded the subject]"
    assert blocks[3].lines == ("---", "v2: drop the second unlock")
    assert blocks[5].lines[-1] == " 1 file changed, 1 insertion(+), 2 deletions(-)"
    assert blocks[7].lines[0].startswith("diff --git ") and blocks[7].lines[-1] == " \t}"
    assert blocks[8].lines == ("-- ", "2.43.0", "", "")
    trailers = find_trailers(msg, blocks)
    assert [(t.key, t.name, t.quoted) for t in trailers] == [
        ("Fixes", '0123456789ab ("foo: add the bar")', False),
        ("Signed-off-by", "Alice Author", False),
        ("Signed-off-by", "Bob Maintainer", False),
    ]
    # the same body as a reply is not cut into patch parts: an unquoted diff
    # in a reply is the reviewer's own text (GROUND_TRUTH: 002, 010)
    as_reply = crafted("patch-mail.txt", subject="Re: [PATCH v2] foo: fix the bar")
    assert BlockKind.DIFF not in {b.kind for b in split_blocks(as_reply)}


def test_crafted_patch_notes_keep_quotes() -> None:
    msg = crafted("patch-notes-answer-review.txt", author="Pat Author",
                  subject="[PATCH v2] pwm: foo: use devm_pwmchip_add()")
    blocks = split_blocks(msg)
    got = [(b.kind.value, b.depth, b.credited_to) for b in blocks]
    assert got == [
        ("commit-message", 0, "Pat Author"), ("blank", 0, "Pat Author"),
        ("trailer", 0, "Pat Author"),
        ("notes", 0, "Pat Author"), ("blank", 0, "Pat Author"),
        ("attribution", 0, "Pat Author"), ("quote", 1, "Rob Reviewer"),
        ("blank", 0, "Pat Author"), ("notes", 0, "Pat Author"), ("blank", 0, "Pat Author"),
        ("diffstat", 0, "Pat Author"), ("blank", 0, "Pat Author"),
        ("diff", 0, "Pat Author"), ("signature", 0, "Pat Author"),
    ]
    assert blocks[3].lines == ("---", "Hello Rob,")


def test_patch_subject_heading_a_discussion_is_a_reply() -> None:
    # a "[PATCH]" subject over a reply that quotes and then shows a diff:
    # the text before the diff is not a commit message
    body = ("On Mon, May 10, 2021 at 08:42:07PM +0200, Rob Reviewer wrote:\n"
            "> Why not use devm_pwmchip_add() here?\n\nLike this:\n\n"
            + (CRAFTED / "patch-mail.txt").read_text(encoding="utf-8").split("---\n", 1)[1])
    blocks = split_blocks(make_message(body, subject="[PATCH] foo", kind=MessageKind.PATCH))
    assert [b.kind for b in blocks][:3] == [BlockKind.ATTRIBUTION, BlockKind.QUOTE, BlockKind.BLANK]
    assert BlockKind.COMMIT_MESSAGE not in {b.kind for b in blocks}


def test_block_indexes_count_newlines_only() -> None:
    # a \x1c inside a diff line (samples/patchwork/unknown-encoding.mbox)
    # must not cut the line: block starts index body.split("\\n")
    path = CORPUS / "samples" / "patchwork" / "unknown-encoding.mbox"
    msg = next(m for m in read_mail_file(path) if "\x1c" in m.body)
    blocks = split_blocks(msg)
    lines = body_lines(msg)
    assert lines == msg.body.split("\n") != msg.body.splitlines()
    assert all(lines[b.start : b.start + len(b.lines)] == list(b.lines) for b in blocks)


def test_empty_and_odd_bodies() -> None:
    for body in ["", "\n", ">", "> ", "--", "-- ", "---", "\r\n> x\r\n", "\x00\x1b[31m"]:
        msg = make_message(body)
        blocks = split_blocks(msg)
        assert [line for b in blocks for line in b.lines] == body.split("\n")
        patch = make_message(body, kind=MessageKind.PATCH)
        assert [line for b in split_blocks(patch) for line in b.lines] == body.split("\n")


# --------------------------------------------------------------------------
# the whole linux-pwm archive (beside the project; skipped without it)


@pytest.mark.slow
@needs_archive()
def test_archive_no_line_lost() -> None:
    counts: dict[BlockKind, int] = {}
    messages = 0
    for raw in read_messages([str(ARCHIVE)]):
        msg = parse_message(raw)
        blocks = split_blocks(msg)  # checks the no-loss invariant itself
        assert [line for b in blocks for line in b.lines] == msg.body.split("\n"), msg.origin
        comment_runs(msg, blocks)
        find_trailers(msg, blocks)
        messages += 1
        for b in blocks:
            counts[b.kind] = counts.get(b.kind, 0) + 1
    assert messages == 23541
    # a review list: every kind of block shows up, and in numbers
    assert all(counts.get(kind, 0) > 1000 for kind in BlockKind), counts
