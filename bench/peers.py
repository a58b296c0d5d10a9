"""Score leaklint against the test suites of its peers.

    python bench/peers.py --bodyclose CLONE --tools CLONE --gosec CLONE --gocritic CLONE \
        --pylint CLONE --ruff CLONE --bandit CLONE [--details] [--markdown]

Each CLONE is a local clone (work tree or bare git directory) of, respectively,
timakin/bodyclose, golang/tools, securego/gosec, go-critic/go-critic, pylint-dev/pylint,
astral-sh/ruff and PyCQA/bandit. Suites whose clone is not given are skipped. The peers'
inputs are written to a temporary directory, never into this repository.

Per suite: expected (peer expectations mapped to leaklint rules, minus listed deliberate
disagreements), found (leaklint findings of the rules in the suite's scope), missed, extra,
recall, precision, and the number of cases where we deliberately disagree
(bench/disagreements.toml, explained in docs/accuracy.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common import Clone, print_table

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from suite import run_suite
from suites_go import SUITES as GO_SUITES
from suites_py import SUITES as PY_SUITES

HERE = Path(__file__).resolve().parent
PEERS = ("bodyclose", "tools", "gosec", "gocritic", "pylint", "ruff", "bandit")


def load_disagreements(path: Path) -> dict[str, dict]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, dict] = {}
    for d in data.get("disagreement", []):
        key = (d["path"], d["function"], d["rule"])
        out.setdefault(d["suite"], {})[key] = (d["reason"], d.get("match", ""))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for peer in PEERS:
        parser.add_argument(f"--{peer}", metavar="CLONE", help=f"local clone of the {peer} repo")
    parser.add_argument("--details", action="store_true", help="list every miss and extra")
    parser.add_argument("--expect-only", action="store_true",
                        help="only print the mapped expectations, do not run leaklint")
    args = parser.parse_args(argv)
    disagreements = load_disagreements(HERE / "disagreements.toml")
    scores = []
    for suite in [*GO_SUITES, *PY_SUITES]:
        path = getattr(args, suite.peer)
        if not path:
            continue
        clone = Clone(path)
        score = run_suite(suite, clone, disagreements.get(suite.name, {}), args.expect_only)
        score.notes.append(f"{suite.peer} @ {clone.commit()[:12]}")
        scores.append(score)
    if not scores:
        parser.error("give at least one clone")
    print_table(scores)
    for s in scores:
        missed, extra = s.mismatches()
        print(f"\n{s.suite} ({'; '.join(s.notes)})")
        if args.details or missed or extra:
            for key in missed:
                print(f"  missed {key}")
            for key in extra:
                print(f"  extra  {key}")
        if args.details:
            for key, reason in sorted(s.disagreements.items(), key=str):
                if s.expected.get(key) or s.found.get(key):
                    print(f"  differ {key}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
