"""`leaklint rules [RULE]`: the catalogue as a table, or one rule explained."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap

from leaklint import catalogue
from leaklint.catalogue import Rule
from leaklint.docs import render_index, render_rule_markdown

EXIT_OK, EXIT_USAGE = 0, 2
_COLUMNS = ("ID", "NAME", "LEVEL", "LANGUAGES", "DEFAULT", "SUMMARY")


def run_rules(args) -> int:
    rules = catalogue.load()
    if args.rule:
        rule = _find(rules, args.rule)
        if rule is None:
            sys.stderr.write(f"leaklint: error: unknown rule {args.rule!r}; "
                             f"known rules: {', '.join(rules)}\n")
            return EXIT_USAGE
        if args.format == "json":
            sys.stdout.write(json.dumps(rule_dict(rule), indent=2) + "\n")
        else:  # the markdown page reads well as plain text too; drop its generator note
            page = render_rule_markdown(rule)
            sys.stdout.write(page.split("\n", 1)[1] if page.startswith("<!--") else page)
        return EXIT_OK
    if args.format == "json":
        sys.stdout.write(json.dumps([rule_dict(r) for r in rules.values()], indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render_index())
    else:
        sys.stdout.write(render_table(list(rules.values()), _width()))
    return EXIT_OK


def _find(rules: dict[str, Rule], wanted: str) -> Rule | None:
    """By id (any case) or by name, as `leaklint rules unclosed-response-body`."""
    by_id = rules.get(wanted.strip().upper())
    if by_id is not None:
        return by_id
    return next((r for r in rules.values() if r.name == wanted.strip().lower()), None)


def _width() -> int | None:
    """Wrap summaries to the terminal; never when piped, so grep sees whole lines."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def render_table(rules: list[Rule], width: int | None = None) -> str:
    rows = [(r.id, r.name, r.level.value, ",".join(r.languages),
             "on" if r.enabled else "opt-in", r.summary) for r in rules]
    widths = [max(len(row[i]) for row in [_COLUMNS, *rows]) for i in range(len(_COLUMNS) - 1)]
    indent = sum(widths) + 2 * len(widths)
    summary_width = None if width is None else max(width - indent - 1, 30)
    lines = []
    for row in [_COLUMNS, *rows]:
        head = "".join(f"{cell:<{w}}  " for cell, w in zip(row[:-1], widths, strict=True))
        summary = [row[-1]] if summary_width is None else textwrap.wrap(row[-1], summary_width)
        lines.append(head + summary[0])
        lines += [" " * indent + more for more in summary[1:]]
    opt_in = sum(not r.enabled for r in rules)
    lines += ["", f"{len(rules)} rules ({opt_in} opt-in, enable with --extend-select); "
                  "`leaklint rules LL101` explains one"]
    return "\n".join(lines) + "\n"


def rule_dict(rule: Rule) -> dict:
    return {
        "id": rule.id, "name": rule.name, "languages": list(rule.languages),
        "level": rule.level.value, "enabled": rule.enabled, "precision": rule.precision,
        "tags": list(rule.tags), "summary": rule.summary, "description": rule.description,
        "help": rule.help, "help_uri": rule.help_uri, "messages": dict(rule.messages),
        "examples": [{"language": e.language, "kind": e.kind, "code": e.code}
                     for e in rule.examples],
        "fixes": [{"language": f.language, "safety": f.safety, "summary": f.summary}
                  for f in rule.fixes],
    }
