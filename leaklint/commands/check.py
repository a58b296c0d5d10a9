"""`leaklint check`: discover, analyse, report."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from leaklint import config as config_mod
from leaklint.ci import gate as ci_gate
from leaklint.context import RunContext
from leaklint.engine.discovery import discover
from leaklint.engine.runner import RunResult, merge, outcome_of, run
from leaklint.report.output import OutputError, emit
from leaklint.selection import enabled_rules

if TYPE_CHECKING:
    import pathspec

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _settings(args) -> config_mod.Settings:
    if args.config is not None:
        if not args.config.is_file():
            raise config_mod.ConfigError(f"{args.config}: configuration file not found")
        settings = config_mod.load_file(args.config)
        if settings is None:
            raise config_mod.ConfigError(f"{args.config}: has no [tool.leaklint] table")
    else:
        settings = config_mod.discover(Path(args.paths[0]) if args.paths else Path("."))
    overrides: dict = {}
    if args.select is not None:
        overrides["select"] = tuple(args.select)
    if args.ignore is not None:
        overrides["ignore"] = settings.ignore + tuple(args.ignore)
    if args.extend_select is not None:
        overrides["extend_select"] = settings.extend_select + tuple(args.extend_select)
    if args.exclude is not None:
        overrides["exclude"] = tuple(args.exclude)
    if args.no_respect_gitignore:
        overrides["respect_gitignore"] = False
    if getattr(args, "timeout", None) is not None:
        overrides["timeout"] = args.timeout
    for key in ("select", "ignore", "extend_select"):
        for prefix in overrides.get(key, ()):
            if not config_mod.RULE_PREFIX.match(prefix):
                raise config_mod.ConfigError(
                    f"--{key.replace('_', '-')}: unknown rule or prefix {prefix!r}; "
                    "allowed: LL, LL1, LL101 ... or ALL"
                )
    return settings.with_overrides(**overrides)


def _exclude_spec(settings: config_mod.Settings) -> pathspec.PathSpec | None:
    patterns = [*settings.exclude, *settings.extend_exclude]
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _stderr(message: str) -> None:
    sys.stderr.write(f"leaklint: {message}\n")


def _cache(args, settings: config_mod.Settings):
    """The result cache at the project root, unless --no-cache."""
    if args.no_cache:
        return None
    from leaklint.engine.cache import Cache, code_fingerprint, project_root

    first = Path(args.paths[0]) if args.paths else Path(".")
    return Cache(project_root(first, settings.source), code_fingerprint())


def _run_records(args, ctx: RunContext, cache, entries):
    """The stored outcome of this very invocation, for a plain run over directories
    with the cache on (not a shard, not --fix or --diff, no baseline: those read or
    write more than the outcome)."""
    if cache is None or entries is not None or getattr(args, "write_baseline", None) \
            or getattr(args, "shard", None) is not None or getattr(args, "fix", False) \
            or getattr(args, "diff", False):
        return None
    paths = list(args.paths) or ["."]
    if not all(os.path.isdir(p) for p in paths):
        return None
    from leaklint.engine.plan import context_fingerprint
    from leaklint.engine.run_record import RunRecords

    cache.prepare()  # before the walk: creating it changes the directory that holds it

    invocation = ["check", os.getcwd(), *paths,
                  context_fingerprint(ctx).decode("utf-8", "replace")]
    return RunRecords(cache, invocation)


def analyses_left_running() -> bool:
    """An in-process analysis ran out of time and was left running (engine.guard)."""
    from leaklint.engine.guard import abandoned_threads

    return abandoned_threads() > 0


def run_check(args) -> int:
    if args.jobs < 0:
        _stderr("error: --jobs must be 0 (every core) or a positive number")
        return EXIT_ERROR
    try:
        settings = _settings(args)
    except config_mod.ConfigError as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    enabled = enabled_rules(settings.select, settings.ignore, settings.extend_select)
    ctx = RunContext(settings=settings, enabled=enabled)
    try:  # fail fast on a bad --diff-base or --baseline, before any analysis
        changes, entries = ci_gate.prepare(args)
    except ci_gate.GateError as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    from leaklint.model import FileProblem

    cache = _cache(args, settings)
    records = _run_records(args, ctx, cache, entries)
    recorded = records.load() if records is not None else None
    files: list = []
    if recorded is not None:  # nothing it read has moved since: its outcome stands
        outcome, discovery_problems = recorded
        result = RunResult()
        merge(outcome, result)
    else:
        from leaklint.engine.run_record import Inputs

        inputs = Inputs() if records is not None else None
        found = discover(
            list(args.paths), exclude=_exclude_spec(settings),
            respect_gitignore=settings.respect_gitignore, inputs=inputs,
        )
        if getattr(args, "shard", None) is not None:
            from leaklint.ci import shard

            found.files = shard.select(found.files, args.shard)
            found.problems = [(p, r) for p, r in found.problems
                              if shard.in_shard(p, args.shard)]
        result = run(found.files, ctx, jobs=args.jobs, cache=cache, inputs=inputs,
                     isolate=True)
        files, discovery_problems = found.files, found.problems
        if records is not None and inputs is not None:  # (always both or neither)
            records.save(outcome_of(result), discovery_problems, inputs)
    result.problems[:0] = [FileProblem(p, reason, "unreadable") for p, reason in discovery_problems]
    for problem in result.problems:
        _stderr(f"{problem.path}: {problem.reason}")

    base = _path_base(args)
    try:
        gate = ci_gate.apply(args, result, files, base, changes, entries)
    except OutputError as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    if getattr(args, "diff", False) or getattr(args, "fix", False):
        outcome = _fixes(args, result, gate)
        if outcome is not None:
            return outcome
    text = _render(args, result, base, gate.prints) + gate.summary(args)
    try:
        emit(text, args.output)
    except OutputError as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    if any(not os.path.lexists(p) for p in args.paths):
        # A PATH that does not exist is a usage error (a typo in a CI script must not
        # pass quietly); the paths that exist were still analysed and reported.
        return EXIT_ERROR
    if result.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _fixes(args, result, gate) -> int | None:
    """--diff: print the fixes and stop (exit 1 when there are some). --fix: write them,
    then report the findings that are left (None: go on)."""
    from leaklint.ci import fixing

    try:
        planned = fixing.plan_fixes(result.findings)
        if args.diff:
            sys.stdout.write("".join(fixing.unified_diff(f) for f in planned))
            count = sum(len(f.findings) for f in planned)
            _stderr(f"{count} fix{'es' * (count != 1)} available"
                    + (f" in {len(planned)} file{'s' * (len(planned) != 1)}" if planned else ""))
            return EXIT_FINDINGS if planned and not args.exit_zero else EXIT_CLEAN
        for fix in planned:
            fixing.write(fix)
    except fixing.FixError as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    fixed = {id(f) for fix in planned for f in fix.findings}
    keep = [i for i, f in enumerate(result.findings) if id(f) not in fixed]
    result.findings = [result.findings[i] for i in keep]
    gate.prints = [gate.prints[i] for i in keep]
    if fixed:
        _stderr(f"fixed {len(fixed)} finding{'s' * (len(fixed) != 1)} "
                f"in {len(planned)} file{'s' * (len(planned) != 1)}")
    return None


def _path_base(args) -> Path:
    if args.path_base:
        return args.path_base.resolve()
    from leaklint.ci.fingerprint import repository_root

    return repository_root(Path(args.paths[0]) if args.paths else Path("."))


def _render(args, result, base: Path, prints: list[str]) -> str:
    if args.format == "json":
        from leaklint.report.json_report import render

        return render(result.findings)
    if args.format == "sarif":
        from leaklint.report.sarif import render

        return render(result.findings, result.problems, base=base,
                      category=args.sarif_category, prints=prints)
    if args.format == "github":
        from leaklint.report.github import render

        return render(result.findings, base)
    from leaklint.report.text import render

    color = args.color == "always" or (
        args.color == "auto" and args.output is None and sys.stdout.isatty()
    )
    return render(
        result.findings, color=color, statistics=args.statistics, quiet=args.quiet,
        files=result.files_analysed, suppressed=result.suppressed,
    )
