"""Process pool: --jobs 1 and --jobs N give byte-identical output; small runs stay in
process; the pool keeps a bounded number of units in flight."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

from leaklint.config import Settings
from leaklint.context import RunContext
from leaklint.engine import parallel, runner, workers
from leaklint.engine.discovery import discover
from leaklint.engine.plan import plan
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
    real = workers.supervise

    def spy(batches, jobs, *args, **kw):
        used.append(jobs)
        return real(batches, jobs, *args, **kw)

    monkeypatch.setattr(workers, "supervise", spy)
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


def test_workers_return_every_unit_once_while_the_plan_is_produced():
    ctx = RunContext(Settings(), enabled_rules(("ALL",), (), ()))
    found = discover([str(FIXTURES)], cwd=FIXTURES.parent)
    units = [unit for unit, _ in plan(found.files, ctx, cache=None, prefilter=True)]
    produced: list[int] = []

    def planning():  # a generator, as the runner's plan is
        for n, unit in enumerate(units):
            produced.append(n)
            yield (unit,)

    got = [unit for unit, _, cacheable in workers.supervise(
        planning(), 2, ctx, lambda unit: None, weight=lambda batch: batch[0].size)
        if cacheable]
    assert sorted(map(id, got)) == sorted(map(id, units))  # each once, as planned
    assert produced == list(range(len(units)))


def test_negative_jobs_is_a_usage_error(tmp_path):
    out = _check(tmp_path, "--jobs", "-1", ".")
    assert out.returncode == 2
    assert "--jobs" in out.stderr


def test_a_worker_gets_work_while_the_plan_is_still_settling_units():
    # The plan yields None while it settles files no worker needs: the supervisor
    # hands out what was found so far instead of waiting for the next unit to analyse.
    ctx = RunContext(Settings(), enabled_rules(("ALL",), (), ()))
    found = discover([str(FIXTURES / "python")], cwd=FIXTURES.parent)
    units = [unit for unit, _ in plan(found.files, ctx, cache=None, prefilter=True)
             if unit.analyse][:2]
    received: list = []
    waited_for_it: list[bool] = []

    def planning():
        yield (units[0],)
        for _ in range(6_000):  # about a minute at most
            if received:
                break
            time.sleep(0.01)
            yield None
        waited_for_it.append(bool(received))
        yield (units[1],)

    for unit, _, _ in workers.supervise(planning(), 1, ctx, lambda unit: None,
                                        weight=lambda batch: batch[0].size):
        received.append(unit)
    assert waited_for_it == [True]
    assert received == units


def test_the_plan_yields_now_and_then_while_it_settles(tmp_path, monkeypatch):
    for i in range(5):
        (tmp_path / f"plain{i}.py").write_text("x = 1\n")
    (tmp_path / "leak.py").write_text("import requests\n\nrequests.get('http://x')\n")
    ctx = RunContext(Settings(), enabled_rules(("LL",), (), ()))
    files = discover([str(tmp_path)], cwd=tmp_path).files
    monkeypatch.setattr(runner, "TICK_SECONDS", 0.0)
    out = runner.RunResult()
    todo = list(runner._uncached(plan(files, ctx, cache=None, prefilter=True), out, None))
    assert [u.files[0].display for u in todo if u is not None] == ["leak.py"]
    assert todo.count(None) == 5
    assert out.files_analysed == 5
