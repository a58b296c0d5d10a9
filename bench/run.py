"""Speed benchmark: leaklint against the peers, as whole processes (run by hand).

    python bench/run.py [DIR ...] [--reps 3] [--slow-reps 1] [--timeout 900]
                        [--only leaklint,go-vet,...] [--skip-install] [--no-scaling]

Corpora: (a) the Go standard library, $(go env GOROOT)/src (std and cmd); (b) the
CPython standard library of the interpreter running this script; (c) each DIR given.
Peers are found or installed next to this script, never globally:
  Go:     go vet -httpresponse (ships with Go); staticcheck, bodyclose, gosec via
          `go install ...@latest` into bench/.tools/bin.
  Python: ruff (--select S113), flake8, bandit, pylint, semgrep via pip into bench/.venv.
leaklint itself is installed (a snapshot of this checkout, not editable) into the same
venv, so editing the tree while the benchmark runs does not disturb it.

Each command runs `--reps` times (`--slow-reps` for peers that take minutes); the table
shows the median wall time, the peak memory of the process tree (the sum of the
proportional set sizes, PSS, of the process and its descendants, sampled every 50 ms
from /proc, so pages shared by forked workers count once; at least the peak RSS of the
largest single process, from wait4), and the ratio to leaklint
cold. "Cold" means no result or build cache (leaklint --no-cache; go tools with GOCACHE
pointed at an empty directory); "warm" is a second run with the caches of the first.
The targets' ratios are also read from runs made side by side: leaklint cold and the
peer (staticcheck warm, ruff) alternate `--reps` times ("alternated" rows). The scaling
section copies the Go standard library (or --scale-corpus) 1x, 2x and 4x into a
temporary directory and interleaves the runs, with an empty directory for the fixed cost.
Results are printed and written to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TOOLS = HERE / ".tools"
VENV = HERE / ".venv"
GO_PEERS = {  # newest first; an older pin when @latest cannot be fetched
    "staticcheck": ("honnef.co/go/tools/cmd/staticcheck@latest",),
    "bodyclose": ("github.com/timakin/bodyclose@latest",),
    "gosec": ("github.com/securego/gosec/v2/cmd/gosec@latest",
              "github.com/securego/gosec/v2/cmd/gosec@v2.22.4"),
}
PY_PEERS = ("ruff", "flake8", "bandit", "pylint", "semgrep")
SEMGREP_GO_RULE = """rules:
  - id: response-body-not-closed
    languages: [go]
    severity: WARNING
    message: response body may not be closed
    patterns:
      - pattern: $RESP, $ERR := http.Get(...)
      - pattern-not-inside: |
          $RESP, $ERR := http.Get(...)
          ...
          $RESP.Body.Close()
"""


@dataclass
class Timing:
    label: str
    corpus: str
    walls: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    status: str = "ok"  # ok | timeout | failed: ... | missing

    @property
    def wall(self) -> float | None:
        return statistics.median(self.walls) if self.walls else None

    @property
    def rss_mb(self) -> float | None:
        return max(self.rss_kb) / 1024 if self.rss_kb else None


# --- process measurement ---------------------------------------------------------------

def _children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree_rss_kb(root: int) -> int:
    tree = _children_of()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(tree.get(pid, ()))
        total += _memory_kb(pid)
    return total


def _memory_kb(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them,
    so forked workers are not counted twice); resident set size where PSS is missing."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def measure(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float
            ) -> tuple[float, int, int]:
    """(wall seconds, peak tree RSS KiB, exit status) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    deadline = start + timeout
    status = None
    while status is None:
        pid, raw, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status = os.waitstatus_to_exitcode(raw)
            proc.returncode = status
            peak = max(peak, usage.ru_maxrss)
            break
        if time.perf_counter() > deadline:
            proc.kill()
            proc.wait()
            done.set()
            raise TimeoutError
        time.sleep(0.01)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return wall, peak, status


