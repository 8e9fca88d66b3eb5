"""The on-disk cache: verified entries, atomic writes, and any damage rebuilt.

The probes of tests/data/fuzz-found/probes/cache-* run as `check` processes
on a cache damaged as their notes say; each must give the result of a run
on an empty cache.
"""

from __future__ import annotations

import os
import random
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from reviewkit import cache
from reviewkit.cache import Entry, cache_dir

PROBES = Path(__file__).parent / "data" / "fuzz-found" / "probes"
SPELL = PROBES / "cache-codespell-truncated-silent" / "spell.patch"
UNLOCK = PROBES / "cache-knowledge-bitflip-silent" / "missing-unlock.patch"
MISSPELLED = {"teh": 14, "tempary": 14, "recieve": 15, "occured": 15, "seperate": 16}  # word: line
LEAK = "a path leaves foo_set() at line 14 with foo->lock still held"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.txt"
    path.write_text("what the entry is made from\n")
    return path


def _entry_file(kind: str) -> Path:
    (path,) = cache_dir().glob(f"{kind}-*.cache")
    return path


# --------------------------------------------------------------------------
# the module


def test_an_entry_reads_back_what_was_written(source: Path) -> None:
    entry = Entry("words", source)
    assert entry.read() is None
    entry.write(b"teh->the\n" * 1000)
    assert Entry("words", source).read() == b"teh->the\n" * 1000
    assert _entry_file("words").parent == cache_dir()
    assert [p.name for p in cache_dir().iterdir()] == [_entry_file("words").name]  # no temporary file left


def test_an_entry_of_another_source_version_or_kind_is_not_read(source: Path, monkeypatch) -> None:
    Entry("words", source).write(b"old")
    assert Entry("other", source).read() is None
    with monkeypatch.context() as m:
        m.setattr(cache, "__version__", "0.0.0-other")
        assert Entry("words", source).read() is None
    assert Entry("words", source).read() == b"old"
    source.write_text("what the entry is made from, changed\n")
    assert Entry("words", source).read() is None


def _flip_bit(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def test_every_single_bit_flip_is_a_miss(source: Path) -> None:
    payload = bytes(range(256))
    Entry("words", source).write(payload)
    path = _entry_file("words")
    good = path.read_bytes()
    for bit in range(len(good) * 8):
        path.write_bytes(_flip_bit(good, bit))
        assert Entry("words", source).read() is None, bit


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _random(data: bytes) -> bytes:
    return random.Random(17).randbytes(len(data))


def _longer(data: bytes) -> bytes:
    return data + b"x"


@pytest.mark.parametrize("damage", [_truncated, _random, _longer, lambda d: b"", lambda d: d[:-1]],
                         ids=["truncated", "random-bytes", "longer", "empty", "last-byte-lost"])
def test_damaged_entry_is_a_miss_and_is_rewritten(source: Path, damage) -> None:
    Entry("words", source).write(b"the payload\n" * 100)
    path = _entry_file("words")
    path.write_bytes(damage(path.read_bytes()))
    entry = Entry("words", source)
    assert entry.read() is None
    entry.write(b"the payload\n" * 100)
    assert Entry("words", source).read() == b"the payload\n" * 100


def test_unreadable_entry_is_a_miss_or_its_true_payload(source: Path) -> None:
    Entry("words", source).write(b"payload")
    path = _entry_file("words")
    path.chmod(0)
    try:
        # root reads it anyway: then it must be the verified payload
        expected = b"payload" if os.access(path, os.R_OK) else None
        assert Entry("words", source).read() == expected
        Entry("words", source).write(b"payload")  # replaced by a fresh file
        assert Entry("words", source).read() == b"payload"
    finally:
        if path.exists():
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_directory_in_the_entrys_place_is_a_miss_and_no_error(source: Path) -> None:
    Entry("words", source).write(b"payload")
    path = _entry_file("words")
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("kept")
    entry = Entry("words", source)
    assert entry.read() is None
    entry.write(b"payload")  # cannot replace a directory: no error
    assert entry.read() is None
    assert (path / "inside").read_text() == "kept"
    assert [p.name for p in cache_dir().iterdir()] == [path.name]  # the temporary file is gone


def test_a_link_in_the_entrys_place_is_not_followed(source: Path, tmp_path: Path) -> None:
    Entry("words", source).write(b"payload")
    path = _entry_file("words")
    elsewhere = tmp_path / "elsewhere"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    assert Entry("words", source).read() is None
    Entry("words", source).write(b"payload")
    assert not path.is_symlink() and Entry("words", source).read() == b"payload"


def test_a_fifo_in_the_entrys_place_does_not_hang(tmp_path: Path) -> None:
    # In a child process: a read that blocked on the FIFO would hang the
    # test run itself; the timeout is a guard, not a measurement.
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from reviewkit.cache import Entry, cache_dir\n"
        "src = Path(sys.argv[1]); src.write_text('x')\n"
        "e = Entry('words', src); e.write(b'payload')\n"
        "p = e.path; p.unlink(); os.mkfifo(p)\n"
        "assert Entry('words', src).read() is None\n"
        "Entry('words', src).write(b'payload')\n"
        "assert Entry('words', src).read() == b'payload'\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "src")], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n"


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch, source: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    entry = Entry("words", source)
    entry.write(b"payload")
    assert entry.read() is None


def test_a_source_that_cannot_be_read_has_no_entry(tmp_path: Path) -> None:
    entry = Entry("words", tmp_path / "missing")
    entry.write(b"payload")
    assert entry.read() is None
    assert not cache_dir().exists()


# --------------------------------------------------------------------------
# `check` on a damaged cache: the probes


def _check(patch: Path, cache_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(cache_home)}
    # --fail-on warning: a misspelling (a warning) fails the spelling item
    return subprocess.run([sys.executable, "-m", "reviewkit", "check", "--fail-on", "warning", str(patch)],
                          capture_output=True, text=True, env=env)


def _cold(patch: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """`check` on an empty cache: the reference, and the cache it leaves."""
    proc = _check(patch, tmp_path / "xdg")
    assert proc.returncode == 1, proc.stderr
    return proc


def _the_entry(tmp_path: Path, kind: str) -> Path:
    (path,) = (tmp_path / "xdg" / "reviewkit").glob(f"{kind}-*.cache")
    return path


def test_spelling_reference(tmp_path: Path) -> None:
    proc = _cold(SPELL, tmp_path)
    assert "FAIL spelling" in proc.stdout
    for word, line in MISSPELLED.items():
        assert f'drivers/misc/foo.c:{line}: "{word}" may be misspelled' in proc.stdout, word


@pytest.mark.parametrize("damage", [_truncated, _random, lambda d: b""], ids=["half", "random-bytes", "empty"])
def test_probe_codespell_truncated_index_still_finds_misspellings(tmp_path: Path, damage) -> None:
    """cache-codespell-truncated-silent: a truncated index passed spelling."""
    reference = _cold(SPELL, tmp_path)
    entry = _the_entry(tmp_path, "codespell")
    data = entry.read_bytes()
    entry.write_bytes(damage(data))
    proc = _check(SPELL, tmp_path / "xdg")
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, reference.stdout, "")
    assert entry.read_bytes() == data  # rebuilt


def _directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _unreadable(path: Path) -> None:
    path.chmod(0)


@pytest.mark.parametrize("replace", [_directory, _fifo, _unreadable], ids=["directory", "fifo", "no-permission"])
@pytest.mark.parametrize("kind, patch", [("codespell", SPELL), ("knowledge", UNLOCK)])
def test_check_with_something_else_in_the_entrys_place(tmp_path: Path, replace, kind: str, patch: Path) -> None:
    reference = _cold(patch, tmp_path)
    replace(_the_entry(tmp_path, kind))
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    # the timeout guards against a FIFO that blocks the read; it is no measurement
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "check", "--fail-on", "warning", str(patch)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, reference.stdout, "")


