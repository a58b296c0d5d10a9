"""Python files may declare their encoding (PEP 263); leaklint reads them as Python does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SOURCE = (
    "# -*- coding: latin-1 -*-\nimport requests\n\nNAME = 'café'\n\n\n"
    "def f(u):\n    return requests.get(u)\n"
)


def check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", str(path), "--no-cache",
                           "--format", "json"], capture_output=True, text=True, timeout=120)


def test_declared_latin1_file_is_analysed(tmp_path: Path):
    target = tmp_path / "legacy.py"
    target.write_bytes(SOURCE.encode("latin-1"))
    out = check(target)
    assert out.returncode == 1, out.stderr
    assert [(f["rule"], f["line"]) for f in json.loads(out.stdout)["findings"]] == [("LL402", 8)]
    assert "not valid" not in out.stderr


def test_undeclared_invalid_utf8_is_still_refused(tmp_path: Path):
    target = tmp_path / "broken.py"
    target.write_bytes(SOURCE.replace("# -*- coding: latin-1 -*-\n", "").encode("latin-1"))
    out = check(target)
    assert "not valid UTF-8" in out.stderr
    assert str(target) in out.stderr
