"""`--diff-base REF`: findings only in functions changed since the merge base."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaklint.ci.diffbase import FileChange, parse_diff
from leaklint.model import Finding, Scope, Span

HEADER = 'package fetch\n\nimport "net/http"\n'

LEGACY_LEAK = """
func Legacy(client *http.Client, u string) (int, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
"""

FETCH_CLEAN = """
func Fetch(client *http.Client, u string) (int, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
"""

FETCH_LEAK = """
func Fetch(client *http.Client, u string) (int, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, nil
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
"""

FETCH_CLOSE_DELETED = FETCH_CLEAN.replace("\tdefer resp.Body.Close()\n", "")

ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
       "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    out = subprocess.run(["git", *args], cwd=repo, env={**env, **ENV},
                         capture_output=True, text=True, check=True)
    return out.stdout


def leaklint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", *args],
                          cwd=cwd, capture_output=True, text=True)


def findings(cwd: Path, *args: str) -> list[dict]:
    out = leaklint(cwd, "--format", "json", "--select", "LL1", *args)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["findings"]


def functions_with_leaks(cwd: Path, *args: str) -> set[tuple[str, str, int]]:
    return {(f["path"], f["rule"], f["line"]) for f in findings(cwd, *args)}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: fetch.go with a clean Fetch and a leaking Legacy (committed before)."""
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "fetch.go").write_text(HEADER + LEGACY_LEAK + FETCH_CLEAN, encoding="utf-8")
    git(tmp_path, "add", "fetch.go")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = text.splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    return hits[occurrence - 1]


def test_only_the_leak_the_branch_introduced_is_reported(repo: Path):
    new = HEADER + LEGACY_LEAK + FETCH_LEAK
    (repo / "fetch.go").write_text(new, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "early return on bad status")
    legacy = ("fetch.go", "LL101", line_of(new, "client.Get(u)", 1))
    fetch = ("fetch.go", "LL101", line_of(new, "client.Get(u)", 2))
    # Without --diff-base both leaks show: the old one really is there.
    assert functions_with_leaks(repo) == {legacy, fetch}
    assert functions_with_leaks(repo, "--diff-base", "main") == {fetch}


def test_staged_unstaged_and_untracked_changes_count(repo: Path):
    (repo / "fetch.go").write_text(HEADER + LEGACY_LEAK + FETCH_LEAK, encoding="utf-8")
    assert {f[2] for f in functions_with_leaks(repo, "--diff-base", "main")} == {
        line_of(HEADER + LEGACY_LEAK + FETCH_LEAK, "client.Get(u)", 2)}  # unstaged
    git(repo, "add", "fetch.go")
    assert len(functions_with_leaks(repo, "--diff-base", "main")) == 1  # staged
    (repo / "extra.go").write_text(HEADER + LEGACY_LEAK.replace("Legacy", "Extra"))
    got = functions_with_leaks(repo, "--diff-base", "main")
    assert {p for p, _, _ in got} == {"fetch.go", "extra.go"}  # untracked: wholly new


def test_a_deleted_close_line_reports_the_leak(repo: Path):
    new = HEADER + LEGACY_LEAK + FETCH_CLOSE_DELETED
    (repo / "fetch.go").write_text(new, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "drop the close")
    diff = git(repo, "diff", "-U0", "main", "--", "fetch.go")
    removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    added = [ln for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    assert removed == ["-\tdefer resp.Body.Close()"] and added == []  # a pure deletion
    assert functions_with_leaks(repo, "--diff-base", "main") == {
        ("fetch.go", "LL101", line_of(new, "client.Get(u)", 2))}


def test_no_change_no_findings_and_exit_zero(repo: Path):
    out = leaklint(repo, "--diff-base", "main")
    assert out.returncode == 0, out.stdout + out.stderr
    assert leaklint(repo).returncode == 1  # the legacy leak is there without the filter


def test_diff_base_is_the_merge_base_not_the_tip(repo: Path):
    # main moves on after the branch forked: its new leak is not the branch's doing.
    (repo / "fetch.go").write_text(HEADER + LEGACY_LEAK + FETCH_LEAK, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "feature change")
    git(repo, "checkout", "-q", "main")
    (repo / "other.go").write_text(HEADER + LEGACY_LEAK.replace("Legacy", "Other"))
    git(repo, "add", "other.go")
    git(repo, "commit", "-q", "-m", "main moves on")
    git(repo, "checkout", "-q", "feature")
    got = functions_with_leaks(repo, "--diff-base", "main")
    assert {p for p, _, _ in got} == {"fetch.go"} and len(got) == 1


def test_run_from_a_subdirectory_maps_paths(repo: Path):
    sub = repo / "pkg"
    sub.mkdir()
    (sub / "a.go").write_text(HEADER + LEGACY_LEAK, encoding="utf-8")
    git(repo, "add", "pkg/a.go")
    git(repo, "commit", "-q", "-m", "pkg")
    assert {p for p, _, _ in functions_with_leaks(sub, "--diff-base", "main")} == {"a.go"}


def test_outside_a_repository_is_a_usage_error(tmp_path: Path):
    (tmp_path / "a.go").write_text(HEADER + LEGACY_LEAK, encoding="utf-8")
    out = leaklint(tmp_path, "--diff-base", "main")
    assert out.returncode == 2
    assert "not inside a git repository" in out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_ref_is_a_usage_error(repo: Path):
    out = leaklint(repo, "--diff-base", "no-such-branch")
    assert out.returncode == 2
    assert "unknown git revision 'no-such-branch'" in out.stderr
    assert out.stdout == ""


# --- the diff parser and the matching, without git ---

PATCH = b"""diff --git a/a.go b/a.go
index 1..2 100644
--- a/a.go
+++ b/a.go
@@ -10 +9,0 @@ func F() {
-\tdefer resp.Body.Close()
@@ -20,0 +20,2 @@
+x
+y
@@ -30 +31 @@
-a
+b
diff --git a/gone.go b/gone.go
deleted file mode 100644
--- a/gone.go
+++ /dev/null
@@ -1 +0,0 @@
-x
diff --git "a/sp ace\\tt\\303\\251.go" "b/sp ace\\tt\\303\\251.go"
--- "a/sp ace\\tt\\303\\251.go"
+++ "b/sp ace\\tt\\303\\251.go"
@@ -1 +1 @@
-a
+b
"""


def test_parse_diff_hunks_gaps_and_quoted_names():
    files = parse_diff(PATCH)
    assert set(files) == {"a.go", "sp ace\tt\u00e9.go"}
    change = files["a.go"]
    assert change.lines == {20, 21, 31}
    assert change.gaps == [9]  # the deleted line sat between new lines 9 and 10
    assert files["sp ace\tt\u00e9.go"].lines == {1}


def test_function_ranges_and_line_fallback():
    change = FileChange(lines={20}, gaps=[9])
    assert change.touches_range(5, 12)  # deletion inside
    assert not change.touches_range(10, 15)  # deletion just before the function
    assert not change.touches_range(1, 9)  # deletion just after it
    assert change.touches_range(18, 25)
    assert change.touches_line(20) and change.touches_line(10)
    assert not change.touches_line(15)
    assert FileChange(whole=True).touches_range(1, 1)


def test_keeps_uses_scope_then_line(tmp_path: Path):
    from leaklint.ci.diffbase import ChangeSet

    target = tmp_path / "a.go"
    target.write_text("")
    changes = ChangeSet(top=tmp_path.resolve(), merge_base="x",
                        files={"a.go": FileChange(lines={7})})
    span = Span(3, 1, 3, 2, 1, 2)
    in_scope = Finding("LL101", str(target), span, "m", scope=Scope("F", 1, 9))
    no_scope = Finding("LL101", str(target), span, "m")
    other = Finding("LL101", str(tmp_path / "b.go"), span, "m", scope=Scope("F", 1, 9))
    assert changes.keeps(in_scope)
    assert not changes.keeps(no_scope)  # line 3 itself did not change
    assert not changes.keeps(other)


def test_diff_only_sarif_keeps_the_full_run_fingerprints(repo: Path):
    (repo / "fetch.go").write_text(HEADER + LEGACY_LEAK + FETCH_LEAK, encoding="utf-8")

    def prints(*args: str) -> dict[tuple[int, str], str]:
        out = leaklint(repo, "--format", "sarif", *args)
        results = json.loads(out.stdout)["runs"][0]["results"]
        return {(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"]):
                r["partialFingerprints"]["leaklint/v1"] for r in results}

    full, diff_only = prints(), prints("--diff-base", "main")
    assert diff_only and len(diff_only) < len(full)
    assert all(full[key] == fp for key, fp in diff_only.items())
