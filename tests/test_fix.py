"""--fix / --diff: the LL201 defer-before-check repair, and only where it is safe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXABLE = """\
package svc

import "net/http"

func Fetch(url string) (int, error) {
\tresp, err := http.Get(url)
\tdefer resp.Body.Close() // closes a nil body when Get failed
\tif err != nil {
\t\treturn 0, err
\t}
\treturn resp.StatusCode, nil
}
"""

FIXED = """\
package svc

import "net/http"

func Fetch(url string) (int, error) {
\tresp, err := http.Get(url)
\tif err != nil {
\t\treturn 0, err
\t}
\tdefer resp.Body.Close() // closes a nil body when Get failed
\treturn resp.StatusCode, nil
}
"""


def leaklint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                           "--select", "LL201", *args, "."], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_diff_shows_the_move_and_changes_nothing(tmp_path):
    (tmp_path / "svc.go").write_text(FIXABLE)
    proc = leaklint(tmp_path, "--diff")
    assert proc.returncode == 1, proc.stderr
    assert "-\tdefer resp.Body.Close()" in proc.stdout
    assert "+\tdefer resp.Body.Close()" in proc.stdout
    assert "1 fix available" in proc.stderr
    assert (tmp_path / "svc.go").read_text() == FIXABLE


def test_fix_moves_the_defer_below_the_check_and_the_finding_is_gone(tmp_path):
    (tmp_path / "svc.go").write_text(FIXABLE)
    proc = leaklint(tmp_path, "--fix")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fixed 1 finding in 1 file" in proc.stderr
    assert (tmp_path / "svc.go").read_text() == FIXED
    assert leaklint(tmp_path).returncode == 0


def test_crlf_and_a_byte_order_mark_survive_the_fix(tmp_path):
    raw = b"\xef\xbb\xbf" + FIXABLE.replace("\n", "\r\n").encode()
    (tmp_path / "svc.go").write_bytes(raw)
    assert leaklint(tmp_path, "--fix").returncode == 0
    assert (tmp_path / "svc.go").read_bytes() == \
        b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()


@pytest.mark.parametrize("body", [
    # a blank line between them: the layout is the author's
    "\tresp, err := http.Get(url)\n\tdefer resp.Body.Close()\n\n\tif err != nil {\n"
    "\t\treturn 0, err\n\t}\n\treturn resp.StatusCode, nil\n",
    # the check tests more than the error
    "\tresp, err := http.Get(url)\n\tdefer resp.Body.Close()\n\tif err != nil || url == \"\" {\n"
    "\t\treturn 0, err\n\t}\n\treturn resp.StatusCode, nil\n",
    # the premature use is not a defer
    "\tresp, err := http.Get(url)\n\tcode := resp.StatusCode\n\tif err != nil {\n"
    "\t\treturn 0, err\n\t}\n\tresp.Body.Close()\n\treturn code, nil\n",
    # the check has an else branch
    "\tresp, err := http.Get(url)\n\tdefer resp.Body.Close()\n\tif err != nil {\n"
    "\t\treturn 0, err\n\t} else {\n\t\turl = \"\"\n\t}\n\treturn resp.StatusCode, nil\n",
])
def test_other_shapes_are_reported_without_a_fix(tmp_path, body):
    source = ("package svc\n\nimport \"net/http\"\n\nfunc Fetch(url string) (int, error) {\n"
              + body + "}\n")
    (tmp_path / "svc.go").write_text(source)
    proc = leaklint(tmp_path, "--format", "json")
    findings = json.loads(proc.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["LL201"]
    assert findings[0]["fix"] is None
    diff = leaklint(tmp_path, "--diff")
    assert diff.returncode == 0 and diff.stdout == ""
    assert (tmp_path / "svc.go").read_text() == source


def test_the_fix_is_in_json_and_sarif(tmp_path):
    (tmp_path / "svc.go").write_text(FIXABLE)
    finding = json.loads(leaklint(tmp_path, "--format", "json").stdout)["findings"][0]
    assert finding["fix"]["message"].startswith("move the defer below")
    sarif = json.loads(leaklint(tmp_path, "--format", "sarif").stdout)
    result = sarif["runs"][0]["results"][0]
    change = result["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"].endswith("svc.go")
    assert len(change["replacements"]) == 2


def test_fix_and_diff_are_exclusive(tmp_path):
    proc = leaklint(tmp_path, "--fix", "--diff")
    assert proc.returncode == 2 and "not allowed with" in proc.stderr