def run_timed(t: Timing, cmd: list[str], cwd: Path, reps: int, timeout: float,
              env: dict[str, str] | None = None, before=None, ok=(0, 1)) -> Timing:
    env = {**os.environ, **(env or {})}
    for _ in range(reps):
        if before is not None:
            before()
        try:
            wall, rss, code = measure(cmd, cwd, env, timeout)
        except TimeoutError:
            t.status = f"timeout (> {timeout:.0f} s)"
            print(f"  {t.corpus:<14} {t.label:<30} {t.status}", flush=True)
            return t
        except FileNotFoundError:
            t.status = "missing"
            return t
        if code not in ok:
            t.status = f"failed (exit {code})"
        t.walls.append(wall)
        t.rss_kb.append(rss)
        print(f"  {t.corpus:<14} {t.label:<30} {wall:8.2f} s {rss / 1024:8.0f} MB"
              f"  exit {code}", flush=True)
    return t


# --- installing the peers -----------------------------------------------------------------

def go() -> str:
    found = shutil.which("go") or "/usr/local/go/bin/go"
    return found


def install(skip: bool) -> dict[str, str]:
    """Paths of the tools, installing what is missing unless `skip`."""
    tools: dict[str, str] = {}
    gobin = TOOLS / "bin"
    for name, modules in GO_PEERS.items():
        exe = gobin / name
        for module in modules:
            if exe.exists() or skip:
                break
            print(f"installing {module} ...", flush=True)
            subprocess.run([go(), "install", module], check=False,
                           env={**os.environ, "GOBIN": str(gobin)})
        if exe.exists():
            tools[name] = str(exe)
    py = VENV / "bin" / "python"
    if not py.exists() and not skip:
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(VENV)],
                       check=True)
    if py.exists() and not skip:
        print("installing the Python peers and a leaklint snapshot ...", flush=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", *PY_PEERS],
                       check=False)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps",
                        "--force-reinstall", str(REPO)], check=False)
    for name in (*PY_PEERS, "leaklint"):
        exe = VENV / "bin" / name
        if exe.exists():
            tools[name] = str(exe)
        elif name != "leaklint" and shutil.which(name):  # already installed system-wide
            tools[name] = shutil.which(name) or name
    if "leaklint" not in tools:  # no venv: the leaklint of this interpreter
        tools["leaklint"] = f"{sys.executable} -m leaklint"
    return tools


def version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stdout or out.stderr).strip().splitlines()
    if not text:
        return "?"
    # Some tools print their own path first: name them, not this machine's layout.
    return text[0].replace(cmd[0], Path(cmd[0]).name)[:80]


# --- corpora and suites ----------------------------------------------------------------

