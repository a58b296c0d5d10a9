"""Analyses one Go package (tree-sitter-go): parse the files that need it, index the
package, run every Go check on each file."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from leaklint.context import RunContext
from leaklint.emit import FileReport
from leaklint.engine.refusal import too_deep
from leaklint.golang import buildtags, module
from leaklint.golang.checks import ALL as CHECKS
from leaklint.golang.context import GoCheckContext
from leaklint.golang.index import GoFile, build_index, load_file
from leaklint.golang.prefilter import may_defer_close_in_loop, model_packages, relevant_import
from leaklint.golang.reach import reaching_files
from leaklint.golang.resolve import Resolver
from leaklint.model import FileProblem, FileResult
from leaklint.sources import SourceFile

GO_RULES = frozenset().union(*(c.RULES for c in CHECKS))


def _siblings(
    directory: Path, parsed: set[str], known: dict[str, bytes]
) -> list[tuple[Path, bytes | None]]:
    """The package's files not parsed yet (by name: they share one directory), with
    their bytes when the run has them; the index parses one only when it needs a name
    it declares."""
    return [(path, known.get(path.name)) for path in module.go_files(directory)
            if path.name not in parsed]


def _relevant_path(directory: Path, ctx: RunContext) -> Callable[[str], bool]:
    """Whether a package's types may carry what the rules track: the packages the
    prefilter counts as relevant, io (a body travels as an io.ReadCloser) and, without
    looking, every package of the same module."""
    models = model_packages(ctx.settings.go)
    found = module.find_module(directory)
    own = found[1] if found is not None else None

    def relevant(path: str) -> bool:
        if path == "io" or relevant_import(path, models):
            return True
        return own is not None and (path == own or path.startswith(own + "/"))

    return relevant


class _Loader:
    """Parses the run's files of one package, refusing first (LL000) a file nested
    beyond what the analysis survives; remembers the refusals."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.refused: dict[str, FileResult] = {}

    def __call__(self, source: SourceFile) -> GoFile | None:
        refusal = too_deep(source, "go", self.ctx)
        if refusal is not None:
            self.refused[source.display] = refusal
            return None
        return load_file(source, source.path, source.source)


def _choose(
    files: list[SourceFile], directory: Path, ctx: RunContext, load: _Loader
) -> tuple[list[GoFile], RunContext]:
    """Parse the files that need it: those the planner did not leave to the names they
    mention (ctx.by_name) or to LL202 alone (ctx.loop_defer_only, kept only when they
    may defer a Close in a loop), and of those left to their names, the ones that reach
    a relevant package-level name (leaklint.golang.reach); a file left over that may
    defer a Close in a loop gets LL202 alone, any other is not parsed at all."""
    # The planner only guessed that a loop-only file may defer a Close in a loop.
    any_call = bool(ctx.settings.go.body_closers)  # a modelled closer may take no argument
    seeds = [f for f in files if f.path.name not in ctx.by_name and (
        f.path.name not in ctx.loop_defer_only or
        may_defer_close_in_loop(f.source, any_call=any_call))]
    loaded = [g for f in seeds if (g := load(f)) is not None]
    waiting = [f for f in files if f.path.name in ctx.by_name]
    if not waiting:
        return loaded, ctx
    reaching = [g for g in loaded if g.path.name not in ctx.loop_defer_only]
    joined, rest = reaching_files(reaching, waiting, load,
                                  _relevant_path(directory, ctx))
    loop_only = {f.path.name for f in rest if "LL202" in ctx.enabled and
                 may_defer_close_in_loop(f.source, any_call=any_call)}
    loaded += joined
    loaded += [g for f in rest if f.path.name in loop_only and (g := load(f)) is not None]
    if loop_only:
        ctx = dataclasses.replace(ctx, loop_defer_only=ctx.loop_defer_only | loop_only)
    return loaded, ctx


def analyse_package(files: list[SourceFile], ctx: RunContext) -> list[FileResult]:
    if not ctx.any_enabled(GO_RULES):
        return [FileResult(f.display) for f in files]
    directory = files[0].path.parent.resolve()
    load = _Loader(ctx)
    loaded, ctx = _choose(files, directory, ctx, load)
    results = {f.display: load.refused.get(f.display) or FileResult(f.display)
               for f in files}
    if not loaded:
        return list(results.values())
    parsed = {g.path.name for g in loaded}
    # A file left unparsed is still the package's: the index parses it if a name it
    # declares is looked up, like a sibling outside the run.
    unparsed = {f.path.name: f.source for f in files if f.path.name not in parsed}
    index = build_index(module.import_path_of(directory), loaded,
                        pending=_siblings(directory, parsed, unparsed))
    resolver = Resolver(index, directory, ctx.settings.go)
    for gofile in loaded:
        assert gofile.source is not None
        rules = ctx.rules_for(gofile.path.name)
        report = FileReport(gofile.source, "go", rules)
        result = results[gofile.source.display]
        check_ctx = GoCheckContext(gofile, resolver, report)
        # A file built only by Go releases long gone is never compiled today.
        skipped = buildtags.obsolete_release_only(gofile.data)
        for check in CHECKS:
            if skipped or not rules & check.RULES:
                continue
            try:
                check.run(check_ctx)
            except RecursionError:
                result.problems.append(FileProblem(
                    gofile.source.display, "code nested too deeply to analyse", "skipped"))
                break
            except Exception as exc:  # one rule's bug must not hide the others' findings
                result.problems.append(FileProblem(
                    gofile.source.display,
                    f"internal error in the Go analysis ({check.__name__.rsplit('.', 1)[-1]}): "
                    f"{type(exc).__name__}: {exc}", "skipped"))
        result.findings = report.findings
        gofile.release_caches()  # node lists are rebuilt on demand: memory stays per file
    module.release_sibling_caches()
    return list(results.values())
