"""`leaklint check --show-settings`: which configuration file is in use (and which were
found but ignored), and the settings in force, written as TOML a reader can copy."""

from __future__ import annotations

import json
import os
from pathlib import Path

from leaklint.config import Settings


def _shown(path: Path) -> str:
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


def _list(values: tuple[str, ...] | list[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def render(settings: Settings, *, used: Path | None, found: list[Path],
           enabled: frozenset[str], default_exclude: tuple[str, ...]) -> str:
    """`used`: the configuration file read (None: built-in defaults); `found`: every
    configuration file found from the first PATH upward, nearest first."""
    lines = []
    if used is None:
        lines.append("# configuration file: none (built-in defaults)")
    else:
        lines.append(f"# configuration file: {_shown(used)}")
    for path in found:
        if used is None or os.path.realpath(path) != os.path.realpath(used):
            lines.append(f"# ignored configuration file: {_shown(path)}")
    builtin = "  # built-in" if settings.default_exclude is None else ""
    lines += [
        f"select = {_list(settings.select)}",
        f"extend-select = {_list(settings.extend_select)}",
        f"ignore = {_list(settings.ignore)}",
        f"# rules that run: {', '.join(sorted(enabled)) or 'none'}",
        f"default-exclude = {_list(default_exclude)}{builtin}",
        f"exclude = {_list(settings.exclude)}",
        f"extend-exclude = {_list(settings.extend_exclude)}",
        f"respect-gitignore = {'true' if settings.respect_gitignore else 'false'}",
        "",
        "[per-file-ignores]",
        *(f"{json.dumps(glob)} = {_list(codes)}" for glob, codes in settings.per_file_ignores),
        "",
        "[go]",
        f"response-functions = {_list(settings.go.response_functions)}",
        f"body-closers = {_list(settings.go.body_closers)}",
        f"client-constructors = {_list(settings.go.client_constructors)}",
        "",
        "[python]",
        f"client-constructors = {_list(settings.python.client_constructors)}",
        f"response-functions = {_list(settings.python.response_functions)}",
    ]
    return "\n".join(lines) + "\n"
