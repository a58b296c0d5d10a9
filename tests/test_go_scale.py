"""Go code whose shape made the analysis superlinear: it must stay well inside the time
budget a unit of its size gets (an analysis past its budget is reported as not
analysed, so a regression shows as a missing finding, not as a slow test)."""

from __future__ import annotations

import json
import subprocess
import sys


def _else_if_chain(branches: int) -> str:
    chain = "\tif x == 0 {\n\t\tresp.Body.Close()\n\t}" + "".join(
        f" else if x == {i} {{\n\t\tresp.Body.Close()\n\t}}" for i in range(1, branches))
    return ("package p\n\nimport \"net/http\"\n\nfunc F(u string, x int) error {\n"
            "\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn err\n\t}\n"
            f"{chain}\n\treturn nil\n}}\n")


def test_a_long_else_if_chain_closing_in_each_branch_is_analysed(tmp_path):
    # 20,000 branches (900 KB): was quadratic (36 s and more), now about a second,
    # against a budget of 1.5 s per 100 KB.
    branches = 20_000
    (tmp_path / "p.go").write_text(_else_if_chain(branches))
    done = subprocess.run(
        [sys.executable, "-m", "leaklint", "check", "--no-cache", "--format", "json",
         "--select", "LL101", "--timeout", "1.5", "."], cwd=tmp_path,
        capture_output=True, text=True, timeout=600)
    assert "not analysed" not in done.stderr
    findings = json.loads(done.stdout)["findings"]
    # The chain has no final else: when no branch matches, the body is not closed.
    assert [(f["rule"], f["line"]) for f in findings] == [("LL101", 6)]
    assert [r["line"] for r in findings[0]["related"]] == [11 + 2 * branches]
