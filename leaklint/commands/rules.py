"""`leaklint rules [LL101]`: the catalogue, or one rule explained."""

from __future__ import annotations

import json
import sys

from leaklint import catalogue
from leaklint.docs import render_rule_markdown


def run_rules(args) -> int:
    rules = catalogue.load()
    if args.rule:
        rule = rules.get(args.rule.upper())
        if rule is None:
            sys.stderr.write(f"leaklint: error: unknown rule {args.rule!r}; "
                             f"known: {', '.join(rules)}\n")
            return 2
        if args.format == "json":
            sys.stdout.write(json.dumps(_rule_dict(rule), indent=2) + "\n")
        else:
            sys.stdout.write(render_rule_markdown(rule))
        return 0
    if args.format == "json":
        sys.stdout.write(json.dumps([_rule_dict(r) for r in rules.values()], indent=2) + "\n")
        return 0
    width = max(len(r.name) for r in rules.values())
    for r in rules.values():
        opt = "" if r.enabled else " (opt-in)"
        langs = ",".join(r.languages)
        sys.stdout.write(f"{r.id}  {r.name:<{width}}  {r.level.value:<7}  {langs:<9}  "
                         f"{r.summary}{opt}\n")
    return 0


def _rule_dict(rule: catalogue.Rule) -> dict:
    return {
        "id": rule.id, "name": rule.name, "languages": list(rule.languages),
        "level": rule.level.value, "enabled": rule.enabled, "precision": rule.precision,
        "tags": list(rule.tags), "summary": rule.summary, "description": rule.description,
        "help": rule.help, "help_uri": rule.help_uri,
    }
