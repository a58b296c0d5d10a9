"""The result cache: hits parse nothing; content, configuration, version and same-module
dependency changes invalidate; concurrent runs and corrupt entries are harmless."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint.config import Settings
from leaklint.context import RunContext
from leaklint.engine import cache as cache_mod
from leaklint.engine import runner
from leaklint.engine.cache import Cache, code_fingerprint
from leaklint.engine.discovery import discover
from leaklint.golang import unit as go_unit
from leaklint.python import unit as python_unit
from leaklint.selection import enabled_rules

GO_MAIN = """package main

import (
\t"net/http"

\t"example.com/app/api"
)

func main() {
\tresp, err := http.Get("https://example.com")
\tif err != nil {
\t\treturn
\t}
\tdefer resp.Body.Close()
\tapi.Ping()
}
"""
GO_API = 'package api\n\nimport "strings"\n\nfunc Ping() string { return strings.ToUpper("x") }\n'
PY = 'import requests\n\n\ndef fetch(url):\n    return requests.get(url).text\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (tmp_path / "cmd").mkdir()
    (tmp_path / "cmd" / "main.go").write_text(GO_MAIN)
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "api.go").write_text(GO_API)
    (tmp_path / "tool.py").write_text(PY)
    return tmp_path


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every file handed to an analysis, in order."""
    calls: list[str] = []
    go, py = go_unit.analyse_go_group, python_unit.analyse_python

    def count_go(files, ctx):
        calls.extend(f.display for f in files)
        return go(files, ctx)

    def count_py(file, ctx):
        calls.append(file.display)
        return py(file, ctx)

    monkeypatch.setattr(go_unit, "analyse_go_group", count_go)
    monkeypatch.setattr(python_unit, "analyse_python", count_py)
    return calls


def _run(project: Path, settings: Settings | None = None, salt: str = "s1",
         no_filter: bool = False) -> tuple:
    settings = settings or Settings()
    ctx = RunContext(settings, enabled_rules(settings.select, settings.ignore,
                                             settings.extend_select))
    found = discover([str(project)], cwd=project)
    result = runner.run(found.files, ctx, cache=Cache(project, salt), jobs=1,
                        prefilter=not no_filter)
    return (result.findings, result.problems, result.files_analysed, result.suppressed)


def test_warm_run_parses_nothing_and_gives_the_same_results(project, parses):
    cold = _run(project)
    assert sorted(parses) == ["cmd/main.go", "tool.py"]  # api/ is prefiltered out
    assert {f.rule_id for f in cold[0]} >= {"LL402"}
    parses.clear()
    warm = _run(project)
    assert parses == []
    assert warm == cold
    assert cold == _run_uncached(project)


def _run_uncached(project: Path) -> tuple:
    ctx = RunContext(Settings(), enabled_rules(("LL",), (), ()))
    found = discover([str(project)], cwd=project)
    result = runner.run(found.files, ctx)
    return (result.findings, result.problems, result.files_analysed, result.suppressed)


def test_content_change_recomputes_only_that_unit(project, parses):
    _run(project)
    parses.clear()
    (project / "tool.py").write_text(PY + "\n\ndef other(url):\n    return requests.post(url)\n")
    findings = _run(project)[0]
    assert parses == ["tool.py"]
    assert len([f for f in findings if f.path == "tool.py"]) == 2


def test_same_size_edit_is_seen(project, parses):
    _run(project)
    parses.clear()
    text = (project / "tool.py").read_text()
    (project / "tool.py").write_text(text.replace("fetch", "fetcH"))
    _run(project)
    assert parses == ["tool.py"]


def test_change_in_an_imported_same_module_package_recomputes_its_importer(project, parses):
    _run(project)
    parses.clear()
    (project / "api" / "api.go").write_text(GO_API.replace('"x"', '"y"'))
    _run(project)
    assert parses == ["cmd/main.go"]  # api itself is still prefiltered out


def test_go_mod_change_recomputes_go(project, parses):
    _run(project)
    parses.clear()
    (project / "go.mod").write_text("module example.com/app\n\ngo 1.23\n")
    _run(project)
    assert parses == ["cmd/main.go"]


def test_configuration_change_recomputes(project, parses):
    _run(project)
    parses.clear()
    findings = _run(project, Settings(ignore=("LL402",)))[0]
    assert sorted(parses) == ["cmd/main.go", "tool.py"]
    assert all(f.rule_id != "LL402" for f in findings)
    parses.clear()
    _run(project, Settings(per_file_ignores=(("*.py", ("LL4",)),)))
    assert sorted(parses) == ["cmd/main.go", "tool.py"]


