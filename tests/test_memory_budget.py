"""One file's memory: libcst holds a node per token, so large module-level tables are
sliced away before it parses, and a file still too large gets a notice instead of an
out-of-memory kill. No single file may take a worker past 500 MB."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="resource module")

LIMIT_KB = 500 * 1024
# Runs leaklint and reports the peak resident memory of it and of every worker it ran.
PROBE = """
import resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                       "--format", "json", *sys.argv[1:]], capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(done.returncode)
"""


def _check(directory: Path) -> tuple[int, list, str, int]:
    done = subprocess.run([sys.executable, "-c", PROBE, "--jobs", "1", "."], cwd=directory,
                          capture_output=True, text=True, timeout=600)
    *messages, peak = done.stderr.strip().split("\n")
    return done.returncode, json.loads(done.stdout)["findings"], "\n".join(messages), int(peak)


def _literal(megabytes: float) -> str:
    rng = random.Random(1)
    numbers = [str(rng.randint(0, 10**6)) for _ in range(int(megabytes * 2**20 / 8))]
    return f"DATA = [{', '.join(numbers)}]\n"


LEAK = "\n\ndef fetch(url):\n    return requests.get(url)\n"


def test_a_large_module_level_literal_is_sliced_away(tmp_path):
    # 1.9 MB of numbers: libcst took 1.2 GB over them; CPython's tree costs a sixth.
    (tmp_path / "table.py").write_text("import requests\n\n" + _literal(1.9) + LEAK)
    code, findings, messages, peak = _check(tmp_path)
    assert code == 1, messages
    assert [(f["rule"], f["line"]) for f in findings] == [("LL402", 7)]
    assert peak < LIMIT_KB


def test_generated_class_tables_are_sliced_away(tmp_path):
    rows = "".join(f"class Row{i}(object):\n    NAME = 'row{i}'\n    SIZE = {i}\n"
                   f"    FIELDS = ['a{i}', 'b{i}', 'c{i}']\n\n" for i in range(20_000))
    (tmp_path / "generated.py").write_text("import requests\n\n" + rows + LEAK)
    code, findings, messages, peak = _check(tmp_path)
    assert code == 1, messages
    assert [f["rule"] for f in findings] == ["LL402"]
    assert peak < LIMIT_KB


def test_a_file_over_the_budget_gets_a_notice(tmp_path):
    (tmp_path / "huge.py").write_text("import requests\n\n" + _literal(3) + LEAK)
    (tmp_path / "dense.py").write_text("import requests\n\n" + "".join(
        f"def f{i}(url):\n    r = requests.post(url, json={{'a': {i}, 'b': [1, 2]}})\n"
        f"    return r.json()\n\n" for i in range(6000)))
    (tmp_path / "small.py").write_text("import requests\n" + LEAK)
    code, findings, messages, peak = _check(tmp_path)
    assert code == 1
    assert [(f["path"], f["rule"]) for f in findings] == [("small.py", "LL402")]
    assert "huge.py: not analysed: too large to analyse within its memory budget" in messages
    assert "dense.py: not analysed: too large to analyse within its memory budget" in messages
    assert peak < LIMIT_KB
