"""The command line contract of SPEC §2: formats, selection, exit codes, output file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LEAK = """package leak

import "net/http"

func status(c *http.Client, u string) (int, error) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
"""
CLEAN = """package clean

import "net/http"

func status(c *http.Client, u string) (int, error) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "leak").mkdir()
    (tmp_path / "leak" / "leak.go").write_text(LEAK)
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "clean.go").write_text(CLEAN)
    return tmp_path


def test_text_output_and_exit_one_on_findings(tree: Path):
    out = run("check", ".", "--no-cache", cwd=tree)
    assert out.returncode == 1
    assert "leak/leak.go:6:15: LL101 " in out.stdout
    assert "Found 1 problem" in out.stdout
    assert "Traceback" not in out.stderr


def test_clean_tree_exits_zero(tree: Path):
    out = run("check", "clean", "--no-cache", cwd=tree)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "LL" not in out.stdout.replace("All clear", "")


def test_exit_zero_keeps_the_findings(tree: Path):
    out = run("check", ".", "--exit-zero", "--no-cache", cwd=tree)
    assert out.returncode == 0
    assert "LL101" in out.stdout


def test_json_fields(tree: Path):
    out = run("check", ".", "--format", "json", "--no-cache", cwd=tree)
    findings = json.loads(out.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["LL101"]
    f = findings[0]
    assert set(f) >= {"rule", "name", "level", "path", "line", "column", "end_line",
                      "end_column", "message", "fix"}
    assert (f["path"], f["line"], f["column"], f["level"]) == ("leak/leak.go", 6, 15, "error")


def test_ignore_and_select_by_prefix(tree: Path):
    assert run("check", ".", "--ignore", "LL1", "--no-cache", cwd=tree).returncode == 0
    assert run("check", ".", "--select", "LL4", "--no-cache", cwd=tree).returncode == 0
    assert run("check", ".", "--select", "LL10", "--no-cache", cwd=tree).returncode == 1


def test_unknown_rule_prefix_is_a_usage_error(tree: Path):
    out = run("check", ".", "--select", "XX1", "--no-cache", cwd=tree)
    assert out.returncode == 2
    assert "XX1" in out.stderr


def test_statistics_counts_per_rule(tree: Path):
    out = run("check", ".", "--statistics", "--no-cache", cwd=tree)
    assert any(line.split()[:2] == ["1", "LL101"] for line in out.stdout.splitlines())


def test_quiet_prints_findings_only(tree: Path):
    out = run("check", ".", "--quiet", "--no-cache", cwd=tree)
    assert out.stdout.strip().splitlines() == [
        line for line in out.stdout.strip().splitlines() if ": LL" in line
    ]


def test_output_file_is_written_whole(tree: Path):
    target = tree / "report.sarif"
    out = run("check", ".", "--format", "sarif", "--output", str(target), "--no-cache",
              cwd=tree)
    assert out.returncode == 1
    assert out.stdout == ""
    log = json.loads(target.read_text())
    assert log["version"] == "2.1.0"
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["LL101"]
    assert not list(tree.glob(".report.sarif.*"))  # no temp file left behind


def test_github_format(tree: Path):
    out = run("check", ".", "--format", "github", "--no-cache", cwd=tree)
    assert out.stdout.startswith("::error file=leak/leak.go,line=6,")


def test_explicit_file_in_excluded_directory_is_analysed(tree: Path):
    (tree / "leak" / "leak.go").unlink()
    vendor = tree / "vendor" / "x"
    vendor.mkdir(parents=True)
    (vendor / "leak.go").write_text(LEAK)
    walked = run("check", ".", "--no-cache", cwd=tree)
    assert walked.returncode == 0, walked.stdout  # vendor/ is skipped when walking
    named = run("check", "vendor/x/leak.go", "--no-cache", cwd=tree)
    assert named.returncode == 1


def test_gitignore_is_honoured(tree: Path):
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text("leak/\n")
    assert run("check", ".", "--no-cache", cwd=tree).returncode == 0
    assert run("check", ".", "--no-respect-gitignore", "--no-cache", cwd=tree).returncode == 1


def test_python_module_entry_point_runs_rules():
    out = subprocess.run([sys.executable, "-m", "leaklint", "rules"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    assert "LL101" in out.stdout and "LL402" in out.stdout
