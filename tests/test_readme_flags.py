"""README documents every option that `--help` lists, and no option that does not exist."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from leaklint.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _options() -> dict[str, set[str]]:
    parser = build_parser()
    found = {"": {o for a in parser._actions for o in a.option_strings}}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = {o for a in sub._actions for o in a.option_strings}
    return {k: {o for o in v if o.startswith("--") and o != "--help"} for k, v in found.items()}


def test_every_long_option_of_help_is_in_the_readme():
    missing = sorted(f"{command} {option}".strip() for command, options in _options().items()
                     for option in options
                     if not re.search(re.escape(option) + r"(?![\w-])", README))
    assert not missing, f"README does not document: {missing}"


def test_the_readme_names_no_option_that_does_not_exist():
    known = set().union(*_options().values())
    named = set(re.findall(r"`leaklint [^`]*?(--[a-z][\w-]*)", README))
    named |= {m for m in re.findall(r"`(--[a-z][\w-]*)", README)}
    assert named - known == set(), f"README names unknown options: {sorted(named - known)}"
