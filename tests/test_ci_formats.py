"""--format gitlab (GitLab Code Quality) and --format junit (JUnit XML), checked against
the documented GitLab format and read back with a real JUnit consumer (junitparser)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from leaklint.model import Finding
from leaklint.positions import LineTable
from leaklint.report import junit

SCHEMA = json.loads((Path(__file__).parent / "data" / "gitlab-codequality.schema.json")
                    .read_text(encoding="utf-8"))

LEAKY_GO = """package status

import "net/http"

func Status(u string) (int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
"""

# LL102 + LL301 on line 5, LL402 on line 6.
LEAKY_PY = """import requests


def fetch(u):
    s = requests.Session()
    return s.get(u).status_code
"""


def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "status.go").write_text(LEAKY_GO, encoding="utf-8")
    (tmp_path / "svc" / "fetch.py").write_text(LEAKY_PY, encoding="utf-8")
    return tmp_path


def _gitlab(cwd: Path, *paths: str) -> list[dict]:
    out = _check(cwd, "--format", "gitlab", *paths)
    assert out.returncode == 1, out.stderr
    return json.loads(out.stdout)


def test_gitlab_report_matches_the_documented_format(repo: Path):
    report = _gitlab(repo, ".")
    jsonschema.validate(report, SCHEMA)
    found = sorted((i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"])
                   for i in report)
    assert found == [("svc/fetch.py", 5, "LL102"), ("svc/fetch.py", 5, "LL301"),
                     ("svc/fetch.py", 6, "LL402"), ("svc/status.go", 6, "LL101"),
                     ("svc/status.go", 6, "LL402")]
    severity = {i["check_name"]: i["severity"] for i in report}
    assert severity == {"LL101": "major", "LL102": "major", "LL301": "minor",
                        "LL402": "minor"}
    assert all(i["description"].startswith(i["check_name"] + " ") for i in report)
    # GitLab needs unique fingerprints (two rules on one line still differ).
    assert len({i["fingerprint"] for i in report}) == len(report)


def test_gitlab_schema_check_can_fail():
    bad = [{"description": "x", "check_name": "LL101", "fingerprint": "f",
            "severity": "error", "location": {"path": "a.go", "lines": {"begin": 1}}}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)  # "error" is not a GitLab severity
    bad[0]["severity"] = "major"
    bad[0]["location"] = {"path": "/abs/a.go", "lines": {"begin": 1}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


def test_gitlab_paths_and_fingerprints_do_not_depend_on_where_leaklint_runs(repo: Path):
    from_root = _gitlab(repo, "svc")
    from_subdir = _gitlab(repo / "svc", ".")
    assert from_root == from_subdir


def test_gitlab_fingerprints_survive_unrelated_edits_and_match_sarif(repo: Path):
    before = {(i["check_name"], i["location"]["path"]): i for i in _gitlab(repo, ".")}
    source = repo / "svc" / "fetch.py"
    source.write_text("# a comment\n\n" + LEAKY_PY, encoding="utf-8")
    after = {(i["check_name"], i["location"]["path"]): i for i in _gitlab(repo, ".")}
    assert before.keys() == after.keys()
    for key, issue in before.items():
        assert after[key]["fingerprint"] == issue["fingerprint"], key
    moved = after[("LL402", "svc/fetch.py")]["location"]["lines"]["begin"]
    assert moved == before[("LL402", "svc/fetch.py")]["location"]["lines"]["begin"] + 2
    # The same fingerprint as SARIF's partialFingerprints: one identity per finding.
    sarif = json.loads(_check(repo, "--format", "sarif", ".").stdout)
    sarif_prints = {r["partialFingerprints"]["leaklint/v1"] for r in sarif["runs"][0]["results"]}
    assert sarif_prints == {i["fingerprint"] for i in after.values()}


def test_gitlab_clean_run_is_an_empty_array(tmp_path: Path):
    (tmp_path / "ok.py").write_text("x = 1\n", encoding="utf-8")
    out = _check(tmp_path, "--format", "gitlab", ".")
    assert out.returncode == 0 and json.loads(out.stdout) == []


def test_junit_report_reads_back_with_junitparser(repo: Path):
    out = _check(repo, "--format", "junit", ".")
    assert out.returncode == 1, out.stderr
    xml = JUnitXml.fromstring(out.stdout)
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"svc/fetch.py", "svc/status.go"}
    assert (suites["svc/fetch.py"].tests, suites["svc/fetch.py"].failures) == (3, 3)
    assert (suites["svc/status.go"].tests, suites["svc/status.go"].failures) == (2, 2)
    case = next(c for c in suites["svc/status.go"] if c.name == "leaklint.LL101")
    assert case.classname == "svc/status"
    (result,) = case.result
    assert isinstance(result, Failure) and result.type == "LL101"
    assert "response body" in result.message
    assert result.text.startswith("line 6, col ")
    assert case._elem.get("file") == "svc/status.go" and case._elem.get("line") == "6"


def test_junit_clean_run_is_one_passing_case(tmp_path: Path):
    (tmp_path / "ok.py").write_text("x = 1\n", encoding="utf-8")
    out = _check(tmp_path, "--format", "junit", ".")
    assert out.returncode == 0, out.stderr
    (suite,) = list(JUnitXml.fromstring(out.stdout))
    (case,) = list(suite)
    assert (suite.tests, suite.failures, case.is_passed) == (1, 0, True)


def test_junit_escapes_markup_and_replaces_characters_xml_cannot_hold(tmp_path: Path):
    span = LineTable(b"x\n").span_from_points((0, 0), (0, 1))
    finding = Finding("LL101", "a&b.go", span, 'body of <resp> "x" & \x01 leaks')
    xml = JUnitXml.fromstring(junit.render([finding], tmp_path))
    (case,) = list(next(iter(xml)))
    assert case.result[0].message == 'body of <resp> "x" & \ufffd leaks'
