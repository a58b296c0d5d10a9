"""A warm re-run of an unchanged tree is answered from its record; any change that
could alter the outcome makes the run walk and plan again."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from leaklint import cli
from leaklint.engine import discovery

LEAK = """package main

import "net/http"

func main() {
\tresp, err := http.Get("https://example.com")
\tif err != nil {
\t\treturn
\t}
\t_ = resp.StatusCode
}
"""
CLOSED = LEAK.replace("\t_ = resp.StatusCode\n", "\tdefer resp.Body.Close()\n")
HELPER = """package api

import "net/http"

func Fetch(u string) (*http.Response, error) { return http.Get(u) }
"""
CALLER = """package main

import "example.com/app/api"

func main() {
\tresp, err := api.Fetch("https://example.com")
\tif err != nil {
\t\treturn
\t}
\t_ = resp.StatusCode
}
"""


def _age(root: Path, seconds: int = 120) -> None:
    """Date every file and directory of the tree in the past: a record is never kept
    for anything modified in the seconds before its run."""
    then = time.time() - seconds
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (then, then))
        os.utime(dirpath, (then, then))


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "repo"
    (root / "cmd").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (root / "cmd" / "main.go").write_text(LEAK)
    (root / "api").mkdir()
    (root / "api" / "api.go").write_text(HELPER)
    (root / "cmd" / "caller").mkdir()
    (root / "cmd" / "caller" / "main.go").write_text(CALLER)
    (root / ".git").mkdir()  # the cache lives at the repository's top
    (root / ".leaklint_cache").mkdir()  # as a first run leaves it
    _age(tmp_path)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def walks(monkeypatch) -> list[int]:
    """One entry per run that walked the tree (was not answered from its record)."""
    calls: list[int] = []
    real = discovery.discover

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    from leaklint.commands import check

    monkeypatch.setattr(check, "discover", counting)
    return calls


def _check(capsys, *args: str) -> tuple[str, list[tuple[str, str]]]:
    cli.main(["check", "--exit-zero", "--format", "json", *args])
    out = capsys.readouterr().out
    return out, sorted((f["path"], f["rule"]) for f in json.loads(out)["findings"])


def _records(root: Path) -> list[Path]:
    return sorted((root / ".leaklint_cache" / "v1" / "runs").glob("*.json"))


def test_an_unchanged_tree_is_answered_from_its_record(project, capsys, walks):
    first, findings = _check(capsys, ".")
    assert ("cmd/main.go", "LL101") in findings
    assert ("cmd/caller/main.go", "LL101") in findings
    second, _ = _check(capsys, ".")
    assert len(walks) == 1 and second == first
    assert len(_records(project)) == 1


def test_an_edited_file_is_analysed_again(project, capsys, walks):
    _check(capsys, ".")
    (project / "cmd" / "main.go").write_text(CLOSED)
    _, findings = _check(capsys, ".")
    assert len(walks) == 2
    assert ("cmd/main.go", "LL101") not in findings


def test_a_new_or_removed_file_is_seen(project, capsys, walks):
    _check(capsys, ".")
    (project / "cmd" / "two.go").write_text(
        LEAK.replace("func main()", "func two()"))
    _, findings = _check(capsys, ".")
    assert ("cmd/two.go", "LL101") in findings
    _age(project)
    _check(capsys, ".")
    assert len(walks) == 3  # the tree after the addition was recorded...
    _check(capsys, ".")
    assert len(walks) == 3  # ...and answers the next run
    (project / "cmd" / "two.go").unlink()
    _, findings = _check(capsys, ".")
    assert len(walks) == 4 and ("cmd/two.go", "LL101") not in findings


def test_a_dependency_outside_the_named_directory_counts(project, capsys, walks):
    # Run on cmd/caller alone: api/ is read on demand, and its edit must be seen.
    _check(capsys, "cmd/caller")
    _check(capsys, "cmd/caller")
    assert len(walks) == 1
    (project / "api" / "api.go").write_text(
        HELPER.replace("(*http.Response, error)", "(int, error)").replace(
            "return http.Get(u)", "return 0, nil").replace('import "net/http"\n', ""))
    _, findings = _check(capsys, "cmd/caller")
    assert len(walks) == 2 and findings == []


def test_go_mod_gitignore_and_configuration_count(project, capsys, walks):
    _check(capsys, ".")
    (project / ".gitignore").write_text("cmd/caller/\n")
    _, findings = _check(capsys, ".")
    assert len(walks) == 2 and ("cmd/caller/main.go", "LL101") not in findings
    (project / "pyproject.toml").write_text('[tool.leaklint]\nignore = ["LL101"]\n')
    _, findings = _check(capsys, ".")
    assert len(walks) == 3 and not [f for f in findings if f[1] == "LL101"]
    (project / "pyproject.toml").unlink()
    (project / "go.mod").write_text("module example.com/other\n\ngo 1.22\n")
    _, findings = _check(capsys, ".")
    assert len(walks) == 4
    assert ("cmd/caller/main.go", "LL101") not in findings  # still ignored by git


def test_a_recent_change_is_never_recorded(project, capsys, walks):
    (project / "cmd" / "main.go").write_text(CLOSED)  # now: inside the racy window
    _check(capsys, ".")
    _check(capsys, ".")
    assert len(walks) == 2 and _records(project) == []


def test_a_corrupt_record_is_ignored(project, capsys, walks):
    first, _ = _check(capsys, ".")
    [record] = _records(project)
    record.write_text("{not json")
    again, _ = _check(capsys, ".")
    assert again == first and len(walks) == 2


def test_no_record_without_the_cache_or_for_named_files(project, capsys, walks):
    _check(capsys, "--no-cache", ".")
    _check(capsys, "cmd/main.go")
    assert _records(project) == []


def test_a_go_mod_appearing_above_the_named_directory_counts(project, capsys, walks):
    _, findings = _check(capsys, "cmd/caller")
    assert findings == [("cmd/caller/main.go", "LL101")]
    _check(capsys, "cmd/caller")
    assert len(walks) == 1
    # cmd/ becomes a module of its own: api is another module's package now.
    (project / "cmd" / "go.mod").write_text("module example.com/cmd\n\ngo 1.22\n")
    _, findings = _check(capsys, "cmd/caller")
    assert len(walks) == 2 and findings == []
