"""The worker's memory guard: collections run on growth, never on every unit."""

from __future__ import annotations

import gc

from leaklint.engine import memory


def test_no_collection_until_the_process_has_grown(monkeypatch):
    monkeypatch.setattr(memory, "_baseline", 100 * 2**20)
    monkeypatch.setattr(memory, "resident_bytes", lambda: 100 * 2**20 + 1024)
    ran: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda: ran.append(1) or 0)
    assert memory.after_unit(10_000) is False
    assert ran == []


def test_growth_past_the_budget_collects_and_moves_the_baseline(monkeypatch):
    sizes = iter([300 * 2**20, 120 * 2**20])
    monkeypatch.setattr(memory, "_baseline", 100 * 2**20)
    monkeypatch.setattr(memory, "resident_bytes", lambda: next(sizes))
    ran: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda: ran.append(1) or 0)
    monkeypatch.setattr(memory, "_trim", lambda: None)
    assert memory.after_unit(10_000) is True
    assert ran == [1]
    assert memory._baseline == 120 * 2**20


def test_without_proc_it_counts_source_bytes(monkeypatch):
    monkeypatch.setattr(memory, "resident_bytes", lambda: None)
    monkeypatch.setattr(memory, "_source_since", 0)
    ran: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda: ran.append(1) or 0)
    monkeypatch.setattr(memory, "_trim", lambda: None)
    assert memory.after_unit(memory.SOURCE_BYTES // 2) is False
    assert memory.after_unit(memory.SOURCE_BYTES // 2) is True
    assert ran == [1]


def _run(monkeypatch, path) -> list[int]:
    from leaklint.config import Settings
    from leaklint.context import RunContext
    from leaklint.engine import runner
    from leaklint.engine.discovery import discover
    from leaklint.selection import enabled_rules

    sizes: list[int] = []
    monkeypatch.setattr(memory, "after_unit", lambda size: sizes.append(size) or False)
    found = discover([str(path)], cwd=path.parent)
    assert found.files
    runner.run(found.files, RunContext(Settings(), enabled_rules(("ALL",), (), ())), jobs=1)
    return sizes


def test_each_go_package_reports_to_the_guard_and_python_files_do_not(monkeypatch):
    from conftest import FIXTURES

    assert len(_run(monkeypatch, FIXTURES / "go" / "ll201")) == 1
    assert _run(monkeypatch, FIXTURES / "python") == []


def test_the_collector_is_paused_only_inside_and_restored_after_an_error():
    assert gc.isenabled()
    try:
        with memory.collector_paused():
            assert not gc.isenabled()
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with memory.collector_paused():
            pass
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
