"""Worker processes under stress: a worker that dies, hangs or outlives its parent, a
unit past its time budget, signals in the middle of a slow file. Each run must keep
every other finding, end promptly and leave no leaklint process behind.

Workers are made to fail deterministically through a test-only environment variable
(leaklint.engine.workers.FAULT_VARIABLE)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leaklint.engine.workers import FAULT_VARIABLE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

FILES = 2400  # several thousand small files
LEAKY_EVERY = 10
# The planner settles files that name no API; the leaky ones carry enough bytes for a
# pool of workers.
PADDING = "# padding " + "." * 100 + "\n"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for i in range(FILES):
        if i % LEAKY_EVERY == 0:
            text = f"import requests\n\n\ndef fetch{i}(url):\n    return requests.get(url)\n"
            text += PADDING * 10
        else:
            text = f"def add{i}(x):\n    return x + {i}\n" + PADDING
        (root / f"m{i:04d}.py").write_text(text)
    return root


def _expected(tree: Path, without: set[str] = frozenset()) -> list[tuple[str, int, str]]:
    return [(f"m{i:04d}.py", 5, "LL402") for i in range(0, FILES, LEAKY_EVERY)
            if f"m{i:04d}.py" not in without]


def _findings(stdout: str) -> list[tuple[str, int, str]]:
    return sorted((f["path"], f["line"], f["rule"]) for f in json.loads(stdout)["findings"])


def _start(tree: Path, *args: str, fault: str | None = None,
           fmt: str = "json") -> subprocess.Popen:
    env = dict(os.environ)
    env.pop(FAULT_VARIABLE, None)
    if fault:
        env[FAULT_VARIABLE] = fault
    return subprocess.Popen(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", "--format", fmt, *args,
         "."], cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(tree: Path, *args: str, fault: str | None = None,
         fmt: str = "json") -> tuple[int, str, str]:
    proc = _start(tree, *args, fault=fault, fmt=fmt)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # from the state on (the name may hold spaces)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and fields[1] == str(pid):
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _wait_for(condition, seconds: float = 60.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    _wait_for(lambda: not any(_alive(p) for p in pids), seconds)
    return [p for p in pids if _alive(p)]


def _workers(proc: subprocess.Popen, count: int) -> list[int]:
    assert _wait_for(lambda: len(_children(proc.pid)) >= count), "no workers started"
    return _children(proc.pid)


def _kill_all(proc: subprocess.Popen, pids: list[int]) -> None:
    for pid in [proc.pid, *pids]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.communicate()


def test_a_worker_that_dies_costs_only_its_file(tree):
    code, out, err = _run(tree, "--jobs", "2", fault="die:m0070.py")
    assert code == 1
    assert _findings(out) == _expected(tree, {"m0070.py"})
    assert "m0070.py: not analysed: the worker process analysing it died twice" in err
    assert "Traceback" not in err and "BrokenProcessPool" not in err


def test_a_dead_worker_is_a_sarif_notification(tree):
    code, out, _ = _run(tree, "--jobs", "2", fault="die:m0070.py", fmt="sarif")
    assert code == 1
    run = json.loads(out)["runs"][0]
    assert len(run["results"]) == len(_expected(tree)) - 1
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("m0070.py" in json.dumps(n) and "died twice" in n["message"]["text"]
               for n in notes)


def test_a_unit_past_its_time_budget_gets_a_notice(tree):
    code, out, err = _run(tree, "--jobs", "2", "--timeout", "2", fault="hang:m0130.py")
    assert code == 1
    assert _findings(out) == _expected(tree, {"m0130.py"})
    assert "m0130.py: not analysed: its analysis took longer than its time budget" in err


def test_timeout_config_key(tree, tmp_path):
    config = tmp_path / "leaklint.toml"
    config.write_text("timeout = 2\n")
    code, _out, err = _run(tree, "--jobs", "2", "--config", str(config), fault="hang:m0130.py")
    assert code == 1
    assert "m0130.py: not analysed: its analysis took longer" in err


def _long_chain(directory: Path, length: int = 40_000) -> Path:
    """An attribute chain CPython refuses to compile; libcst's parse of it is quadratic.
    (It starts from an API name: the slicer would drop it otherwise.)"""
    path = directory / "chain.py"
    path.write_text("import requests\n\nvalue = requests" + ".b" * length + "\n")
    return path


def test_a_slow_file_in_process_gets_a_notice(tmp_path):
    _long_chain(tmp_path)
    (tmp_path / "leak.py").write_text("import requests\n\n\ndef f(u):\n"
                                      "    return requests.get(u)\n")
    done = subprocess.run(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", "--format", "json",
         "--jobs", "1", "--timeout", "1", "."], cwd=tmp_path, capture_output=True,
        text=True, timeout=120)
    assert done.returncode == 1
    assert _findings(done.stdout) == [("leak.py", 5, "LL402")]
    assert "chain.py: not analysed: its analysis took longer" in done.stderr


def _deep_in_analysis(pid: int) -> bool:
    """The process and its workers have spent two seconds of CPU: past reading and
    planning, inside the parse of the slow file (which then runs for minutes)."""
    ticks = 0
    for process in [pid, *_children(pid)]:
        fields = _stat(process)
        if fields is not None:
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK") >= 2.0


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_an_in_process_run_in_a_slow_file(tmp_path, signum, code):
    _long_chain(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", "--jobs", "1", "."],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: _deep_in_analysis(proc.pid)), "the analysis never started"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=10)  # before: it waited for the file (minutes)
    finally:
        _kill_all(proc, [])
    assert proc.returncode == code
    assert "Traceback" not in err


def test_chaos(tree):
    """One run: a worker killed from outside mid-run (its unit runs again), a hanging
    unit (out of time); then SIGTERM while a unit hangs; then the parent SIGKILLed."""
    # 1. A worker killed from outside: its unit is retried; only the hanging file is lost.
    proc = _start(tree, "--jobs", "2", "--timeout", "2", fault="hang:m1200.py")
    victim = _workers(proc, 1)[0]
    os.kill(victim, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert _findings(out) == _expected(tree, {"m1200.py"})
    assert "m1200.py: not analysed" in err
    assert "died twice" not in err  # the killed worker's unit succeeded on its retry

    # 2. SIGTERM while a worker hangs in a unit: the run ends at once, workers with it.
    proc = _start(tree, "--jobs", "2", fault="hang:m0000.py")
    pids = _workers(proc, 2)
    time.sleep(0.5)  # let the pool take work (the outcome does not depend on it)
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=10)
    finally:
        _kill_all(proc, pids)
    assert proc.returncode == 143
    assert out == ""  # nothing half-written
    assert _gone_within(pids, 3.0) == []

    # 3. The parent SIGKILLed (a CI timeout): its workers follow it.
    proc = _start(tree, "--jobs", "2", fault="hang:m0000.py")
    pids = _workers(proc, 2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    try:
        assert _gone_within(pids, 3.0) == []
    finally:
        _kill_all(proc, pids)


def test_workers_die_with_their_parent(tmp_path):
    """A CI timeout SIGKILLs leaklint in the middle of slow files: its workers, each
    inside a parse of minutes, must not live on."""
    for name in ("a", "b"):
        (tmp_path / f"chain_{name}.py").write_text(
            "import requests\n\nvalue = requests" + ".b" * 20_000 + "\n")
    # enough analysed bytes for a pool (the planner settles a file naming no API)
    (tmp_path / "padding.py").write_text("import requests\n" + "# padding\n" * 30_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", "--jobs", "2", "."],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: len(_children(proc.pid)) >= 2
                         and _deep_in_analysis(proc.pid)), "the pool never started"
        pids = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = _gone_within(pids, 3.0)
        _kill_all(proc, left)
        assert left == []
    finally:
        _kill_all(proc, _children(proc.pid))
