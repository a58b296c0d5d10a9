"""What one work unit may cost: its time budget, and what its files say when they ran
out of it or took their worker down with them."""

from __future__ import annotations

from leaklint.engine.plan import WorkUnit
from leaklint.engine.units import UnitOutput

# A unit may run `timeout` seconds (config key, --timeout) per 100 KB of its source,
# and at least FLOOR_FACTOR times that: libcst reads some 100 KB a second on a loaded
# machine, and the floor keeps a small file on a busy machine clear of its budget.
BUDGET_BYTES = 100 * 1024
FLOOR_FACTOR = 2.0


def unit_budget(size: int, timeout: float) -> float | None:
    """Seconds a unit of `size` source bytes may take; None: no budget (timeout 0)."""
    if timeout <= 0:
        return None
    return timeout * max(FLOOR_FACTOR, size / BUDGET_BYTES)


def not_analysed(unit: WorkUnit, reason: str) -> dict:
    """The outcome of a unit none of whose files could be analysed (never cached)."""
    from leaklint.engine.runner import outcome_of
    from leaklint.model import FileProblem

    out = UnitOutput(problems=[FileProblem(c.display, f"not analysed: {reason}", "skipped")
                               for c in unit.files])
    return outcome_of(out)


def out_of_time(unit: WorkUnit, budget: float) -> dict:
    return not_analysed(unit, f"its analysis took longer than its time budget "
                              f"({budget:.3g} s; see --timeout)")
