"""Content-hash result cache (`.leaklint_cache/` at the project root).

One entry per work unit (a Python file or a Go package), named by a key that hashes
everything the unit's results depend on: the bytes of its files (and, for Go, of go.mod
and of the same-module packages it imports), the leaklint version and code, the
effective configuration and the rule selection. An entry holds the unit's findings
after suppressions and per-file ignores, its file problems and its counters.

Entries are JSON, never pickle: the cache directory lives inside the analysed
repository, and loading it must not be a way to run code. Writes go to a temporary
file renamed into place, so two concurrent runs never see half an entry; an entry that
does not load (truncated, edited, an older layout) is ignored and recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from leaklint import __version__
from leaklint.model import Edit, FileProblem, Finding, Fix, Related, Scope, Span

DIRNAME = ".leaklint_cache"
LAYOUT = "v1"  # bump when the entry format changes
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by leaklint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def project_root(first_path: Path, config_source: Path | None) -> Path:
    """Where the cache lives: the configuration file's directory, else the git top
    level above the first PATH, else the first PATH (its directory for a file)."""
    if config_source is not None:
        return config_source
    start = first_path.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start if start.is_dir() else start.parent


# The parsers whose verdicts the cache stores ("cannot be parsed" included).
PARSERS = ("libcst", "tree_sitter", "tree_sitter_go")
_DIST_INFO = re.compile(r"(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)\.(?:dist|egg)-info")


def parser_versions() -> list[str]:
    """`name=version:size:mtime` for each parser, from the sys.path entry it would be
    imported from (its dist-info directory, its __init__), without importing it: a
    parser upgrade must not serve the previous parser's results."""
    found: dict[str, str] = {}
    for entry in sys.path:
        if len(found) == len(PARSERS):
            break
        if not entry or not os.path.isabs(entry):  # never the analysed tree's own
            continue
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        versions = {}
        for name in names:
            m = _DIST_INFO.fullmatch(name)
            if m is not None:
                versions[m.group("name").lower().replace("-", "_").replace(".", "_")] = \
                    m.group("version")
        for package in PARSERS:
            if package in found or package not in names:
                continue
            try:
                st = os.stat(os.path.join(entry, package, "__init__.py"))
                stamp = f"{st.st_size}:{st.st_mtime_ns}"
            except OSError:
                stamp = "?"
            found[package] = f"{package}={versions.get(package, '?')}:{stamp}"
    return [found.get(package, f"{package}=absent") for package in PARSERS]


