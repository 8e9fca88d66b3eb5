"""RK601: words, prose pieces, the dictionary index and its cache."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reviewkit.cache import Entry
from reviewkit.config import Config
from reviewkit.model import CodeMap, DiffLine, FileDiff, Hunk, Patch, PatchSource
from reviewkit.rules import spelling
from reviewkit.rules.engine import run_rules_with_warnings
from reviewkit.rules.spelling import Prose, Segment, find_misspellings, find_words, split_c_line

from tests.test_check_support import load, patch_117


@pytest.fixture(autouse=True)
def _fresh_index():
    # conftest points XDG_CACHE_HOME at tmp_path: start every test cold
    spelling._load_index.cache_clear()
    yield
    spelling._load_index.cache_clear()


def words(text: str) -> list[str]:
    return [w for w, _ in find_words(text)]


def test_identifiers_addresses_and_paths_are_not_prose() -> None:
    text = ("tempary_count TempaRy teh0 0xdeadbeef TEH http://example.org/teh alex.shi@teh.example "
            "mm/tempary.c dev->tempary iput() the %pOF flag")
    assert words(text) == ["the", "flag"]


def test_hyphenated_and_contracted_words_stay_whole() -> None:
    assert words("cros-ec mis-sampling couldn't it\u2019s") == ["cros-ec", "mis-sampling", "couldn't", "it\u2019s"]


def test_split_c_line_separates_code_comments_and_strings() -> None:
    pieces, open_ = split_c_line('\tpr_err("tempary %d\\n", x); /* teh note */ y = \'"\'; // end', False)
    assert pieces == [
        (Segment.CODE, "\tpr_err("),
        (Segment.STRING, "tempary %d\\n"),
        (Segment.CODE, ", x); "),
        (Segment.COMMENT, " teh note "),
        (Segment.CODE, " y = "),
        (Segment.CODE, '"'),
        (Segment.CODE, "; "),
        (Segment.COMMENT, " end"),
    ]
    assert not open_
    pieces, open_ = split_c_line("\t/* a comment that", False)
    assert open_ and pieces[-1] == (Segment.COMMENT, " a comment that")
    pieces, open_ = split_c_line("\t * goes on */ x++;", True)
    assert not open_ and pieces == [(Segment.COMMENT, "\t * goes on "), (Segment.CODE, " x++;")]


def test_the_dictionary_index_agrees_with_the_file() -> None:
    path = spelling._codespell_dictionary()
    assert path is not None
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, fixes = line.partition("->")
        entries.setdefault(key.strip().lower(), tuple(f.strip() for f in fixes.split(",") if f.strip()))
    rng = random.Random(117)
    sample = rng.sample(sorted(entries), 3000)
    found = spelling.find_corrections(sample)
    assert found == {k: entries[k] for k in sample}
    absent = ["temporary", "the", "lruvec", "zzzzzz", "a", "aaaaaaaaaaaa"]
    assert spelling.find_corrections(absent) == {}


def test_the_index_is_cached_and_reused(tmp_path: Path) -> None:
    assert spelling.find_corrections(["tempary"]) == {"tempary": ("temporary", "temporarily")}
    cached = list((tmp_path / "xdg-cache" / "reviewkit").glob("codespell-*.cache"))
    assert len(cached) == 1
    # a second process reads the cache: make it different to prove it is read
    dictionary = spelling._codespell_dictionary()
    assert dictionary is not None
    Entry("codespell", dictionary).write(b"tempary->cached\n")
    spelling._load_index.cache_clear()
    assert spelling.find_corrections(["tempary"]) == {"tempary": ("cached",)}
    # damaged: built again from the dictionary
    cached[0].write_bytes(cached[0].read_bytes()[:-1])
    spelling._load_index.cache_clear()
    assert spelling.find_corrections(["tempary"]) == {"tempary": ("temporary", "temporarily")}


def test_an_unwritable_cache_still_gives_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert spelling.find_corrections(["teh"]) == {"teh": ("the",)}


def _patch(lines: list[tuple[str, str]], path: str = "drivers/pwm/pwm-x.c", message: str = "") -> Patch:
    new = 10
    out = []
    for kind, text in lines:
        out.append(DiffLine(kind, text, None if kind == "+" else new, new))
        new += 1
    hunk = Hunk(10, 1, 10, len(lines), "", tuple(out))
    return Patch("x@y", PatchSource.MAIL, "[PATCH] pwm: x", message, "", "", (FileDiff(path, path, None, None, (hunk,)),))


def test_only_added_comments_and_strings_are_read() -> None:
    patch = _patch([
        (" ", "/*"),
        (" ", " * teh old comment line"),
        ("+", " * an added line of the comment: tempary"),
        (" ", " */"),
        ("+", "int tempary = 0; /* a recieved value */"),
        ("+", 'dev_err(dev, "Couldn\'t allocate, occured twice\\n");'),
    ])
    found = [(f.line, f.message) for f in spelling.misspelled_words(patch, None, Config())]
    assert found == [
        (12, '"tempary" may be misspelled: temporary, temporarily'),
        (14, '"recieved" may be misspelled: received'),
        (15, '"occured" may be misspelled: occurred'),
    ]


def test_a_hunk_that_opens_inside_a_comment() -> None:
    patch = _patch([(" ", " * still the comment, teh"), ("+", " * and an acess here"), (" ", " */")])
    assert [f.line for f in spelling.misspelled_words(patch, None, Config())] == [11]


def test_documentation_and_kconfig_help_are_prose() -> None:
    doc = _patch([("+", "This feature is usefull."), ("+", "")], path="Documentation/pwm.rst")
    assert [f.message for f in spelling.misspelled_words(doc, None, Config())] == ['"usefull" may be misspelled: useful']
    kconfig = _patch([("+", "config PWM_X"), ("+", '\ttristate "X"'), ("+", "\thelp"),
                      ("+", "\t  Say Y to enable the adress decoder.")], path="drivers/pwm/Kconfig")
    assert [f.line for f in spelling.misspelled_words(kconfig, None, Config())] == [13]


def test_commit_message_trailers_are_skipped_and_lines_counted() -> None:
    patch = _patch([], message="pwm: x\n\nFix teh thing.\n\nFixes: 0123456789ab (\"pwm: tempary\")\n"
                   "Signed-off-by: Teh Author <a@b.example>\n")
    found = [(f.file, f.line, f.message) for f in spelling.misspelled_words(patch, None, Config())]
    assert found == [("", 3, '"teh" may be misspelled: the')]


def test_kernel_words_and_configured_words_are_ignored() -> None:
    pieces = [Prose("", 1, "the filp is uptodate; the foo recieved it", Segment.COMMENT)]
    assert [m.word for m in find_misspellings(pieces)] == ["recieved"]
    assert find_misspellings(pieces, ignore=("Recieved",)) == []


def test_rk601_flags_tempary_in_the_seed_patch() -> None:
    [(_, patch)] = load(patch_117())
    found, warnings = run_rules_with_warnings(patch, CodeMap(patch.msgid, (), False), config=Config(select=("RK601",)))
    assert warnings == []
    assert [(f.rule, f.category, f.file, f.line, f.message) for f in found] == [
        ("RK601", "spelling", "mm/mlock.c", 333, '"tempary" may be misspelled: temporary, temporarily'),
    ]
    assert found[0].suggestion == "write one of: temporary, temporarily"
