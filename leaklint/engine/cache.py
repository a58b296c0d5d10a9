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
import tempfile
import time
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


def code_fingerprint() -> str:
    """The version plus the size and mtime of leaklint's own modules and rule files, so
    an edited but unreleased checkout never serves results of older code."""
    package = Path(__file__).resolve().parent
    parts = [__version__]
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
    """Read and write entries under `root/.leaklint_cache`. Never raises on I/O."""

    def __init__(self, root: Path, salt: str) -> None:
        self.directory = root / DIRNAME
        self._entries = self.directory / LAYOUT
        self.salt = salt
        self._salt = salt.encode()
        self._prepared = False
        self.hits = 0
        self.misses = 0

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
        try:
            self.prepare()
            target = self._path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(json.dumps(encode_outcome(outcome), separators=(",", ":"))
                             .encode())
                os.replace(tmp, target)
            except BaseException:
                _unlink(tmp)
                raise
        except OSError:
            pass  # a read-only or full disk makes the run slower, never wrong

    def prepare(self) -> None:
        if self._prepared:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n")):
            path = self.directory / name
            if not path.exists():
                write_atomic(path, text.encode())
        self._prepared = True


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
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
        if not self._dirty:
            return
        try:
            self._cache.prepare()
            self._path.parent.mkdir(parents=True, exist_ok=True)
            data = {"salt": self._cache.salt, "files": self._entries}
            write_atomic(self._path, json.dumps(data, separators=(",", ":")).encode())
        except OSError:
            pass
