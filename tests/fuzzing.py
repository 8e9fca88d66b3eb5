"""Mutations of real mail and the promises every mutant must keep.

Shared by the property-based tests (tests/test_fuzz_properties.py, driven by
hypothesis) and the long campaign (benchmarks/fuzz.py, driven by a seeded
``random.Random``): both pick a seed mail from tests/data and apply one to
three mutations, each drawing what it needs from the ``random.Random`` it is
given.

The promises (:func:`check_mail`): the pipeline and the three renderers
raise nothing but the tool's own bad-input error; ``check`` ends in exit 0,
1 or 2; every own line of every reply reaches a comment of that reply, and
every comment line reaches the text, markdown, summary and JSON outputs
(tests/outputs.py); and the work stays proportional to the input: the time
is returned for the caller to bound generously, per 100 KB.
"""

from __future__ import annotations

import base64
import quopri
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tests.conftest import DATA

# Seeds: real mails of every kind the tests hold, small enough to run
# hundreds of times (the two 500 KB threads are left to the corpus tests).
SEED_DIRS = ("corpus/patches", "corpus/replies", "corpus/samples", "mail", "check", "fuzz", "patch", "quotes")
MAX_SEED = 60_000


def find_seeds() -> list[Path]:
    seeds = [DATA / "corpus" / "seed-duyck-mlock-v16-16.txt"]
    for d in SEED_DIRS:
        seeds += sorted(p for p in (DATA / d).rglob("*")
                        if p.is_file() and p.suffix in (".eml", ".mbox", ".patch", ".txt")
                        and p.stat().st_size <= MAX_SEED)
    return seeds


# --------------------------------------------------------------------------
# mutations: bytes in, bytes out, choices from the Random given


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _body_start(lines: list[bytes]) -> int:
    """The index of the first body line of the first message (after its head)."""
    for k, line in enumerate(lines):
        if not line.strip(b"\r"):
            return k + 1
    return len(lines)


