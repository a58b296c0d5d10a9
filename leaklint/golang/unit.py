"""The Go side of the engine's interface (leaklint.languages): a unit is one package,
the `.go` files of a directory. Cheap to import: tree-sitter is loaded only when a
package is analysed (leaklint.golang.analysis)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leaklint.context import RunContext
from leaklint.engine import memory
from leaklint.engine.cache import Cache, digest
from leaklint.engine.discovery import Candidate
from leaklint.engine.guard import AnalysisCrashed, call_guarded
from leaklint.engine.plan import Planning, Scanned, WorkUnit, scan_file
from leaklint.engine.run_record import Inputs
from leaklint.engine.units import UnitOutput, crashed, load
from leaklint.golang.header import read_header
from leaklint.golang.inert import reaching_imports
from leaklint.golang.prefilter import GoChoice, GoIndex, GoPackageInfo, could_defer_close_in_loop
from leaklint.model import FileResult
from leaklint.sources import SourceFile
from leaklint.suppress import UNUSED_RULE

SUFFIXES = (".go",)


@dataclass(frozen=True)
class GoUnitPlan:
    """Which of a package's files a worker analyses, and how."""

    only: frozenset[str] | None = None  # names of the files to analyse; None: all
    loop_defer_only: frozenset[str] = frozenset()  # of those, the LL202-only ones
    by_name: frozenset[str] = frozenset()  # of those, the ones analysed by names
    # Names of the files the planner read as text; one the worker does not analyse
    # (outside `only`) it need not read again.
    text_files: frozenset[str] = frozenset()


_ALL = GoUnitPlan()


def inspect(data: bytes) -> list:
    """What planning keeps of a Go file: [imports that can reach an API (None: the
    header was not understood), may defer a Close in a loop]."""
    header = read_header(data)
    imports = None if header is None else reaching_imports(data, header)
    return [imports, could_defer_close_in_loop(data)]


def _facts(scanned: Scanned) -> tuple[list[str] | None, bool]:
    """(imports, loop_defer) of a scanned file; a remembered entry of another shape
    counts as not understood."""
    facts = scanned.facts
    if isinstance(facts, list) and len(facts) == 2 and (
            facts[0] is None or isinstance(facts[0], list)):
        return facts[0], bool(facts[1])
    return None, True


def _go_names(directory: Path) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(directory)
                      if e.name.endswith(".go") and e.is_file())
    except OSError:
        return []


class _GoScans:
    """Scans of Go files, each read once per run: a package scanned on demand (a
    same-module dependency the run has not reached yet, or outside the run) and
    later as part of the run shares them."""

    def __init__(self, planning: Planning | None, inputs: Inputs | None = None) -> None:
        self._memo = planning.memo if planning is not None else None
        self._want_digest = planning.want_digest if planning is not None else False
        self._inputs = inputs
        self._files: dict[str, Scanned] = {}
        self._packages: dict[Path, GoPackageInfo] = {}  # by absolute directory

    def file(self, path: Path, key: str | None = None) -> Scanned:
        """`key`: the file's absolute path when the caller knows it (the same file
        named relative and absolute is scanned once)."""
        key = key or os.path.abspath(path)
        found = self._files.get(key)
        if found is None:
            if self._inputs is not None:
                self._inputs.files.add(key)
            found = self._files[key] = scan_file(
                path, want_digest=self._want_digest, inspect=inspect, memo=self._memo,
                key=key)
        return found

    def package(
        self, directory: Path, candidates: list[Candidate] = (),  # type: ignore[assignment]
    ) -> tuple[GoPackageInfo, dict[str, Scanned]]:
        """Scan a package: the run's files plus the directory's other .go files (the
        Go analysis indexes those too). Returns the info and the run files' scans by
        name."""
        absolute = Path(os.path.abspath(directory))
        prefix = os.path.join(str(absolute), "")
        if self._inputs is not None:  # its listing, and where its go.mod is looked for
            self._inputs.directories.add(str(absolute))
            self._inputs.above(str(absolute))
        named = {c.path.name: c for c in candidates}
        info = self._packages.get(absolute)
        run_scans: dict[str, Scanned] = {}
        if info is None or not set(named) <= set(info.files):
            info = GoPackageInfo(absolute)
            for name in sorted(set(_go_names(directory)) | set(named)):
                candidate = named.get(name)
                scanned = self.file(candidate.path if candidate else directory / name,
                                    prefix + name)
                info.add_file(name, *_facts(scanned))
                info.digests.append(os.fsencode(name) + b"\0" + (scanned.digest or b"?"))
                if not scanned.readable:
                    info.understood = False
                if candidate is not None:
                    run_scans[name] = scanned
            self._packages[absolute] = info
            return info, run_scans
        for name, candidate in named.items():  # scanned on demand before: the run's share
            run_scans[name] = self.file(candidate.path, prefix + name)
        return info, run_scans

    def other(self, directory: Path) -> GoPackageInfo | None:
        """A same-module package the run has not reached (or never will), on demand."""
        if not directory.is_dir():
            return None
        return self.package(directory)[0]


