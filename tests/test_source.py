"""The source stage: every input kind is told by content and read in full."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewkit.errors import InputError
from reviewkit.source import read_messages
from reviewkit.source.mbox import is_separator
from reviewkit.source.sniff import InputKind, sniff
from tests.conftest import git, make_inbox

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
MAIL = DATA / "mail"
SEED = CORPUS / "seed-duyck-mlock-v16-16.txt"


def _read(*paths: Path | str) -> list:
    return list(read_messages([str(p) for p in paths]))


# --------------------------------------------------------------------------
# the corpus, file by file


def test_seed_is_one_archive_page() -> None:
    raws = _read(SEED)
    assert len(raws) == 1
    assert raws[0].archive_page is True
    assert raws[0].data == SEED.read_bytes()


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("threads/mlock-v16-16.mbox", 6),
        ("threads/lru-lock-v16.mbox", 66),
        ("samples/patchwork/base-cover-letter.mbox", 3),
        ("samples/patchwork/base-different-versions.mbox", 5),
        ("samples/patchwork/revision-basic.mbox", 6),
        ("samples/patchwork/bugs-multiple-content-types.mbox", 2),
        ("samples/b4/trailers-thread-with-followups.mbox", 6),
        ("samples/b4/trailers-followup-partial-reroll.mbox", 6),
        ("samples/b4/trailers-followup-with-cover.mbox", 5),
        ("samples/b4/trailers-followup-htmljunk.mbox", 2),
        # bare RFC 822 messages: no "From " line (mailbox.mbox reads 0)
        ("samples/patchwork/0007-cvs-format-diff.mbox", 1),
        ("samples/patchwork/0008-git-rename.mbox", 1),
        ("samples/patchwork/0011-no-newline-at-end-of-file.mbox", 1),
        # fuzz: a mangled first "From ste016" line
        ("samples/patchwork/refshdr.mbox", 1),
    ],
)
def test_corpus_message_counts(name: str, count: int) -> None:
    raws = _read(CORPUS / name)
    assert len(raws) == count
    assert all(not r.archive_page for r in raws)
    assert [r.origin for r in raws] == [f"{CORPUS / name}#{i}" for i in range(1, count + 1)]


def test_every_corpus_eml_is_one_message() -> None:
    files = sorted((CORPUS / "patches").glob("*.eml")) + sorted((CORPUS / "replies").glob("*.eml"))
    assert len(files) == 23 + 32
    for f in files:
        raws = _read(f)
        assert len(raws) == 1, f
        assert raws[0].data.lstrip().startswith((b"From", b"Received", b"Return-Path", b"Subject", b"Message")), f


def test_several_paths_are_one_input() -> None:
    raws = _read(CORPUS / "threads" / "mlock-v16-16.mbox", SEED, MAIL / "0003-no-from-line.eml")
    assert len(raws) == 8
    assert [r.archive_page for r in raws] == [False] * 6 + [True, False]


# --------------------------------------------------------------------------
# mbox splitting and escaping


def test_separator_lines() -> None:
    assert is_separator(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
    assert is_separator(b"From 3029b9604cf2b2eaa5f38167f59246e2fa026eb5 Mon Sep 17 00:00:00 2001\n")
    assert is_separator(b"From benh@kernel.crashing.org Fri Oct 22 11:51:02 2010\n")
    assert not is_separator(b"From the docs, not a separator: no date follows.\n")
    assert not is_separator(b"From: Alice <alice@example.org>\n")


def test_mboxrd_unescape_and_body_from_lines() -> None:
    raws = _read(MAIL / "0004-mboxrd-escaping.mbox")
    assert len(raws) == 2
    first = raws[0].data.decode()
    assert "\nFrom the manual: this line was escaped" in first
    assert "\n>From this one twice." in first
    assert "\nFrom the docs, not a separator" in first
    assert "> >From the manual" in raws[1].data.decode()
    # the blank line before a separator belongs to the mbox, not the message
    assert first.endswith("+new\n")


def test_format_patch_is_one_message() -> None:
    raws = _read(MAIL / "0010-format-patch.patch")
    assert len(raws) == 1
    assert raws[0].data.startswith(b"From: Pat Author <pat@example.org>\n")
    assert b"\nFrom the report: f() returned one too many.\n" in raws[0].data


def test_crlf_mbox(tmp_path: Path) -> None:
    src = (MAIL / "0004-mboxrd-escaping.mbox").read_bytes().replace(b"\n", b"\r\n")
    path = tmp_path / "crlf.mbox"
    path.write_bytes(src)
    assert len(_read(path)) == 2


def test_truncated_mbox_gives_what_can_be_read(tmp_path: Path) -> None:
    data = (CORPUS / "threads" / "mlock-v16-16.mbox").read_bytes()
    path = tmp_path / "cut.mbox"
    path.write_bytes(data[: len(data) * 2 // 3])
    raws = _read(path)
    assert 3 <= len(raws) < 6
    assert raws[-1].data and data.startswith(b"From ")


# --------------------------------------------------------------------------
# sniffing by content


def test_sniff_kinds() -> None:
    assert sniff(SEED.read_bytes()[:4096]) is InputKind.ARCHIVE_PAGE
    assert sniff((MAIL / "0003-no-from-line.eml").read_bytes()) is InputKind.MBOX
    assert sniff((CORPUS / "threads" / "mlock-v16-16.mbox").read_bytes()[:4096]) is InputKind.MBOX
    assert sniff(gzip.compress(b"From: a\n\nb\n")) is InputKind.GZIP
    assert sniff((MAIL / "0005-binary-garbage.eml").read_bytes()) is InputKind.NOT_MAIL
    assert sniff(b"Dear diary:\nnothing here\n") is InputKind.NOT_MAIL


def test_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.eml"
    path.write_bytes(b"\xef\xbb\xbf" + (MAIL / "0003-no-from-line.eml").read_bytes())
    raws = _read(path)
    assert len(raws) == 1 and raws[0].data == (MAIL / "0003-no-from-line.eml").read_bytes()


def test_file_name_does_not_decide(tmp_path: Path) -> None:
    # an mbox called .txt, an archive page called .mbox
    a = tmp_path / "thread.txt"
    shutil.copyfile(CORPUS / "threads" / "mlock-v16-16.mbox", a)
    b = tmp_path / "page.mbox"
    shutil.copyfile(SEED, b)
    raws = _read(a, b)
    assert len(raws) == 7
    assert raws[-1].archive_page and not raws[0].archive_page


def test_gzip_mbox(tmp_path: Path) -> None:
    path = tmp_path / "thread"  # no .gz suffix: the magic decides
    path.write_bytes(gzip.compress((CORPUS / "threads" / "lru-lock-v16.mbox").read_bytes()))
    raws = _read(path)
    assert len(raws) == 66
    assert not any(r.cut for r in raws)


def test_gzip_single_message_and_page(tmp_path: Path) -> None:
    one = tmp_path / "one.eml.gz"
    one.write_bytes(gzip.compress((MAIL / "0003-no-from-line.eml").read_bytes()))
    page = tmp_path / "page.gz"
    page.write_bytes(gzip.compress(SEED.read_bytes()))
    raws = _read(one, page)
    assert len(raws) == 2
    assert raws[0].data == (MAIL / "0003-no-from-line.eml").read_bytes()
    assert raws[1].archive_page and raws[1].data == SEED.read_bytes()


def test_truncated_gzip_reads_up_to_the_cut(tmp_path: Path) -> None:
    blob = gzip.compress((CORPUS / "threads" / "lru-lock-v16.mbox").read_bytes())
    path = tmp_path / "cut.mbox.gz"
    path.write_bytes(blob[: len(blob) // 2])
    raws = _read(path)
    assert 10 < len(raws) < 66
    assert raws[-1].cut == "the input was cut short"
    assert not raws[0].cut


def test_small_truncated_gzip_keeps_the_partial_message(tmp_path: Path) -> None:
    data = (MAIL / "0004-mboxrd-escaping.mbox").read_bytes()
    blob = gzip.compress(data)
    path = tmp_path / "cut.gz"
    path.write_bytes(blob[:-12])  # the last block and the trailer are gone
    raws = _read(path)
    assert [r.cut for r in raws] == ["", "the input was cut short"]
    assert data.startswith(b"From mboxrd@z")
    assert raws[0].data.startswith(b"From: Alice")


def test_gzip_members_and_trailing_junk(tmp_path: Path) -> None:
    one = (MAIL / "0004-mboxrd-escaping.mbox").read_bytes()
    two = (CORPUS / "threads" / "mlock-v16-16.mbox").read_bytes()
    path = tmp_path / "two-members.gz"
    path.write_bytes(gzip.compress(one) + gzip.compress(two) + b"\0\0junk after the end")
    raws = _read(path)
    assert len(raws) == 8
    assert not any(r.cut for r in raws)


def test_gzip_that_does_not_decompress(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 40)
    assert _error(path) == f"{path}: gzip data that cannot be decompressed"


def test_gzip_on_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = gzip.compress((CORPUS / "threads" / "lru-lock-v16.mbox").read_bytes())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert len(_read("-")) == 66


def test_maildir(tmp_path: Path) -> None:
    md = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    shutil.copyfile(CORPUS / "replies" / "011_v16-16-duyck-munlock-followup.eml", md / "cur" / "1.host:2,S")
    shutil.copyfile(MAIL / "0003-no-from-line.eml", md / "new" / "2.host")
    raws = _read(md)
    assert len(raws) == 2
    assert raws[0].origin.endswith("1.host:2,S")
    assert b"Message-Id: <hg-1@example.org>" in raws[1].data


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (CORPUS / "threads" / "mlock-v16-16.mbox").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    raws = _read("-")
    assert len(raws) == 6
    assert raws[0].origin == "<stdin>#1"


def test_stdin_archive_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SEED.read_bytes())))
    raws = _read("-")
    assert len(raws) == 1 and raws[0].archive_page


# --------------------------------------------------------------------------
# errors: one line, naming the path


def _error(*paths: str | Path) -> str:
    with pytest.raises(InputError) as info:
        _read(*paths)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mbox"
    assert _error(missing) == f"{missing}: no such file or directory"


def test_missing_path_fails_before_any_message(tmp_path: Path) -> None:
    # read_messages checks every path up front
    with pytest.raises(InputError):
        read_messages([str(SEED), str(tmp_path / "nope")])


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    assert _error(empty) == f"{empty}: empty file"
    blank = tmp_path / "blank.mbox"
    blank.write_bytes(b"\n\n  \n")
    assert _error(blank) == f"{blank}: empty file"


def test_binary_garbage() -> None:
    path = MAIL / "0005-binary-garbage.eml"
    assert _error(path).startswith(f"{path}: holds no mail")


def test_gzip_of_garbage(tmp_path: Path) -> None:
    path = tmp_path / "junk.gz"
    path.write_bytes(gzip.compress((MAIL / "0005-binary-garbage.eml").read_bytes()))
    assert _error(path) == f"{path}: gzip data that holds no mail"


def test_unrelated_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no mail here\n")
    assert "neither a maildir, a public-inbox archive nor a directory of mail files" in _error(tmp_path)


def test_a_directory_of_format_patch_files_is_a_series(tmp_path: Path) -> None:
    # git format-patch -o DIR: one mail a file, read in the order of the names
    patches = sorted((Path(__file__).parent / "data" / "corpus" / "patches").glob("1*.eml"))[:3]
    for i, p in enumerate(reversed(patches)):
        (tmp_path / f"{2 - i:04d}-x.patch").write_bytes(p.read_bytes())
    (tmp_path / "README").write_text("not a mail\n")
    (tmp_path / "sub").mkdir()
    got = [r.origin for r in read_messages([str(tmp_path)])]
    assert got == [f"{tmp_path / f'{i:04d}-x.patch'}#1" for i in range(3)]


def test_empty_maildir(tmp_path: Path) -> None:
    (tmp_path / "cur").mkdir()
    assert _error(tmp_path) == f"{tmp_path}: the maildir holds no messages"


def test_empty_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert _error("-") == "-: standard input is empty"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.mbox"
    shutil.copyfile(SEED, path)
    path.chmod(0)
    assert _error(path) == f"{path}: cannot read (permission denied)"


# --------------------------------------------------------------------------
# public-inbox archives, built here with git


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
@pytest.mark.parametrize("drop_refs", [False, True])
def test_public_inbox_epoch(tmp_path: Path, drop_refs: bool) -> None:
    mails = [f.read_bytes() for f in sorted((CORPUS / "replies").glob("00*.eml"))]
    repo = tmp_path / "list.git"
    make_inbox(repo, mails, drop_refs=drop_refs)
    raws = _read(repo)
    assert sorted(r.data for r in raws) == sorted(mails)
    assert all(r.origin.startswith("archive:") and len(r.origin) == len("archive:") + 40 for r in raws)
    if drop_refs:
        assert not (repo / "refs").exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_public_inbox_v2_epochs(tmp_path: Path) -> None:
    mails = [f.read_bytes() for f in sorted((CORPUS / "patches").glob("*.eml"))]
    inbox = tmp_path / "inbox"
    (inbox / "git").mkdir(parents=True)
    make_inbox(inbox / "git" / "0.git", mails[:10], drop_refs=True)
    make_inbox(inbox / "git" / "1.git", mails[10:], drop_refs=False)
    raws = _read(inbox)
    assert len(raws) == 23
    # epoch 0 first
    assert {r.data for r in raws[:10]} == set(mails[:10])


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_public_inbox_stopped_early_cleans_up(tmp_path: Path) -> None:
    import tempfile

    mails = [f.read_bytes() for f in sorted((CORPUS / "patches").glob("*.eml"))]
    repo = tmp_path / "list.git"
    make_inbox(repo, mails, drop_refs=True)
    before = set(Path(tempfile.gettempdir()).glob("reviewkit-inbox-*"))
    stream = read_messages([str(repo)])
    first = [next(stream) for _ in range(3)]
    assert len(set(Path(tempfile.gettempdir()).glob("reviewkit-inbox-*")) - before) == 1
    stream.close()
    assert set(Path(tempfile.gettempdir()).glob("reviewkit-inbox-*")) - before == set()
    assert len({r.data for r in first}) == 3


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_repository_without_mail(tmp_path: Path) -> None:
    repo = tmp_path / "code.git"
    git("init", "-q", "--bare", str(repo))
    blob = git("--git-dir", str(repo), "hash-object", "-w", "--stdin", input=b"int main;\n")
    tree = git("--git-dir", str(repo), "mktree", input=f"100644 blob {blob}\tmain.c\n".encode())
    commit = git("--git-dir", str(repo), "commit-tree", tree, "-m", "c")
    git("--git-dir", str(repo), "update-ref", "refs/heads/master", commit)
    assert _error(repo) == f"{repo}: the public-inbox archive holds no messages"


def test_a_bare_message_is_one_message_whatever_its_body_holds(tmp_path: Path) -> None:
    # tests/data/fuzz-found/probes/min-05-from-line-in-eml-comment-lost: a
    # pasted log line "From bot@example.com Mon Jan  1 00:00:00 2024" in the
    # body of an .eml used to start a phantom message with the comment after it
    path = DATA / "fuzz-found" / "probes" / "min-05-from-line-in-eml-comment-lost" / "from-line-in-eml.eml"
    [raw] = _read(path)
    assert raw.data == path.read_bytes()
    # and ">From " is text there, not an mboxrd escape
    eml = tmp_path / "x.eml"
    eml.write_bytes(b"Subject: x\n\n>From the log\nFrom a Mon Jan  1 00:00:00 2024\n")
    [raw] = _read(eml)
    assert raw.data == eml.read_bytes()


# --------------------------------------------------------------------------
# bounded by design (tests/data/fuzz-found/probes/min-12-gzip-bombs)


def test_a_gzip_bomb_is_refused_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bomb.mbox.gz"
    path.write_bytes(gzip.compress(b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\n" + b"x\n" * (8 << 20)))
    import re

    message = _error(path)
    assert re.fullmatch(re.escape(f"{path}: the gzip data expands ") + r"\d+ times \([\d,]+ bytes to [\d,]+ so far; "
                        r"the bounds are 100 times and 4 GiB\): not read further", message), message


def test_a_message_keeps_its_first_bytes_and_says_it_was_cut() -> None:
    from reviewkit.source.mbox import LINE_PIECE, parse_mbox, read_pieces

    sep = b"From a Mon Jan  1 00:00:00 2024\n"
    long_line = b"x" * LINE_PIECE + sep  # a piece that starts "From " mid-line splits nothing
    data = sep + b"Subject: one\n\n" + long_line + b"tail\n" + sep + b"Subject: two\n\nbody\n"
    out = list(parse_mbox(read_pieces(io.BytesIO(data)), max_message=LINE_PIECE))
    assert [(d[:12], had, cut) for d, had, cut, _, _ in out] == [(b"Subject: one", True, True), (b"Subject: two", True, False)]
    assert len(out[0][0]) <= LINE_PIECE and out[1][0] == b"Subject: two\n\nbody\n"
    whole = list(parse_mbox(read_pieces(io.BytesIO(data))))
    assert whole[0][0] == b"Subject: one\n\n" + long_line + b"tail\n" and not whole[0][2]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
@pytest.mark.parametrize("signum, code", [(15, 143), (2, -2)])
def test_a_signal_mid_archive_leaves_no_shim_behind(tmp_path: Path, signum: int, code: int) -> None:
    # SIGTERM's default action skipped every finally block and left
    # reviewkit-inbox-* directories in /tmp
    repo = tmp_path / "list.git"
    make_inbox(repo, [f.read_bytes() for f in sorted((CORPUS / "patches").glob("10*.eml"))], drop_refs=True)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    # a job a shell starts in the background inherits SIGINT ignored; the
    # child takes Python's own handler, as in a terminal
    script = (
        "import os, signal, sys, tempfile\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from reviewkit.source import read_messages\n"
        f"for i, raw in enumerate(read_messages([{str(repo)!r}])):\n"
        "    print(os.listdir(tempfile.gettempdir()), flush=True)\n"
        f"    os.kill(os.getpid(), {signum})\n"
        "print('not stopped', flush=True)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(tmp)}, timeout=60)
    assert proc.returncode == code, proc.stderr[-500:]
    assert proc.stdout.startswith("['reviewkit-inbox-") and "not stopped" not in proc.stdout
    assert list(tmp.iterdir()) == []


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_an_archive_message_past_the_bound_is_cut_and_the_rest_read(tmp_path: Path, monkeypatch) -> None:
    import reviewkit.source.inbox as inbox

    big = b"Message-ID: <big@x>\nSubject: big\n\n" + b"x" * 5000 + b"\n"
    small = b"Message-ID: <small@x>\nSubject: small\n\nhi\n"
    repo = tmp_path / "list.git"
    make_inbox(repo, [small, big, small], drop_refs=False)
    monkeypatch.setattr(inbox, "MAX_MESSAGE", 1000)
    raws = _read(repo)
    assert [len(r.data) for r in raws] == [len(small), 1000, len(small)]
    assert [r.cut for r in raws] == ["", "the message is longer than 16 MiB and was read up to there", ""]
