"""The built wheel works on its own: catalogue inside, CLI installed, analysis runs.

Builds the wheel, installs it into a fresh virtual environment (dependencies come from
the package index) and runs the installed `leaklint` outside the source tree, so that a
catalogue or module missing from the wheel cannot be masked by the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from leaklint import catalogue

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # about a minute: build, venv, install from the index

FIXTURE = """\
package fetch

import (
	"io"
	"net/http"
	"time"
)

var client = &http.Client{Timeout: 10 * time.Second}

func Body(url string) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(resp.Body)
}
"""


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)])
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = list(out.glob("leaklint_connections-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv_bin(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    made = _run([sys.executable, "-m", "venv", str(venv)])
    assert made.returncode == 0, made.stderr
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    installed = _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet",
                      "--disable-pip-version-check", str(wheel)])
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return bin_dir


def _outside_checkout(tmp_path: Path) -> dict:
    """Run from a temp dir with a clean environment so the checkout cannot be imported."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {"cwd": tmp_path, "env": env}


def test_wheel_contains_the_catalogue_and_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rule_id in catalogue.load():
        assert f"leaklint/_catalogue/{rule_id}.toml" in names
    assert "leaklint/cli.py" in names and "leaklint/catalogue.py" in names
    assert not any(name.startswith(("tests/", "fixtures/", "rules/")) for name in names)
    metadata = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    entry_points = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "leaklint = leaklint.cli:console" in entry_points


def test_installed_rules_lists_the_whole_catalogue(venv_bin, tmp_path):
    out = _run([str(venv_bin / "leaklint"), "rules"], **_outside_checkout(tmp_path))
    assert out.returncode == 0, out.stderr
    listed = [line.split()[0] for line in out.stdout.splitlines() if line.startswith("LL")]
    assert listed == list(catalogue.load())
    where = _run([str(venv_bin / "python"), "-c",
                  "import leaklint.catalogue as c; print(c._catalogue_dir())"],
                 **_outside_checkout(tmp_path))
    assert Path(where.stdout.strip()).name == "_catalogue", where.stdout + where.stderr


def test_installed_check_runs_on_a_go_file(venv_bin, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "fetch.go").write_text(FIXTURE, encoding="utf-8")
    out = _run([str(venv_bin / "leaklint"), "check", "project", "--format", "json"],
               **_outside_checkout(tmp_path))
    assert out.returncode in (0, 1), out.stderr
    assert "Traceback" not in out.stderr
    findings = json.loads(out.stdout)["findings"]
    assert isinstance(findings, list)
    assert (out.returncode == 1) == bool(findings)
    for finding in findings:
        assert finding["path"].endswith("fetch.go") and finding["rule"] in catalogue.load()
