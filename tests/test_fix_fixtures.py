"""Every fix has a before/after pair in fixtures/fixes/<language>/: `RULE.before.EXT`
(annotated with `want` like every fixture: the fixed cases and the tempting ones the fix
must leave alone) and `RULE.after.EXT`, the exact result of `--fix --unsafe-fixes`.

For each pair: the before file is reported exactly as annotated; fixing it gives the
after file byte for byte; the after file parses (`gofmt -e` when Go is installed,
`compile()` for Python: compiling runs nothing); fixing again changes nothing; the
fixed findings are gone and every other finding stays."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES

from leaklint import catalogue

PAIRS = sorted((FIXTURES / "fixes").glob("*/*.before.*"))
WANT = re.compile(r"(?://|#)\s*want\s+(?P<ids>LL\d{3}(?:[\s,]+LL\d{3})*)")
GOFMT = shutil.which("gofmt") or (shutil.which("go") and str(
    Path(shutil.which("go")).parent / "gofmt"))  # type: ignore[arg-type]


def leaklint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                           "--select", "LL", *args, "."], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def findings(cwd: Path) -> list[dict]:
    data = json.loads(leaklint(cwd, "--format", "json").stdout)
    return data["findings"] if isinstance(data, dict) else data


def wants(text: str) -> Counter:
    out: Counter = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        m = WANT.search(line)
        if m:
            out.update((number, r) for r in re.split(r"[\s,]+", m.group("ids")))
    return out


def parses(path: Path) -> bool:
    if path.suffix == ".py":
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError:
            return False
        return True
    if GOFMT and Path(GOFMT).exists():
        return subprocess.run([GOFMT, "-e", str(path)], capture_output=True,
                              timeout=60).returncode == 0
    from leaklint.golang.parse import parse

    return not parse(path.read_bytes()).root_node.has_error


def _name(before: Path) -> str:
    rule = before.name.split(".", 1)[0]
    return f"{rule}{before.suffix}"


@pytest.mark.parametrize("before", PAIRS, ids=[f"{p.parent.name}/{p.name}" for p in PAIRS])
def test_fix_pair(tmp_path: Path, before: Path) -> None:
    after = before.with_name(before.name.replace(".before.", ".after."))
    assert after.is_file(), f"{before.name} has no after file"
    target = tmp_path / _name(before)
    shutil.copyfile(before, target)

    found = findings(tmp_path)
    assert Counter((f["line"], f["rule"]) for f in found) == wants(before.read_text("utf-8"))
    fixable = [f for f in found if f["fix"] is not None]
    assert fixable, "the before file must exercise the fix"
    rule = before.name.split(".", 1)[0].upper()
    assert {f["rule"] for f in fixable} == {rule}
    offered = catalogue.rule(rule).fix_for("go" if before.suffix == ".go" else "python")
    assert offered is not None
    assert {f["fix"]["applicability"] for f in fixable} == {offered.safety}

    # Safe fixes alone do not apply an unsafe one.
    if not offered.safe:
        leaklint(tmp_path, "--fix")
        assert target.read_bytes() == before.read_bytes()

    proc = leaklint(tmp_path, "--fix", "--unsafe-fixes")
    assert proc.returncode in (0, 1), proc.stderr
    assert target.read_bytes() == after.read_bytes()
    assert parses(target)
    if before.suffix == ".go" and GOFMT and Path(GOFMT).exists():
        # The fixtures are gofmt-clean before, and the fixes keep them so.
        assert subprocess.run([GOFMT, "-l", str(before), str(target)], capture_output=True,
                              text=True, timeout=60).stdout == ""

    left = findings(tmp_path)
    assert not [f for f in left if f["fix"] is not None], "a fix is offered again"
    expected = Counter(f["rule"] for f in found) - Counter(f["rule"] for f in fixable)
    remaining = Counter(f["rule"] for f in left)
    assert remaining[rule] == expected[rule]
    # Nothing new; a fix may settle another finding too (a server's ReadHeaderTimeout
    # is LL402's as well as LL401's).
    assert remaining - expected == Counter()

    leaklint(tmp_path, "--fix", "--unsafe-fixes")
    assert target.read_bytes() == after.read_bytes(), "fixing twice changed the file again"


def test_every_catalogue_fix_has_a_pair() -> None:
    have = {(p.parent.name, p.name.split(".", 1)[0].upper()) for p in PAIRS}
    offered = {(f.language, r.id) for r in catalogue.load().values() for f in r.fixes}
    assert offered - {("go", "LL201")} <= have  # LL201's move: tests/test_fix.py
