"""Rule documentation rendered from the catalogue (docs/rules/*.md, `leaklint rules ID`).

`python -m leaklint.docs` regenerates docs/rules/ from rules/*.toml;
`python -m leaklint.docs --check` exits 1 when the committed pages are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from leaklint import catalogue
from leaklint.catalogue import Rule

GENERATED = "<!-- generated from rules/{id}.toml by `python -m leaklint.docs`; do not edit -->"
INDEX_GENERATED = "<!-- generated from rules/*.toml by `python -m leaklint.docs`; do not edit -->"
REGENERATE = "python -m leaklint.docs"
DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "rules"

_LANGUAGE_NAMES = {"go": "Go", "python": "Python"}
# How a user silences one rule on one line, per language (SPEC §4).
_SUPPRESS = {
    "go": "`//nolint:{id}` or `// leaklint:ignore {id} -- reason` on the line or the line before",
    "python": "`# noqa: {id}` on the line",
}


def _example_title(language: str, kind: str) -> str:
    verdict = "reported" if kind == "bad" else "not reported"
    return f"### {_LANGUAGE_NAMES.get(language, language)}: {verdict}"


def render_rule_markdown(rule: Rule) -> str:
    enabled = "yes" if rule.enabled else f"no (opt-in: `--extend-select {rule.id}`)"
    lines = [
        GENERATED.format(id=rule.id),
        f"# {rule.id} {rule.name}",
        "",
        rule.summary,
        "",
        "| | |",
        "|---|---|",
        f"| Languages | {', '.join(_LANGUAGE_NAMES[lang] for lang in rule.languages)} |",
        f"| Default level | {rule.level.value} |",
        f"| Enabled by default | {enabled} |",
        f"| Precision | {rule.precision} |",
        f"| Tags | {', '.join(f'`{t}`' for t in rule.tags)} |",
        "",
        "## What it finds",
        "",
        rule.description,
        "",
        "## How to fix it",
        "",
        rule.help,
        "",
        "## Automatic fix",
        "",
        *_fix_lines(rule),
        "",
        "## Examples",
    ]
    for ex in rule.examples:
        lines += ["", _example_title(ex.language, ex.kind), "",
                  f"```{ex.language}", ex.code.strip("\n"), "```"]
    lines += ["", "## Suppressing it", ""]
    for lang in rule.languages:
        lines.append(f"- {_LANGUAGE_NAMES[lang]}: {_SUPPRESS[lang].format(id=rule.id)}.")
    lines.append("- For whole files or directories: `per-file-ignores` in the configuration.")
    return "\n".join(lines) + "\n"


def _fix_lines(rule: Rule) -> list[str]:
    if not rule.fixes:
        return ["None: every finding of this rule is left to you."]
    lines = []
    for fix in rule.fixes:
        how = "`--fix` applies it" if fix.safe else \
            "`--unsafe-fixes` applies it (with `--fix`), `--unsafe-fixes --diff` shows it"
        lines.append(f"- {_LANGUAGE_NAMES[fix.language]}, {fix.safety} ({how}): {fix.summary}")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_index() -> str:
    lines = [INDEX_GENERATED, "# leaklint rules", "",
             "| id | name | level | languages | default | summary |",
             "|---|---|---|---|---|---|"]
    for r in catalogue.load().values():
        default = "on" if r.enabled else "opt-in"
        langs = ", ".join(_LANGUAGE_NAMES[lang] for lang in r.languages)
        lines.append(f"| [{r.id}]({r.id}.md) | {r.name} | {r.level.value} | "
                     f"{langs} | {default} | {_cell(r.summary)} |")
    return "\n".join(lines) + "\n"


README_START = "<!-- rules table: generated from rules/*.toml by `python -m leaklint.docs` -->"
README_END = "<!-- end of rules table -->"


def render_readme_table() -> str:
    lines = [README_START, "| id | name | Go | Python | level | default | what it finds |",
             "|---|---|---|---|---|---|---|"]
    for r in catalogue.load().values():
        go = "yes" if "go" in r.languages else ""
        py = "yes" if "python" in r.languages else ""
        default = "on" if r.enabled else "opt-in"
        lines.append(f"| [{r.id}](docs/rules/{r.id}.md) | {r.name} | {go} | {py} | "
                     f"{r.level.value} | {default} | {_cell(r.summary)} |")
    lines.append(README_END)
    return "\n".join(lines)


def readme_with_table(readme: str) -> str:
    """README text with its generated rules table replaced by the current one."""
    start = readme.find(README_START)
    end = readme.find(README_END)
    if start < 0 or end < start:
        return readme
    return readme[:start] + render_readme_table() + readme[end + len(README_END):]


def expected_files() -> dict[str, str]:
    files = {f"{r.id}.md": render_rule_markdown(r) for r in catalogue.load().values()}
    files["README.md"] = render_index()
    return files


def stale_files(directory: Path) -> list[str]:
    """Names of pages that are missing, differ from the catalogue, or no longer belong."""
    expected = expected_files()
    stale = [name for name, text in expected.items()
             if not (directory / name).is_file()
             or (directory / name).read_text(encoding="utf-8") != text]
    if directory.is_dir():
        stale += sorted(p.name for p in directory.glob("*.md") if p.name not in expected)
    return sorted(stale)


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    expected = expected_files()
    for name, text in expected.items():
        (directory / name).write_text(text, encoding="utf-8", newline="\n")
    for page in directory.glob("*.md"):  # a rule that was removed or renamed
        if page.name not in expected:
            page.unlink()


def _readme_path() -> Path:
    return DOCS_DIR.parent.parent / "README.md"


def main(argv: list[str]) -> int:
    readme = _readme_path()
    if argv == ["--check"]:
        stale = stale_files(DOCS_DIR)
        if readme.is_file():
            text = readme.read_text(encoding="utf-8")
            if readme_with_table(text) != text:
                sys.stderr.write(f"README.md rules table is out of date; run `{REGENERATE}`\n")
                stale.append("README.md (rules table)")
        for name in stale:
            sys.stderr.write(f"docs/rules/{name} is out of date; run `{REGENERATE}`\n")
        return 1 if stale else 0
    if argv:
        sys.stderr.write("usage: python -m leaklint.docs [--check]\n")
        return 2
    write(DOCS_DIR)
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        readme.write_text(readme_with_table(text), encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
