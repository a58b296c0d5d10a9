"""What every analysis of one run shares: the settings and the rules that run."""

from __future__ import annotations

from dataclasses import dataclass

from leaklint.config import Settings

# What the Go prefilter leaves to a file chosen only because it may defer a Close in a
# loop: its package reaches none of the APIs the other rules model.
LOOP_DEFER_RULES = frozenset({"LL000", "LL202"})


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    enabled: frozenset[str]
    # Go: names of the files of the unit in flight that only LL202 (and LL000) can
    # concern (set per work unit by the runner, never part of a cache key).
    loop_defer_only: frozenset[str] = frozenset()
    # Go: names of the files of the unit in flight analysed only when they mention a
    # name declared by a file that reaches a modelled API (leaklint.golang.reach).
    by_name: frozenset[str] = frozenset()

    def any_enabled(self, rule_ids: frozenset[str] | set[str]) -> bool:
        return bool(self.enabled & rule_ids)

    def rules_for(self, file_name: str) -> frozenset[str]:
        if file_name in self.loop_defer_only:
            return self.enabled & LOOP_DEFER_RULES
        return self.enabled
