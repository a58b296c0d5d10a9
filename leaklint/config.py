"""Configuration: [tool.leaklint] in pyproject.toml or the top level of leaklint.toml.

Validation is strict: an unknown key or a bad value is a ConfigError naming the file,
the key and what is allowed. There are no silent defaults for a typo.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULE_PREFIX = re.compile(r"^(ALL|LL[0-9]{0,3})$")
CONFIG_FILES = ("leaklint.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration or usage error: exit status 2."""


@dataclass(frozen=True)
class GoModels:
    """User API models: wrappers leaklint should understand, as import-path.Name."""

    response_functions: tuple[str, ...] = ()
    body_closers: tuple[str, ...] = ()
    client_constructors: tuple[str, ...] = ()


DEFAULT_TIMEOUT = 30


@dataclass(frozen=True)
class PythonModels:
    client_constructors: tuple[str, ...] = ()
    response_functions: tuple[str, ...] = ()
    # Seconds the LL402 fix passes as `timeout=`.
    default_timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("LL",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    # Directory names never walked into; None: the built-in list
    # (leaklint.engine.discovery.DEFAULT_EXCLUDES).
    default_exclude: tuple[str, ...] | None = None
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    respect_gitignore: bool = True
    # Seconds a work unit may take per 100 KB of source (leaklint.engine.limits); 0: none.
    # Not in repr: it changes no result, so no cache key may depend on it.
    timeout: float = field(default=5.0, repr=False)
    go: GoModels = field(default_factory=GoModels)
    python: PythonModels = field(default_factory=PythonModels)
    # Where the settings came from (None: built-in defaults); relative patterns
    # in exclude / per-file-ignores are anchored here.
    source: Path | None = None

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _str_list(value: object, where: str, key: str, *, prefixes: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    if prefixes:
        check_prefixes(value, f"{where}: '{key}'")
    return tuple(value)


def pattern_error(pattern: str) -> str | None:
    """Why the pattern library refuses a gitignore-style pattern (`foo\\`, `!`, `[z-a]`),
    or None when it accepts it."""
    import pathspec  # here: only a run with patterns pays for the import

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except re.error as exc:
        return exc.msg
    except ValueError as exc:
        stripped = pattern.rstrip(" ")
        if (len(stripped) - len(stripped.rstrip("\\"))) % 2:
            return "it ends with a lone backslash"
        if stripped in ("!", "\\"):
            return "it matches nothing"
        return str(exc) or type(exc).__name__
    return None


def _patterns(value: object, where: str, key: str) -> tuple[str, ...]:
    patterns = _str_list(value, where, key)
    for pattern in patterns:
        reason = pattern_error(pattern)
        if reason is not None:
            raise ConfigError(f"{where}: '{key}' has {pattern!r}, which is not a valid "
                              f"pattern ({reason})")
    return patterns


def check_prefixes(values: list[str] | tuple[str, ...], where: str) -> None:
    """Each value is ALL or an id prefix that selects at least one rule: a typo such as
    `LL42` must not quietly select or ignore nothing."""
    from leaklint.selection import unknown

    for v in values:
        if not RULE_PREFIX.match(v):
            raise ConfigError(
                f"{where} has {v!r}; allowed: rule ids or prefixes such as LL, LL1, LL101, "
                "or ALL"
            )
    missing = unknown(values)
    if missing:
        raise ConfigError(
            f"{where} has {missing[0]!r}, which matches no rule; see `leaklint rules`"
        )


def _models(table: object, where: str, allowed: dict[str, str], cls: type) -> object:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table")
    values: dict[str, object] = {}
    for key, value in table.items():
        if key == "default-timeout" and cls is PythonModels:
            values["default_timeout"] = _timeout(value, where)
            continue
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown key '{key}'; allowed: "
                + ", ".join(sorted([*allowed, *(["default-timeout"] if cls is PythonModels
                                               else [])]))
            )
        items = _str_list(value, where, key)
        for item in items:
            if "." not in item:
                raise ConfigError(
                    f"{where}: '{key}' entry {item!r} must be a qualified name such as "
                    "'example.com/acme/httpx.Fetch' (Go) or 'acme.http.make_session' (Python)"
                )
        values[allowed[key]] = items
    return cls(**values)


def _timeout(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            0 < value <= 86400) or value != value:
        raise ConfigError(f"{where}: 'default-timeout' must be a number of seconds, "
                          f"more than 0 and at most 86400 (got {value!r})")
    return value


_GO_KEYS = {
    "response-functions": "response_functions",
    "body-closers": "body_closers",
    "client-constructors": "client_constructors",
}
_PY_KEYS = {
    "client-constructors": "client_constructors",
    "response-functions": "response_functions",
}
_TOP_KEYS = (
    "select", "ignore", "extend-select", "exclude", "extend-exclude", "default-exclude",
    "per-file-ignores", "respect-gitignore", "timeout", "go", "python",
)


def parse_table(table: dict, where: str, source: Path | None) -> Settings:
    values: dict[str, object] = {"source": source}
    for key, value in table.items():
        if key not in _TOP_KEYS:
            raise ConfigError(f"{where}: unknown key '{key}'; allowed: {', '.join(_TOP_KEYS)}")
        if key in ("select", "ignore", "extend-select"):
            values[key.replace("-", "_")] = _str_list(value, where, key, prefixes=True)
        elif key in ("exclude", "extend-exclude"):
            values[key.replace("-", "_")] = _patterns(value, where, key)
        elif key == "default-exclude":
            names = _str_list(value, where, key)
            for name in names:
                if "/" in name or not name.strip():
                    raise ConfigError(f"{where}: 'default-exclude' has {name!r}; allowed: "
                                      "directory names or name globs such as 'vendor', "
                                      "'.*' (paths go in 'exclude')")
            values["default_exclude"] = names
        elif key == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: 'respect-gitignore' must be true or false")
            values["respect_gitignore"] = value
        elif key == "timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not 0 <= value < float("inf"):
                raise ConfigError(f"{where}: 'timeout' must be a number of seconds (0: none)")
            values["timeout"] = float(value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{where}: 'per-file-ignores' must be a table of glob = [rule ids]"
                )
            values["per_file_ignores"] = tuple(
                (glob, _str_list(codes, where, f"per-file-ignores.{glob}", prefixes=True))
                for glob, codes in value.items()
            )
        elif key == "go":
            values["go"] = _models(value, f"{where} [go]", _GO_KEYS, GoModels)
        elif key == "python":
            values["python"] = _models(value, f"{where} [python]", _PY_KEYS, PythonModels)
    return Settings(**values)  # type: ignore[arg-type]


def load_file(path: Path) -> Settings | None:
    """Settings from one file; None when a pyproject.toml has no [tool.leaklint]."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:  # tomllib reads bytes but raises this itself
        raise ConfigError(f"{path}: invalid TOML: not valid UTF-8 (byte {exc.start})") from exc
    except RecursionError as exc:  # tomllib recurses into nested arrays and tables
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from exc
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("leaklint")
        if table is None:
            return None
        return parse_table(table, f"{path} [tool.leaklint]", path.parent)
    return parse_table(data, str(path), path.parent)


def discover(start: Path) -> Settings:
    """The nearest leaklint.toml or pyproject.toml with [tool.leaklint], upward."""
    for candidate in _upward(start):
        settings = load_file(candidate)
        if settings is not None:
            return settings
    return Settings()


def _upward(start: Path):
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = candidate_dir / name
            if candidate.is_file():
                yield candidate


def configuration_files(start: Path) -> list[Path]:
    """Every file upward from `start` that holds leaklint settings, nearest first (the
    first is the one `discover` uses). A pyproject.toml without [tool.leaklint] or
    that cannot be read is not one."""
    found = []
    for candidate in _upward(start):
        if candidate.name == "pyproject.toml":
            try:
                with candidate.open("rb") as fh:
                    if "leaklint" not in tomllib.load(fh).get("tool", {}):
                        continue
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
                continue
        found.append(candidate)
    return found
