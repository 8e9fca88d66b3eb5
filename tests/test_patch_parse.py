"""parse_patch: real diffs of patch mails, read with unidiff."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewkit.mail import parse_message
from reviewkit.model import FileStatus, Message, PatchSource
from reviewkit.patch import parse_patch
from reviewkit.source import read_messages

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
PATCHWORK = CORPUS / "samples" / "patchwork"


def load(path: Path) -> Message:
    """The first message of a mail file, through the real source and mail stages."""
    return parse_message(next(iter(read_messages([str(path)]))))


@pytest.fixture(scope="module")
def mlock() -> tuple[Message, object]:
    msg = load(CORPUS / "patches" / "117_v16-16-22-patch-posting.eml")
    return msg, parse_patch(msg)


def test_mlock_patch_parts(mlock) -> None:
    msg, patch = mlock
    assert patch.source is PatchSource.MAIL
    assert patch.warnings == ()
    assert patch.commit_message.startswith("This patch reorder the isolation steps during munlock")
    assert patch.commit_message.endswith("Cc: linux-kernel@vger.kernel.org")
    assert patch.diffstat.splitlines() == [
        " mm/mlock.c | 93 ++++++++++++++++++++++++++++++++++----------------------------",
        " 1 file changed, 51 insertions(+), 42 deletions(-)",
    ]
    assert patch.notes == ""
    assert [(t.key, t.name) for t in patch.trailers][:2] == [
        ("Signed-off-by", "Alex Shi"), ("Cc", "Kirill A. Shutemov")]
    (f,) = patch.files
    assert (f.old_path, f.new_path, f.old_blob, f.new_blob) == (
        "mm/mlock.c", "mm/mlock.c", "228ba5a8e0a5", "0bdde88b4438")
    assert f.status is FileStatus.MODIFIED
    assert [(h.old_start, h.old_len, h.new_start, h.new_len) for h in f.hunks] == [
        (103, 25, 103, 6), (181, 6, 162, 7), (189, 32, 171, 42), (297, 34, 289, 51)]
    assert f.hunks[2].header_context == "unsigned int munlock_vma_page(struct page *page)"


def test_mlock_line_numbers_and_body_lines(mlock) -> None:
    msg, patch = mlock
    body = msg.body.splitlines()
    h = patch.files[0].hunks[2]
    get = next(x for x in h.lines if x.text == "\tget_page(page);")
    assert (get.kind, get.old_no, get.new_no) == ("+", None, 178)
    removed = next(x for x in h.lines if "goto unlock_out" in x.text)
    assert (removed.kind, removed.old_no, removed.new_no) == ("-", 201, None)
    # every diff line points at the body line it was read from
    for f in patch.files:
        for hunk in f.hunks:
            for x in hunk.lines:
                assert body[x.body_line] == x.kind + x.text


def test_rename_without_hunks() -> None:
    patch = parse_patch(load(PATCHWORK / "0008-git-rename.mbox"))
    assert [f.status for f in patch.files] == [FileStatus.RENAMED, FileStatus.RENAMED]
    f = patch.files[0]
    assert f.old_path == "package/rpi-userland/rpi-userland-add-pkgconfig-files.patch"
    assert f.new_path == "package/rpi-userland/rpi-userland-000-add-pkgconfig-files.patch"
    assert f.hunks == ()
    assert "rename package/rpi-userland/" in patch.diffstat


def test_empty_new_file() -> None:
    patch = parse_patch(load(PATCHWORK / "0021-git-empty-new-file.mbox"))
    (f,) = patch.files
    assert (f.old_path, f.new_path, f.status, f.hunks) == (None, "banana", FileStatus.ADDED, ())
    assert (f.old_blob, f.new_blob) == ("000000000000", "e69de29bb2d1")
    assert patch.commit_message == "Doing some snowpatching."


def test_mode_change() -> None:
    patch = parse_patch(load(PATCHWORK / "0022-git-mode-change.mbox"))
    (f,) = patch.files
    assert (f.path, f.status, f.hunks) == ("scripts/kconfig/nconf-cfg.sh", FileStatus.MODE, ())


def test_binary_file() -> None:
    patch = parse_patch(load(PATCHWORK / "0025-git-add-binary-file.mbox"))
    (f,) = patch.files
    assert (f.path, f.status, f.hunks) == ("pixel.bmp", FileStatus.BINARY, ())
    assert f.new_blob == "9710347a13c4336e7dbaafa69af0e44a40c21172"


def test_no_newline_at_end_of_file() -> None:
    patch = parse_patch(load(PATCHWORK / "0011-no-newline-at-end-of-file.mbox"))
    assert [f.path for f in patch.files] == [
        "tools/testing/selftests/powerpc/Makefile",
        "tools/testing/selftests/powerpc/vphn/vphn.c",
        "tools/testing/selftests/powerpc/vphn/vphn.h",
    ]
    vphn = patch.files[1]
    assert vphn.status is FileStatus.ADDED
    (h,) = vphn.hunks
    # the "\ No newline" marker is no diff line
    assert [(x.kind, x.text, x.new_no) for x in h.lines] == [
        ("+", "../../../../../arch/powerpc/mm/vphn.c", 1)]
    make = patch.files[0].hunks[0]
    assert [x.new_no for x in make.lines if x.kind == "+"] == [16]


def test_blank_context_lines_repaired() -> None:
    # the mail lost the single space of three blank context lines
    patch = parse_patch(load(PATCHWORK / "0019-multipart-patch.mbox"))
    assert len(patch.warnings) == 1 and "3 blank context lines" in patch.warnings[0]
    h = patch.files[0].hunks[0]
    assert (h.old_len, h.new_len) == (9, 11)
    assert [x.kind for x in h.lines].count(" ") == 8
    assert h.lines[-1].new_no == 586


def test_truncated_diff_gives_warning_and_partial_patch() -> None:
    msg = load(DATA / "patch" / "0001-truncated-diff.eml")
    patch = parse_patch(msg)
    assert patch is not None
    assert patch.warnings[0].startswith("malformed diff (")
    assert "may be partial" in patch.warnings[0]
    assert all("\n" not in w for w in patch.warnings)
    (f,) = patch.files
    assert (f.path, f.old_blob) == ("mm/mlock.c", "228ba5a8e0a5")
    assert [len(h.lines) for h in f.hunks] == [25, 7, 11]
    last = f.hunks[2].lines[-1]
    assert (last.kind, last.text.strip(), last.old_no, last.new_no) == (
        " ", "spin_lock_irq(&pgdat->lru_lock);", 196, 180)


def test_no_diff_gives_none() -> None:
    msg = load(CORPUS / "replies" / "005_v16-06-kirill-reviewed-by.eml")
    assert parse_patch(msg) is None


def test_every_v16_posting_parses_cleanly() -> None:
    paths = sorted((CORPUS / "patches").glob("1*.eml"))
    assert len(paths) == 23
    with_diff = 0
    for p in paths:
        patch = parse_patch(load(p))
        if patch is None:
            assert p.name.startswith("101_")  # the cover letter
            continue
        with_diff += 1
        assert patch.warnings == (), p.name
        for f in patch.files:
            for h in f.hunks:
                assert sum(x.kind != "+" for x in h.lines) == h.old_len
                assert sum(x.kind != "-" for x in h.lines) == h.new_len
    assert with_diff == 22


def test_tree_prefixes_of_a_plain_diff_are_dropped_only_when_both_trees_show() -> None:
    from reviewkit.patch.lines import strip_tree_prefixes

    assert strip_tree_prefixes("5.8-rc5-lru16/mm/swap.c", "linux/mm/swap.c") == ("mm/swap.c", "mm/swap.c")
    # a -p0 diff of one tree keeps its paths
    assert strip_tree_prefixes("mm/swap.c.orig", "mm/swap.c") == ("mm/swap.c.orig", "mm/swap.c")
    assert strip_tree_prefixes("mm/swap.c", "mm/swap.c") == ("mm/swap.c", "mm/swap.c")
    assert strip_tree_prefixes(None, "linux/mm/new.c") == (None, "linux/mm/new.c")
