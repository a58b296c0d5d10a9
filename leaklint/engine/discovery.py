"""Which files a run analyses: deterministic walk, .gitignore, excludes (SPEC §2, §3)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from leaklint.engine.gitignore import GitIgnore
from leaklint.languages import BY_SUFFIX as SUFFIXES  # ending -> language

if TYPE_CHECKING:  # imported when a .gitignore or an exclude is met: fast start
    import pathspec

    from leaklint.engine.run_record import Inputs

# Directory names a walk never enters, like ruff's default `exclude`: version control,
# virtual environments, dependency and build-output trees (`third_party`, copies of other
# projects' code, as golangci-lint skips by default), caches. (A PATH named on the
# command line, and anything inside it, is still analysed.) `build` and `dist` are not
# in the list: they are ordinary Go package names (the standard library's go/build and
# cmd/dist). The `default-exclude` setting replaces the list.
DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".idea",
    ".ipynb_checkpoints", ".leaklint_cache", ".mypy_cache", ".nox", ".pants.d", ".pyenv",
    ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", ".vscode",
    "__pycache__", "__pypackages__", "_build", "buck-out", "node_modules", "site-packages",
    "testdata", "third_party", "vendor", "venv",
)


class DirectoryNames:
    """Directory names (or glob patterns over a name) the walk does not enter."""

    def __init__(self, names: tuple[str, ...] = DEFAULT_EXCLUDES) -> None:
        self._exact = frozenset(n for n in names if not any(c in n for c in "*?["))
        self._globs = tuple(n for n in names if n not in self._exact)

    def __contains__(self, name: str) -> bool:
        if name in self._exact:
            return True
        if self._globs:
            import fnmatch

            return any(fnmatch.fnmatchcase(name, g) for g in self._globs)
        return False


_OUTSIDE = "symlink to outside the scanned directory; not followed (name it as a PATH)"
# A directory reached a second time through a symlink: its files were analysed once,
# under their real path. Worth a notice, not an error (nothing was missed).
_ALIAS = "symlink to {target}, analysed there; skipped"
NOTICE_PREFIX = "symlink to "


def problem_kind(reason: str) -> str:
    """How a discovery problem is reported: "notice" (nothing was left unanalysed) or
    "unreadable"."""
    return "notice" if reason.startswith(NOTICE_PREFIX) and reason.endswith(
        ", analysed there; skipped") else "unreadable"


@dataclass(frozen=True)
class Candidate:
    path: Path  # on disk
    display: str  # shown to the user
    language: str


@dataclass
class Discovery:
    files: list[Candidate] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def language_of(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix)


def _display(path: Path, cwd: Path) -> str:
    raw = str(path)
    if not os.path.isabs(raw):  # already relative to the working directory (the usual case)
        normal = os.path.normpath(raw)
        if not normal.startswith(".."):
            return normal.replace(os.sep, "/")
    else:
        prefix = str(cwd).rstrip(os.sep) + os.sep
        if raw == prefix[:-1]:
            return "."  # the working directory itself (its files are shown relative)
        if raw.startswith(prefix) and ".." not in raw:
            return raw[len(prefix):].replace(os.sep, "/")
        if ".." not in raw and not raw.startswith(prefix):
            return path.as_posix()  # what relpath would give back for a path outside
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    return Path(rel).as_posix() if not rel.startswith("..") else path.as_posix()


class _GitIgnores:
    """.gitignore files met on the walk, each applying below its directory."""

    def __init__(self, inputs: Inputs | None = None) -> None:
        self._specs: dict[Path, GitIgnore | None] = {}
        self._inputs = inputs

    def _spec(self, directory: Path) -> GitIgnore | None:
        if directory not in self._specs:
            spec = None
            ignore_file = directory / ".gitignore"
            try:
                if ignore_file.is_file():

                    if self._inputs is not None:
                        self._inputs.files.add(os.path.abspath(ignore_file))

                    text = ignore_file.read_bytes().decode("utf-8", "surrogateescape")
                    spec = GitIgnore([line.removesuffix("\r")
                                      for line in text.split("\n")])
            except OSError:
                spec = None
            self._specs[directory] = spec
        return self._specs[directory]

    def active(self, chain: list[Path]) -> list[Path]:
        """The directories of the chain that have a .gitignore."""
        return [d for d in chain if self._spec(d) is not None]

    def ignored(self, path: Path, is_dir: bool, chain: list[Path]) -> bool:
        # As git: the .gitignore nearest the path speaks first; one with no line
        # matching the path leaves it to the next one up.
        for directory in reversed(chain):
            spec = self._spec(directory)
            if spec is None:
                continue
            verdict = spec.verdict(path.relative_to(directory).as_posix(), is_dir)
            if verdict is not None:
                return verdict
        return False


def _repo_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def discover(
    paths: list[str],
    *,
    exclude: pathspec.PathSpec | None = None,
    respect_gitignore: bool = True,
    cwd: Path | None = None,
    inputs: Inputs | None = None,
    force_exclude: bool = False,
    skip: tuple[str, ...] = DEFAULT_EXCLUDES,
) -> Discovery:
    """`inputs`: gathers the directories walked (and those above each PATH, where
    .git and .gitignore files are looked for) and the .gitignore files read.
    `force_exclude`: the exclude patterns apply to the PATHs themselves too (pre-commit
    names every file); without it a PATH named explicitly is always analysed. `skip`:
    names of directories never walked into."""
    cwd = cwd or Path.cwd()
    skipped = DirectoryNames(skip)
    result = Discovery()
    seen: set[Path] = set()
    gitignores = _GitIgnores(inputs)

    def add(path: Path, language: str, is_link: bool | None = None,
            raw: str | None = None, display: str | None = None) -> None:
        # The same file named twice (overlapping PATHs, or a link inside the tree) is
        # analysed once; realpath only where a link can be involved, since it costs a
        # system call per path component. (The walk already knows which entries are
        # links, and each file's absolute and displayed paths from its directory's.)
        raw = raw or os.path.abspath(path)
        try:
            if is_link is None:
                is_link = os.path.islink(raw)
            key = os.path.realpath(raw) if (overlapping or is_link) else raw
        except (OSError, RuntimeError, ValueError):
            key = raw
        if key not in seen:
            seen.add(key)
            result.files.append(Candidate(path, display or _display(path, cwd), language))

    def excluded(path: Path, is_dir: bool) -> bool:
        if exclude is None:
            return False
        rel = _display(path, cwd) + ("/" if is_dir else "")
        return exclude.match_file(rel) or exclude.match_file(path.name + ("/" if is_dir else ""))

    def excluded_below(root: Path):
        """The exclude test for the entries of a named directory. When the directory
        itself is excluded (`leaklint check fixtures` with `exclude = ["fixtures/"]`),
        it was named explicitly and is analysed: the patterns then apply to the paths
        below it, relative to it, so they do not exclude it again through its name."""
        if exclude is None or not excluded(root, True):
            return excluded
        root_abs = os.path.abspath(root)

        def below(path: Path, is_dir: bool) -> bool:
            rel = Path(os.path.relpath(os.path.abspath(path), root_abs)).as_posix()
            suffix = "/" if is_dir else ""
            return exclude.match_file(rel + suffix) or exclude.match_file(path.name + suffix)

        return below

    # Several PATH arguments may overlap through links; one PATH walked cannot repeat a
    # file except through a link (checked per file).
    overlapping = len(paths) > 1
    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            result.problems.append((raw, "no such file or directory"))
            continue
        if inputs is not None and not path.is_dir():
            inputs.complete = False  # only directories are recorded
        if path.is_file() or (not path.is_dir() and path.suffix in SUFFIXES):
            language = language_of(path)
            if language is None:
                result.problems.append((raw, "not a .go or .py file"))
            elif not (force_exclude and excluded(path, False)):
                add(path, language)  # named explicitly: analysed unless forced out
            continue
        if not path.is_dir():
            result.problems.append((raw, "not a regular file or directory"))
            continue
        if force_exclude and excluded(path, True):
            continue
        root_abs = path.resolve()
        if inputs is not None:
            inputs.above(os.path.abspath(path))
            inputs.above(str(root_abs))
        repo = _repo_root(root_abs) if respect_gitignore else None
        base_chain: list[Path] = []
        if repo is not None and repo != root_abs:
            # .gitignore files between the repository root and the named directory apply too.
            base_chain = [repo, *[p for p in reversed(root_abs.parents) if repo in p.parents]]
        for found, is_link, parent_abs, parent_display in _walk(
                path, root_abs, result, gitignores, base_chain, respect_gitignore,
                excluded_below(path), cwd, inputs, skipped):
            name = found.name
            add(found, SUFFIXES[os.path.splitext(name)[1]], is_link,
                os.path.join(parent_abs, name),
                name if parent_display == "." else f"{parent_display}/{name}")
    return result


def _walk(
    top: Path,
    root_abs: Path,
    result: Discovery,
    gitignores: _GitIgnores,
    base_chain: list[Path],
    respect_gitignore: bool,
    excluded,
    cwd: Path,
    inputs: Inputs | None = None,
    skipped: DirectoryNames | None = None,
) -> Iterator[tuple[Path, bool, str, str]]:
    """(file, is a link, its directory's absolute path, its directory as displayed)."""
    # Iterative, sorted, symlink-loop-proof walk that never leaves the named root.
    stack: list[tuple[Path, Path, list[Path]]] = [(top, root_abs, base_chain)]
    # Linked directories wait until every real one is walked, so that a file is shown
    # under its real path and the link is the one called an alias.
    linked: list[tuple[Path, Path, list[Path]]] = []
    visited: set[tuple[int, int]] = set()
    while stack or linked:
        directory, real, chain = stack.pop() if stack else linked.pop(0)
        try:
            st = real.stat()
            ident = (st.st_dev, st.st_ino)
            if ident in visited:
                target = _display(real, cwd)
                result.problems.append((directory.as_posix(), _ALIAS.format(target=target)))
                continue
            visited.add(ident)
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except PermissionError:
            result.problems.append((directory.as_posix(), "permission denied"))
            continue
        except OSError as exc:
            result.problems.append((directory.as_posix(), exc.strerror or str(exc)))
            continue
        directory_abs = os.path.abspath(directory)
        directory_display = _display(directory, cwd)
        if inputs is not None:
            inputs.directories.add(directory_abs)
        chain = [*chain, real] if respect_gitignore else chain
        # Only the directories with a .gitignore can ignore anything (most have none).
        ignoring = gitignores.active(chain) if respect_gitignore else []
        subdirs: list[tuple[Path, Path, list[Path]]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
                is_link = entry.is_symlink()
            except OSError:
                continue
            if not is_dir and os.path.splitext(entry.name)[1] not in SUFFIXES:
                continue  # cheap: most entries are neither directories nor sources
            child = directory / entry.name
            if is_dir:
                if entry.name in (skipped or _DEFAULT_NAMES):
                    continue
                # realpath costs a system call per component: only links need it.
                child_real = Path(os.path.realpath(child)) if is_link else real / entry.name
                if is_link and not _inside(child_real, root_abs):
                    # Never follow a link out of the scanned root, but say so: a silent
                    # skip would look like a clean result.
                    result.problems.append((child.as_posix(), _OUTSIDE))
                    continue
                if excluded(child, True):
                    continue
                if ignoring and gitignores.ignored(real / entry.name, True, ignoring):
                    continue
                (linked if is_link else subdirs).append((child, child_real, chain))
                continue
            if is_link:
                target = Path(os.path.realpath(child))
                if not target.exists():
                    result.problems.append((child.as_posix(), "dangling symlink"))
                    continue
                if not _inside(target, root_abs):
                    result.problems.append((child.as_posix(), _OUTSIDE))
                    continue
            if excluded(child, False):
                continue
            if ignoring and gitignores.ignored(real / entry.name, False, ignoring):
                continue
            yield child, is_link, directory_abs, directory_display
        stack.extend(reversed(subdirs))


_DEFAULT_NAMES = DirectoryNames()


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