def plan(candidates: list[Candidate], planning: Planning) -> Iterator[tuple[WorkUnit, dict | None]]:
    """Go units one package at a time, each as soon as it is decided (the runner's
    workers start on the first ones while the rest are planned); a same-module package
    a decision needs and the run has not reached yet is scanned on demand, once."""
    groups: dict[Path, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.path.parent, []).append(candidate)
    ctx, cache, prefilter = planning.ctx, planning.cache, planning.prefilter
    want_digest = planning.want_digest
    scans = _GoScans(planning, planning.inputs)
    index = GoIndex(ctx.settings.go, scans.other, defer_in_loop="LL202" in ctx.enabled)
    package_digests: dict[Path, tuple[bytes, bool] | None] = {}
    for directory in sorted(groups):
        files = groups[directory]
        if prefilter or want_digest:
            info, run_scans = scans.package(directory, files)
            index.add(info)
            absolute = info.directory
            size = sum(s.size for s in run_scans.values())
            readable = all(s.readable for s in run_scans.values())
        else:
            absolute = Path(os.path.abspath(directory))
            run_scans = {}
            size = sum(scan_file(c.path, want_digest=False).size for c in files)
            readable = False
        key = None
        if cache is not None and readable:
            key = _go_key(cache, index, absolute, files, planning.context, prefilter,
                          package_digests)
            cached = cache.get(key) if key else None
            if cached is not None:
                yield WorkUnit("go", tuple(files), size=size, key=key, light=False), cached
                continue
        choice = index.choose(absolute) if prefilter else GoChoice(None)
        only = choice.only
        if only is not None and {c.path.name for c in files} <= only:
            only = None
        analyse = only is None or any(c.path.name in only for c in files)
        if only is not None:
            size = sum(run_scans[name].size for name in run_scans if name in only)
        # A file left out of the analysis is still read by the worker when LL001 runs:
        # its suppression comments silence nothing, and that is what LL001 reports.
        text_files = frozenset(name for name, s in run_scans.items() if s.text) \
            if (only is not None or not analyse) and UNUSED_RULE not in ctx.enabled \
            else frozenset()
        settled = not analyse and len(text_files) == len(files)
        detail = GoUnitPlan(only=only, loop_defer_only=choice.loop_only,
                            by_name=choice.by_name, text_files=text_files)
        # An analysed package is work enough for a round trip; one chosen only for files
        # that may defer a Close in a loop is light (most turn out not to).
        loop_only = only is not None and only <= choice.loop_only
        yield WorkUnit("go", tuple(files), analyse=analyse, size=size, key=key,
                       settled=settled, light=not analyse or loop_only,
                       detail=detail), None