def test_version_or_code_change_recomputes(project, parses, monkeypatch):
    before = code_fingerprint()
    _run(project, salt=before)
    parses.clear()
    _run(project, salt=before)
    assert parses == []
    monkeypatch.setattr(cache_mod, "__version__", "99.0.0")
    assert code_fingerprint() != before
    _run(project, salt=code_fingerprint())
    assert sorted(parses) == ["cmd/main.go", "tool.py"]


def test_prefilter_setting_is_part_of_the_key(project, parses):
    _run(project)
    parses.clear()
    _run(project, no_filter=True)
    assert sorted(parses) == ["api/api.go", "cmd/main.go"]  # Python files are not filtered


def _entries(project: Path) -> list[Path]:
    return [p for p in (project / ".leaklint_cache").rglob("*")
            if p.is_file() and p.parent.parent.name == cache_mod.LAYOUT]


def test_corrupt_entries_are_ignored_and_rewritten(project, parses):
    cold = _run(project)
    entries = _entries(project)
    assert entries
    for i, entry in enumerate(entries):
        entry.write_bytes([b"", b"{not json", b'{"findings": 3}', b"[]"][i % 4])
    (project / ".leaklint_cache" / cache_mod.LAYOUT / "stat-memo.json").write_text("garbage")
    parses.clear()
    assert _run(project) == cold
    assert sorted(parses) == ["cmd/main.go", "tool.py"]
    for entry in _entries(project):
        json.loads(entry.read_bytes())  # rewritten whole
    parses.clear()
    assert _run(project) == cold
    assert parses == []


def test_cache_directory_is_tagged_and_ignored(project):
    _run(project)
    directory = project / ".leaklint_cache"
    assert (directory / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")
    assert (directory / ".gitignore").read_text().strip() == "*"
    assert not [p for p in directory.rglob(".tmp-*")]


def test_unwritable_cache_directory_does_not_fail_the_run(project, parses):
    (project / ".leaklint_cache").write_text("a file where the directory should be")
    assert _run(project) == _run_uncached(project)


def _cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leaklint", "check", "--format", "json", *args, "."],
        cwd=project, capture_output=True, text=True,
    )


def test_two_concurrent_runs_share_the_cache_safely(project):
    for i in range(8):  # enough units for both runs to write entries at the same time
        (project / f"m{i}.py").write_text(PY.replace("fetch", f"fetch{i}"))
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "leaklint", "check", "--format", "json", "."],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    ) for _ in range(2)]
    outs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [1, 1]
    assert outs[0][0] == outs[1][0]
    assert outs[0][1] == outs[1][1] == ""
    warm = _cli(project)
    assert warm.stdout == outs[0][0]
    assert not [p for p in (project / ".leaklint_cache").rglob(".tmp-*")]


def test_no_cache_flag_writes_nothing(project):
    out = _cli(project, "--no-cache")
    assert out.returncode == 1
    assert not (project / ".leaklint_cache").exists()
    assert _cli(project).stdout == out.stdout
    assert (project / ".leaklint_cache").is_dir()


def test_cache_lives_next_to_the_configuration(project):
    (project / "leaklint.toml").write_text('ignore = ["LL103"]\n')
    sub = project / "cmd"
    out = subprocess.run([sys.executable, "-m", "leaklint", "check", "."], cwd=sub,
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    assert (project / ".leaklint_cache").is_dir()
    assert not (sub / ".leaklint_cache").exists()


GO_CALLER = """package main

import "example.com/app/later"

func main() {
\tresp, err := later.Fetch("https://example.com")
\tif err != nil {
\t\treturn
\t}
\t_ = resp.StatusCode
}
"""
GO_LATER = """package later

import "net/http"

func Fetch(u string) (*http.Response, error) { return http.Get(u) }
"""


def test_a_package_importing_a_missing_module_package_is_not_cached(tmp_path, parses):
    # The cache key is built from the packages on disk: one that is not there yet must
    # not let a stale result stand once it appears.
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (tmp_path / "cmd").mkdir()
    (tmp_path / "cmd" / "main.go").write_text(GO_CALLER)
    before = _run(tmp_path)
    assert parses == ["cmd/main.go"]
    assert not [f for f in before[0] if f.rule_id == "LL101"]
    parses.clear()
    assert _run(tmp_path) == before
    assert parses == ["cmd/main.go"]  # analysed again: nothing was stored
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "later.go").write_text(GO_LATER)
    from leaklint.golang import module

    module._SIBLINGS.clear()  # a new run is a new process: nothing of this one is kept
    after = _run(tmp_path)
    assert [(f.path, f.rule_id) for f in after[0] if f.rule_id == "LL101"] == [
        ("cmd/main.go", "LL101")]