def code_fingerprint() -> str:
    """The version plus the size and mtime of leaklint's own modules and rule files, so
    an edited but unreleased checkout never serves results of older code; and the
    parsers' versions and Python's, whose parsers decide what a file holds."""
    package = Path(__file__).resolve().parent
    parts = [__version__, sys.version, *parser_versions()]
    roots = [package, package.parent / "rules", package / "_catalogue"]
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".toml", ".scm"):
                st = path.stat()
                parts.append(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


class Cache:
    """Read and write entries under `root/.leaklint_cache`. Never raises on I/O: the
    cache only makes runs faster, so a cache that cannot be used is said once (through
    `notice`) and the run goes on without it."""

    def __init__(self, root: Path, salt: str,
                 notice: Callable[[str], None] | None = None) -> None:
        self.directory = root / DIRNAME
        self._entries = self.directory / LAYOUT
        # Every temporary file is written here, then renamed into place: a run that is
        # killed leaves its debris in one directory, cheap to sweep on every start.
        self.temporaries = self.directory / "tmp"
        self.salt = salt
        self._salt = salt.encode()
        self._prepared = False
        self._notice = notice
        self._failed = False
        self._safe_dirs: set[Path] = set()
        self.hits = 0
        self.misses = 0

    def open(self) -> str | None:
        """Make the cache ready for a run: None, or why it cannot be used. Temporary
        files left by a run that was killed are removed here."""
        for directory in (self.directory, self._entries, self.temporaries):
            if os.path.islink(directory):
                # A repository could aim it anywhere: never write through it.
                return (f"{directory}: is a symbolic link; not followed, running "
                        "without the cache")
            if os.path.lexists(directory) and not os.path.isdir(directory):
                return f"{directory}: is not a directory; running without the cache"
        first = not os.path.isdir(self.temporaries)
        try:
            self.prepare()
        except OSError as exc:
            self._failed = True
            return (f"{self.directory}: cannot be written ({exc.strerror or exc}); "
                    "running without the cache")
        # Once, when the directory of temporaries is new: debris of older versions,
        # which wrote their temporary files beside their targets.
        sweep_temporaries(self.directory, depth=2 if first else 0)
        sweep_temporaries(self.temporaries)
        return None

    def failed(self, exc: OSError) -> None:
        """A write failed (read-only or full disk): say so once, write no more."""
        if not self._failed and self._notice is not None:
            self._notice(f"{self.directory}: cannot be written ({exc.strerror or exc}); "
                         "going on without the cache")
        self._failed = True

    @property
    def writable(self) -> bool:
        return not self._failed

    def key(self, parts: list[bytes]) -> str:
        h = hashlib.blake2b(self._salt, digest_size=20)
        for part in parts:
            h.update(len(part).to_bytes(8, "little"))
            h.update(part)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self._entries / key[:2] / key

    def get(self, key: str) -> dict | None:
        try:
            data = json.loads(self._path(key).read_bytes())
            outcome = decode_outcome(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            outcome = None  # missing or corrupt: recompute (and overwrite)
        if outcome is None:
            self.misses += 1
        else:
            self.hits += 1
        return outcome

    def put(self, key: str, outcome: dict) -> None:
        if self._failed:
            return
        try:
            self.prepare()
            target = self._path(key)
            if not self.safe_directory(target.parent):
                return
            write_atomic(target, json.dumps(encode_outcome(outcome),
                                            separators=(",", ":")).encode(), self.temporaries)
        except OSError as exc:
            self.failed(exc)  # a read-only or full disk makes the run slower, never wrong

    def safe_directory(self, directory: Path) -> bool:
        """Create `directory` inside the cache; False when it is a symbolic link (a
        committed one could send writes anywhere)."""
        if directory in self._safe_dirs:
            return True
        directory.mkdir(parents=True, exist_ok=True)
        if os.path.islink(directory):
            return False
        self._safe_dirs.add(directory)
        return True

    def prepare(self) -> None:
        if self._prepared:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        self.temporaries.mkdir(exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n")):
            path = self.directory / name
            if not path.exists():
                write_atomic(path, text.encode(), self.temporaries)
        self._prepared = True


TEMP_PREFIX = ".tmp-"
STALE_TEMP_SECONDS = 60  # a temporary file this old belongs to no live write


def sweep_temporaries(directory: Path, depth: int = 0) -> None:
    """Remove the temporary files a killed run left in `directory` (and `depth` levels
    below): those older than a minute, as a younger one may be another run's write in
    progress."""
    limit = time.time() - STALE_TEMP_SECONDS
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.name.startswith(TEMP_PREFIX):
                if entry.stat(follow_symlinks=False).st_mtime < limit:
                    os.unlink(entry.path)
            elif depth and entry.is_dir(follow_symlinks=False):
                sweep_temporaries(Path(entry.path), depth - 1)
        except OSError:
            continue


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def write_atomic(path: Path, data: bytes, temporaries: Path | None = None) -> None:
    """Write to a temporary file beside `path`, then rename it into place. The name is
    chosen before the file is created, so that whatever interrupts the write (a signal
    included, even one arriving as the file is created) removes it. `temporaries`: the
    directory of the temporary file (on the same file system), by default `path`'s."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    tmp: str | None = None
    try:
        for _ in range(100):
            tmp = os.path.join(temporaries or path.parent,
                               f"{TEMP_PREFIX}{os.urandom(6).hex()}")
            try:
                fd = os.open(tmp, flags, 0o600)
                break
            except FileExistsError:  # another writer's: not ours to remove
                tmp = None
        else:
            raise FileExistsError(f"{path.parent}: no free temporary file name")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            _unlink(tmp)
        raise


# An outcome is {"findings": [Finding], "problems": [FileProblem], "suppressed": int,
# "files": int}; below, its JSON form and back (a wrong shape raises -> treated as corrupt).

def encode_outcome(outcome: dict) -> dict:
    return {
        "findings": [asdict(f) for f in outcome["findings"]],
        "problems": [asdict(p) for p in outcome["problems"]],
        "suppressed": outcome["suppressed"],
        "files": outcome["files"],
    }


def _span(d: dict) -> Span:
    return Span(**{k: int(v) for k, v in d.items()})


def _finding(d: dict) -> Finding:
    fix = d["fix"]
    scope = d["scope"]
    return Finding(
        rule_id=str(d["rule_id"]),
        path=str(d["path"]),
        span=_span(d["span"]),
        message=str(d["message"]),
        related=tuple(Related(_span(r["span"]), str(r["message"]),
                              None if r.get("path") is None else str(r["path"]))
                      for r in d["related"]),
        fix=None if fix is None else Fix(
            str(fix["description"]),
            tuple(Edit(_span(e["span"]), str(e["replacement"])) for e in fix["edits"]),
            bool(fix["safe"]),
        ),
        scope=None if scope is None else Scope(
            str(scope["name"]), int(scope["start_line"]), int(scope["end_line"])
        ),
        snippet=str(d["snippet"]),
    )


def decode_outcome(data: dict) -> dict:
    return {
        "findings": [_finding(f) for f in data["findings"]],
        "problems": [FileProblem(str(p["path"]), str(p["reason"]), str(p["kind"]))
                     for p in data["problems"]],
        "suppressed": int(data["suppressed"]),
        "files": int(data["files"]),
    }


class StatMemo:
    """What planning learnt about each file (content hash, the language's facts such as
    Go imports), remembered by
    (size, mtime, inode) so a warm run stats files instead of reading them.

    A file modified in the last few seconds is never remembered: its timestamp may not
    have moved yet on a coarse clock, and a same-size edit would go unnoticed ("racy"
    entries, as git calls them). The memo is a cache too: unreadable means empty."""

    RACY_NS = 3_000_000_000

    def __init__(self, cache: Cache) -> None:
        self._path = cache.directory / LAYOUT / "stat-memo.json"
        self._cache = cache
        self._entries: dict[str, list] = {}
        self._dirty = False
        self._now = time.time_ns()
        try:
            data = json.loads(self._path.read_bytes())
            if isinstance(data, dict) and data.get("salt") == cache.salt:
                self._entries = data["files"]
        except (OSError, ValueError, KeyError, TypeError):
            self._entries = {}

    def lookup(self, path: str, st: os.stat_result) -> tuple[bytes, Any] | None:
        """(content hash, the language's facts about the file or None), or None."""
        entry = self._entries.get(path)
        if not isinstance(entry, list) or len(entry) != 5:
            return None
        size, mtime, ino, hexdigest, facts = entry
        if (size, mtime, ino) != (st.st_size, st.st_mtime_ns, st.st_ino):
            return None
        try:
            return bytes.fromhex(hexdigest), facts
        except (TypeError, ValueError):
            return None

    def remember(self, path: str, st: os.stat_result, file_digest: bytes,
                 facts: Any) -> None:
        if st.st_mtime_ns > self._now - self.RACY_NS:
            return
        self._entries[path] = [st.st_size, st.st_mtime_ns, st.st_ino, file_digest.hex(),
                               facts]
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or not self._cache.writable:
            return
        try:
            self._cache.prepare()
            if not self._cache.safe_directory(self._path.parent):
                return
            data = {"salt": self._cache.salt, "files": self._entries}
            write_atomic(self._path, json.dumps(data, separators=(",", ":")).encode(),
                         self._cache.temporaries)
        except OSError as exc:
            self._cache.failed(exc)
