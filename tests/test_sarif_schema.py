"""The official SARIF schema (shipped in tests/data with its notice), a validator for it
shared by the SARIF tests, and checks that the validator itself works."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
# The OASIS file byte for byte (see sarif-schema-2.1.0.NOTICE.md beside it).
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def schema_validator():
    """A jsonschema validator for SARIF 2.1.0, from the schema in the repository."""
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def assert_valid(log: dict) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in schema_validator().iter_errors(log)
    ]
    assert not errors, "\n".join(errors)


def test_empty_run_is_valid_and_keeps_an_empty_results_array():
    from leaklint.report.sarif import build

    log = build([], [], base=REPO)
    assert_valid(log)
    assert log["runs"][0]["results"] == []
    assert "automationDetails" not in log["runs"][0]


def test_schema_validator_rejects_a_bad_level():
    # The helper must be able to fail: a level outside the enum is a schema error.
    from leaklint.report.sarif import build

    log = build([], [], base=REPO)
    log["runs"][0]["results"] = [{"ruleId": "LL101", "level": "critical",
                                  "message": {"text": "x"}}]
    with pytest.raises(AssertionError):
        assert_valid(log)


def test_shipped_schema_is_the_unmodified_oasis_file_with_its_notice():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    notice = SCHEMA.with_name("sarif-schema-2.1.0.NOTICE.md").read_text(encoding="utf-8")
    assert "OASIS" in notice and SCHEMA_SHA256 in notice
