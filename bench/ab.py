"""A/B timing of two commits of leaklint on the same corpus, in the same run.

    python bench/ab.py [--old REV] [--new REV|worktree] [--corpus go|cpython|PATH ...]
                       [--pairs 7] [--jobs N] [--write-results] [--markdown FILE]

Each side is installed (not editable) from a snapshot of its commit (`git archive`)
into a venv of its own under bench/.ab/ (kept between runs, keyed by the commit; `worktree`
is the checkout's tracked and untracked files as they are now, reinstalled each time).
Then, per corpus, the two sides run cold (`leaklint check --no-cache --format json CORPUS`)
one after the other, `--pairs` times, the order swapped every pair (A B, B A, ...), after
one untimed run of each to warm the page cache. The machine's speed drifts (other load,
frequency), so only figures from the same run and their medians are compared: wall and
CPU time (user + system of the process and the workers it waited for, from wait4) per
side, each pair's ratio new/old, and the median of those ratios.

Both sides must produce their findings normally (exit status 0 or 1); the finding
counts per rule are printed side by side and any difference is called out.

Corpora: `go` is $(go env GOROOT)/src, `cpython` the standard library of the interpreter
running this script (sysconfig 'stdlib'), anything else a path.

The Markdown section ("A/B against the old commit") is printed; --markdown writes it
to a file, --write-results puts it into bench/RESULTS.md (replacing an earlier one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STORE = HERE / ".ab"
RESULTS = HERE / "RESULTS.md"
SECTION = "## A/B against the old commit"
DEFAULT_OLD = "8b16482"  # the last commit before the accuracy work (issues 15 and 16)
WORKTREE = "worktree"


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, text=True,
                          capture_output=True).stdout.strip()


@dataclass
class Side:
    label: str  # "old" or "new"
    rev: str  # as given
    commit: str  # full hash, or WORKTREE
    venv: Path

    @property
    def exe(self) -> Path:
        return self.venv / "bin" / "leaklint"

    @property
    def name(self) -> str:
        if self.commit == WORKTREE:
            return f"working tree (on {git('rev-parse', '--short=9', 'HEAD')})"
        return self.commit[:9]


def snapshot(commit: str, into: Path) -> None:
    """The files of `commit` (or of the working tree) under `into`."""
    if commit != WORKTREE:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit],
                                 check=True, capture_output=True).stdout
        with tempfile.TemporaryFile() as handle:
            handle.write(archive)
            handle.seek(0)
            with tarfile.open(fileobj=handle) as tar:
                tar.extractall(into, filter="data")
        return
    names = git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, names):
        source = REPO / name
        if source.is_file():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def install(label: str, rev: str) -> Side:
    commit = WORKTREE if rev == WORKTREE else git("rev-parse", f"{rev}^{{commit}}")
    venv = STORE / (WORKTREE if commit == WORKTREE else commit[:12])
    side = Side(label, rev, commit, venv)
    stamp = venv / "installed"
    if commit != WORKTREE and stamp.exists() and side.exe.exists():
        return side
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    with tempfile.TemporaryDirectory(prefix="leaklint-ab-") as tmp:
        snapshot(commit, Path(tmp))
        print(f"installing {side.name} into {venv.relative_to(REPO)}", file=sys.stderr)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                        "--force-reinstall", "--no-deps", tmp], check=True)
        # dependencies once (kept by the venv); --no-deps above rebuilds only leaklint
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", tmp],
                       check=True)
    stamp.write_text(commit + "\n")
    return side


def corpus_path(name: str, scratch: Path) -> tuple[str, Path]:
    if name == "go":
        root = subprocess.run(["go", "env", "GOROOT"], check=True, text=True,
                              capture_output=True).stdout.strip()
        return "Go standard library ($(go env GOROOT)/src)", Path(root) / "src"
    if name == "cpython":
        # A copy outside any repository (as bench/run.py makes): an installation may sit
        # in a git work tree whose .gitignore hides it from the run.
        copy = scratch / "cpython-stdlib"
        if not copy.exists():
            shutil.copytree(sysconfig.get_paths()["stdlib"], copy, symlinks=True,
                            ignore=shutil.ignore_patterns("site-packages", "__pycache__"))
        return (f"CPython {platform.python_version()} standard library (sysconfig 'stdlib', "
                "without site-packages)", copy)
    return name, Path(name).resolve()


@dataclass
class Sample:
    wall: float
    cpu: float
    rules: Counter


@dataclass
class Measured:
    samples: dict[str, list[Sample]] = field(default_factory=lambda: {"old": [], "new": []})

    def median(self, label: str, what: str) -> float:
        return statistics.median(getattr(s, what) for s in self.samples[label])

    def ratios(self) -> list[float]:
        return [n.wall / o.wall for o, n in zip(self.samples["old"], self.samples["new"],
                                                strict=True)]


def rule_counts(report: object) -> Counter:
    """Findings per rule, from either JSON layout (a list, or an object with findings)."""
    findings = report.get("findings", []) if isinstance(report, dict) else report
    return Counter(str(f.get("rule") or f.get("rule_id") or f.get("code")) for f in findings)


def run_once(side: Side, corpus: Path, jobs: int | None) -> Sample:
    command = [str(side.exe), "check", "--no-cache", "--format", "json"]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    command.append(str(corpus))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   cwd=tempfile.gettempdir())  # no project configuration
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode not in (0, 1):
            sys.exit(f"{side.name} exited {process.returncode} on {corpus}:\n"
                     f"{err.read().decode(errors='replace')[-2000:]}")
        report = json.loads(out.read() or b"[]")
    return Sample(wall, usage.ru_utime + usage.ru_stime, rule_counts(report))


def measure(old: Side, new: Side, corpus: Path, pairs: int, jobs: int | None) -> Measured:
    for side in (old, new):  # warm the page cache; not timed
        run_once(side, corpus, jobs)
    result = Measured()
    for index in range(pairs):
        order = (old, new) if index % 2 == 0 else (new, old)
        for side in order:
            result.samples[side.label].append(run_once(side, corpus, jobs))
        o, n = result.samples["old"][-1], result.samples["new"][-1]
        print(f"  pair {index + 1}: old {o.wall:.2f} s (cpu {o.cpu:.2f}), "
              f"new {n.wall:.2f} s (cpu {n.cpu:.2f}), ratio {n.wall / o.wall:.2f}",
              file=sys.stderr)
    return result


def summary(title: str, label: str, old: Side, new: Side, m: Measured,
            jobs: int | None) -> str:
    ratios = m.ratios()
    old_rules, new_rules = m.samples["old"][0].rules, m.samples["new"][0].rules
    drift = [s.wall for label in ("old", "new") for s in m.samples[label]]
    lines = [
        f"### {title}",
        "",
        f"`leaklint check --no-cache --format json{'' if jobs is None else f' --jobs {jobs}'}"
        f" <{label}>`, {len(ratios)} pairs, order swapped every pair.",
        "",
        "| side | commit | median wall (s) | median CPU (s) | findings |",
        "|---|---|---:|---:|---:|",
        f"| old | {old.name} | {m.median('old', 'wall'):.2f} | {m.median('old', 'cpu'):.2f} "
        f"| {sum(old_rules.values())} |",
        f"| new | {new.name} | {m.median('new', 'wall'):.2f} | {m.median('new', 'cpu'):.2f} "
        f"| {sum(new_rules.values())} |",
        "",
        f"- Ratio new/old, median of the pairs: **{statistics.median(ratios):.3f}** "
        f"(pairs {', '.join(f'{r:.2f}' for r in ratios)}); "
        f"ratio of the median CPU: {m.median('new', 'cpu') / m.median('old', 'cpu'):.3f}.",
        f"- Wall times of this corpus ranged from {min(drift):.2f} to {max(drift):.2f} s "
        f"over the run (drift of the shared machine).",
        f"- Findings per rule, old / new: {rule_table(old_rules, new_rules)}.",
        "",
    ]
    return "\n".join(lines)


def rule_table(old: Counter, new: Counter) -> str:
    parts = []
    for rule in sorted(set(old) | set(new)):
        mark = "" if old[rule] == new[rule] else " (differs)"
        parts.append(f"{rule} {old[rule]} / {new[rule]}{mark}")
    return ", ".join(parts) or "none"


def section(body: list[str], pairs: int) -> str:
    head = [
        SECTION,
        "",
        f"Generated by `python bench/ab.py` ({time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"Python {platform.python_version()}, {os.cpu_count()} logical cores, {pairs} pairs "
        "per corpus). The issues' speed targets compare a corpus's cold run against the "
        "old commit measured in the same run: only these ratios, not the absolute "
        "figures above, say whether a change made it slower.",
        "",
    ]
    return "\n".join(head + body)


def write_results(text: str) -> None:
    """Put the section into RESULTS.md in place of an earlier one, or at the end."""
    current = RESULTS.read_text(encoding="utf-8")
    start = current.find(SECTION)
    if start < 0:
        RESULTS.write_text(current.rstrip("\n") + "\n\n" + text, encoding="utf-8")
        return
    end = current.find("\n## ", start + len(SECTION))
    rest = "" if end < 0 else current[end:]
    RESULTS.write_text(current[:start] + text.rstrip("\n") + "\n" + rest, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default=DEFAULT_OLD, help="the reference commit (A)")
    parser.add_argument("--new", default="HEAD", help=f"the commit to judge (B), or {WORKTREE}")
    parser.add_argument("--corpus", action="append",
                        help="go, cpython or a path (repeatable; default: cpython and go)")
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--jobs", type=int, help="passed to both sides (default: theirs)")
    parser.add_argument("--markdown", type=Path, help="also write the section to this file")
    parser.add_argument("--write-results", action="store_true",
                        help="put the section into bench/RESULTS.md")
    args = parser.parse_args(argv)
    STORE.mkdir(exist_ok=True)
    old, new = install("old", args.old), install("new", args.new)
    body = []
    scratch = Path(tempfile.mkdtemp(prefix="leaklint-ab-corpus-"))
    try:
        for name in args.corpus or ["cpython", "go"]:
            body.append(run_corpus(name, scratch, old, new, args))
            print(body[-1])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = section(body, args.pairs)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.write_results:
        write_results(text)
    return 0


def run_corpus(name: str, scratch: Path, old: Side, new: Side,
               args: argparse.Namespace) -> str:
    title, path = corpus_path(name, scratch)
    print(f"{title}: {path}", file=sys.stderr)
    measured = measure(old, new, path, args.pairs, args.jobs)
    return summary(title, name, old, new, measured, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
