"""A warm re-run of an unchanged tree, answered without walking or planning it.

After a run over directories, its outcome is stored with what it was read from: each
directory walked or listed (a file added, removed or renamed changes the directory's
modification time), each file read (size, modification time, inode), and the
directories above the named ones (where go.mod, .git and .gitignore files are looked
for). The next run with the same arguments, working directory, configuration and
leaklint code stats those; when none moved, it reports the stored outcome. Anything
modified in the few seconds before the run started (or during it) keeps the record from
being stored: a coarse clock may not have moved yet ("racy" entries, as in the stat
memo). A record that does not load is ignored, like any cache entry.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from leaklint.engine.cache import (
    LAYOUT,
    Cache,
    StatMemo,
    decode_outcome,
    encode_outcome,
    write_atomic,
)

KEPT = 8  # records of other invocations kept (the oldest go first)


# Looked for in a directory and every one above it (the repository root, the module, the
# ignore rules): whether each is there counts, and the content of the last two.
_PROBED = (".git", "go.mod", ".gitignore")
_READ = ("go.mod", ".gitignore")


@dataclass
class Inputs:
    """What a run read, gathered while it runs (absolute paths)."""

    directories: set[str] = field(default_factory=set)  # listed: entries must not change
    files: set[str] = field(default_factory=set)  # read: content must not change
    complete: bool = True  # False: some result depends on something not listed here
    started_ns: int = field(default_factory=time.time_ns)
    _probed: set[str] = field(default_factory=set)

    def above(self, directory: str) -> None:
        """The directory and those above it are searched for .git, go.mod and
        .gitignore: what is there (not their other entries) counts."""
        while directory not in self._probed:
            self._probed.add(directory)
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent

    def probes(self) -> list[str]:
        return sorted(os.path.join(d, name) for d in self._probed for name in _PROBED)


def _dir_sig(st: os.stat_result) -> list[int]:
    return [st.st_mtime_ns, st.st_ino]


def _file_sig(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _unchanged(entries: list[list], sig) -> bool:
    """Whether each [path, *signature] still stats to the same signature."""
    return all(sig(os.stat(path)) == rest for path, *rest in entries)


def _signed(paths: set[str], sig, newest: int) -> list[list] | None:
    """[path, *signature] for each path; None when one was modified after `newest`."""
    out = []
    for path in sorted(paths):
        st = os.stat(path)
        if st.st_mtime_ns > newest:
            return None
        out.append([path, *sig(st)])
    return out


class RunRecords:
    """Records under `.leaklint_cache/v1/runs/`, one per invocation key."""

    def __init__(self, cache: Cache, invocation: list[str]) -> None:
        self._cache = cache
        self._directory = cache.directory / LAYOUT / "runs"
        self._path = self._directory / (cache.key([os.fsencode(s) for s in invocation]) + ".json")

    def load(self) -> tuple[dict, list[tuple[str, str]]] | None:
        """(the run's outcome, discovery's problems) when nothing it read has moved."""
        try:
            data = json.loads(self._path.read_bytes())
            if data.get("salt") != self._cache.salt:
                return None
            if not (_unchanged(data["directories"], _dir_sig)
                    and _unchanged(data["files"], _file_sig)):
                return None
            for path, was_there in data["probes"]:
                if os.path.lexists(path) != was_there:
                    return None
            outcome = decode_outcome(data["outcome"])
            problems = [(str(p), str(r)) for p, r in data["discovery_problems"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return outcome, problems

    def save(self, outcome: dict, discovery_problems: list[tuple[str, str]],
             inputs: Inputs) -> None:
        """Store the run unless it depends on something unlisted or recent."""
        if not inputs.complete or not self._cache.writable:
            return
        newest = inputs.started_ns - StatMemo.RACY_NS
        try:
            probes = []
            for path in inputs.probes():
                there = os.path.lexists(path)
                probes.append([path, there])
                if there and os.path.basename(path) in _READ:
                    inputs.files.add(path)  # its content counts too
            directories = _signed(inputs.directories, _dir_sig, newest)
            files = _signed(inputs.files, _file_sig, newest)
            if directories is None or files is None:
                return  # modified too recently to trust its timestamp
            data = {"salt": self._cache.salt, "directories": directories, "files": files,
                    "probes": probes,
                    "outcome": encode_outcome(outcome),
                    "discovery_problems": [list(p) for p in discovery_problems]}
            self._cache.prepare()
            if not self._cache.safe_directory(self._directory):
                return
            write_atomic(self._path, json.dumps(data, separators=(",", ":")).encode(),
                         self._cache.temporaries)
            self._prune()
        except OSError as exc:
            self._cache.failed(exc)  # only slower next time

    def _prune(self) -> None:
        records = sorted(self._directory.glob("*.json"), key=_mtime, reverse=True)
        for old in records[KEPT:]:
            with contextlib.suppress(OSError):
                old.unlink()


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
