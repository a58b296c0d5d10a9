"""Release hygiene: what a user copies from the README installs this project at a
version that exists, the package metadata is complete, and the repository checks clean
with its own configuration."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _index_installs(text: str) -> list[str]:
    """Distribution names in `pip install` commands that install from the package index
    (not `.`, `-e .` or another path)."""
    names = []
    for command in re.findall(r"pip install ([^\n&|;]+)", text):
        for word in command.split():
            word = word.strip("'\"")
            if word.startswith("-") or word.startswith((".", "/", "$")) or not word:
                continue
            names.append(re.split(r"[\[=<>~!]", word, maxsplit=1)[0])
    return names


def test_readme_installs_the_published_distribution_name():
    names = _index_installs(README)
    assert names, "the README shows no install from the package index"
    assert set(names) == {PROJECT["name"]}
    assert PROJECT["name"] != "leaklint"  # taken on the index by an unrelated project
    # The command and the import package keep the short name.
    assert PROJECT["scripts"] == {"leaklint": "leaklint.cli:console"}


def test_install_name_check_can_fail():
    assert _index_installs("pip install 'leaklint[flake8]' && pip install -e .") == ["leaklint"]


def _readme_tags() -> list[str]:
    revs = re.findall(r"^\s*rev:\s*(\S+)", README, flags=re.M)
    uses = re.findall(r"uses:\s*leaklint/leaklint@(\S+)", README)
    return revs + uses


def test_readme_examples_use_the_current_version_tag():
    tags = _readme_tags()
    assert len(tags) >= 2, tags  # the pre-commit rev and the Action's @ref
    assert set(tags) == {f"v{PROJECT['version']}"}


def test_changelog_has_unreleased_and_the_current_version():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in changelog
    assert re.search(r"^## \[Unreleased\]$", changelog, flags=re.M)
    version = re.escape(PROJECT["version"])
    assert re.search(rf"^## \[{version}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, flags=re.M)
    assert re.search(rf"^\[{version}\]: \S+/v{version}$", changelog, flags=re.M)


def test_license_is_the_full_mit_text_with_a_copyright_line():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} \S.+$", text, flags=re.M)
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    assert PROJECT["license"] == "MIT"


def test_package_metadata_is_complete():
    assert PROJECT["authors"] and all(a.get("name") for a in PROJECT["authors"])
    assert PROJECT["requires-python"] == ">=3.10"
    versions = {c.rsplit(" :: ", 1)[1] for c in PROJECT["classifiers"]
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert versions == {"3.10", "3.11", "3.12", "3.13"}
    urls = PROJECT["urls"]
    assert {"Homepage", "Repository", "Issues", "Changelog"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())


def test_hook_and_action_point_to_this_repository():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["leaklint"]
    repos = re.findall(r"repo:\s*(\S+)", README)
    assert repos and all(r == PROJECT["urls"]["Repository"] for r in repos)


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=600)


def test_the_repository_checks_clean_with_its_own_configuration():
    out = _check(".")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "All clear" in out.stdout


def test_readme_first_run_on_the_incident_fixtures_shows_findings():
    command = re.search(r"pip install \. && (leaklint check [^\n]+)", README)
    assert command is not None
    words = command.group(1).split()[2:]
    paths = [str(p.relative_to(REPO)) for w in words for p in sorted(REPO.glob(w))]
    assert any(p.startswith("fixtures/go/incidents") for p in paths)
    assert any(p.startswith("fixtures/python/incident_") for p in paths)
    out = _check(*paths)
    assert out.returncode == 1, out.stderr
    for rule in ("LL101", "LL301", "LL401", "LL402"):  # the two incidents' rules
        assert rule in out.stdout, rule


def test_readme_states_python_version_and_test_time():
    quick = README[README.index("## Quick start"):README.index("## Rules")]
    assert "Python 3.10 or later" in quick
    assert re.search(r"test suite takes about \w+ minutes", quick)
