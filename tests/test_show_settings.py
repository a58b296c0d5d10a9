"""`check --show-settings`: the file in use, those ignored, the selection and excludes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from leaklint.engine.discovery import DEFAULT_EXCLUDES

LEAK = "import requests\n\n\ndef ping(u):\n    return requests.get(u).status_code\n"


def show(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", "--show-settings",
                           *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_names_the_file_in_use_and_the_ignored_one(tmp_path: Path):
    (tmp_path / "leaklint.toml").write_text('ignore = ["LL402"]\nexclude = ["gen/"]\n')
    (tmp_path / "pyproject.toml").write_text('[tool.leaklint]\nselect = ["LL1"]\n')
    (tmp_path / "leak.py").write_text(LEAK)  # a finding that must not be reported
    out = show(tmp_path, "--extend-select", "LL103")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "# configuration file: leaklint.toml"
    assert "# ignored configuration file: pyproject.toml" in lines
    assert 'ignore = ["LL402"]' in lines
    assert 'extend-select = ["LL103"]' in lines
    assert 'exclude = ["gen/"]' in lines
    assert "# rules that run: LL000, LL101, LL102, LL103, LL201, LL202, LL301, LL401" in lines
    assert any(ln.startswith('default-exclude = [".bzr"') and ln.endswith("# built-in")
               for ln in lines)
    assert "LL402" not in out.stdout.replace('ignore = ["LL402"]', "")  # nothing analysed


def test_without_a_file_the_defaults_are_shown(tmp_path: Path):
    out = show(tmp_path)
    assert out.returncode == 0
    assert out.stdout.startswith("# configuration file: none (built-in defaults)\n")
    assert f'"{DEFAULT_EXCLUDES[-1]}"]  # built-in' in out.stdout


def test_a_pyproject_without_the_table_is_not_a_configuration(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    out = show(tmp_path)
    assert "ignored" not in out.stdout and "none (built-in defaults)" in out.stdout


def test_config_flag_and_default_exclude(tmp_path: Path):
    (tmp_path / "leaklint.toml").write_text('select = ["LL4"]\n')
    (tmp_path / "other.toml").write_text('default-exclude = ["vendor"]\n')
    out = show(tmp_path, "--config", "other.toml")
    lines = out.stdout.splitlines()
    assert lines[0] == "# configuration file: other.toml"
    assert "# ignored configuration file: leaklint.toml" in lines
    assert 'default-exclude = ["vendor"]' in lines
