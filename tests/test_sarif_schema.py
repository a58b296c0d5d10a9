"""The official SARIF schema (beside the repository, in ../shared/sarif), a validator
for it shared by the SARIF tests, and checks that the validator itself works."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_SARIF = REPO.parent / "shared" / "sarif"
SCHEMA = SHARED_SARIF / "sarif-schema-2.1.0.json"


def schema_validator():
    """A jsonschema validator for SARIF 2.1.0. Outside CI a checkout without
    ../shared/sarif skips; in CI (CI set) its absence is a failure."""
    if not SCHEMA.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the official SARIF schema is missing: expected ../shared/sarif/"
                        f"{SCHEMA.name} beside the repository")
        pytest.skip("the official SARIF 2.1.0 schema (../shared/sarif beside the repository) "
                    "is not available in this checkout")
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
