"""Which directories a walk skips: an explicit list of names like ruff's, not every
hidden directory; `default-exclude` replaces the list, `exclude` adds to it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint.config import ConfigError, parse_table
from leaklint.engine.discovery import DEFAULT_EXCLUDES, discover

LEAKY = "import requests\n\n\ndef ping(u):\n    return requests.get(u).status_code\n"


def walked(root: Path, **kwargs) -> list[str]:
    return sorted(c.display for c in discover(["."], cwd=root, **kwargs).files)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for rel in (".github/scripts/release.py", ".circleci/deploy.py", "src/app.py",
                ".venv/lib/site.py", "venv/lib/site.py", "node_modules/x/a.py",
                "vendor/x/a.go", "pkg/testdata/a.go", "src/__pycache__/a.py",
                ".tox/py/a.py", "build/lib/app.py", "dist/app.py", ".leaklint_cache/a.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(LEAKY if rel.endswith(".py") else "package x\n")
    return tmp_path


def test_hidden_ci_directories_are_analysed_and_the_listed_names_are_not(tree: Path):
    assert walked(tree) == [".circleci/deploy.py", ".github/scripts/release.py",
                            "build/lib/app.py", "dist/app.py", "src/app.py"]


def test_the_default_list_covers_ruffs_and_gos_usual_trees():
    for name in (".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules",
                 "vendor", "testdata", "third_party", "__pycache__", ".mypy_cache", ".pytest_cache",
                 ".ruff_cache", ".leaklint_cache", "site-packages", ".eggs", "_build",
                 "buck-out", ".direnv"):
        assert name in DEFAULT_EXCLUDES, name


def test_default_exclude_replaces_the_list(tree: Path):
    everything = walked(tree, skip=())
    assert "vendor/x/a.go" in everything and ".venv/lib/site.py" in everything
    only_hidden = walked(tree, skip=(".*",))
    assert "vendor/x/a.go" in only_hidden and ".github/scripts/release.py" not in only_hidden


def test_default_exclude_from_the_configuration_on_the_command_line(tree: Path):
    def findings(*args: str) -> set[str]:
        out = subprocess.run([sys.executable, "-m", "leaklint", "check", ".", "--no-cache",
                              "--format", "json", "--select", "LL402", *args], cwd=tree,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode in (0, 1), out.stderr
        return {f["path"] for f in json.loads(out.stdout)["findings"]}

    assert ".github/scripts/release.py" in findings()
    assert "venv/lib/site.py" not in findings()
    (tree / "leaklint.toml").write_text('default-exclude = [".*", "venv"]\n')
    configured = findings()
    assert ".github/scripts/release.py" not in configured
    assert {"node_modules/x/a.py", "src/app.py"} <= configured
    # `exclude` keeps adding to whatever list is in force.
    assert "node_modules/x/a.py" not in findings("--exclude", "node_modules")


@pytest.mark.parametrize("bad", [["a/b"], [""], "vendor", [1]])
def test_default_exclude_is_validated(bad):
    with pytest.raises(ConfigError, match="default-exclude"):
        parse_table({"default-exclude": bad}, "leaklint.toml", None)
