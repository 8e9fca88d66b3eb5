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
    tables in the schema of ``rules/knowledge.toml``. ``repo`` is a git tree
    holding the patched source.
    """

    repo: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    knowledge: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)
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
    values: dict[str, Any] = {
        "select": tuple(table.get("select", ())),
        "ignore": tuple(table.get("ignore", ())),
        "disable": tuple(table.get("disable", ())),
        "knowledge": dict(table.get("knowledge", {})),
        "spelling_ignore": tuple(table.get("spelling-ignore", ())),
        "repo": Path(table["repo"]) if "repo" in table else None,
        "config_path": path,
    }
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    return Config(**values)
