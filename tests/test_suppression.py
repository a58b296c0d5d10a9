"""Suppression comments (SPEC §4) on Go code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = """package s

import "net/http"

func f(c *http.Client, u string) int {
{before}	resp, _ := c.Get(u) {trailing}
	return 1
}
"""


def findings(tmp: Path, before: str = "", trailing: str = "", header: str = "") -> list[str]:
    source = header + TEMPLATE.replace("{before}", before).replace("{trailing}", trailing)
    (tmp / "s.go").write_text(source)
    out = subprocess.run([sys.executable, "-m", "leaklint", "check", "s.go", "--no-cache",
                          "--format", "json"], cwd=tmp, capture_output=True, text=True,
                         timeout=60)
    return sorted(f["rule"] for f in json.loads(out.stdout)["findings"])


def test_unsuppressed(tmp_path: Path):
    assert findings(tmp_path) == ["LL101"]


@pytest.mark.parametrize("comment", ["//nolint", "//nolint:leaklint", "//nolint:LL101",
                                     "//nolint:gosec,LL1", "// leaklint:ignore LL101 -- why"])
def test_trailing_directive(tmp_path: Path, comment: str):
    assert findings(tmp_path, trailing=comment) == []


def test_directive_on_the_line_before(tmp_path: Path):
    assert findings(tmp_path, before="\t// leaklint:ignore LL101 -- tolerated here\n") == []


def test_other_linters_and_other_rules_do_not_silence(tmp_path: Path):
    assert findings(tmp_path, trailing="//nolint:gosec") == ["LL101"]
    assert findings(tmp_path, trailing="// leaklint:ignore LL402") == ["LL101"]


def test_file_level_ignore(tmp_path: Path):
    assert findings(tmp_path, header="// leaklint:file-ignore LL101\n") == []
