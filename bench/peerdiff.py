"""Disagreements between leaklint and the Go peers on one project.

    python bench/peerdiff.py CHECKOUT LEAKLINT_JSON [--vet FILE] [--bodyclose FILE] [--gosec FILE]

The peer files are the text outputs of `go vet -httpresponse ./...`, `bodyclose ./...` and
`gosec -include=G107,G112,G114 -fmt=text ./...` run in CHECKOUT. Each peer diagnostic is
mapped to a leaklint rule at the same file and line (bodyclose -> LL101 at the acquisition,
vet -> LL201 at the premature use, gosec G112/G114 -> LL402 at the literal or call; G107 is
SSRF and out of scope); prints the counts and every case only one side reports.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from common import report_findings

DIAG = re.compile(r"^(?:\[)?(?P<path>[^\s:\[\]]+\.go):(?P<line>\d+)(?::\d+)?\]?:?\s*(?P<msg>.*)$")
GOSEC_RULE = re.compile(r"\bG(1\d\d)\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # gosec colours its text output


def peer_hits(text: str, checkout: Path, rule_of) -> set[tuple[str, int, str]]:
    out = set()
    root = str(checkout.resolve()) + "/"
    lines = ANSI.sub("", text).splitlines()
    for i, raw in enumerate(lines):
        m = DIAG.match(raw.strip())
        if not m:
            continue
        context = " ".join(lines[i:i + 2])
        rule = rule_of(m.group("msg") + " " + context)
        if rule:
            path = m.group("path").removeprefix(root).removeprefix("./")
            out.add((path, int(m.group("line")), rule))
    return out


def vet_rule(msg: str) -> str | None:
    return "LL201" if "before checking for errors" in msg else None


def bodyclose_rule(msg: str) -> str | None:
    return "LL101" if "must be closed" in msg else None


def gosec_rule(msg: str) -> str | None:
    m = GOSEC_RULE.search(msg)
    return "LL402" if m and m.group(1) in ("112", "114") else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("leaklint_json", type=Path)
    parser.add_argument("--vet", type=Path)
    parser.add_argument("--bodyclose", type=Path)
    parser.add_argument("--gosec", type=Path)
    args = parser.parse_args(argv)
    marker = args.checkout.resolve().name + "/"
    ours = {(f["path"].split(marker, 1)[-1], f["line"], f["rule"])
            for f in report_findings(json.loads(args.leaklint_json.read_text(encoding="utf-8")))}
    for name, path, rule_of, rule in (("go vet -httpresponse", args.vet, vet_rule, "LL201"),
                                      ("bodyclose", args.bodyclose, bodyclose_rule, "LL101"),
                                      ("gosec G112/G114", args.gosec, gosec_rule, "LL402")):
        if path is None:
            continue
        theirs = peer_hits(path.read_text(encoding="utf-8", errors="replace"), args.checkout,
                           rule_of)
        mine = {k for k in ours if k[2] == rule}
        if rule == "LL402":  # only the server-side cases gosec speaks to
            mine = {k for k in mine if _server_line(args.checkout, k)}
        both = theirs & mine
        print(f"{name}: peer {len(theirs)}, leaklint {len(mine)} ({rule}), both {len(both)}")
        for k in sorted(theirs - mine):
            print(f"  peer only     {k[0]}:{k[1]} {k[2]}")
        for k in sorted(mine - theirs):
            print(f"  leaklint only {k[0]}:{k[1]} {k[2]}")
    return 0


def _server_line(checkout: Path, key: tuple[str, int, str]) -> bool:
    try:
        text = (checkout / key[0]).read_text(encoding="utf-8").splitlines()[key[1] - 1]
    except (OSError, IndexError):
        return False
    return bool(re.search(r"Server\s*\{|ListenAndServe|\bServe(TLS)?\(", text))


if __name__ == "__main__":
    sys.exit(main())
