"""--shard I/N: every unit in exactly one shard, packages kept whole, same results."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import PurePosixPath

import pytest
from conftest import FIXTURES

from leaklint.ci.shard import in_shard, parse, unit_name
from leaklint.cli import main


@pytest.mark.parametrize("value", ["0/2", "3/2", "1/0", "a/b", "2", "1/2/3", "-1/2"])
def test_a_bad_shard_is_a_usage_error(value):
    with pytest.raises(argparse.ArgumentTypeError):
        parse(value)


def test_the_command_line_refuses_a_bad_shard(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "leaklint", "check", "--shard", "3/2", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--shard" in proc.stderr and "Traceback" not in proc.stderr


def test_a_go_file_belongs_to_its_package_and_a_python_file_to_itself():
    assert unit_name("svc/api/client.go") == unit_name("svc/api/server_test.go") == "svc/api"
    assert unit_name("svc/tool.py") == "svc/tool.py"


def _report(tmp_path, *extra: str) -> list[dict]:
    out = tmp_path / f"r{len(list(tmp_path.iterdir()))}.json"
    code = main(["check", "--no-cache", "--jobs", "1", "--format", "json", "-o", str(out),
                 "--exit-zero", *extra, str(FIXTURES)])
    assert code == 0
    return json.loads(out.read_text(encoding="utf-8"))["findings"]


def _key(finding: dict) -> tuple:
    return (finding["path"], finding["line"], finding["column"], finding["rule"])


def test_three_shards_together_find_exactly_what_one_run_finds(tmp_path, monkeypatch):
    monkeypatch.chdir(FIXTURES.parent)
    whole = Counter(_key(f) for f in _report(tmp_path))
    assert len(whole) > 100
    parts = [Counter(_key(f) for f in _report(tmp_path, "--shard", f"{i}/3"))
             for i in (1, 2, 3)]
    assert all(parts), "every shard has work on the fixtures"
    assert sum(parts, Counter()) == whole
    for i, part in enumerate(parts, start=1):
        for path, *_ in part:
            assert in_shard(path, (i, 3))
    packages = [{str(PurePosixPath(p).parent) for p, *_ in part if p.endswith(".go")}
                for part in parts]
    assert not (packages[0] & packages[1] or packages[0] & packages[2]
                or packages[1] & packages[2])
