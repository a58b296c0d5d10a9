"""Process pool: --jobs 1 and --jobs N give byte-identical output; small runs stay in
process; the pool keeps a bounded number of units in flight."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from leaklint.config import Settings
from leaklint.context import RunContext
from leaklint.engine import parallel, runner
from leaklint.engine.discovery import discover
from leaklint.selection import enabled_rules


def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", *args],
        cwd=cwd, capture_output=True, text=True,
    )


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_jobs_1_and_jobs_2_give_identical_output(fmt):
    one = _check(FIXTURES.parent, "--format", fmt, "--select", "ALL", "--jobs", "1",
                 "fixtures")
    two = _check(FIXTURES.parent, "--format", fmt, "--select", "ALL", "--jobs", "2",
                 "fixtures")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr


def test_pool_results_equal_in_process_results(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)  # force the pool
    used: list[int] = []
    real = parallel.run_pool

    def spy(func, items, jobs, *args, **kw):
        used.append(jobs)
        return real(func, items, jobs, *args, **kw)

    monkeypatch.setattr(runner, "run_pool", spy)
    ctx = RunContext(Settings(), enabled_rules(("ALL",), (), ()))
    found = discover([str(FIXTURES)], cwd=FIXTURES.parent)
    pooled = runner.run(found.files, ctx, jobs=2)
    assert used == [2]
    alone = runner.run(found.files, ctx, jobs=1)
    assert (pooled.findings, pooled.problems, pooled.files_analysed) == (
        alone.findings, alone.problems, alone.files_analysed)


def test_small_runs_stay_in_process():
    assert parallel.effective_jobs(8, units=1, total_bytes=10**9) == 1
    assert parallel.effective_jobs(8, units=50, total_bytes=1000) == 1
    assert parallel.effective_jobs(8, units=3, total_bytes=10**7) == 3
    assert parallel.effective_jobs(2, units=50, total_bytes=10**7) == 2
    assert parallel.effective_jobs(0, units=50, total_bytes=10**7) == min(
        50, parallel.available_cores())


def _square(n: int, offset: int) -> int:
    return n * n + offset


def test_run_pool_returns_every_item_once():
    items = list(range(40))
    got = dict(parallel.run_pool(_square, items, 2, 1))
    assert got == {n: n * n + 1 for n in items}


def test_run_pool_takes_items_while_they_are_produced():
    produced: list[int] = []

    def planning():  # a generator, as the runner's plan is
        for n in range(40):
            produced.append(n)
            yield n

    got = dict(parallel.run_pool(_square, planning(), 2, 0, weight=lambda n: n % 7))
    assert got == {n: n * n for n in range(40)}
    assert produced == list(range(40))


def test_negative_jobs_is_a_usage_error(tmp_path):
    out = _check(tmp_path, "--jobs", "-1", ".")
    assert out.returncode == 2
    assert "--jobs" in out.stderr
