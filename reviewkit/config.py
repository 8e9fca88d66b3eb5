"""Settings: one frozen dataclass, passed keyword-only to every stage."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from reviewkit.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclasses.dataclass(frozen=True)
class Config:
    """What the user asked for.

    ``select``/``ignore``/``disable`` hold rule-id prefixes ("RK2", "RK201");
    the longest matching prefix decides. ``knowledge`` holds extra knowledge
    tables in the schema of ``rules/knowledge.toml``; ``knowledge_db`` a
    database built by ``reviewkit knowledge build`` (``knowledge = PATH``, or
    ``database = PATH`` in the ``[knowledge]`` table). ``repo`` is a git tree
    holding the patched source.
    """

    repo: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    knowledge: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)
    knowledge_db: Path | None = None
    spelling_ignore: tuple[str, ...] = ()
    rules: bool = True  # run the rules stage at all
    config_path: Path | None = None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None


def find_config_file(start: Path) -> Path | None:
    """The nearest ``.reviewkit.toml`` or ``pyproject.toml`` with
    ``[tool.reviewkit]``, from ``start`` up to the filesystem root; None if none."""
    for d in (start, *start.parents):
        cand = d / ".reviewkit.toml"
        if cand.is_file():
            return cand
        pp = d / "pyproject.toml"
        if pp.is_file() and "reviewkit" in _read_toml(pp).get("tool", {}):
            return pp
    return None


def _knowledge(value: Any, path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """The config's ``knowledge``: a database path (``knowledge = PATH``), or
    a table of extra knowledge tables that may name one (``database =
    PATH``). A relative path is relative to the config file.

    Raises:
        ConfigError: neither a string nor a table, or ``database`` is not a string.
    """
    if isinstance(value, str):
        value = {"database": value}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: knowledge must be a path to a database or a table")
    tables = dict(value)
    db = tables.pop("database", None)
    if db is None:
        return tables, None
    if not isinstance(db, str):
        raise ConfigError(f"{path}: knowledge database must be a path (a string)")
    p = Path(db).expanduser()
    if not p.is_absolute() and path is not None:
        p = path.parent / p
    return tables, p


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Read the config file (explicit ``path`` or the nearest one) and apply
    command-line ``overrides`` (None values are ignored).

    Raises:
        ConfigError: the file is unreadable, not TOML, or has unknown keys.
    """
    table: dict[str, Any] = {}
    if path is None:
        path = find_config_file(Path.cwd())
    if path is not None:
        data = _read_toml(path)
        table = data.get("tool", {}).get("reviewkit", {}) if path.name == "pyproject.toml" else data
    known = {"select", "ignore", "disable", "knowledge", "spelling-ignore", "repo"}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    knowledge, knowledge_db = _knowledge(table.get("knowledge", {}), path)
    values: dict[str, Any] = {
        "select": tuple(table.get("select", ())),
        "ignore": tuple(table.get("ignore", ())),
        "disable": tuple(table.get("disable", ())),
        "knowledge": knowledge,
        "knowledge_db": knowledge_db,
        "spelling_ignore": tuple(table.get("spelling-ignore", ())),
        "repo": Path(table["repo"]) if "repo" in table else None,
        "config_path": path,
    }
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    return Config(**values)
