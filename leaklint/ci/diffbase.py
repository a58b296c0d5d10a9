"""`--diff-base REF`: keep only findings in code changed since `git merge-base REF HEAD`.

Granularity is the enclosing function (Finding.scope): a pull request that edits one
line of a function is shown every finding of that function, including a leak whose
close line it deleted. Committed, staged and unstaged changes count (the working tree
is compared with the merge base); untracked files count as wholly changed. A finding
without a scope falls back to its own line."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from leaklint.model import Finding

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class DiffBaseError(Exception):
    """git could not answer: not a repository, unknown ref, no merge base."""


@dataclass
class FileChange:
    whole: bool = False  # untracked or new: every line counts as changed
    lines: set[int] = field(default_factory=set)  # new-file lines added or edited
    # A hunk that only deletes sits between new lines g and g + 1.
    gaps: list[int] = field(default_factory=list)

    def touches_range(self, start: int, end: int) -> bool:
        if self.whole:
            return True
        if any(start <= line <= end for line in self.lines):
            return True
        return any(start <= gap and gap + 1 <= end for gap in self.gaps)

    def touches_line(self, line: int) -> bool:
        return self.whole or line in self.lines or any(line in (g, g + 1) for g in self.gaps)


@dataclass
class ChangeSet:
    top: Path  # the repository's top level (symlinks resolved)
    merge_base: str
    files: dict[str, FileChange] = field(default_factory=dict)  # keyed by top-relative path

    def keeps(self, finding: Finding) -> bool:
        rel = _relative(finding.path, self.top)
        change = self.files.get(rel) if rel is not None else None
        if change is None:
            return False
        if finding.scope is not None:
            return change.touches_range(finding.scope.start_line, finding.scope.end_line)
        return change.touches_line(finding.span.line)


def _relative(path: str, top: Path) -> str | None:
    try:
        return Path(os.path.realpath(path)).relative_to(top).as_posix()
    except ValueError:
        return None


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=cwd, capture_output=True, check=False,
        )
    except FileNotFoundError:
        raise DiffBaseError("--diff-base needs git, which is not installed") from None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""  # not positions


def _unquote(name: bytes) -> str:
    """A path as git writes it in a patch header, as the file system names it (bytes
    that are not UTF-8 as surrogate escapes, like the paths the walk finds). git
    C-quotes paths holding control characters, quotes or backslashes (octal escapes
    for bytes); core.quotePath=false leaves other bytes as they are."""
    if name.startswith(b'"') and name.endswith(b'"'):
        # git writes no \x or \u escapes: unicode_escape undoes exactly its quoting
        # (byte for byte, through latin-1).
        name = name[1:-1].decode("unicode_escape").encode("latin-1")
    return name.decode("utf-8", "surrogateescape")


def parse_diff(patch: bytes) -> dict[str, FileChange]:
    """Changed new-file lines per path from `git diff -U0` output."""
    files: dict[str, FileChange] = {}
    current: FileChange | None = None
    for raw in patch.split(b"\n"):
        if raw.startswith(b"diff --git "):
            current = None
        elif raw.startswith(b"+++ "):
            name = raw[4:].rstrip(b"\r")
            if name.endswith(b"\t"):
                # git ends the line with a TAB when the name holds a space (a name
                # ending with a TAB itself would be quoted).
                name = name[:-1]
            if name == b"/dev/null":  # a deleted file has no findings
                current = None
                continue
            path = _unquote(name)
            path = path[2:] if path.startswith("b/") else path
            current = files.setdefault(path, FileChange())
        elif raw.startswith(b"@@") and current is not None:
            m = _HUNK.match(raw)
            if m is None:
                continue
            start, count = int(m.group(1)), int(m.group(2) or b"1")
            if count == 0:
                current.gaps.append(start)
            else:
                current.lines.update(range(start, start + count))
    return files


def changes_since(ref: str, where: Path) -> ChangeSet:
    """What changed in the repository holding `where` since the merge base with `ref`."""
    cwd = where if where.is_dir() else where.parent
    if not cwd.is_dir():
        cwd = Path.cwd()
    top_run = _git(["rev-parse", "--show-toplevel"], cwd)
    if top_run.returncode != 0:
        raise DiffBaseError(f"--diff-base: {cwd} is not inside a git repository")
    top = Path(os.path.realpath(top_run.stdout.decode("utf-8").strip()))
    if _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], top).returncode != 0:
        raise DiffBaseError("--diff-base: the repository has no commit yet (HEAD is unborn)")
    ref_run = _git(["rev-parse", "--verify", "--quiet", "--end-of-options",
                    f"{ref}^{{commit}}"], top)
    if ref_run.returncode != 0:
        raise DiffBaseError(f"--diff-base: unknown git revision {ref!r} "
                            "(fetch it first, e.g. git fetch origin main)")
    base_run = _git(["merge-base", ref_run.stdout.decode().strip(), "HEAD"], top)
    if base_run.returncode != 0 or not base_run.stdout.strip():
        detail = _first_line(base_run.stderr)
        raise DiffBaseError(
            f"--diff-base: {ref!r} and HEAD have no merge base"
            + (f" ({detail})" if detail else "")
            + "; in a shallow clone fetch more history (actions/checkout fetch-depth: 0)"
        )
    merge_base = base_run.stdout.decode().strip()
    # Merge base against the working tree: committed, staged and unstaged changes.
    diff = _git(["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
                 "-U0", "-M", "--src-prefix=a/", "--dst-prefix=b/", merge_base, "--"], top)
    if diff.returncode != 0:
        raise DiffBaseError(f"--diff-base: git diff failed: {_first_line(diff.stderr)}")
    files = parse_diff(diff.stdout)
    untracked = _git(["ls-files", "-z", "--others", "--exclude-standard"], top)
    if untracked.returncode == 0:
        for name in untracked.stdout.split(b"\0"):
            if name:
                files[name.decode("utf-8", "surrogateescape")] = FileChange(whole=True)
    return ChangeSet(top=top, merge_base=merge_base, files=files)


def keep(findings: list[Finding], changes: ChangeSet) -> list[int]:
    """Indexes of the findings the change touches."""
    return [i for i, f in enumerate(findings) if changes.keeps(f)]
