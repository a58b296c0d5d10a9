"""Go analysis (tree-sitter-go). Entry point: analyse_package, one directory at a time."""

from __future__ import annotations

from pathlib import Path

from leaklint.context import RunContext
from leaklint.emit import FileReport
from leaklint.golang import module
from leaklint.golang.checks import ALL as CHECKS
from leaklint.golang.context import GoCheckContext
from leaklint.golang.index import build_index, load_file
from leaklint.golang.resolve import Resolver
from leaklint.model import FileProblem, FileResult
from leaklint.sources import SourceFile

GO_RULES = frozenset().union(*(c.RULES for c in CHECKS))


def _siblings(directory: Path, selected: set[Path]) -> list[Path]:
    """Files of the same package the run does not report on; the index parses them
    only when it needs a name they declare."""
    out = []
    for path in module.go_files(directory):
        try:
            if path.resolve() not in selected:
                out.append(path)
        except OSError:
            continue
    return out


def analyse_package(files: list[SourceFile], ctx: RunContext) -> list[FileResult]:
    if not ctx.any_enabled(GO_RULES):
        return [FileResult(f.display) for f in files]
    directory = files[0].path.parent.resolve()
    loaded = [load_file(f, f.path, f.source) for f in files]
    selected = {f.path.resolve() for f in files}
    index = build_index(module.import_path_of(directory), loaded,
                        pending=_siblings(directory, selected))
    resolver = Resolver(index, directory, ctx.settings.go)
    results = []
    for gofile in loaded:
        assert gofile.source is not None
        rules = ctx.rules_for(gofile.path.name)
        report = FileReport(gofile.source, "go", rules)
        result = FileResult(gofile.source.display)
        check_ctx = GoCheckContext(gofile, resolver, report)
        for check in CHECKS:
            if not rules & check.RULES:
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
        results.append(result)
        gofile.release_caches()  # node lists are rebuilt on demand: memory stays per file
    module.release_sibling_caches()
    return results
