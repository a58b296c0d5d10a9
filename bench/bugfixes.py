"""Real bug fixes: leaklint must flag the parent of each fix and not the fix itself.

    python bench/bugfixes.py --clones DIR [--clone owner/name=PATH ...] [--only REPO]

DIR holds local clones named `owner+name` (optionally with the clone in a `repo` subfolder),
bare or with a work tree. The list of fixes is bench/bugfixes.toml. For every entry the
directory of the changed file is checked out at the parent and at the fix into a temporary
directory (a Go package needs its sibling files), leaklint runs on both, and the findings of
the entry's rule inside the entry's function are counted. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import GO_FUNC, Clone, enclosing, py_enclosing, run_leaklint

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent


def locate(repo: str, clones: Path | None, explicit: dict[str, str]) -> Clone | None:
    if repo in explicit:
        return Clone(explicit[repo])
    if clones is None:
        return None
    owner, name = repo.split("/")
    for cand in (clones / f"{owner}+{name}" / "repo", clones / f"{owner}+{name}", clones / name):
        if cand.is_dir():
            return Clone(str(cand))
    return None


def checkout(clone: Clone, rev: str, rel: str, dest: Path) -> None:
    suffix = Path(rel).suffix
    for sibling in clone.siblings(rev, rel):
        if sibling.endswith(suffix):
            target = dest / sibling
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(clone.show(rev, sibling), encoding="utf-8")


def hits(root: Path, rel: str, rule: str, function: str) -> tuple[int, list[str]]:
    """Findings of `rule` in `function` of `rel`, and every rule found in that function."""
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    count, seen = 0, []
    for f in run_leaklint(root):
        if f.path != rel or not 0 < f.line <= len(lines):
            continue
        owner = (enclosing(lines, f.line - 1, GO_FUNC) if rel.endswith(".go")
                 else py_enclosing(lines, f.line - 1))
        if owner != function:
            continue
        seen.append(f"{f.rule}@{f.line}")
        count += f.rule == rule
    return count, seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clones", type=Path, help="directory of local clones (owner+name)")
    parser.add_argument("--clone", action="append", default=[], metavar="OWNER/NAME=PATH")
    parser.add_argument("--only", help="run only the entries of this repository")
    args = parser.parse_args(argv)
    explicit = dict(c.split("=", 1) for c in args.clone)
    fixes = tomllib.loads((HERE / "bugfixes.toml").read_text(encoding="utf-8"))["fix"]
    print("| repository | commit | file | function | rule | parent flagged | fix clean |"
          " other findings in the function (parent / fix) |")
    print("|---|---|---|---|---|---|---|---|")
    ok = total = 0
    for fx in fixes:
        if args.only and fx["repo"] != args.only:
            continue
        clone = locate(fx["repo"], args.clones, explicit)
        row = [fx["repo"], fx["commit"][:12], f"`{fx['file']}`", f"`{fx['function']}`", fx["rule"]]
        if clone is None:
            print("| " + " | ".join([*row, "no clone", "no clone", ""]) + " |")
            continue
        total += 1
        with tempfile.TemporaryDirectory(prefix="leaklint-fix-") as tmp:
            try:
                results = []
                for side, rev in (("parent", fx["commit"] + "^"), ("fix", fx["commit"])):
                    root = Path(tmp) / side
                    checkout(clone, rev, fx["file"], root)
                    results.append(hits(root, fx["file"], fx["rule"], fx["function"]))
            except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
                print("| " + " | ".join([*row, "error", "error", str(exc)[:80]]) + " |")
                continue
        (p_count, p_seen), (f_count, f_seen) = results
        flagged, clean = p_count > 0, f_count == 0
        ok += flagged and clean
        others = f"{', '.join(p_seen) or '—'} / {', '.join(f_seen) or '—'}"
        print("| " + " | ".join([*row, "yes" if flagged else "**no**",
                                 "yes" if clean else "**no**", others]) + " |")
    print(f"\n{ok}/{total} fixes: parent flagged and fix clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
