"""README promises that must stay true: the rules table matches the catalogue, the
config example parses, and .ci/run runs the README's test command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from leaklint import catalogue
from leaklint.config import parse_table
from leaklint.docs import readme_with_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rules_table_is_generated_from_the_catalogue():
    assert readme_with_table(README) == README, "run `python -m leaklint.docs`"
    for rule_id in catalogue.load():
        assert f"[{rule_id}](docs/rules/{rule_id}.md)" in README


def test_configuration_example_is_valid():
    block = re.search(r"## Configuration.*?```toml\n(.*?)```", README, re.S)
    assert block is not None
    settings = parse_table(tomllib.loads(block.group(1)), "README", None)
    assert settings.go.response_functions == ("example.com/acme/httpx.Fetch",)
    assert settings.extend_select == ("LL103",)


def test_ci_runs_the_readme_test_command():
    command = re.search(r"Install the test extras and run the tests:\n\n    (.+)\n", README)
    assert command is not None
    assert command.group(1) in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_shows_the_check_command():
    assert "leaklint check" in README


def _help_flags() -> set[str]:
    flags: set[str] = set()
    for command in ([], ["check"], ["rules"]):
        out = subprocess.run([sys.executable, "-m", "leaklint", *command, "--help"],
                             capture_output=True, text=True, timeout=60,
                             env={**os.environ, "COLUMNS": "250"})
        assert out.returncode == 0, out.stderr
        flags |= set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", out.stdout))
    return flags


def test_readme_documents_every_flag_of_the_help_and_no_other():
    flags = _help_flags()
    assert {"--format", "--force-exclude", "-o", "-j"} <= flags
    missing = sorted(f for f in flags if f"`{f}" not in README)
    assert not missing, f"README does not document {missing}"
    section = README[README.index("## Command line"):README.index("## Rules")]
    documented = set(re.findall(r"`(--?[a-zA-Z][\w-]*)", section))
    assert documented <= flags, f"README documents unknown {sorted(documented - flags)}"
def test_fixes_section_lists_every_fix_the_catalogue_offers():
    section = README.split("## Fixes", 1)[1].split("\n## ", 1)[0]
    names = {"go": "Go", "python": "Python"}
    for rule in catalogue.load().values():
        for fix in rule.fixes:
            row = f"| {rule.id} | {names[fix.language]} |"
            assert row in section, f"README's Fixes table lacks {rule.id} ({fix.language})"
            line = next(x for x in section.splitlines() if x.startswith(row))
            assert line.rstrip().endswith(f"| {fix.safety} |")
    assert "default-timeout" in README
