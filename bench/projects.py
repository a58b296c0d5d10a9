"""Real projects: run leaklint on a checkout, draw a fixed random sample of its findings and
score it against the verdicts recorded in bench/judgments/<name>.tsv.

    python bench/projects.py NAME CHECKOUT [--sample 100] [--seed 7] [--json FILE]

NAME is the judgments file stem (e.g. cli+cli); CHECKOUT the project's source tree (the
commit judged is recorded in docs/accuracy.md). With --json, findings are read from a
leaklint JSON report instead of running leaklint. Prints the rule counts, the sample's true
and false positives, the precision, and every sampled finding that has no verdict yet.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter
from pathlib import Path

from common import report_findings, run_leaklint

HERE = Path(__file__).resolve().parent


def load_findings(checkout: Path, report: Path | None) -> list[tuple[str, int, str]]:
    if report is not None:
        items = report_findings(json.loads(report.read_text(encoding="utf-8")))
        marker = checkout.resolve().name + "/"  # paths in the report may carry a prefix
        return [(i["path"].split(marker, 1)[-1].removeprefix("./"), i["line"], i["rule"])
                for i in items]
    return [(f.path, f.line, f.rule) for f in run_leaklint(checkout)]


def load_verdicts(name: str) -> dict[tuple[str, int, str], tuple[str, str]]:
    path = HERE / "judgments" / f"{name}.tsv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return {(r["path"], int(r["line"]), r["rule"]): (r["verdict"], r["reason"])
                for r in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name")
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="read findings from this leaklint report")
    args = parser.parse_args(argv)
    findings = sorted(load_findings(args.checkout, args.json))
    verdicts = load_verdicts(args.name)
    rng = random.Random(args.seed)
    picked = sorted(rng.sample(range(len(findings)), min(args.sample, len(findings))))
    sample = [findings[i] for i in picked]
    tally: Counter = Counter()
    missing = []
    for key in sample:
        verdict = verdicts.get(key)
        if verdict is None:
            missing.append(key)
        else:
            tally[verdict[0]] += 1
    judged = tally["TP"] + tally["FP"]
    rules = Counter(rule for _, _, rule in findings)
    print(f"{args.name}: {len(findings)} findings "
          f"({', '.join(f'{r} {n}' for r, n in sorted(rules.items()))})")
    print(f"sample {len(sample)}: TP {tally['TP']}, FP {tally['FP']}, unjudged {len(missing)}")
    if judged:
        print(f"precision {tally['TP'] / judged:.2f}")
    for path, line, rule in missing:
        print(f"  unjudged {path}:{line} {rule}")
    fps = Counter(verdicts[k][1] for k in sample if k in verdicts and verdicts[k][0] == "FP")
    for reason, n in fps.most_common():
        print(f"  FP x{n}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