def _go_key(
    cache: Cache, index: GoIndex, directory: Path, files: list[Candidate], context: bytes,
    prefilter: bool, package_digests: dict[Path, tuple[bytes, bool] | None],
) -> str | None:
    """Hash of the package's files, go.mod and every same-module package it imports
    (transitively): a change to any of them can change this package's results."""
    parts = [b"go", context, b"prefilter" if prefilter else b"all"]
    parts += [os.fsencode(c.display) for c in files]  # findings carry these paths
    module = index.module(directory)
    if module is not None:
        parts += [os.fsencode(module.root), module.go_mod]
    if index.incomplete(directory):
        return None  # it imports a package of the module that is not there (yet)
    members = []
    for member in index.closure(directory):
        if member not in package_digests:
            info = index.info(member)
            package_digests[member] = None if info is None else (digest(
                b"\0".join([os.fsencode(member), *info.digests])), info.understood)
        found = package_digests[member]
        if found is None or (member != directory and not found[1]):
            return None  # a dependency we cannot read: never cached
        members.append(found[0])
    parts.extend(sorted(members))
    return cache.key(parts)


def analyse_go_group(files: list[SourceFile], ctx: RunContext) -> list[FileResult]:
    from leaklint.golang.analysis import analyse_package  # tree-sitter, only when needed

    # The package's cycles are freed after it (memory.after_unit); collections while
    # it is analysed would only walk its growing heap again and again.
    with memory.collector_paused():
        return analyse_package(files, ctx)


def _safe_go(group: list[SourceFile], ctx: RunContext) -> list[FileResult]:
    # The nesting guard runs where a file is about to be parsed (leaklint.golang.analysis):
    # most files of a package never are.
    results: list[FileResult] = []
    try:
        return call_guarded(analyse_go_group, group, ctx)
    except AnalysisCrashed as exc:
        if len(group) == 1:
            return [FileResult(group[0].display, problems=[crashed(group[0].display, exc)])]
    # Find the culprit: each file alone (without the package context) so the others
    # are still analysed and only the failing file is reported.
    for source in group:
        try:
            results += call_guarded(analyse_go_group, [source], ctx)
        except AnalysisCrashed as exc:
            results.append(FileResult(source.display, problems=[crashed(source.display, exc)]))
    return results


def process(unit: WorkUnit, ctx: RunContext, out: UnitOutput) -> None:
    """Analyse one package. One the prefilter ruled out is still read (unreadable or
    binary files are reported either way) but never parsed."""
    detail: GoUnitPlan = unit.detail or _ALL
    # A file the prefilter proved finding-free (outside `only`) is read only to
    # report why it cannot be, unless the planner already read it as text.
    chosen = detail.only if unit.analyse else frozenset()
    to_read = [c for c in unit.files if chosen is None or c.path.name in chosen
               or c.path.name not in detail.text_files]
    sources = [s for c in to_read if (s := load(c, out.problems)) is not None]
    out.files_analysed += len(sources) + len(unit.files) - len(to_read)
    finished: set[str] = set()
    analysed = sources if chosen is None else [s for s in sources if s.path.name in chosen]
    if analysed and unit.analyse:
        by_display = {s.display: s for s in analysed}
        unit_ctx = ctx
        if detail.loop_defer_only or detail.by_name:
            unit_ctx = dataclasses.replace(ctx, loop_defer_only=detail.loop_defer_only,
                                           by_name=detail.by_name)
        for result in _safe_go(analysed, unit_ctx):
            out.finish(result, by_display.get(result.path), unit_ctx)
            finished.add(result.path)
    if UNUSED_RULE in ctx.enabled:  # the files with no result: no finding to suppress
        for source in sources:
            if source.display not in finished:
                out.finish(FileResult(source.display), source, ctx)
    # Parsed Go packages sit in reference cycles; a Python file's libcst tree is
    # freed by reference counting, and collecting after it only cost time.
    memory.after_unit(unit.size)


def preload() -> None:
    """Import the parser before a pool forks (not once per worker)."""
    import leaklint.golang.analysis  # noqa: F401


def parses(text: str) -> bool:
    """Does the text parse as Go (the fixer's check that a rewrite is still Go)?"""
    from leaklint.golang.parse import parse

    return not parse(text.encode("utf-8")).root_node.has_error
