"""Rule selection as users write it: repeated options add up, a prefix that selects no
rule is an error, and ALL means every rule of the catalogue, opt-in ones included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint import catalogue
from leaklint.selection import enabled_rules, unknown

REPO = Path(__file__).resolve().parents[1]

# Three rules on three distinct findings: LL102 and LL301 (line 5), LL402 (line 6).
SESSION_PER_CALL = """import requests


def fetch(u):
    s = requests.Session()
    return s.get(u).status_code
"""


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", "--quiet", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def reported(out: subprocess.CompletedProcess) -> list[str]:
    return sorted(line.split()[1] for line in out.stdout.splitlines() if ": LL" in line)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "fetch.py").write_text(SESSION_PER_CALL, encoding="utf-8")
    return tmp_path


def test_every_rule_fires_without_options(project: Path):
    assert reported(check(project, ".")) == ["LL102", "LL301", "LL402"]


@pytest.mark.parametrize("args", [
    ["--ignore", "LL301", "--ignore", "LL402"],
    ["--ignore", "LL301,LL402"],
    ["--ignore", "LL301", "--ignore", "LL4"],
])
def test_repeated_ignore_adds_up(project: Path, args: list[str]):
    assert reported(check(project, ".", *args)) == ["LL102"]


def test_repeated_select_and_extend_select_add_up(project: Path):
    assert reported(check(project, ".", "--select", "LL102", "--select", "LL402")) == \
        ["LL102", "LL402"]
    assert reported(check(project, ".", "--select", "LL102", "--extend-select", "LL301",
                          "--extend-select", "LL402")) == ["LL102", "LL301", "LL402"]


def test_repeated_exclude_adds_up(project: Path):
    (project / "other.py").write_text(SESSION_PER_CALL, encoding="utf-8")
    out = check(project, ".", "--exclude", "fetch.py", "--exclude", "other.py")
    assert out.returncode == 0 and reported(out) == []


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_cli_prefix_matching_no_rule_exits_two(project: Path, option: str):
    out = check(project, ".", option, "LL42")
    assert out.returncode == 2
    assert f"{option} has 'LL42', which matches no rule" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("table", [
    'ignore = ["LL42"]',
    'select = ["LL1", "LL9"]',
    'extend-select = ["LL104"]',
    '[per-file-ignores]\n"*.py" = ["LL5"]',
])
def test_config_prefix_matching_no_rule_exits_two_naming_the_key(project: Path, table: str):
    (project / "leaklint.toml").write_text(table + "\n", encoding="utf-8")
    out = check(project, ".")
    assert out.returncode == 2, out.stdout
    key = table.split(" = ")[0].split("\n")[0].strip("[]")
    assert "leaklint.toml" in out.stderr and key in out.stderr
    assert "matches no rule" in out.stderr


def test_unknown_lists_only_prefixes_without_a_rule():
    assert unknown(["ALL", "LL", "LL1", "LL10", "LL103", "LL42", "LL104"]) == ["LL42", "LL104"]


def test_all_selects_every_rule_including_opt_in():
    every = frozenset(catalogue.load())
    opt_in = {r.id for r in catalogue.load().values() if not r.enabled}
    assert opt_in, "the catalogue has an opt-in rule (LL103)"
    assert enabled_rules(("ALL",), ()) == every
    # A prefix still leaves opt-in rules out; their full id brings them in.
    assert not opt_in & enabled_rules(("LL",), ())
    assert opt_in <= enabled_rules(("LL",), (), tuple(opt_in))
    assert enabled_rules(("ALL",), ("LL103",)) == every - {"LL103"}


def test_help_and_readme_say_repeats_add_up_and_what_all_selects():
    out = subprocess.run([sys.executable, "-m", "leaklint", "check", "--help"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "COLUMNS": "250"})
    assert out.stdout.count("repeats add up") >= 4
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "repeated option adds to" in readme
    assert "`ALL` selects every rule, the opt-in ones included" in readme
