"""What a person reads: the summary line, levels, source context, fixable marks and
colour; and the JSON report's shape (version, summary, findings with fingerprints)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint import __version__, catalogue
from leaklint.commands.check import use_color

LEAK = """package leak

import "net/http"

func status(c *http.Client, u string) (int, error) {
\tresp, err := c.Get(u)
\tif err != nil {
\t\treturn 0, err
\t}
\treturn resp.StatusCode, nil
}
"""
CLEAN = """package clean

func add(a, b int) int { return a + b }
"""
FIXABLE = """package fix

import "net/http"

func Fetch(c *http.Client, url string) (int, error) {
\tresp, err := c.Get(url)
\tdefer resp.Body.Close()
\tif err != nil {
\t\treturn 0, err
\t}
\treturn resp.StatusCode, nil
}
"""
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120, env=full_env)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in (("leak", LEAK), ("clean", CLEAN), ("clean2", CLEAN)):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.go").write_text(text)
    return tmp_path


def test_summary_names_files_with_findings_and_files_checked(tree: Path):
    out = run(tree, ".")
    assert "Found 1 problem in 1 file (3 files checked)." in out.stdout.splitlines()


def test_with_output_the_summary_goes_to_stderr(tree: Path):
    out = run(tree, ".", "--format", "sarif", "--output", "report.sarif")
    assert out.returncode == 1
    assert out.stdout == ""
    assert "Found 1 problem in 1 file (3 files checked)." in out.stderr.splitlines()
    quiet = run(tree, ".", "--format", "sarif", "--output", "report.sarif", "--quiet")
    assert quiet.stderr == ""


def test_write_baseline_reports_what_it_wrote_and_no_all_clear(tree: Path):
    out = run(tree, ".", "--write-baseline", "base.json")
    assert out.returncode == 0
    assert "All clear" not in out.stdout
    assert out.stdout.splitlines()[-1] == \
        "Wrote 1 finding to the baseline base.json (3 files checked)."


def test_per_file_ignores_count_as_suppressed_and_all_clear_keeps_the_count(tree: Path):
    (tree / "leaklint.toml").write_text('[per-file-ignores]\n"leak/*" = ["LL101"]\n')
    out = run(tree, ".")
    assert out.returncode == 0, out.stdout
    assert out.stdout.splitlines()[-1] == "All clear: 3 files checked, 1 suppressed."


def test_a_comment_suppression_is_counted_in_the_all_clear_line(tree: Path):
    leak = tree / "leak" / "leak.go"
    leak.write_text(leak.read_text().replace("c.Get(u)", "c.Get(u) //nolint:LL101"))
    out = run(tree, ".")
    assert out.stdout.splitlines()[-1] == "All clear: 3 files checked, 1 suppressed."


def test_each_finding_shows_its_level(tree: Path):
    (tree / "clean" / "client.go").write_text(
        'package clean\n\nimport "net/http"\n\nvar C = &http.Client{}\n')
    out = run(tree, ".")
    # The leak has a safe fix: "[*]" stands between the rule and its level.
    assert "leak/leak.go:6:15: LL101 [*] error: response body" in out.stdout
    levels = {re.search(r": LL\d{3} (?:\[\*\] )?(\w+:)", line).group(1)
              for line in out.stdout.splitlines() if ": LL" in line}
    assert levels == {"error:", "warning:"}, out.stdout


@pytest.mark.parametrize("flag", [("--show-source",), ("--format", "full"),
                                  ("--output-format", "full")])
def test_show_source_puts_a_caret_under_the_column(tree: Path, flag: tuple[str, ...]):
    out = run(tree, "leak", *flag)
    lines = out.stdout.splitlines()
    at = lines.index(next(ln for ln in lines if ln.startswith("leak/leak.go:6:15: LL101")))
    assert lines[at + 1:at + 4] == [
        "  |",
        "6 | \tresp, err := c.Get(u)",
        "  | \t             ^^^^^^^^",
    ]
    # The caret sits under column 15 whatever the tab width: tabs are kept as tabs.
    source, caret = lines[at + 2][4:], lines[at + 3][4:]
    assert source.expandtabs(8)[caret.expandtabs(8).index("^"):].startswith("c.Get(u)")


def test_without_show_source_no_context_lines(tree: Path):
    assert "^" not in run(tree, "leak").stdout


def test_fixable_findings_are_marked_and_counted(tmp_path: Path):
    (tmp_path / "fix.go").write_text(FIXABLE)
    out = run(tmp_path, ".", "--select", "LL201")
    assert "fix.go:7:8: LL201 [*] error: " in out.stdout, out.stdout
    assert out.stdout.splitlines()[-1] == "[*] 1 fixable with --fix."
    plain = run(tmp_path, ".", "--select", "LL101")  # a finding with no fix: no mark
    assert "[*]" not in plain.stdout


def test_no_color_and_force_color():
    assert use_color("auto", True, {}) is True
    assert use_color("auto", True, {"NO_COLOR": "1"}) is False
    assert use_color("auto", False, {"FORCE_COLOR": "1"}) is True
    assert use_color("auto", True, {"NO_COLOR": "", "FORCE_COLOR": ""}) is True
    assert use_color("always", False, {"NO_COLOR": "1"}) is True  # the flag wins
    assert use_color("never", True, {"FORCE_COLOR": "1"}) is False


def test_force_color_colours_a_pipe_and_no_color_wins_over_it(tree: Path):
    forced = run(tree, ".", env={"FORCE_COLOR": "1"})
    assert ANSI.search(forced.stdout)
    assert ANSI.sub("", forced.stdout) == run(tree, ".").stdout
    both = run(tree, ".", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert not ANSI.search(both.stdout)


def test_json_report_is_an_object_with_version_summary_and_findings(tree: Path):
    (tree / "fix").mkdir()
    (tree / "fix" / "fix.go").write_text(FIXABLE)
    (tree / "leaklint.toml").write_text('[per-file-ignores]\n"clean/*" = ["LL"]\n')
    report = json.loads(run(tree, ".", "--format", "json").stdout)
    assert set(report) == {"version", "summary", "findings"}
    assert report["version"] == __version__
    assert report["summary"] == {"findings": 2, "files_with_findings": 2, "files_checked": 4,
                                 "suppressed": 0, "fixable": 2}  # LL201 moved, LL101 closed
    sarif = json.loads(run(tree, ".", "--format", "sarif").stdout)["runs"][0]
    by_place = {(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"]): r
                for r in sarif["results"]}
    help_uri = {r["id"]: r["helpUri"] for r in sarif["tool"]["driver"]["rules"]}
    for finding in report["findings"]:
        assert finding["level"] == catalogue.rule(finding["rule"]).level.value
        assert finding["url"] == help_uri[finding["rule"]]
        result = by_place[(finding["line"], finding["rule"])]
        assert finding["fingerprint"] == result["partialFingerprints"]["leaklint/v1"]
    fixed = [f for f in report["findings"] if f["fix"] is not None]
    assert sorted(f["rule"] for f in fixed) == ["LL101", "LL201"]
    assert all(f["fix"]["edits"] for f in fixed)


def test_json_summary_counts_suppressed(tree: Path):
    (tree / "leaklint.toml").write_text('[per-file-ignores]\n"leak/*" = ["LL101"]\n')
    report = json.loads(run(tree, ".", "--format", "json").stdout)
    assert report["findings"] == []
    assert report["summary"]["suppressed"] == 1