def goroot_src() -> Path:
    out = subprocess.run([go(), "env", "GOROOT"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip()) / "src"


def python_stdlib() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def has_files(directory: Path, suffix: str) -> bool:
    return any(directory.rglob(f"*{suffix}"))


class Bench:
    def __init__(self, args: argparse.Namespace, tools: dict[str, str]) -> None:
        self.args = args
        self.tools = tools
        self.results: list[Timing] = []
        self.scratch = Path(tempfile.mkdtemp(prefix="leaklint-bench-"))

    def wanted(self, label: str) -> bool:
        only = self.args.only
        return not only or any(label.startswith(o) for o in only)

    def leaklint(self) -> list[str]:
        return self.tools["leaklint"].split()

    def time(self, label: str, corpus: str, cmd: list[str], cwd: Path, *, slow=False,
             env=None, before=None, ok=(0, 1)) -> None:
        if not self.wanted(label):
            return
        reps = self.args.slow_reps if slow else self.args.reps
        t = Timing(label, corpus)
        if not Path(cmd[0]).exists() and not shutil.which(cmd[0]):
            t.status = "missing"
        else:
            run_timed(t, cmd, cwd, reps, self.args.timeout, env, before, ok)
        self.results.append(t)

    def alternate(self, corpus: str, target: Path, label: str, cmd: list[str], *,
                  env=None, ok=(0, 1)) -> None:
        """leaklint cold and one peer run in turn, `--reps` times each: the machine's
        speed drifts (up to 1.7x here between runs minutes apart), so the ratios the
        targets are about are read from runs made side by side."""
        if not self.wanted(label) or not self.wanted("leaklint cold"):
            return
        ours = Timing(f"leaklint cold, alternated with {label}", corpus)
        theirs = Timing(f"{label}, alternated", corpus)
        leaklint = [*self.leaklint(), "check", "--exit-zero", "-q", "--no-cache", str(target)]
        if not Path(cmd[0]).exists() and not shutil.which(cmd[0]):
            return
        for _ in range(self.args.reps):
            run_timed(ours, leaklint, self.scratch, 1, self.args.timeout)
            run_timed(theirs, cmd, target, 1, self.args.timeout, env, ok=ok)
        self.results += [ours, theirs]

    def leaklint_pair(self, corpus: str, target: Path) -> None:
        cmd = [*self.leaklint(), "check", "--exit-zero", "-q"]
        self.time("leaklint cold (--no-cache)", corpus, [*cmd, "--no-cache", str(target)],
                  self.scratch)
        # The cache goes to the corpus root (no config, no git): remove what we add.
        cache = target / ".leaklint_cache"
        ours = not cache.exists()
        if ours and not os.access(target, os.W_OK):
            return
        try:
            if self.wanted("leaklint warm"):
                subprocess.run([*cmd, str(target)], cwd=self.scratch, capture_output=True)
            self.time("leaklint warm", corpus, [*cmd, str(target)], self.scratch)
        finally:
            if ours:
                shutil.rmtree(cache, ignore_errors=True)

    def go_corpus(self, corpus: str, target: Path, patterns: list[str]) -> None:
        self.leaklint_pair(corpus, target)
        cold_cache = self.scratch / "gocache-cold"
        warm_cache = self.scratch / f"gocache-warm-{corpus}"

        def fresh() -> None:
            shutil.rmtree(cold_cache, ignore_errors=True)
            shutil.rmtree(self.scratch / "staticcheck-cold", ignore_errors=True)

        cold = {"GOCACHE": str(cold_cache)}
        # --user-go-cache: "warm" uses the caches already on the machine, not primed here.
        warm = {} if self.args.user_go_cache else {"GOCACHE": str(warm_cache)}
        vet = [go(), "vet", "-httpresponse", *patterns]
        self.time("go vet -httpresponse cold", corpus, vet, target, slow=True, env=cold,
                  before=fresh, ok=(0, 1))
        if self.wanted("go vet -httpresponse warm") and not self.args.user_go_cache:
            subprocess.run(vet, cwd=target, env={**os.environ, **warm}, capture_output=True)
        self.time("go vet -httpresponse warm", corpus, vet, target, env=warm, ok=(0, 1))
        sc = self.tools.get("staticcheck", "staticcheck")
        sc_cold = {**cold, "STATICCHECK_CACHE": str(self.scratch / "staticcheck-cold")}
        sc_warm = warm if self.args.user_go_cache else {
            **warm, "STATICCHECK_CACHE": str(self.scratch / f"staticcheck-{corpus}")}
        self.time("staticcheck cold", corpus, [sc, *patterns], target, slow=True,
                  env=sc_cold, before=fresh, ok=(0, 1))
        if self.wanted("staticcheck warm") and Path(sc).exists() and not \
                self.args.user_go_cache:
            try:  # prime the cache; a prime that times out leaves the warm run to say so
                subprocess.run([sc, *patterns], cwd=target, env={**os.environ, **sc_warm},
                               capture_output=True, timeout=self.args.timeout)
            except subprocess.TimeoutExpired:
                print("  staticcheck warm: priming timed out", flush=True)
        self.time("staticcheck warm", corpus, [sc, *patterns], target, env=sc_warm,
                  ok=(0, 1))
        self.alternate(corpus, target, "staticcheck warm", [sc, *patterns], env=sc_warm)
        bc = self.tools.get("bodyclose", "bodyclose")
        self.time("bodyclose", corpus, [bc, *patterns], target, slow=True, env=warm,
                  ok=(0, 1, 3))
        gs = self.tools.get("gosec", "gosec")
        self.time("gosec -include=G107,G114", corpus,
                  [gs, "-quiet", "-include=G107,G114", "./..."], target, slow=True,
                  env=warm, ok=(0, 1))
        rule = self.scratch / "semgrep-go.yaml"
        rule.write_text(SEMGREP_GO_RULE)
        sg = self.tools.get("semgrep", "semgrep")
        self.time("semgrep (1 Go rule)", corpus,
                  [sg, "--config", str(rule), "--metrics=off", "--quiet", "-j", "2", "."],
                  target, slow=True, ok=(0, 1))

    def python_corpus(self, corpus: str, target: Path) -> None:
        self.leaklint_pair(corpus, target)
        ruff = self.tools.get("ruff", "ruff")
        ruff_cmd = [ruff, "check", "--no-cache", "--select", "S113", "--exit-zero", "-q",
                    "--isolated", "."]
        self.time("ruff --select S113", corpus, ruff_cmd, target)
        self.alternate(corpus, target, "ruff --select S113", ruff_cmd)
        flake8 = self.tools.get("flake8", "flake8")
        self.time("flake8", corpus, [flake8, "--exit-zero", "-q", "."], target, slow=True)
        bandit = self.tools.get("bandit", "bandit")
        self.time("bandit -t B113", corpus, [bandit, "-q", "-r", "-t", "B113", "."], target,
                  slow=True)
        pylint = self.tools.get("pylint", "pylint")
        self.time("pylint --enable=W3101", corpus,
                  [pylint, "--disable=all", "--enable=W3101", "--exit-zero", "-j", "0",
                   "--recursive=y", "."], target, slow=True)

    def scaling(self, source: Path) -> list[tuple[int, float]]:
        """leaklint cold on a corpus copied 1x, 2x, 4x, and on an empty directory (the
        fixed cost of a run). The copies are made first and the runs interleaved
        (1x, 2x, 4x, empty, then again), so every size sees the same machine."""
        factors = (1, 2, 4)
        roots = {0: self.scratch / "scale0"}
        roots[0].mkdir(parents=True, exist_ok=True)
        for factor in factors:
            roots[factor] = self.scratch / f"scale{factor}"
            for i in range(factor):
                _copy_sources(source, roots[factor] / f"copy{i}")
        timings = {k: Timing(f"leaklint cold {k}x" if k else "leaklint cold, empty directory",
                             "scaling") for k in (*factors, 0)}
        for _ in range(self.args.reps):
            for k in (*factors, 0):
                run_timed(timings[k], [*self.leaklint(), "check", "--exit-zero", "-q",
                                       "--no-cache", str(roots[k])],
                          self.scratch, 1, self.args.timeout)
        for k in (*factors, 0):
            self.results.append(timings[k])
            shutil.rmtree(roots[k], ignore_errors=True)
        return [(k, timings[k].wall) for k in (*factors, 0) if timings[k].wall is not None]


def scaling_table(scaling: list[tuple[int, float]], shown: str) -> list[str]:
    """Per copy, gross (the whole run divided by k) and net of the fixed cost of a run
    (the empty directory's time): linear growth keeps both near 1.0."""
    walls = dict(scaling)
    empty = walls.pop(0, 0.0)
    base = walls.get(1)
    if not base:
        return []
    lines = ["", f"## Scaling ({shown} copied k times, leaklint cold)", "",
             f"Fixed cost of a run (an empty directory): {empty:.2f} s.", "",
             "| copies | median wall (s) | per copy (s) | per copy / 1x "
             "| net of fixed cost, per copy / 1x |",
             "|---:|---:|---:|---:|---:|"]
    for k, wall in sorted(walls.items()):
        net = (wall - empty) / k / (base - empty) if base > empty else float("nan")
        lines.append(f"| {k}x | {wall:.2f} | {wall / k:.2f} | {wall / k / base:.2f} "
                     f"| {net:.2f} |")
    return lines


def _copy_sources(source: Path, dest: Path) -> None:
    def ignore(directory: str, names: list[str]) -> list[str]:
        return [n for n in names if not os.path.isdir(os.path.join(directory, n))
                and not n.endswith((".go", ".py")) and n != "go.mod"]

    shutil.copytree(source, dest, ignore=ignore, symlinks=True)


# --- report -----------------------------------------------------------------------------

def machine(tools: dict[str, str]) -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    lines = [
        f"- OS: {platform.platform()}",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores (affinity: "
        f"{len(os.sched_getaffinity(0))}); memory {mem}",
        f"- Python {platform.python_version()}; {version([go(), 'version'])}",
        f"- leaklint: {version([*tools['leaklint'].split(), '--version'])}",
    ]
    for name, flag in (("staticcheck", "-version"), ("bodyclose", "-V=full"),
                       ("gosec", "-version")):
        if name in tools:
            lines.append(f"- {name}: {version([tools[name], flag])}")
    for name in PY_PEERS:
        if name in tools:
            lines.append(f"- {name}: {version([tools[name], '--version'])}")
    return lines


def table(results: list[Timing]) -> list[str]:
    lines = ["| corpus | tool | median wall (s) | runs | peak memory (MB) "
             "| ratio to leaklint cold |",
             "|---|---|---:|---:|---:|---:|"]
    base: dict[str, float] = {}
    for t in results:
        if t.label.startswith("leaklint cold") and t.wall:
            base.setdefault(t.corpus, t.wall)
    paired: float | None = None  # the leaklint run a peer alternated with
    for t in results:
        if t.wall is None:
            lines.append(f"| {t.corpus} | {t.label} | {t.status} | 0 | | |")
            continue
        reference = base.get(t.corpus)
        if t.label.startswith("leaklint cold, alternated"):
            paired = reference = t.wall
        elif t.label.endswith(", alternated") and paired:
            reference = paired
        ratio = f"{t.wall / reference:.2f}" if reference else ""
        wall = f"{t.wall:.2f}" + ("" if t.status == "ok" else f" ({t.status})")
        lines.append(f"| {t.corpus} | {t.label} | {wall} | {len(t.walls)} | "
                     f"{t.rss_mb:.0f} | {ratio} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="more corpora to measure")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--slow-reps", type=int, default=1,
                        help="repetitions for peers that take minutes")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--only", type=lambda v: [s.strip() for s in v.split(",")],
                        help="tool label prefixes to run (e.g. leaklint,go vet,ruff)")
    parser.add_argument("--skip-install", action="store_true")
    parser.add_argument("--no-scaling", action="store_true")
    parser.add_argument("--scale-corpus", type=Path,
                        help="corpus copied 1x/2x/4x (default: $(go env GOROOT)/src/net)")
    parser.add_argument("--user-go-cache", action="store_true",
                        help="warm Go peers use the existing GOCACHE instead of priming one")
    parser.add_argument("--no-go", action="store_true")
    parser.add_argument("--no-python", action="store_true")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)

    tools = install(args.skip_install)
    bench = Bench(args, tools)
    try:
        if not args.no_go:
            print("Go standard library", flush=True)
            bench.go_corpus("go-std", goroot_src(), ["std", "cmd"])
        if not args.no_python:
            print("CPython standard library", flush=True)
            # A copy outside any repository: an installation may sit in a git work tree
            # whose .gitignore hides it, and no tool should write caches into it.
            stdlib = bench.scratch / "cpython-stdlib"
            shutil.copytree(python_stdlib(), stdlib, symlinks=True,
                            ignore=shutil.ignore_patterns("site-packages", "__pycache__"))
            bench.python_corpus("cpython-stdlib", stdlib)
        for directory in args.dirs:
            name = directory.resolve().name
            if has_files(directory, ".go"):
                subprocess.run([go(), "mod", "download"], cwd=directory, check=False)
                bench.go_corpus(name, directory.resolve(), ["./..."])
            if has_files(directory, ".py"):
                bench.python_corpus(name, directory.resolve())
        scale_corpus = args.scale_corpus or goroot_src()
        scaling = [] if args.no_scaling else bench.scaling(scale_corpus)
    finally:
        shutil.rmtree(bench.scratch, ignore_errors=True)

    lines = ["# leaklint speed benchmark", "",
             "Generated by `python bench/run.py` (see its docstring for the method).", "",
             "## Machine", "", *machine(tools), "", "## Results", "", *table(bench.results)]
    if scaling:
        lines += scaling_table(scaling, "$(go env GOROOT)/src" if args.scale_corpus is None
                               else scale_corpus.name)
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
