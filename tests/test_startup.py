"""Fast start: the parsers are imported only when there is code for them to parse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("libcst", "tree_sitter", "tree_sitter_go")
PROBE = """
import sys
from leaklint.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print("HEAVY=" + ",".join(heavy))
sys.exit(code)
"""


def _heavy_modules(cwd: Path, *argv: str) -> tuple[int, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *argv],
        cwd=cwd, capture_output=True, text=True,
    )
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("HEAVY="))
    loaded = line[len("HEAVY="):]
    return out.returncode, [m for m in loaded.split(",") if m]


def test_version_imports_no_parser(tmp_path):
    code, heavy = _heavy_modules(tmp_path, "--version")
    assert code == 0
    assert heavy == []


def test_directory_without_sources_imports_no_parser(tmp_path):
    (tmp_path / "README.md").write_text("nothing to lint\n")
    code, heavy = _heavy_modules(tmp_path, "check", ".")
    assert code == 0
    assert heavy == []


def test_unrelated_go_package_imports_no_parser(tmp_path):
    (tmp_path / "a.go").write_text('package a\n\nimport "strings"\n\nvar X = strings.ToUpper\n')
    code, heavy = _heavy_modules(tmp_path, "check", "--no-cache", ".")
    assert code == 0
    assert heavy == []


def test_go_code_does_import_the_go_parser(tmp_path):
    # The probe must be able to fail: with work to do, tree-sitter is loaded.
    (tmp_path / "a.go").write_text('package a\n\nimport "net/http"\n\nvar C = &http.Client{}\n')
    _, heavy = _heavy_modules(tmp_path, "check", "--no-cache", ".")
    assert "tree_sitter" in heavy
    assert "libcst" not in heavy


def test_version_in_importtime_profile_has_no_parser(tmp_path):
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "leaklint", "--version"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0
    imported = {ln.rsplit("|", 1)[-1].strip() for ln in out.stderr.splitlines()}
    assert not {m for m in imported if m.split(".")[0] in HEAVY}