def test_probe_codespell_bitflip_is_rebuilt(tmp_path: Path) -> None:
    """cache-codespell-bitflip-exit3: a bit flipped in the fixes of teh->the."""
    spell = PROBES / "cache-codespell-bitflip-exit3" / "spell.patch"
    reference = _cold(spell, tmp_path)
    entry = _the_entry(tmp_path, "codespell")
    data = entry.read_bytes()
    at = data.index(b"\nteh->the\n") + len(b"\nteh->")
    entry.write_bytes(data[:at] + bytes([data[at] ^ 0x80]) + data[at + 1:])  # "the" is no UTF-8 now
    proc = _check(spell, tmp_path / "xdg")
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, reference.stdout, "")
    assert entry.read_bytes() == data


def test_probe_knowledge_bitflip_still_finds_the_leak(tmp_path: Path) -> None:
    """cache-knowledge-bitflip-silent: mutex_lock became mutex_Lock."""
    reference = _cold(UNLOCK, tmp_path)
    assert LEAK in reference.stdout
    entry = _the_entry(tmp_path, "knowledge")
    data = entry.read_bytes()
    assert b'"mutex_lock"' in data
    entry.write_bytes(data.replace(b'"mutex_lock"', b'"mutex_Lock"', 1))  # one bit: 0x6c -> 0x4c
    proc = _check(UNLOCK, tmp_path / "xdg")
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, reference.stdout, "")
    assert entry.read_bytes() == data


@pytest.mark.parametrize("probe", ["cache-dataclass-bitflip-segfault", "cache-dataclass-bitflip-exit3"])
def test_probe_dataclass_cache_left_behind_is_not_read(tmp_path: Path, probe: str) -> None:
    """The dataclass method cache is gone; a damaged file of it changes nothing."""
    assert (PROBES / probe / "README.txt").is_file()
    reference = _cold(UNLOCK, tmp_path)
    tag = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-O{sys.flags.optimize}"
    (tmp_path / "xdg" / "reviewkit" / f"dataclass-methods-{tag}.marshal").write_bytes(b"\xe3" + os.urandom(4096))
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-m", "reviewkit", "check", "--fail-on", "warning", str(UNLOCK)], capture_output=True,
                          text=True, env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, reference.stdout, "")


def test_eight_checks_started_together_on_an_empty_cache(tmp_path: Path) -> None:
    reference = _cold(SPELL, tmp_path / "reference")
    home = tmp_path / "xdg-together"
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(home)}
    procs = [subprocess.Popen([sys.executable, "-m", "reviewkit", "check", "--fail-on", "warning", str(SPELL)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(8)]
    results = []
    for p in procs:
        out, err = p.communicate()
        results.append((p.returncode, out, err))
    assert results == [(1, reference.stdout, "")] * 8
    entries = sorted(p.name.split("-")[0] for p in (home / "reviewkit").iterdir())
    assert entries == ["codespell", "knowledge"]  # one each, no temporary file left
    assert _check(SPELL, home).stdout == reference.stdout
