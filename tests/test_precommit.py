""".pre-commit-hooks.yaml: its keys, and a real `pre-commit try-repo` run on a leaking file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]

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


def _hook() -> dict:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return hook


def test_hook_definition():
    hook = _hook()
    assert hook["id"] == "leaklint" and hook["name"]
    # pre-commit names each file: the configuration's excludes must apply to them too.
    assert hook["entry"] == "leaklint check --force-exclude"
    assert hook["language"] == "python"
    # types_or: a file is Go OR Python (`types` would require both and match nothing).
    assert sorted(hook["types_or"]) == ["go", "python"]
    assert "types" not in hook
    assert hook["require_serial"] is True  # Go packages need all their files at once


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.slow
def test_try_repo_fails_on_a_leaking_file(tmp_path: Path):
    """Installs this repository as a hook (pip, from PyPI for its dependencies)."""
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (it is in the test extras)")
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / "status.go").write_text(LEAKY_GO, encoding="utf-8")
    # Excluded by the project's configuration: the hook must leave it alone although
    # pre-commit names it.
    (project / "generated").mkdir()
    (project / "generated" / "gen.go").write_text(LEAKY_GO, encoding="utf-8")
    (project / "leaklint.toml").write_text('exclude = ["generated/"]\n', encoding="utf-8")
    _git(project, "add", "status.go", "generated/gen.go", "leaklint.toml")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)
    # try-repo installs the hook repository at its HEAD, plus any uncommitted changes.
    out = subprocess.run(
        ["pre-commit", "try-repo", str(REPO), "leaklint", "--all-files"],
        cwd=project, capture_output=True, text=True, env=env, timeout=900,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "leaklint" in text and "Failed" in text, text
    assert "status.go:6:" in text and "LL101" in text, text
    assert "gen.go" not in text, text


def test_force_exclude_applies_excludes_to_named_paths(tmp_path: Path):
    """Without --force-exclude a file named on the command line is analysed whatever the
    excludes say; with it, the excludes decide, for named files and directories alike."""
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "gen.go").write_text(LEAKY_GO, encoding="utf-8")
    (tmp_path / "status.go").write_text(LEAKY_GO, encoding="utf-8")
    (tmp_path / "leaklint.toml").write_text('exclude = ["generated/"]\n', encoding="utf-8")

    def check(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache", *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)

    named = check("generated/gen.go", "status.go")
    assert named.returncode == 1 and "generated/gen.go:6:" in named.stdout
    for paths in (["generated/gen.go", "status.go"], ["generated", "status.go"]):
        forced = check("--force-exclude", *paths)
        assert forced.returncode == 1, forced.stderr
        assert "status.go:6:" in forced.stdout and "gen.go" not in forced.stdout
    assert check("--force-exclude", "generated/gen.go").returncode == 0
    # A named directory that the excludes cover is still analysed without the option.
    assert "generated/gen.go:6:" in check("generated").stdout
