"""Rule documentation rendered from the catalogue (docs/rules/*.md, `leaklint rules ID`)."""

from __future__ import annotations

from pathlib import Path

from leaklint import catalogue
from leaklint.catalogue import Rule

GENERATED = "<!-- generated from rules/{id}.toml by `python -m leaklint.docs`; do not edit -->"


def render_rule_markdown(rule: Rule) -> str:
    lines = [
        GENERATED.format(id=rule.id),
        f"# {rule.id} {rule.name}",
        "",
        f"- Languages: {', '.join(rule.languages)}",
        f"- Default level: {rule.level.value}",
        "- Enabled by default: "
        + ("yes" if rule.enabled else f"no (opt-in: --extend-select {rule.id})"),
        f"- Precision: {rule.precision}",
        f"- Tags: {', '.join(rule.tags)}",
        "",
        rule.summary,
        "",
        "## What it finds",
        "",
        rule.description,
        "",
        "## How to fix it",
        "",
        rule.help,
        "",
        "## Examples",
    ]
    for ex in rule.examples:
        lines += ["", f"### {ex.language.capitalize()}, {ex.kind}", "",
                  f"```{ex.language}", ex.code.strip("\n"), "```"]
    return "\n".join(lines) + "\n"


def render_index() -> str:
    lines = ["<!-- generated from rules/*.toml by `python -m leaklint.docs`; do not edit -->",
             "# leaklint rules", "", "| id | name | level | languages | default | summary |",
             "|---|---|---|---|---|---|"]
    for r in catalogue.load().values():
        default = "on" if r.enabled else "opt-in"
        lines.append(f"| [{r.id}]({r.id}.md) | {r.name} | {r.level.value} | "
                     f"{', '.join(r.languages)} | {default} | {r.summary} |")
    return "\n".join(lines) + "\n"


def expected_files() -> dict[str, str]:
    files = {f"{r.id}.md": render_rule_markdown(r) for r in catalogue.load().values()}
    files["README.md"] = render_index()
    return files


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in expected_files().items():
        (directory / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(__file__).resolve().parent.parent / "docs" / "rules")
