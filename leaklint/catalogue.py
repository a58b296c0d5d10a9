"""Loads the rule catalogue (rules/*.toml, shipped in the wheel as leaklint/_catalogue).

The catalogue is the only place rule metadata is written: ids, names, levels,
descriptions, help, examples and message templates. Everything else (text, JSON,
SARIF, flake8, `leaklint rules`, docs/rules/*.md) renders from it.
"""

from __future__ import annotations

import functools
import string
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from leaklint.model import Level

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LANGUAGES = ("go", "python")
SAFETIES = ("safe", "unsafe")
PRECISIONS = ("very-high", "high", "medium", "low")
HELP_URI_BASE = "https://github.com/leaklint/leaklint/blob/main/docs/rules/"

_REQUIRED = {
    "id": str,
    "name": str,
    "languages": list,
    "level": str,
    "enabled": bool,
    "precision": str,
    "tags": list,
    "summary": str,
    "description": str,
    "help": str,
    "messages": dict,
    "examples": list,
}
_OPTIONAL = {"fixes": list}


class CatalogueError(Exception):
    """The catalogue shipped with leaklint is malformed (a packaging bug)."""


@dataclass(frozen=True)
class Example:
    language: str
    kind: str  # "bad" | "good"
    code: str


@dataclass(frozen=True)
class FixInfo:
    """An automatic fix a rule offers in one language: safe ones `--fix` applies,
    unsafe ones (they may change behaviour) only with `--unsafe-fixes`."""

    language: str
    safety: str  # "safe" | "unsafe"
    summary: str

    @property
    def safe(self) -> bool:
        return self.safety == "safe"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    languages: tuple[str, ...]
    level: Level
    enabled: bool
    precision: str
    tags: tuple[str, ...]
    summary: str
    description: str
    help: str
    messages: dict[str, str]
    examples: tuple[Example, ...]
    fixes: tuple[FixInfo, ...] = ()

    def fix_for(self, language: str) -> FixInfo | None:
        return next((f for f in self.fixes if f.language == language), None)

    @property
    def help_uri(self) -> str:
        return f"{HELP_URI_BASE}{self.id}.md"

    def message(self, language: str, **args: object) -> str:
        """Render this rule's message for a language with named arguments."""
        template = self.messages.get(language) or self.messages["default"]
        return template.format(**args)


def _catalogue_dir() -> Path:
    packaged = resources.files("leaklint").joinpath("_catalogue")
    if packaged.is_dir():
        return Path(str(packaged))
    # Running from a source checkout (editable install): rules/ beside the package.
    source = Path(__file__).resolve().parent.parent / "rules"
    if source.is_dir():
        return source
    raise CatalogueError("the rule catalogue is missing from this installation")


def _validate(data: dict, file_name: str) -> Rule:
    for key, kind in _REQUIRED.items():
        if not isinstance(data.get(key), kind):
            raise CatalogueError(f"{file_name}: '{key}' must be a {kind.__name__}")
    for key, kind in _OPTIONAL.items():
        if key in data and not isinstance(data[key], kind):
            raise CatalogueError(f"{file_name}: '{key}' must be a {kind.__name__}")
    unknown = set(data) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise CatalogueError(f"{file_name}: unknown keys {sorted(unknown)}")
    if data["id"] + ".toml" != file_name:
        raise CatalogueError(f"{file_name}: id {data['id']} does not match the file name")
    if not set(data["languages"]) <= set(LANGUAGES) or not data["languages"]:
        raise CatalogueError(f"{file_name}: languages must be a subset of {LANGUAGES}")
    if data["level"] not in {lv.value for lv in Level}:
        raise CatalogueError(f"{file_name}: bad level {data['level']!r}")
    if data["precision"] not in PRECISIONS:
        raise CatalogueError(f"{file_name}: bad precision {data['precision']!r}")
    messages = data["messages"]
    for lang in data["languages"]:
        if lang not in messages and "default" not in messages:
            raise CatalogueError(f"{file_name}: no message for {lang}")
    for template in messages.values():
        list(string.Formatter().parse(template))  # raises on a malformed template
    examples = []
    for ex in data["examples"]:
        if ex.get("language") not in data["languages"] or ex.get("kind") not in ("bad", "good"):
            raise CatalogueError(f"{file_name}: bad example header {ex.get('language')!r}")
        examples.append(Example(ex["language"], ex["kind"], ex["code"]))
    fixes = []
    for fx in data.get("fixes", ()):
        if not isinstance(fx, dict) or fx.get("language") not in data["languages"] \
                or fx.get("safety") not in SAFETIES or not isinstance(fx.get("summary"), str) \
                or set(fx) != {"language", "safety", "summary"}:
            raise CatalogueError(f"{file_name}: a fix needs language (one of the rule's), "
                                 f"safety ({' or '.join(SAFETIES)}) and summary, nothing else")
        if any(f.language == fx["language"] for f in fixes):
            raise CatalogueError(f"{file_name}: two fixes for {fx['language']}")
        fixes.append(FixInfo(fx["language"], fx["safety"], " ".join(fx["summary"].split())))
    return Rule(
        id=data["id"],
        name=data["name"],
        languages=tuple(data["languages"]),
        level=Level(data["level"]),
        enabled=data["enabled"],
        precision=data["precision"],
        tags=tuple(data["tags"]),
        summary=data["summary"].strip(),
        description=data["description"].strip(),
        help=data["help"].strip(),
        messages=dict(messages),
        examples=tuple(examples),
        fixes=tuple(fixes),
    )


@functools.cache
def load() -> dict[str, Rule]:
    """All rules by id, in id order."""
    rules: dict[str, Rule] = {}
    directory = _catalogue_dir()
    for path in sorted(directory.glob("LL*.toml")):
        with path.open("rb") as fh:
            rule = _validate(tomllib.load(fh), path.name)
        rules[rule.id] = rule
    if not rules:
        raise CatalogueError("the rule catalogue is empty")
    return rules


def rule(rule_id: str) -> Rule:
    return load()[rule_id]
