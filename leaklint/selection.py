"""Which rules run: select / extend-select / ignore by id prefix, most specific wins."""

from __future__ import annotations

from collections.abc import Iterable

from leaklint import catalogue


def _longest(prefixes: Iterable[str], rule_id: str) -> int:
    best = -1
    for prefix in prefixes:
        if prefix == "ALL":
            best = max(best, 0)
        elif rule_id.startswith(prefix):
            best = max(best, len(prefix))
    return best


def enabled_rules(
    select: Iterable[str], ignore: Iterable[str], extend_select: Iterable[str] = ()
) -> frozenset[str]:
    """Rule ids that run. An opt-in rule (enabled = false in the catalogue) runs only
    when named by its full id or selected with ALL (as ruff's ALL: every rule)."""
    chosen = [*select, *extend_select]
    ignored = list(ignore)
    result = set()
    for rule in catalogue.load().values():
        on = _longest(chosen, rule.id)
        off = _longest(ignored, rule.id)
        if on < 0 or off >= on:
            continue
        if not rule.enabled and rule.id not in chosen and "ALL" not in chosen:
            continue
        result.add(rule.id)
    return frozenset(result)


def matches(prefixes: Iterable[str], rule_id: str) -> bool:
    return _longest(prefixes, rule_id) >= 0


def unknown(prefixes: Iterable[str]) -> list[str]:
    """The prefixes that select no rule of the catalogue (`LL42`, a typo), in order.
    Their shape is checked elsewhere; this is about what they match."""
    ids = list(catalogue.load())
    return [p for p in prefixes if p != "ALL" and not any(i.startswith(p) for i in ids)]
