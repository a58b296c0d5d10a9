"""LL001 (unused suppression) beyond the fixtures: which codes are judged in a run, the
cache across selections, per-file ignores, files that could not be analysed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLOSED = """package s

import (
\t"io"
\t"net/http"
)

func f(c *http.Client, u string) error {
\tresp, err := c.Get(u) {comment}
\tif err != nil {
\t\treturn err
\t}
\tdefer resp.Body.Close()
\t_, err = io.Copy(io.Discard, resp.Body)
\treturn err
}
"""


def write(tmp: Path, comment: str) -> None:
    (tmp / "s.go").write_text(CLOSED.replace("{comment}", comment))


def found(tmp: Path, *args: str, cache: bool = False) -> list[tuple[int, str]]:
    command = [sys.executable, "-m", "leaklint", "check", ".", "--format", "json", *args]
    if not cache:
        command.append("--no-cache")
    out = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=120)
    assert out.returncode in (0, 1), out.stderr
    return sorted((f["line"], f["rule"]) for f in json.loads(out.stdout)["findings"])


def test_off_by_default(tmp_path: Path):
    write(tmp_path, "//nolint:LL101")
    assert found(tmp_path) == []


def test_a_stale_code_is_reported_where_its_rule_ran(tmp_path: Path):
    write(tmp_path, "//nolint:LL101")
    assert found(tmp_path, "--extend-select", "LL001") == [(9, "LL001")]


def test_a_code_whose_rule_did_not_run_is_not_judged(tmp_path: Path):
    write(tmp_path, "//nolint:LL101")
    assert found(tmp_path, "--select", "LL4,LL001") == []
    write(tmp_path, "//nolint:LL103")  # opt-in: judged only when enabled
    assert found(tmp_path, "--extend-select", "LL001") == []
    assert found(tmp_path, "--extend-select", "LL001,LL103") == [(9, "LL001")]


@pytest.mark.parametrize("comment", ["//nolint", "//nolint:gosec", "//nolint:LL101,LL001"])
def test_bare_other_tools_and_kept_on_purpose_are_never_reported(tmp_path: Path, comment):
    write(tmp_path, comment)
    assert found(tmp_path, "--extend-select", "LL001,LL103") == []


def test_cached_results_follow_the_selection(tmp_path: Path):
    write(tmp_path, "//nolint:LL101")
    assert found(tmp_path, cache=True) == []
    assert found(tmp_path, "--extend-select", "LL001", cache=True) == [(9, "LL001")]
    assert found(tmp_path, "--extend-select", "LL001", "--ignore", "LL101", cache=True) == []
    assert found(tmp_path, cache=True) == []


def test_a_comment_that_repeats_a_per_file_ignore_is_unused(tmp_path: Path):
    leaky = CLOSED.replace("\tdefer resp.Body.Close()\n", "")
    (tmp_path / "s.go").write_text(leaky.replace("{comment}", "//nolint:LL101"))
    assert found(tmp_path, "--extend-select", "LL001") == []  # the comment is used
    (tmp_path / "leaklint.toml").write_text('[per-file-ignores]\n"s.go" = ["LL101"]\n')
    assert found(tmp_path, "--extend-select", "LL001") == [(9, "LL001")]


def test_a_file_that_could_not_be_parsed_is_not_judged(tmp_path: Path):
    (tmp_path / "broken.py").write_text(
        "import requests\n\ndef f(u):\n    return requests.get(u)  # noqa: LL402\n"
        "def g(:\n")
    assert found(tmp_path, "--extend-select", "LL001") == [(5, "LL000")]


def test_the_report_names_the_unused_codes(tmp_path: Path):
    write(tmp_path, "//nolint:LL101,LL402")
    out = subprocess.run([sys.executable, "-m", "leaklint", "check", ".", "--no-cache",
                          "--extend-select", "LL001"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert "s.go:9:24: LL001 warning: unused suppression: no LL101, LL402 finding on this " \
           "line" in out.stdout, out.stdout
