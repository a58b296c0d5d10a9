"""One module per rule, named by it; each rule stands on its own (an unclosed client
built per call is both LL102 and LL301)."""

from __future__ import annotations

from leaklint.python.checks import ll101, ll102, ll201, ll301, ll401, ll402

ALL_CHECKS = (
    (ll402.RULES, ll402.check),
    (ll401.RULES, ll401.check),
    (ll101.RULES, ll101.check),
    (ll301.RULES, ll301.check),
    (ll102.RULES, ll102.check),
    (ll201.RULES, ll201.check),
)
