"""LL301's factory findings list, as related locations, exactly the calls that build a
pool per call: a call that passes a constant for which the factory builds none is not
one of them (fixtures/go/ll301/mixed_factory.go)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO_ROOT


def _findings(path: str) -> list[dict]:
    run = subprocess.run(
        [sys.executable, "-m", "leaklint", "check", path, "--select", "LL301",
         "--no-cache", "--format", "json"],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)["findings"]


def test_mixed_factory_lists_only_callers_that_build():
    found = [f for f in _findings("fixtures/go/ll301")
             if f["path"].endswith("mixed_factory.go")]
    assert len(found) == 1
    related = found[0]["related"]
    lines = {r["line"] for r in related}
    source = (REPO_ROOT / "fixtures/go/ll301/mixed_factory.go").read_text().splitlines()
    callers = {source[line - 1].strip() for line in lines}
    assert callers == {"r, err := newSourceReader(root, kind)"}, related
    assert "countAny" in found[0]["message"] and "countLocal" not in found[0]["message"]


def test_options_factory_lists_only_callers_that_ask_for_a_pool():
    found = [f for f in _findings("fixtures/go/ll301")
             if f["path"].endswith("options_factory.go")]
    source = (REPO_ROOT / "fixtures/go/ll301/options_factory.go").read_text().splitlines()
    by_factory = {source[f["line"] - 1].strip().split(" ")[0]: f for f in found}
    restricted = by_factory["tr"]
    callers = {source[r["line"] - 1].strip() for r in restricted["related"]}
    assert callers == {"hc := newOutboundClient(outboundOptions{timeout: 5 * time.Second, "
                       "restrictDial: true})"}, restricted["related"]
    assert "pingRestricted" in restricted["message"] and "pingPlain" not in (
        restricted["message"])
