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


# ---- writing: symlinks, read-only files, a file that cannot be written ---------------

def test_fix_through_a_symlink_rewrites_the_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "svc.go").write_text(FIXABLE)
    work = tmp_path / "work"
    work.mkdir()
    (work / "svc.go").symlink_to(real / "svc.go")
    proc = subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                           "--select", "LL201", "--fix", "svc.go"], cwd=work,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (work / "svc.go").is_symlink()
    assert (real / "svc.go").read_text() == FIXED
    assert sorted(p.name for p in real.iterdir()) == ["svc.go"]  # no temporary left


def test_a_read_only_file_is_not_rewritten_and_the_others_are(tmp_path):
    for name in ("a.go", "b.go", "c.go"):
        (tmp_path / name).write_text(FIXABLE.replace("Fetch", f"Fetch{name[0]}"))
    (tmp_path / "b.go").chmod(0o444)
    proc = leaklint(tmp_path, "--fix")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "b.go: not rewritten: the file is read-only" in proc.stderr
    assert "fixed 2 findings in 2 files" in proc.stderr
    assert (tmp_path / "a.go").read_text() == FIXED.replace("Fetch", "Fetcha")
    assert (tmp_path / "c.go").read_text() == FIXED.replace("Fetch", "Fetchc")
    assert (tmp_path / "b.go").read_text() == FIXABLE.replace("Fetch", "Fetchb")
    assert (tmp_path / "b.go").stat().st_mode & 0o777 == 0o444
    # The finding that is left is reported.
    assert "b.go:7:8: LL201" in proc.stdout and "a.go" not in proc.stdout


def test_a_failed_write_is_reported_and_the_run_goes_on(tmp_path, monkeypatch, capsys):
    from leaklint import cli
    from leaklint.ci import fixing

    for name in ("a.go", "b.go", "c.go"):
        (tmp_path / name).write_text(FIXABLE.replace("Fetch", f"Fetch{name[0]}"))
    real_replace = fixing.os.replace

    def replace(src, dst):
        if str(dst).endswith("a.go"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(fixing.os, "replace", replace)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["check", "--no-cache", "--select", "LL201", "--fix", "."])
    out, err = capsys.readouterr()
    assert code == 2
    assert "a.go: cannot write the fix: No space left on device" in err
    assert "fixed 2 findings in 2 files" in err
    assert (tmp_path / "b.go").read_text() == FIXED.replace("Fetch", "Fetchb")
    assert (tmp_path / "c.go").read_text() == FIXED.replace("Fetch", "Fetchc")
    assert (tmp_path / "a.go").read_text() == FIXABLE.replace("Fetch", "Fetcha")
    assert "a.go:7:8: LL201" in out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ---- encodings --------------------------------------------------------------------------

PY_FIXABLE = "import requests\n\n\ndef get(url):\n    return requests.get(url)  # caf\u00e9\n"
PY_FIXED = ("import requests\n\n\ndef get(url):\n"
            "    return requests.get(url, timeout=30)  # caf\u00e9\n")


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode("utf-8"),
    lambda t: b"# -*- coding: latin-1 -*-\n" + t.encode("latin-1"),
    lambda t: t.encode("utf-16"),  # with its byte-order mark
], ids=["utf-8", "bom-crlf", "latin-1", "utf-16"])
def test_a_python_fix_keeps_the_encoding(tmp_path, encode):
    (tmp_path / "m.py").write_bytes(encode(PY_FIXABLE))
    proc = subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                           "--select", "LL402", "--unsafe-fixes", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert "fixed 1 finding in 1 file" in proc.stderr, proc.stderr
    assert (tmp_path / "m.py").read_bytes() == encode(PY_FIXED)


def test_unsafe_fixes_are_offered_not_applied_by_fix(tmp_path):
    (tmp_path / "m.py").write_text(PY_FIXABLE, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                           "--select", "LL402", "--fix", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "1 more fix available with --unsafe-fixes" in proc.stderr
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == PY_FIXABLE
    diff = subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                           "--select", "LL402", "--unsafe-fixes", "--diff", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "+    return requests.get(url, timeout=30)" in diff.stdout
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == PY_FIXABLE


def test_default_timeout_comes_from_the_configuration(tmp_path):
    (tmp_path / "m.py").write_text(PY_FIXABLE, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.leaklint.python]\ndefault-timeout = 7.5\n")
    proc = subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                           "--select", "LL402", "--format", "json", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    data = json.loads(proc.stdout)
    finding = (data["findings"] if isinstance(data, dict) else data)[0]
    assert finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["edits"][0]["content"] == ", timeout=7.5"


def test_sarif_says_whether_a_fix_is_safe(tmp_path):
    (tmp_path / "svc.go").write_text(FIXABLE)
    sarif = json.loads(leaklint(tmp_path, "--format", "sarif").stdout)
    fix = sarif["runs"][0]["results"][0]["fixes"][0]
    assert fix["description"]["text"].startswith("Safe fix: move the defer")
    assert fix["properties"]["applicability"] == "safe"


def test_a_changed_default_timeout_is_not_served_from_the_cache(tmp_path):
    (tmp_path / "m.py").write_text(PY_FIXABLE, encoding="utf-8")
    config = tmp_path / "pyproject.toml"

    def content() -> str:
        proc = subprocess.run([sys.executable, "-m", "leaklint", "check", "--select", "LL402",
                               "--format", "json", "."], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)
        data = json.loads(proc.stdout)
        return (data["findings"] if isinstance(data, dict) else data)[0]["fix"]["edits"][0][
            "content"]

    config.write_text("[tool.leaklint.python]\ndefault-timeout = 5\n")
    assert content() == ", timeout=5"
    config.write_text("[tool.leaklint.python]\ndefault-timeout = 60\n")
    assert content() == ", timeout=60"
