"""The SARIF of the whole fixture tree, every rule on, against the official schema and
GitHub's ingestion rules that a schema cannot express."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import unquote

import pytest
from test_sarif_schema import REPO, assert_valid


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("sarif") / "fixtures.sarif"
    run = subprocess.run(
        [sys.executable, "-m", "leaklint", "check", "fixtures", "--select", "ALL",
         "--extend-select", "LL103", "--format", "sarif", "--output", str(out)],
        cwd=REPO, capture_output=True, text=True,
    )
    assert run.returncode in (0, 1), run.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_fixture_tree_sarif_is_schema_valid(log: dict):
    assert_valid(log)


def test_fixture_tree_sarif_follows_github_rules(log: dict):
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    assert isinstance(run["results"], list)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"] and "arguments" not in result["message"]
        assert result["locations"], result
        assert "primaryLocationLineHash" not in result["partialFingerprints"]
        located = [result["locations"][0], *result.get("relatedLocations", [])]
        for flow in result.get("codeFlows", []):
            for thread in flow["threadFlows"]:
                located += [step["location"] for step in thread["locations"]]
        for loc in located:
            phys = loc["physicalLocation"]
            uri = phys["artifactLocation"]["uri"]
            assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            assert uri.startswith("fixtures/") and "\\" not in uri, uri
            assert (REPO / unquote(uri)).is_file(), uri
            region = phys["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
            if "endColumn" in region and region.get("endLine") == region["startLine"]:
                assert region["endColumn"] > region["startColumn"]


def test_fixture_tree_produces_results_for_each_language_analysed(log: dict):
    results = log["runs"][0]["results"]
    if not results:
        pytest.skip("the analyses report nothing on the fixture tree yet")
    assert any(r["ruleId"] == "LL101" and r.get("codeFlows") for r in results)
    fingerprints = [r["partialFingerprints"]["leaklint/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
