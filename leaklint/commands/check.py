"""`leaklint check`: discover, analyse, report."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from leaklint import config as config_mod
from leaklint.ci import gate as ci_gate
from leaklint.context import RunContext
from leaklint.engine.discovery import discover, language_of, problem_kind
from leaklint.engine.runner import RunResult, merge, outcome_of, run
from leaklint.report.names import shown
from leaklint.report.output import OutputError, emit
from leaklint.report.summary import Summary
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
        for pattern in args.exclude:
            if (reason := config_mod.pattern_error(pattern)) is not None:
                raise config_mod.ConfigError(
                    f"--exclude: {pattern!r} is not a valid pattern ({reason})")
        overrides["exclude"] = tuple(args.exclude)
    if args.no_respect_gitignore:
        overrides["respect_gitignore"] = False
    if getattr(args, "timeout", None) is not None:
        overrides["timeout"] = args.timeout
    for key in ("select", "ignore", "extend_select"):
        named = getattr(args, key)
        if named is not None:
            config_mod.check_prefixes(named, f"--{key.replace('_', '-')}")
    return settings.with_overrides(**overrides)


def _exclude_spec(settings: config_mod.Settings) -> pathspec.PathSpec | None:
    patterns = [*settings.exclude, *settings.extend_exclude]
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def default_excludes(settings: config_mod.Settings) -> tuple[str, ...]:
    """The directory names a walk skips: `default-exclude`, or the built-in list."""
    from leaklint.engine.discovery import DEFAULT_EXCLUDES

    return DEFAULT_EXCLUDES if settings.default_exclude is None else settings.default_exclude


def _progress(args, total: int):
    """A progress line for this run, or None (see leaklint.engine.progress)."""
    from leaklint.engine import progress

    terminal = not args.quiet and sys.stderr.isatty()
    if not progress.wanted(getattr(args, "progress", False), terminal, os.environ):
        return None
    return progress.Progress(total, sys.stderr)


def _stderr(message: str) -> None:
    sys.stderr.write(f"leaklint: {message}\n")


def _cache(args, settings: config_mod.Settings):
    """The result cache at the project root, unless --no-cache."""
    if args.no_cache:
        return None
    from leaklint.engine.cache import Cache, code_fingerprint, project_root

    first = Path(args.paths[0]) if args.paths else Path(".")
    cache = Cache(project_root(first, settings.source), code_fingerprint(), notice=_stderr)
    refused = cache.open()
    if refused is not None:  # the cache only saves time: say why, go on without it
        _stderr(refused)
        return None
    return cache


def _run_records(args, ctx: RunContext, cache, entries):
    """The stored outcome of this very invocation, for a plain run over directories
    with the cache on (not a shard, not --fix or --diff, no baseline: those read or
    write more than the outcome)."""
    if cache is None or entries is not None or getattr(args, "write_baseline", None) \
            or getattr(args, "shard", None) is not None or getattr(args, "fix", False) \
            or getattr(args, "diff", False) or getattr(args, "unsafe_fixes", False):
        return None
    paths = list(args.paths) or ["."]
    if not all(os.path.isdir(p) for p in paths):
        return None
    from leaklint.engine.plan import context_fingerprint
    from leaklint.engine.run_record import RunRecords

    invocation = ["check", os.getcwd(), *paths,
                  context_fingerprint(ctx).decode("utf-8", "replace")]
    if getattr(args, "force_exclude", False):  # it changes which named paths are read
        invocation.append("--force-exclude")
    return RunRecords(cache, invocation)


def analyses_left_running() -> bool:
    """An in-process analysis ran out of time and was left running (engine.guard)."""
    from leaklint.engine.guard import abandoned_threads

    return abandoned_threads() > 0


def _output_is_an_input(output: Path | None, paths: list[str]) -> bool:
    """Whether the report would overwrite a source file the run analyses: one named as
    a PATH, or one inside a PATH directory (through a link too)."""
    if output is None:
        return False
    real = os.path.realpath(output)
    if not os.path.isfile(real) or language_of(Path(real)) is None:
        return False  # only a .go or .py file can be an input
    for raw in paths or ["."]:
        target = os.path.realpath(raw)
        if target == real or (os.path.isdir(target)
                              and real.startswith(target.rstrip(os.sep) + os.sep)):
            return True
    return False


def run_check(args) -> int:
    if args.jobs < 0:
        _stderr("error: --jobs must be 0 (every core) or a positive number")
        return EXIT_ERROR
    if _output_is_an_input(args.output, list(args.paths)):
        _stderr(f"error: -o/--output {shown(str(args.output))}: is one of the files being "
                "analysed; refusing to overwrite it with the report")
        return EXIT_ERROR
    try:
        settings = _settings(args)
    except config_mod.ConfigError as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    enabled = enabled_rules(settings.select, settings.ignore, settings.extend_select)
    if getattr(args, "show_settings", False):
        return _show_settings(args, settings, enabled)
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
            force_exclude=args.force_exclude,
            skip=default_excludes(settings),
        )
        if getattr(args, "shard", None) is not None:
            from leaklint.ci import shard

            found.files = shard.select(found.files, args.shard)
            found.problems = [(p, r) for p, r in found.problems
                              if shard.in_shard(p, args.shard)]
        progress = _progress(args, len(found.files))
        try:
            result = run(found.files, ctx, jobs=args.jobs, cache=cache, inputs=inputs,
                         progress=progress, isolate=True)
        finally:
            if progress is not None:
                progress.close()
        files, discovery_problems = found.files, found.problems
        if records is not None and inputs is not None:  # (always both or neither)
            records.save(outcome_of(result), discovery_problems, inputs)
    result.problems[:0] = [FileProblem(p, reason, problem_kind(reason))
                           for p, reason in discovery_problems]
    for problem in result.problems:
        notice = "notice: " if problem.kind == "notice" else ""
        _stderr(f"{notice}{shown(problem.path)}: {problem.reason}")

    base = _path_base(args)
    try:
        gate = ci_gate.apply(args, result, files, base, changes, entries)
    except OutputError as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    fix_failed = False
    if getattr(args, "diff", False) or getattr(args, "fix", False) or getattr(
            args, "unsafe_fixes", False):
        outcome, fix_failed = _fixes(args, result, gate)
        if outcome is not None:
            return outcome
    summary = Summary.of(result.findings, files_checked=result.files_analysed,
                         suppressed=result.suppressed, written=gate.written)
    text = _render(args, result, base, gate.prints, summary) + gate.summary(args)
    try:
        emit(text, args.output)
    except OutputError as exc:
        _stderr(f"error: {exc}")
        return EXIT_ERROR
    if args.output is not None and not args.quiet:
        # The report went to a file: the log (a CI job's, say) still shows the count.
        sys.stderr.write("".join(line + "\n" for line in summary.lines(args.write_baseline)))
    if fix_failed:  # the findings left are reported; a file that could not be fixed is not success
        return EXIT_ERROR
    if any(not os.path.lexists(p) for p in args.paths):
        # A PATH that does not exist is a usage error (a typo in a CI script must not
        # pass quietly); the paths that exist were still analysed and reported.
        return EXIT_ERROR
    if result.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _show_settings(args, settings: config_mod.Settings, enabled: frozenset[str]) -> int:
    from leaklint.commands.show_settings import render

    start = Path(args.paths[0]) if args.paths else Path(".")
    found = config_mod.configuration_files(start)
    used = args.config if args.config is not None else (found[0] if found else None)
    sys.stdout.write(render(settings, used=used, found=found, enabled=enabled,
                            default_exclude=default_excludes(settings)))
    return EXIT_CLEAN


def _fixes(args, result, gate) -> tuple[int | None, bool]:
    """--diff: print the fixes and stop (exit 1 when there are some). --fix (and
    --unsafe-fixes): write them, then report the findings that are left (None: go on).
    The flag: some file could not be fixed (the run then exits 2 after the report)."""
    from leaklint.ci import fixing

    unsafe = getattr(args, "unsafe_fixes", False)
    plan = fixing.plan_fixes(result.findings, unsafe=unsafe)
    for error in plan.errors:
        _stderr(f"error: {error}")
    if args.diff:
        sys.stdout.write("".join(fixing.unified_diff(f) for f in plan.fixes))
        count = sum(len(f.findings) for f in plan.fixes)
        files = len(plan.fixes)
        _stderr(f"{count} fix{'es' * (count != 1)} available"
                + (f" in {files} file{'s' * (files != 1)}" if files else ""))
        _hint_unsafe(result.findings, unsafe)
        if plan.errors:
            return EXIT_ERROR, True
        return (EXIT_FINDINGS if plan.fixes and not args.exit_zero else EXIT_CLEAN), False
    written = []
    failed = bool(plan.errors)
    for fix in plan.fixes:
        try:
            fixing.write(fix)
        except fixing.FixError as exc:
            _stderr(f"error: {exc}")
            failed = True
            continue
        written.append(fix)
    fixed = {id(f) for fix in written for f in fix.findings}
    keep = [i for i, f in enumerate(result.findings) if id(f) not in fixed]
    result.findings = [result.findings[i] for i in keep]
    gate.prints = [gate.prints[i] for i in keep]
    if fixed:
        _stderr(f"fixed {len(fixed)} finding{'s' * (len(fixed) != 1)} "
                f"in {len(written)} file{'s' * (len(written) != 1)}")
    _hint_unsafe(result.findings, unsafe)
    return None, failed


def _hint_unsafe(findings, unsafe: bool) -> None:
    if unsafe:
        return
    hidden = sum(1 for f in findings if f.fix is not None and f.fix.edits and not f.fix.safe)
    if hidden:
        _stderr(f"{hidden} more fix{'es' * (hidden != 1)} available with --unsafe-fixes")


def _path_base(args) -> Path:
    if args.path_base:
        return args.path_base.resolve()
    from leaklint.ci.fingerprint import repository_root

    return repository_root(Path(args.paths[0]) if args.paths else Path("."))


def _render(args, result, base: Path, prints: list[str], summary: Summary) -> str:
    if args.format == "json":
        from leaklint.report.json_report import render

        return render(result.findings, summary, prints)
    if args.format == "sarif":
        from leaklint.report.sarif import render

        return render(result.findings, result.problems, base=base,
                      category=args.sarif_category, prints=prints)
    if args.format == "github":
        from leaklint.report.github import render

        return render(result.findings, base)
    if args.format == "gitlab":
        from leaklint.report.gitlab import render

        return render(result.findings, base, prints)
    if args.format == "junit":
        from leaklint.report.junit import render

        return render(result.findings, base)
    from leaklint.report.text import render

    return render(
        result.findings, color=use_color(args.color, args.output is None and sys.stdout.isatty()),
        statistics=args.statistics, quiet=args.quiet, summary=summary,
        show_source=args.show_source or args.format == "full",
        baseline_file=args.write_baseline,
    )


def use_color(choice: str, terminal: bool, env: Mapping[str, str] = os.environ) -> bool:
    """--color always/never win; on auto, NO_COLOR (https://no-color.org) turns colour
    off and FORCE_COLOR on, whatever the output is, before the terminal decides."""
    if choice != "auto":
        return choice == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return terminal
