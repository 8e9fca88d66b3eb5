"""Settings: one frozen dataclass, passed keyword-only to every stage."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from reviewkit.errors import ConfigError
from reviewkit.model import Severity

# The archive a Message-ID is linked into (``link-base``).
LINK_BASE = "https://lore.kernel.org/r/"


@dataclasses.dataclass(frozen=True)
class Config:
    """What the user asked for.

    ``select``/``ignore``/``disable`` hold rule-id prefixes ("RK2", "RK201");
    the longest matching prefix decides. ``knowledge`` holds extra knowledge
    tables in the schema of ``rules/knowledge.toml``; ``knowledge_db`` a
    database built by ``reviewkit knowledge build`` (``knowledge = PATH``, or
    ``database = PATH`` in the ``[knowledge]`` table). ``repo`` is the
    source the patch applies to (a git tree or a plain directory);
    ``repo_found``: it is the work tree the command runs in, not one the
    user named, so a tree the patch does not fit is no news. ``fail_on``:
    the least severity of a finding that fails a ``check`` item (a lesser
    one warns). ``link_base``: what a Message-ID is appended to for a link.
    """

    repo: Path | None = None
    repo_found: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    knowledge: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)
    knowledge_db: Path | None = None
    spelling_ignore: tuple[str, ...] = ()
    rules: bool = True  # run the rules stage at all
    learned: bool = True  # the rules read the knowledge learned from kernel trees too
    config_path: Path | None = None
    # fingerprint -> reason of the findings dismissed as not a bug
    # (reviewkit/dismissals.py reads them from .reviewkit-dismissed.toml)
    dismissed: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)
    fail_on: Severity = Severity.ERROR
    link_base: str = LINK_BASE


def parse_toml(data: bytes, where: str) -> dict[str, Any]:
    """TOML ``data`` parsed; ``where`` names it in errors.

    The parser is imported here, not with the module: a run with no config
    file and the knowledge base in the cache parses no TOML (5 ms).

    Raises:
        ConfigError: ``data`` is not UTF-8 or not TOML.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{where}: not UTF-8 text (byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where}: invalid TOML: {err}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config: {err.strerror}") from None
    return parse_toml(data, str(path))


def _pyproject_table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """``[tool.reviewkit]`` of a parsed ``pyproject.toml``; None if it has none.

    Raises:
        ConfigError: ``tool`` or ``tool.reviewkit`` is there but no table
            (``[tool]`` / ``reviewkit = 1``): a usage error naming the file
            and key, not a silent skip, since the user meant to configure us.
    """
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: key 'tool' must be a table ([tool])")
    if "reviewkit" not in tool:
        return None
    table = tool["reviewkit"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool] key 'reviewkit' must be a table ([tool.reviewkit])")
    return table


def find_config_file(start: Path) -> Path | None:
    """The nearest ``.reviewkit.toml`` or ``pyproject.toml`` with
    ``[tool.reviewkit]``, from ``start`` up to the filesystem root; None if none.

    Raises:
        ConfigError: a ``pyproject.toml`` on the way cannot be read or
            parsed, or its ``[tool]`` table names reviewkit but is malformed.
    """
    for d in (start, *start.parents):
        cand = d / ".reviewkit.toml"
        if cand.is_file():
            return cand
        pp = d / "pyproject.toml"
        if pp.is_file() and _pyproject_table(pp, _read_toml(pp)) is not None:
            return pp
    return None


KEYS = ("select", "ignore", "disable", "knowledge", "spelling-ignore", "repo", "fail-on", "link-base")


def _strings(where: str, table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}key {key!r} must be a list of strings, e.g. {key} = ["RK2"]')
    return tuple(value)


def _knowledge(value: Any, path: Path | None, where: str) -> tuple[dict[str, Any], Path | None]:
    """The config's ``knowledge``: a database path (``knowledge = PATH``), or
    a table of extra knowledge tables that may name one (``database =
    PATH``). A relative path is relative to the config file.

    Raises:
        ConfigError: neither a string nor a table, or ``database`` is not a string.
    """
    if isinstance(value, str):
        value = {"database": value}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}key 'knowledge' must be a path to a database or a table ([knowledge])")
    tables = dict(value)
    db = tables.pop("database", None)
    if db is None:
        return tables, None
    if not isinstance(db, str):
        raise ConfigError(f"{where}key 'knowledge.database' must be a path (a string)")
    p = Path(db).expanduser()
    if not p.is_absolute() and path is not None:
        p = path.parent / p
    return tables, p


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Read the config file (explicit ``path`` or the nearest one) and apply
    command-line ``overrides`` (None values are ignored).

    Raises:
        ConfigError: the file is unreadable, not UTF-8, not TOML, or has
            unknown keys or values of the wrong type; the message names the
            file and the key.
    """
    table: dict[str, Any] = {}
    where = ""
    if path is None:
        path = find_config_file(Path.cwd())
    if path is not None:
        data = _read_toml(path)
        if path.name == "pyproject.toml":
            table = _pyproject_table(path, data) or {}
            where = f"{path}: [tool.reviewkit] "
        else:
            table = data
            where = f"{path}: "
    unknown = set(table) - set(KEYS)
    if unknown:
        raise ConfigError(f"{where}unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYS))}")
    knowledge, knowledge_db = _knowledge(table.get("knowledge", {}), path, where)
    repo = table.get("repo")
    if repo is not None and not isinstance(repo, str):
        raise ConfigError(f'{where}key \'repo\' must be a string, e.g. repo = "../linux"')
    fail_on = table.get("fail-on", Severity.ERROR.value)
    if fail_on not in {s.value for s in Severity}:
        raise ConfigError(f'{where}key \'fail-on\' must be "error", "warning" or "info", e.g. fail-on = "warning"')
    link_base = table.get("link-base", LINK_BASE)
    if not isinstance(link_base, str):
        raise ConfigError(f'{where}key \'link-base\' must be a string, e.g. link-base = "{LINK_BASE}"')
    values: dict[str, Any] = {
        "select": _strings(where, table, "select"),
        "ignore": _strings(where, table, "ignore"),
        "disable": _strings(where, table, "disable"),
        "knowledge": knowledge,
        "knowledge_db": knowledge_db,
        "spelling_ignore": _strings(where, table, "spelling-ignore"),
        "repo": Path(repo) if repo is not None else None,
        "config_path": path,
        "fail_on": Severity(fail_on),
        "link_base": link_base,
    }
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    return Config(**values)