def byte_flips(data: bytes, r: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(r.randint(1, 8)):
        if out:
            k = r.randrange(len(out))
            out[k] ^= 1 << r.randrange(8)
    return bytes(out)


def truncate(data: bytes, r: random.Random) -> bytes:
    return data[: r.randrange(1, max(len(data), 2))]


# what a giant line is made of: the runs that made scanners backtrack
PIECES = [b"a", b"_", b"(", b"{", b"-", b" ", b"\t", b"<", b"a+", b"!", b"x, ", b"spin_lock(&l);",
          b"if (a) x(); else ", b"%1", b"a@", b"| ", b"{ => ", b"> ", b"From ", b"\xff", b"\x00"]


def giant_line(data: bytes, r: random.Random) -> bytes:
    lines = _lines(data)
    k = r.randrange(_body_start(lines), len(lines) + 1) if lines else 0
    piece = r.choice(PIECES)
    prefix = r.choice([b"", b"+", b"> ", b" ", b"+\t", b"> +\t"])
    lines.insert(k, prefix + piece * (r.randint(2_000, 60_000) // len(piece)))
    return b"\n".join(lines)


_CHARSET = re.compile(rb"charset=\"?[\w.:-]+\"?", re.I)
CHARSETS = [b"utf-8", b"iso-8859-1", b"utf-16", b"utf-16le", b"koi8-r", b"x-unknown", b"us-ascii", b"windows-1252",
            b"utf-7", b"gb2312", b"shift_jis"]


def charset_change(data: bytes, r: random.Random) -> bytes:
    """Claim another charset, and sometimes re-encode the body to it."""
    cs = r.choice(CHARSETS)
    lines = _lines(data)
    start = _body_start(lines)
    head, body = b"\n".join(lines[:start]), b"\n".join(lines[start:])
    if _CHARSET.search(head):
        head = _CHARSET.sub(b"charset=" + cs, head, count=1)
    else:
        head = head.rstrip(b"\n") + b"\nContent-Type: text/plain; charset=" + cs + b"\n\n"
    if r.random() < 0.5:
        try:
            body = body.decode("utf-8", "replace").encode(cs.decode(), "replace")
        except LookupError:
            pass
    return head + b"\n" + body if not head.endswith(b"\n") else head + body


def transfer_encoding(data: bytes, r: random.Random) -> bytes:
    """Encode the body as base64 or quoted-printable (or claim so and not)."""
    lines = _lines(data)
    start = _body_start(lines)
    head, body = lines[:start], b"\n".join(lines[start:])
    cte = r.choice([b"base64", b"quoted-printable", b"x-uuencode", b"8bit", b"base64"])
    honest = r.random() < 0.8
    if honest and cte == b"base64":
        body = base64.encodebytes(body)
    elif honest and cte == b"quoted-printable":
        body = quopri.encodestring(body)
    head = [h for h in head if not h.lower().startswith(b"content-transfer-encoding")]
    while head and not head[-1].strip():
        head.pop()
    return b"\n".join(head + [b"Content-Transfer-Encoding: " + cte, b"", body])


def mixed_line_ends(data: bytes, r: random.Random) -> bytes:
    ends = [b"\n", b"\r\n", b"\r", b"\n\r"]
    weights = [r.random() for _ in ends]
    return b"".join(line + r.choices(ends, weights)[0] for line in _lines(data))


def archive_page(data: bytes, r: random.Random) -> bytes:
    """Rewrite the first message as a hypermail archive page: subject,
    blank, From:/Date:, blank, body; sometimes the diff's leading
    whitespace stripped, sometimes read as UTF-16 into 8 bits."""
    import email

    msg = email.message_from_bytes(data)
    payload = msg.get_payload(decode=True) if not msg.is_multipart() else None
    body = payload if isinstance(payload, bytes) else b"\n".join(_lines(data)[_body_start(_lines(data)):])
    subject = str(msg.get("subject", "Re: [PATCH] x")).encode("utf-8", "replace")
    sender = str(msg.get("from", "Someone")).encode("utf-8", "replace")
    if r.random() < 0.4:
        body = b"\n".join(line.lstrip(b" \t") if not line.startswith(b">") else line for line in _lines(body))
    page = b"%s\n\nFrom: %s\nDate: Mon Jan 1 2024 - 10:00:00 EST\n\n%s" % (subject, sender, body)
    if r.random() < 0.3:
        # UTF-16 read as 8-bit: every other byte NUL
        k = r.randrange(len(page))
        page = page[:k] + page[k:].decode("utf-8", "replace").encode("utf-16-le", "replace")
    return page


HOSTILE = ["\x00", "\u202e", "\u2066", "\x1b[31m", "\x9b", "\x7f", "\u2028", "\x08", "\x07", "\u200b", "[bold]",
           "[link=http://x]", "<script>", "`", "|", "\\", "*", "_", "#", "\r"]


def hostile_comment(data: bytes, r: random.Random) -> bytes:
    """Put control, bidi and markup characters into an unquoted body line,
    or NUL-interleave one (UTF-16 read as 8-bit)."""
    lines = _lines(data)
    start = _body_start(lines)
    own = [k for k in range(start, len(lines)) if lines[k].strip() and not lines[k].startswith(b">")]
    if not own:
        lines.append(b"a comment")
        own = [len(lines) - 1]
    k = r.choice(own)
    text = lines[k].decode("utf-8", "replace")
    if r.random() < 0.3:
        lines[k] = text.encode("utf-16-le")
    else:
        for _ in range(r.randint(1, 4)):
            at = r.randrange(len(text) + 1)
            text = text[:at] + r.choice(HOSTILE) + text[at:]
        lines[k] = text.encode("utf-8", "surrogatepass")
    return b"\n".join(lines)


_MSGID = re.compile(rb"^(message-id|in-reply-to|references):[ \t]*(.*)$", re.I | re.M)


def thread_mutation(data: bytes, r: random.Random) -> bytes:
    """Repeat, drop, reorder or re-point the messages of an mbox; make a
    single message an mbox of copies."""
    if not data.startswith(b"From "):
        data = b"From x Mon Jan  1 00:00:00 2024\n" + data
    parts = re.split(rb"(?m)^(?=From \S+ +\w{3} \w{3} +\d+ [\d:]+ \d{4})", data)
    parts = [p for p in parts if p.strip()] or [data]
    ids = [m.group(2).strip() for p in parts for m in _MSGID.finditer(p) if m.group(1).lower() == b"message-id"]
    choice = r.randrange(6)
    if choice == 0:  # a message twice, or thrice
        p = r.choice(parts)
        parts += [p] * r.randint(1, 2)
    elif choice == 1 and len(parts) > 1:  # one message gone
        parts.pop(r.randrange(len(parts)))
    elif choice == 2:
        r.shuffle(parts)
    elif choice == 3 and ids:  # every message claims one id, or its #dupN
        target = r.choice(ids)
        suffix = r.choice([b"", b"#dup2", b"#dup3"])
        parts = [_MSGID.sub(lambda m: m.group(1) + b": " + (target[:-1] + suffix + b">" if m.group(1).lower()
                                                              == b"message-id" and target.endswith(b">")
                                                              else m.group(2)), p) for p in parts]
    elif choice == 4 and ids:  # replies point at each other (a loop) or at nothing
        parts = [_MSGID.sub(lambda m: m.group(0) if m.group(1).lower() == b"message-id"
                            else m.group(1) + b": " + r.choice(ids + [b"<gone@x>"]), p) for p in parts]
    else:  # threading headers dropped: subjects must do
        parts = [_MSGID.sub(lambda m: m.group(0) if m.group(1).lower() == b"message-id" else b"", p) for p in parts]
    return b"".join(p if p.endswith(b"\n") else p + b"\n" for p in parts)


def from_line(data: bytes, r: random.Random) -> bytes:
    """An unescaped ``From addr date`` line in a body."""
    lines = _lines(data)
    k = r.randrange(_body_start(lines), len(lines) + 1)
    lines.insert(k, b"From bot@example.com Mon Jan  1 00:00:00 2024")
    return b"\n".join(lines)


def hunk_header(data: bytes, r: random.Random) -> bytes:
    """Absurd, empty or cut hunk headers and hunks."""
    lines = _lines(data)
    heads = [k for k, line in enumerate(lines) if line.lstrip(b"> ").startswith(b"@@ ")]
    if not heads:
        return data
    k = r.choice(heads)
    prefix = lines[k][: len(lines[k]) - len(lines[k].lstrip(b"> "))]
    n = r.choice([b"0", b"1", b"999999999", b"4294967296", b"-1", b"", b"99999999999999999999"])
    lines[k] = prefix + r.choice([b"@@ -%s,5 +1,5 @@", b"@@ -1,%s +1,%s @@", b"@@ -1 +%s @@", b"@@ @@"]).replace(
        b"%s", n)
    if r.random() < 0.5:
        del lines[k + 1: k + 1 + r.randint(0, 50)]
    return b"\n".join(lines)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "byte-flips": byte_flips,
    "truncate": truncate,
    "giant-line": giant_line,
    "charset": charset_change,
    "transfer-encoding": transfer_encoding,
    "line-ends": mixed_line_ends,
    "archive-page": archive_page,
    "hostile-comment": hostile_comment,
    "thread": thread_mutation,
    "from-line": from_line,
    "hunk-header": hunk_header,
}


def mutate(data: bytes, names: list[str], r: random.Random) -> bytes:
    for name in names:
        data = MUTATIONS[name](data, r)
    return data


# --------------------------------------------------------------------------
# the promises


@dataclass
class Outcome:
    """What one mail did: problems found (empty: it kept every promise),
    the seconds the tool took (the pipeline, the renderers and ``check``; not
    the checks of the promises), and the exit status of ``check``."""

    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    check_exit: int | None = None


def check_mail(path: Path) -> Outcome:
    """Run ``path`` through the pipeline, every renderer and ``check``, and
    say which promise it broke."""
    import traceback

    from reviewkit.config import load_config
    from reviewkit.errors import ReviewkitError
    from reviewkit.pipeline import build_review
    from typer.testing import CliRunner

    from reviewkit.cli import app
    from tests.outputs import find_lost_lines, render_outputs

    out = Outcome()
    start = time.perf_counter()
    try:
        review = build_review([str(path)], config=load_config(None, repo=None))
    except ReviewkitError:
        review = None
    except Exception as err:  # noqa: BLE001  (what the promise is about)
        out.problems.append(f"internal error in the pipeline: {type(err).__name__}: {err}\n{traceback.format_exc()}")
        review = None
    outputs = None
    if review is not None:
        try:
            outputs = render_outputs(review)
        except Exception as err:  # noqa: BLE001
            out.problems.append(f"internal error in a renderer: {type(err).__name__}: {err}\n{traceback.format_exc()}")
    result = CliRunner().invoke(app, ["check", str(path)])
    out.seconds = time.perf_counter() - start  # the tool's time; the checks below are the test's
    out.check_exit = result.exit_code
    if result.exit_code not in (0, 1, 2):
        out.problems.append(f"check: exit {result.exit_code}: {result.stderr[-300:]}")
    if review is not None and outputs is not None:
        out.problems += find_lost_own_lines(review)
        out.problems += find_lost_lines(review, outputs)
    return out


def find_lost_own_lines(review) -> list[str]:  # type: ignore[no-untyped-def]
    """Every non-blank line of a message that gets comments (a reply, not a
    parsed patch) outside its quotes, attributions and signatures must be a
    line of one of its comments. (A quote is what the split calls one: an
    Outlook top-post quotes the original below "-----Original Message-----"
    with no ">".)"""
    from collections import Counter

    from reviewkit.model import BlockKind
    from reviewkit.quotes.prefix import parse_quote_prefix

    problems = []
    by_id = {m.msgid: m for t in review.threads for m in t.messages}
    for msgid, comments in review.comments.items():
        msg = by_id.get(msgid)
        if msg is None:
            problems.append(f"comments of {msgid}, a message no thread holds")
            continue
        lines = msg.body.split("\n")
        own = Counter()
        for b in msg.blocks:
            if b.kind in (BlockKind.QUOTE, BlockKind.ATTRIBUTION, BlockKind.SIGNATURE):
                continue
            for k in range(b.start, b.start + len(b.lines)):
                if lines[k].strip() and parse_quote_prefix(lines[k])[0] == 0:
                    own[lines[k]] += 1
        kept = Counter(line for c in comments for line in c.text.split("\n"))
        for line, n in own.items():
            if kept[line] < n:
                problems.append(f"{msgid}: own line not in any comment: {line[:80]!r}")
    return problems
