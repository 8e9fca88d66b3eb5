"""knowledge.toml's parse kept in the cache is the parse of the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

from reviewkit.rules import knowledge


def _fresh_parse() -> dict:
    return tomllib.loads(Path(knowledge.__file__).with_name(knowledge.KNOWLEDGE_FILE).read_text("utf-8"))


def test_cached_parse_is_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = knowledge._parse_shipped_toml()  # parsed, then written
    written = list((tmp_path / "reviewkit").glob("knowledge-*.cache"))
    assert len(written) == 1
    second = knowledge._parse_shipped_toml()  # read back
    assert first == second == _fresh_parse()
    assert "lock" in second and second["lock"]


def test_unreadable_cache_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    knowledge._parse_shipped_toml()
    (cache,) = (tmp_path / "reviewkit").glob("knowledge-*.cache")
    cache.write_bytes(b"\x00garbage")
    assert knowledge._parse_shipped_toml() == _fresh_parse()


def test_unwritable_cache_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert knowledge._parse_shipped_toml() == _fresh_parse()
