"""Baselines and line-move-proof fingerprints (SARIF partialFingerprints and --baseline)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint.ci import baseline
from leaklint.ci.fingerprint import fingerprints
from leaklint.model import Finding, Scope, Span

LEAKS = """package fetch

import "net/http"

func Status(u string) (int, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func Twice(c *http.Client, u string) {
	resp, _ := c.Get(u)
	_ = resp
	resp, _ = c.Get(u)
	_ = resp
}

func Post(c *http.Client, u string) (string, error) {
	resp, err := c.Post(u, "text/plain", nil)
	if err != nil {
		return "", err
	}
	return resp.Status, nil
}
"""


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", *args],
                          cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root: paths are relative to it
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "fetch.go").write_text(LEAKS, encoding="utf-8")
    return tmp_path


def sarif_prints(cwd: Path, *args: str) -> list[tuple[str, str]]:
    out = check(cwd, "--format", "sarif", *args)
    assert out.returncode in (0, 1), out.stderr
    results = json.loads(out.stdout)["runs"][0]["results"]
    return [(r["ruleId"], r["partialFingerprints"]["leaklint/v1"]) for r in results]


def test_inserting_20_lines_at_the_top_keeps_fingerprints_and_baseline(project: Path):
    before = sarif_prints(project)
    assert len(before) >= 4, before  # several rules, and the Twice twins
    assert len({fp for _, fp in before}) == len(before)  # twins differ by occurrence
    assert check(project, "--write-baseline", "base.json").returncode == 0

    source = project / "pkg" / "fetch.go"
    header, rest = LEAKS.split("\n", 1)
    filler = "".join(f"// unrelated line {i}\n" for i in range(20))
    source.write_text(f"{header}\n{filler}{rest}", encoding="utf-8")

    after = sarif_prints(project)
    assert after == before
    lines = [f["line"] for f in json.loads(check(project, "--format", "json").stdout)["findings"]]
    assert min(lines) > 20  # the findings really moved
    matched = check(project, "--baseline", "base.json")
    assert matched.returncode == 0, matched.stdout
    summary = f"Baseline: {len(before)} known findings hidden, 0 stale entries."
    assert summary in matched.stdout


def test_fingerprints_do_not_depend_on_the_working_directory(project: Path):
    assert sarif_prints(project) == sarif_prints(project / "pkg", ".")


def test_a_new_leak_is_reported_and_a_fixed_one_is_stale(project: Path):
    assert check(project, "--write-baseline", "base.json").returncode == 0
    entries = json.loads((project / "base.json").read_text())["findings"]
    assert {e["path"] for e in entries} == {"pkg/fetch.go"}
    assert all(e["rule"] and e["message"] and e["line"] for e in entries)
    fixed = LEAKS.replace("\treturn resp.Status, nil", "\tresp.Body.Close()\n"
                          "\treturn resp.Status, nil")
    fixed += """
func Fresh(c *http.Client, u string) int {
	resp, err := c.Get(u)
	if err != nil {
		return 0
	}
	return resp.StatusCode
}
"""
    (project / "pkg" / "fetch.go").write_text(fixed, encoding="utf-8")
    out = check(project, "--baseline", "base.json", "--format", "json")
    assert out.returncode == 1
    reported = json.loads(out.stdout)["findings"]
    lines = fixed.splitlines()
    fresh = lines.index("\tresp, err := c.Get(u)", lines.index(
        "func Fresh(c *http.Client, u string) int {")) + 1
    assert [(f["rule"], f["line"]) for f in reported] == [("LL101", fresh)]
    text = check(project, "--baseline", "base.json")
    assert "1 stale entry" in text.stdout


def test_partial_runs_do_not_call_other_files_stale(project: Path):
    (project / "other").mkdir()
    (project / "other" / "o.go").write_text(LEAKS, encoding="utf-8")
    assert check(project, "--write-baseline", "base.json").returncode == 0
    out = check(project, "--baseline", "base.json", "pkg")
    assert out.returncode == 0
    assert "0 stale entries" in out.stdout


def test_bad_baseline_files_are_usage_errors(project: Path):
    missing = check(project, "--baseline", "nope.json")
    assert missing.returncode == 2 and "nope.json: baseline file not found" in missing.stderr
    (project / "bad.json").write_text("{", encoding="utf-8")
    bad = check(project, "--baseline", "bad.json")
    assert bad.returncode == 2 and "bad.json: not valid JSON" in bad.stderr
    (project / "other.json").write_text("[]", encoding="utf-8")
    other = check(project, "--baseline", "other.json")
    assert other.returncode == 2 and "not a leaklint baseline" in other.stderr
    assert "Traceback" not in missing.stderr + bad.stderr + other.stderr


def _finding(line: int, snippet: str, scope: str = "F") -> Finding:
    return Finding("LL101", "a.go", Span(line, 2, line, 9, 2, 9), "m",
                   scope=Scope(scope, line - 1, line + 5), snippet=snippet)


def test_fingerprint_ignores_line_numbers_and_whitespace_but_not_code():
    (a,) = fingerprints([_finding(5, "resp, err := http.Get(u)")])
    (b,) = fingerprints([_finding(50, "resp,   err := http.Get(u) ")])
    (c,) = fingerprints([_finding(5, "resp, err := http.Head(u)")])
    (d,) = fingerprints([_finding(5, "resp, err := http.Get(u)", scope="G")])
    assert a == b
    assert len({a, c, d}) == 3


def test_match_splits_known_new_and_stale():
    entries = [baseline.Entry("aa", "LL101", "a.go"), baseline.Entry("bb", "LL101", "b.go"),
               baseline.Entry("cc", "LL101", "c.go")]
    result = baseline.match(entries, ["aa", "zz"], analysed={"a.go", "b.go"})
    assert result.kept == [1] and result.matched == 1
    assert [e.fingerprint for e in result.stale] == ["bb"]  # c.go was not analysed


def test_dumps_load_round_trip(tmp_path: Path):
    findings = [_finding(5, "x"), _finding(9, "y")]
    prints = fingerprints(findings)
    path = tmp_path / "b.json"
    baseline.write(path, findings, prints, ["a.go", "a.go"])
    loaded = baseline.load(path)
    assert [e.fingerprint for e in loaded] == prints
    assert [e.line for e in loaded] == [5, 9]
