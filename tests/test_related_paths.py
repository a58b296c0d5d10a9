"""A related location may sit in another file of the same package: JSON output and the
result cache keep its path."""

from __future__ import annotations

import json

from leaklint.engine.cache import decode_outcome, encode_outcome
from leaklint.model import Finding, Related, Span
from leaklint.report import json_report


def _finding() -> Finding:
    span = Span(3, 2, 3, 20)
    return Finding("LL301", "pkg/pools.go", span, "built per call", related=(
        Related(Span(9, 1, 9, 5), "same file"),
        Related(Span(4, 9, 4, 30), "called here", path="pkg/callers.go"),
    ))


def test_json_names_the_file_of_each_related_location():
    out = json_report.finding_dict(_finding())
    assert [(r["path"], r["line"]) for r in out["related"]] == [
        ("pkg/pools.go", 9), ("pkg/callers.go", 4)]


def test_cache_round_trip_keeps_related_paths():
    outcome = {"findings": [_finding()], "problems": [], "suppressed": 0, "files": 1}
    back = decode_outcome(json.loads(json.dumps(encode_outcome(outcome))))
    assert back["findings"][0].related == _finding().related
