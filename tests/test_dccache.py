"""The dataclass method cache gives the very functions dataclasses compiles."""

from __future__ import annotations

import builtins
import dataclasses
import os
from dataclasses import FrozenInstanceError, dataclass, field

import pytest

from reviewkit import dccache


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(dccache, "_codes", None)
    monkeypatch.setattr(dccache, "_dirty", False)
    monkeypatch.setattr(dccache, "PACKAGES", ("reviewkit", __name__))
    return tmp_path


def _define(exec_fn):
    """A frozen dataclass defined with ``exec_fn`` as dataclasses' exec."""
    saved = dataclasses.__dict__.get("exec")
    dataclasses.exec = exec_fn
    try:
        @dataclass(frozen=True)
        class Hunk:
            file: str
            start: int = 0
            lines: tuple[str, ...] = ()
            meta: dict[str, int] = field(default_factory=dict, compare=False)
    finally:
        if saved is None:
            del dataclasses.exec
        else:
            dataclasses.exec = saved
    return Hunk


METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


def test_cached_methods_are_the_compiled_ones(fresh):
    plain = _define(builtins.exec)
    cached = _define(dccache.cached_exec)
    again = _define(dccache.cached_exec)  # from the cache this time
    for name in METHODS:
        assert getattr(cached, name).__code__ == getattr(plain, name).__code__, name
        assert getattr(again, name).__code__ is getattr(cached, name).__code__, name
        assert getattr(cached, name).__globals__ is getattr(plain, name).__globals__, name
    a, b = again("mm/mlock.c", 3, ("+x",), {"k": 1}), again("mm/mlock.c", 3, ("+x",))
    assert a == b and hash(a) == hash(b)
    assert repr(a) == repr(plain("mm/mlock.c", 3, ("+x",), {"k": 1}))
    assert repr(a).endswith("Hunk(file='mm/mlock.c', start=3, lines=('+x',), meta={'k': 1})")
    with pytest.raises(FrozenInstanceError):
        a.start = 4  # type: ignore[misc]
    assert again.__init__.__annotations__ == plain.__init__.__annotations__


def test_cache_file_round_trip(fresh):
    _define(dccache.cached_exec)
    texts = set(dccache._codes)
    assert texts and dccache._dirty
    dccache.save()
    assert os.path.isfile(dccache.cache_path())
    assert dccache.cache_path().startswith(str(fresh))
    dccache._codes = None
    assert set(dccache._load()) == texts


def test_unreadable_cache_is_ignored(fresh):
    path = dccache.cache_path()
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as f:
        f.write(b"\x00not marshal data")
    cls = _define(dccache.cached_exec)
    assert cls("a") == cls("a")
    assert dccache._dirty


def test_other_packages_classes_are_not_kept(fresh, monkeypatch):
    monkeypatch.setattr(dccache, "PACKAGES", ("reviewkit",))
    cls = _define(dccache.cached_exec)
    assert cls("a") == cls("a")
    assert not dccache._codes and not dccache._dirty


def test_importing_the_library_leaves_dataclasses_alone() -> None:
    import subprocess
    import sys

    code = "import dataclasses, reviewkit.model, reviewkit.pipeline; print('exec' in vars(dataclasses))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={
        **os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    assert out.stdout.strip() == "False", out.stderr
