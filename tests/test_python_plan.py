"""Planning Python files: a file the prefilter rules out is settled by the planner (no
worker reads it again, no libcst), and nothing about a run's results changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leaklint.config import PythonModels, Settings
from leaklint.context import RunContext
from leaklint.engine import runner, workers
from leaklint.engine.cache import Cache
from leaklint.engine.discovery import discover
from leaklint.engine.plan import plan
from leaklint.python import unit as python_unit
from leaklint.selection import enabled_rules

LEAK = "import requests\n\n\ndef fetch(url):\n    return requests.get(url).text\n"
PLAIN = "def add(x):\n    return x + 1\n"


def _ctx(select: tuple[str, ...] = ("LL",), **settings: object) -> RunContext:
    return RunContext(Settings(**settings),  # type: ignore[arg-type]
                      enabled_rules(select, (), ()))


def _outcome(result: runner.RunResult) -> tuple:
    return (result.findings, result.problems, result.files_analysed, result.suppressed)


def _tree(root: Path) -> list:
    (root / "leak.py").write_text(LEAK)
    (root / "plain.py").write_text(PLAIN)
    (root / "noqa.py").write_text("x = 1  # noqa: LL101\n")
    (root / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    (root / "unknown_codec.py").write_bytes(b"# coding: no-such-codec\nx = 1\n")
    (root / "not_utf8.py").write_bytes(b"x = '\xff'\n")
    (root / "nul.py").write_bytes(b"x = 1\0\n")
    (root / "stub.pyi").write_text("def get(url: str) -> None: ...\n")
    return discover([str(root)], cwd=root).files


def _planned(files: list, ctx: RunContext, prefilter: bool = True) -> dict[str, tuple]:
    return {unit.files[0].display: (unit.analyse, unit.settled, unit.light)
            for unit, _ in plan(files, ctx, cache=None, prefilter=prefilter)}


def test_only_files_that_decode_and_name_no_api_are_settled(tmp_path):
    planned = _planned(_tree(tmp_path), _ctx())
    assert planned == {
        "latin.py": (False, True, True),  # decodes as it declares, names no API
        "leak.py": (True, False, False),  # real work: a round trip of its own
        "noqa.py": (False, True, True),
        "not_utf8.py": (True, False, True),  # the worker reports why it cannot be read
        "nul.py": (True, False, True),
        "plain.py": (False, True, True),
        "stub.pyi": (False, True, True),
        "unknown_codec.py": (True, False, True),  # an LL000 the worker reports
    }


def test_without_the_prefilter_or_with_ll001_nothing_is_settled(tmp_path):
    files = _tree(tmp_path)
    assert not any(settled for _, settled, _ in _planned(files, _ctx(), False).values())
    # LL001 reads every file's comments: no file is settled unread.
    assert not any(settled for _, settled, _ in _planned(files, _ctx(("ALL",))).values())


@pytest.mark.parametrize("select", [("LL",), ("ALL",)])
def test_settling_changes_no_result(tmp_path, select):
    files = _tree(tmp_path)
    ctx = _ctx(select)
    settled = runner.run(files, ctx)
    assert _outcome(settled) == _outcome(runner.run(files, ctx, prefilter=False))
    assert [f.path for f in settled.findings if f.rule_id != "LL001"] == \
        ["leak.py", "unknown_codec.py"]
    assert [p.path for p in settled.problems] == ["not_utf8.py", "nul.py"]
    assert settled.files_analysed == 6
    if "ALL" in select:
        assert any(f.rule_id == "LL001" and f.path == "noqa.py" for f in settled.findings)


def test_a_run_whose_files_all_are_settled_starts_no_worker(tmp_path, monkeypatch):
    # Enough bytes for a pool of workers, none of them naming an API.
    for i in range(40):
        (tmp_path / f"m{i:02d}.py").write_text(PLAIN + "# padding\n" * 1_000)
    files = discover([str(tmp_path)], cwd=tmp_path).files

    def no_worker(*args, **kwargs):
        raise AssertionError("a worker process was started")

    def not_read(unit, ctx, out):
        raise AssertionError(f"{unit.files[0].display} was read again")

    monkeypatch.setattr(workers, "supervise", no_worker)
    monkeypatch.setattr(python_unit, "process", not_read)
    result = runner.run(files, _ctx(), jobs=2, isolate=True)
    assert _outcome(result) == ([], [], 40, 0)


def test_a_remembered_verdict_counts_only_under_the_models_it_was_reached_with(tmp_path):
    # The cache's stat memo keeps the planner's verdict per file; configured models
    # change what the prefilter lets through.
    (tmp_path / "client.py").write_text(
        "import acme.http\n\n\ndef status(url):\n    resp = acme.http.fetch(url)\n"
        "    return resp.status\n")
    old = os.stat(tmp_path / "client.py").st_mtime - 60  # not racy: the memo keeps it
    os.utime(tmp_path / "client.py", (old, old))
    files = discover([str(tmp_path)], cwd=tmp_path).files
    assert runner.run(files, _ctx(), cache=Cache(tmp_path, "s")).findings == []
    models = PythonModels(response_functions=("acme.http.fetch",))
    result = runner.run(files, _ctx(python=models), cache=Cache(tmp_path, "s"))
    assert [(f.rule_id, f.span.line) for f in result.findings] == [("LL101", 5)]


def test_a_pool_preloads_only_the_parsers_its_units_need(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (tmp_path / "gdb.py").write_text(PLAIN)  # settled: libcst is not needed
    (tmp_path / "main.go").write_text('package main\n\nimport "net/http"\n\n'
                                      'func main() { http.Get("http://x") }\n')
    (tmp_path / "leak.py").write_text(LEAK)
    files = discover([str(tmp_path)], cwd=tmp_path).files
    units = [unit for unit, _ in plan(files, _ctx(), cache=None, prefilter=True)]
    by_name = {unit.files[0].display: unit for unit in units}
    go = by_name["main.go"]
    python = [by_name["gdb.py"], by_name["leak.py"]]
    assert runner._pool_languages([go], files) == {"go"}  # the Python files were settled
    assert runner._pool_languages([python[1]], files) == {"python", "go"}  # Go: not planned yet


def test_the_python_preload_imports_the_parser(tmp_path):
    # Imported before the pool forks, libcst is shared by the workers, not imported by each.
    import subprocess
    import sys

    probe = ("import sys\nfrom leaklint.python import unit\nunit.preload()\n"
             "print(sorted(m for m in ('libcst', 'leaklint.python.checks') "
             "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    assert done.stdout.strip() == "['leaklint.python.checks', 'libcst']"


def test_python_files_are_planned_largest_first_and_results_keep_their_order(tmp_path):
    """The few files that name an API are mostly the large ones: planned first, they
    reach the workers before the planner has read every small file."""
    (tmp_path / "a_small.py").write_text(LEAK)
    (tmp_path / "b_plain.py").write_text(PLAIN * 50)
    (tmp_path / "c_large.py").write_text(LEAK + "\n\n" + PLAIN * 100)
    files = discover([str(tmp_path)], cwd=tmp_path).files
    order = [unit.files[0].display for unit, _ in plan(files, _ctx(), cache=None,
                                                       prefilter=True)]
    assert order == ["c_large.py", "b_plain.py", "a_small.py"]
    result = runner.run(files, _ctx(), jobs=1)
    assert [f.path for f in result.findings] == ["a_small.py", "c_large.py"]
