"""What every analysis of one run shares: the settings and the rules that run."""

from __future__ import annotations

from dataclasses import dataclass

from leaklint.config import Settings


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    enabled: frozenset[str]

    def any_enabled(self, rule_ids: frozenset[str] | set[str]) -> bool:
        return bool(self.enabled & rule_ids)
