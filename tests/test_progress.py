"""The progress line: after a delay, on a terminal outside CI or when asked, rewritten
in place and cleared. Time comes from an injected clock: nothing here waits."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from leaklint import cli
from leaklint.engine import progress
from leaklint.engine.progress import Progress

LEAKY = "import requests\n\n\ndef ping(u):\n    return requests.get(u).status_code\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_before_the_delay_then_one_rewritten_line():
    clock, stream = Clock(), io.StringIO()
    bar = Progress(10, stream, clock=clock)
    bar.advance(3)
    clock.now += progress.DELAY - 0.5
    bar.advance(1)
    assert stream.getvalue() == ""  # a short run shows nothing
    clock.now += 1.0
    bar.advance(1)
    assert stream.getvalue() == "\rleaklint: 5/10 files analysed"
    clock.now += progress.INTERVAL / 2
    bar.advance(1)  # too soon after the last rewrite
    assert stream.getvalue().count("\r") == 1
    bar.advance(4)  # but the last count is always drawn
    assert stream.getvalue().endswith("\rleaklint: 10/10 files analysed")
    assert "\n" not in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r" + " " * len("leaklint: 10/10 files analysed") + "\r")


def test_a_run_that_never_drew_leaves_nothing_to_clear():
    stream = io.StringIO()
    bar = Progress(2, stream, clock=Clock())
    bar.advance(2)
    bar.close()
    assert stream.getvalue() == ""


@pytest.mark.parametrize(("asked", "terminal", "env", "shown"), [
    (False, True, {}, True),
    (False, False, {}, False),  # a pipe
    (False, True, {"CI": "true"}, False),  # a CI log
    (True, False, {"CI": "true"}, True),  # asked for
])
def test_when_it_is_shown(asked, terminal, env, shown):
    assert progress.wanted(asked, terminal, env) is shown


def _tree(tmp_path: Path) -> Path:
    for n in range(3):
        (tmp_path / f"m{n}.py").write_text(LEAKY)
    return tmp_path


def test_progress_flag_draws_on_stderr_and_keeps_the_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.chdir(_tree(tmp_path))
    assert cli.main(["check", "--no-cache", "--jobs", "1", "--progress", "."]) == 1
    shown = capsys.readouterr()
    assert "\rleaklint: 3/3 files analysed" in shown.err
    assert shown.err.endswith("\r")  # cleared before the report
    assert cli.main(["check", "--no-cache", "--jobs", "1", "."]) == 1
    plain = capsys.readouterr()
    assert plain.err == ""  # not a terminal, not asked: nothing
    assert plain.out == shown.out


def test_cached_units_count_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.chdir(_tree(tmp_path))
    cli.main(["check", "--jobs", "1", "m0.py", "m1.py"])  # warms the cache for two
    capsys.readouterr()
    cli.main(["check", "--jobs", "1", "--progress", "m0.py", "m1.py", "m2.py"])
    assert "\rleaklint: 3/3 files analysed" in capsys.readouterr().err
