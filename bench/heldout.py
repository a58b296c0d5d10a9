"""Precision on held-out projects: the projects listed in bench/heldout.toml under
[[measure]] were chosen by the rule written there before anything ran, and were never
used to tune the rules (those are listed under [[tuning]] and never measured here).

    python bench/heldout.py SRC [--language go|python] [--reports DIR] [--selection NAME]

SRC holds one checkout per project, named owner+name (the Go files plus go.mod for Go,
the .py files for Python). With --reports, leaklint JSON reports named owner+name.json
are read from DIR instead of running leaklint (with their wall times when DIR holds a
times.txt of `owner+name rc=N SECONDS` lines). For each project a seeded random sample
(random.Random(7), 25 findings, or all when fewer) is drawn from the sorted findings and
scored against bench/judgments/<owner+name>.tsv; prints per project, per rule, and
production code against tests, and every sampled finding without a verdict yet.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
SAMPLE = 25
SEED = 7


@dataclass
class Project:
    name: str  # owner+name
    language: str
    commit: str
    domain: str = ""


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    debatable: int = 0
    unjudged: int = 0

    def add(self, verdict: str | None) -> None:
        if verdict == "TP":
            self.tp += 1
        elif verdict == "FP":
            self.fp += 1
        elif verdict is None:
            self.unjudged += 1
        else:
            self.debatable += 1

    @property
    def precision(self) -> float | None:
        judged = self.tp + self.fp
        return self.tp / judged if judged else None

    def cell(self) -> str:
        p = self.precision
        return "—" if p is None else f"{p:.2f}"


@dataclass
class Result:
    project: Project
    findings: list[tuple[str, int, str]]
    files: int
    seconds: float | None
    tally: Tally = field(default_factory=Tally)
    by_rule: dict[str, Tally] = field(default_factory=dict)
    production: Tally = field(default_factory=Tally)
    tests: Tally = field(default_factory=Tally)
    missing: list[tuple[str, int, str]] = field(default_factory=list)


def load_projects(language: str | None, selection: str | None = None) -> list[Project]:
    """The [[measure]] projects, or with `selection` the projects of an earlier measured
    selection (tuning projects since), to reproduce its tables."""
    data = tomllib.loads((HERE / "heldout.toml").read_text(encoding="utf-8"))
    if selection is None:
        entries = data.get("measure", [])
    else:
        entries = [p for p in data.get("measure", []) + data.get("tuning", [])
                   if p.get("selection") == selection]
    return [Project(p["name"], p["language"], p["commit"], p.get("domain", ""))
            for p in entries
            if language is None or p["language"] == language]


def is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    if name.endswith("_test.go"):
        return True
    if not name.endswith(".py"):
        return False
    parts = path.split("/")
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or any(p in ("test", "tests", "testing") for p in parts[:-1]))


def findings_of(report: object) -> list[dict]:
    """The findings of a leaklint JSON report (a list, or an object with `findings`)."""
    if isinstance(report, dict):
        return list(report.get("findings", []))
    return list(report)  # type: ignore[arg-type]


def run(checkout: Path) -> tuple[list[dict], float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "leaklint", "check", ".", "--no-cache", "--select", "LL",
         "--format", "json"], cwd=checkout, capture_output=True, text=True)
    if proc.returncode > 1:
        raise RuntimeError(f"{checkout}: leaklint exited {proc.returncode}: {proc.stderr}")
    return findings_of(json.loads(proc.stdout or "[]")), time.perf_counter() - started


def verdicts(name: str) -> dict[tuple[str, int, str], str]:
    path = HERE / "judgments" / f"{name}.tsv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["path"], int(r["line"]), r["rule"]): r["verdict"]
                for r in csv.DictReader(fh, delimiter="\t")}


def count_files(checkout: Path, language: str) -> int:
    pattern = "*.go" if language == "go" else "*.py"
    return sum(1 for _ in checkout.rglob(pattern))


def recorded_seconds(reports: Path) -> dict[str, float]:
    """Wall times written beside stored reports, one `NAME rc=N SECONDS` line each in
    times.txt (the last line for a name wins), so a table read from reports keeps them."""
    path = reports / "times.txt"
    seconds: dict[str, float] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1].startswith("rc="):
                try:
                    seconds[parts[0]] = float(parts[2])
                except ValueError:
                    continue
    return seconds


def measure(project: Project, src: Path, reports: Path | None) -> Result:
    checkout = src / project.name
    seconds = None
    if reports is not None:
        items = findings_of(json.loads((reports / f"{project.name}.json").read_text()))
        seconds = recorded_seconds(reports).get(project.name)
    else:
        items, seconds = run(checkout)
    marker = project.name + "/"  # reports may name paths from above the checkout
    suffix = ".go" if project.language == "go" else ".py"
    # A Go project's Python scripts (or the reverse) belong to the other measurement.
    findings = sorted({(i["path"].split(marker, 1)[-1].removeprefix("./"), int(i["line"]),
                        i["rule"]) for i in items if i["path"].endswith(suffix)})
    result = Result(project, findings, count_files(checkout, project.language), seconds)
    rng = random.Random(SEED)
    picked = sorted(rng.sample(range(len(findings)), min(SAMPLE, len(findings))))
    known = verdicts(project.name)
    for index in picked:
        key = findings[index]
        verdict = known.get(key)
        if verdict is None:
            result.missing.append(key)
        result.tally.add(verdict)
        result.by_rule.setdefault(key[2], Tally()).add(verdict)
        (result.tests if is_test(key[0]) else result.production).add(verdict)
    return result


def markdown(results: list[Result]) -> str:
    lines = ["| project | commit | files | time | findings | sample | TP | FP | debatable "
             "| precision | production | tests |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    total, production, tests = Tally(), Tally(), Tally()
    rules: dict[str, Tally] = {}
    for r in results:
        counts = Counter(rule for _, _, rule in r.findings)
        per_rule = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        t = r.tally
        seconds = f"{r.seconds:.1f} s" if r.seconds is not None else "—"
        lines.append(
            f"| {r.project.name.replace('+', '/')} | {r.project.commit[:12]} | {r.files} "
            f"| {seconds} | {len(r.findings)} ({per_rule}) | {t.tp + t.fp + t.debatable} "
            f"| {t.tp} | {t.fp} | {t.debatable} | {t.cell()} | {r.production.cell()} "
            f"| {r.tests.cell()} |")
        for target, source in ((total, t), (production, r.production), (tests, r.tests)):
            target.tp += source.tp
            target.fp += source.fp
            target.debatable += source.debatable
        for rule, tally in r.by_rule.items():
            into = rules.setdefault(rule, Tally())
            into.tp += tally.tp
            into.fp += tally.fp
            into.debatable += tally.debatable
    lines.append(f"| **all** | | | | | | {total.tp} | {total.fp} | {total.debatable} "
                 f"| **{total.cell()}** | {production.cell()} | {tests.cell()} |")
    lines += ["", "| rule | TP | FP | debatable | precision |", "|---|---|---|---|---|"]
    for rule, tally in sorted(rules.items()):
        lines.append(f"| {rule} | {tally.tp} | {tally.fp} | {tally.debatable} "
                     f"| {tally.cell()} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--language", choices=("go", "python"))
    parser.add_argument("--reports", type=Path)
    parser.add_argument("--selection", help="an earlier measured selection (third, "
                        "fourth, fifth): its projects, tuning projects since")
    args = parser.parse_args(argv)
    results = [measure(p, args.src, args.reports)
               for p in load_projects(args.language, args.selection)
               if (args.src / p.name).is_dir()]
    print(markdown(results))
    for r in results:
        for path, line, rule in r.missing:
            print(f"unjudged {r.project.name} {path}:{line} {rule}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
