"""Exact mode: the code comes from a git tree (a repository the tests build)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from reviewkit.cmap import find_functions, function_at, map_functions, parse_c
from reviewkit.cmap.sources import apply_hunks, split_lines
from reviewkit.config import Config
from reviewkit.model import FunctionStatus, NodeKind, Patch, PatchSource, Side
from reviewkit.patch.real import parse_diff_text

LRU = Path(__file__).parent / "data" / "cmap" / "lru"
OLD = (LRU / "old.c").read_text()
NEW = (LRU / "new.c").read_text()

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def make_repo(path: Path, content: str) -> Path:
    (path / "mm").mkdir(parents=True)
    git(path, "init", "-q")
    (path / "mm" / "lru.c").write_text(content)
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "base")
    return path


def as_patch(diff: str) -> Patch:
    files, warnings = parse_diff_text(diff, None)
    assert files and not warnings
    return Patch("<lru@test>", PatchSource.MAIL, "lru", "", "", "", files)


@pytest.fixture
def repo_and_diff(tmp_path: Path) -> tuple[Path, str]:
    repo = make_repo(tmp_path / "tree", OLD)
    (repo / "mm" / "lru.c").write_text(NEW)
    diff = git(repo, "diff")
    git(repo, "checkout", "--", "mm/lru.c")  # HEAD and the work tree hold the pre-image
    assert "\nindex " in diff
    return repo, diff


def spans(text: str, side: Side) -> dict[str, tuple[int, int]]:
    src = text.encode()
    return {f.name: (f.start, f.end) for f in find_functions(parse_c(src), src, file="mm/lru.c", side=side)}


def check_exact(cm) -> None:
    """The code map agrees with the real files, line for line."""
    assert cm.exact, cm.warnings
    old_spans, new_spans = spans(OLD, Side.OLD), spans(NEW, Side.NEW)
    by_name = {cf.name: cf for cf in cm.functions}
    assert by_name["isolate_one"].status is FunctionStatus.REMOVED
    assert by_name["isolate_one"].new is None
    assert by_name["scan_one"].status is FunctionStatus.ADDED and by_name["scan_one"].old is None
    for name in ("munlock_one", "drain_all"):
        cf = by_name[name]
        assert cf.status is FunctionStatus.CHANGED
        assert (cf.old.function.start, cf.old.function.end) == old_spans[name]
        assert (cf.new.function.start, cf.new.function.end) == new_spans[name]
        assert cf.old.function.complete and cf.new.function.complete
        start, end = new_spans[name]
        assert cf.new.source == "\n".join(NEW.splitlines()[start - 1 : end])
        assert cf.new.cfg.complete and cf.old.cfg.complete
    mo = by_name["munlock_one"]
    new_lines = NEW.splitlines()
    assert {new_lines[n - 1].strip() for n in mo.added_lines} >= {"get_page(page);", "return 0;", "} else {"}
    # the hunk header names isolation_failed; the tree says munlock_one
    get = next(n for n in mo.new.cfg.nodes if n.text == "get_page(page);")
    assert function_at(cm, "mm/lru.c", Side.NEW, get.line) == "munlock_one"
    assert new_lines[get.line - 1].strip() == "get_page(page);"
    # the old side: gotos reach labels, and the loop in drain_all is nested
    old_cfg = mo.old.cfg
    assert {n.label for n in old_cfg.nodes if n.kind is NodeKind.LABEL} == {"unlock_out", "out"}
    loops = [n for n in by_name["drain_all"].new.cfg.nodes if n.kind is NodeKind.LOOP]
    assert [(n.text, n.loop_depth) for n in loops] == [("i < pvec->nr", 0), ("list_for_each_entry(p, &pvec->list, lru)", 1)]
    # a function a hunk shows only as context is listed, unchanged, without a CFG
    assert by_name["lru_setup"].status is FunctionStatus.UNCHANGED
    assert by_name["lru_setup"].new.cfg is None and by_name["lru_setup"].added_lines == frozenset()
    # lines no hunk shows are known too
    assert function_at(cm, "mm/lru.c", Side.NEW, new_spans["drain_all"][0]) == "drain_all"
    assert function_at(cm, "mm/lru.c", Side.OLD, old_spans["munlock_one"][0] + 1) == "munlock_one"


def test_blob_from_the_index_line(repo_and_diff):
    repo, diff = repo_and_diff
    patch = as_patch(diff)
    assert patch.files[0].old_blob and len(patch.files[0].old_blob) < 40  # abbreviated
    cm = map_functions(patch, config=Config(repo=repo))
    assert cm.warnings == ()
    check_exact(cm)


def test_bare_repository(repo_and_diff, tmp_path: Path):
    repo, diff = repo_and_diff
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True, capture_output=True)
    check_exact(map_functions(as_patch(diff), config=Config(repo=bare)))


def test_head_when_the_blob_is_missing(repo_and_diff):
    repo, diff = repo_and_diff
    blob = as_patch(diff).files[0].old_blob
    diff = diff.replace(f"index {blob}..", "index 1234567..")
    cm = map_functions(as_patch(diff), config=Config(repo=repo))
    assert cm.warnings == ()
    check_exact(cm)


def test_head_already_patched(repo_and_diff):
    # the tree has the patch applied: undo the hunks for the old side
    repo, diff = repo_and_diff
    (repo / "mm" / "lru.c").write_text(NEW)
    git(repo, "commit", "-q", "-am", "applied")
    blob = as_patch(diff).files[0].old_blob
    git(repo, "reflog", "expire", "--expire=now", "--all")
    diff = diff.replace(f"index {blob}..", "index 1234567..")
    check_exact(map_functions(as_patch(diff), config=Config(repo=repo)))


def test_head_that_does_not_match_falls_back_to_the_hunks(repo_and_diff):
    repo, diff = repo_and_diff
    (repo / "mm" / "lru.c").write_text(OLD.replace("\tnr_pages = page_nr(page);", "\tnr_pages = 2;"))
    git(repo, "commit", "-q", "-am", "elsewhere")
    blob = as_patch(diff).files[0].old_blob
    diff = diff.replace(f"index {blob}..", "index 1234567..")
    cm = map_functions(as_patch(diff), config=Config(repo=repo))
    assert not cm.exact
    assert len(cm.warnings) == 1
    warning = cm.warnings[0]
    assert warning.startswith("mm/lru.c: no exact source in ")
    assert "blob 1234567 not in the tree" in warning and "does not match the hunks (line " in warning
    # the hunks still give the functions
    by_name = {cf.name: cf for cf in cm.functions}
    assert by_name["munlock_one"].status is FunctionStatus.CHANGED
    assert by_name["munlock_one"].new.function.complete  # one hunk shows all of it
    # drain_all's opening line is above its hunk: named from the hunk header
    drain = by_name["drain_all"].new.function
    assert not drain.complete and drain.start > spans(NEW, Side.NEW)["drain_all"][0]


def test_not_a_repository(tmp_path: Path, repo_and_diff):
    _repo, diff = repo_and_diff
    cm = map_functions(as_patch(diff), config=Config(repo=tmp_path / "nowhere"))
    assert not cm.exact
    assert cm.warnings[0].startswith("--repo ") and "no such directory" in cm.warnings[0]
    plain = tmp_path / "plain"
    plain.mkdir()
    cm = map_functions(as_patch(diff), config=Config(repo=plain))
    assert not cm.exact and "the tree has no mm/lru.c" in cm.warnings[0]
    assert {cf.mode for cf in cm.functions} == {"fragment"}


# -------------------------------------------------------------- a nearby tree


def _plain_tree(path: Path, content: str) -> Path:
    (path / "mm").mkdir(parents=True)
    (path / "mm" / "lru.c").write_text(content)
    return path


def test_a_plain_directory_with_the_pre_image_is_exact(tmp_path: Path, repo_and_diff):
    _repo, diff = repo_and_diff
    cm = map_functions(as_patch(diff), config=Config(repo=_plain_tree(tmp_path / "src", OLD)))
    check_exact(cm)
    assert {cf.mode for cf in cm.functions} == {"exact"}


@pytest.mark.parametrize("shift", [7, -2])
def test_a_nearby_version_places_the_hunks(tmp_path: Path, repo_and_diff, shift: int):
    # another version of the file: lines added (or taken away) above the
    # hunks, as a tree a few commits away has it
    _repo, diff = repo_and_diff
    lines = OLD.splitlines(keepends=True)
    if shift > 0:
        content = "".join(lines[:2] + [f"/* nearby line {i} */\n" for i in range(shift)] + lines[2:])
    else:
        assert all(not ln.strip() or ln.startswith(("//", "/*", " *")) for ln in lines[: -shift])
        content = "".join(lines[-shift:])
    cm = map_functions(as_patch(diff), config=Config(repo=_plain_tree(tmp_path / "src", content)))
    assert cm.warnings == ()
    by_name = {cf.name: cf for cf in cm.functions}
    mo = by_name["munlock_one"]
    assert mo.mode == "placed" and mo.placed == shift
    # the hunks' numbers hold: the whole function, line for line the patch's
    start, end = spans(NEW, Side.NEW)["munlock_one"]
    assert mo.new.source == "\n".join(NEW.splitlines()[start - 1 : end])
    assert mo.new.cfg.complete and mo.old.cfg.complete
    from reviewkit.cmap import functions_report

    report = {r["name"]: r for r in functions_report(cm)}
    assert report["munlock_one"]["source"] == f"placed {shift:+d}"


def test_a_tree_where_the_hunks_do_not_stand_gives_fragments(tmp_path: Path, repo_and_diff):
    _repo, diff = repo_and_diff
    other = OLD.replace("get_page(page)", "folio_get(folio)").replace("put_page(page)", "folio_put(folio)")
    cm = map_functions(as_patch(diff), config=Config(repo=_plain_tree(tmp_path / "src", other)))
    assert "not all found" in cm.warnings[0] or "does not match" in cm.warnings[0]
    assert "fragment" in {cf.mode for cf in cm.functions}


def test_a_git_tree_at_another_version_places_the_hunks(tmp_path: Path, repo_and_diff):
    _repo, diff = repo_and_diff
    content = "/* a newer header */\n/* two lines */\n" + OLD
    repo = make_repo(tmp_path / "newer", content)
    cm = map_functions(as_patch(diff), config=Config(repo=repo))
    mo = {cf.name: cf for cf in cm.functions}["munlock_one"]
    assert (mo.mode, mo.placed) == ("placed", 2)


def test_a_path_that_leaves_the_tree_is_not_read(tmp_path: Path) -> None:
    from reviewkit.cmap.sources import read_tree_file

    (tmp_path / "tree").mkdir()
    (tmp_path / "secret.c").write_text("int x;\n")
    assert read_tree_file(tmp_path / "tree", "../secret.c") is None


def test_apply_hunks_in_memory(repo_and_diff):
    _repo, diff = repo_and_diff
    fd = as_patch(diff).files[0]
    new, why = apply_hunks(split_lines(OLD.encode()), fd.hunks)
    assert why == "" and new == NEW.splitlines()
    old, why = apply_hunks(NEW.splitlines(), fd.hunks, reverse=True)
    assert why == "" and old == OLD.splitlines()
    bad, why = apply_hunks(NEW.splitlines(), fd.hunks)
    assert bad is None and why.startswith("hunk 1: line")
