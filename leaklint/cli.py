"""Command line: `leaklint check` and `leaklint rules` (SPEC §2). Exit 0/1/2."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from leaklint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM = 128 + 2, 128 + 15  # shell convention for a signal's death


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 like ruff, with no traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"leaklint: error: {message}\n")


def _prefixes(value: str) -> list[str]:
    return [v.strip().upper() for v in value.split(",") if v.strip()]


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}")
    return seconds


def _shard(value: str) -> tuple[int, int]:
    from leaklint.ci.shard import parse

    return parse(value)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="leaklint", description="Find connection leaks in Go and Python code.")
    parser.add_argument("--version", action="version", version=f"leaklint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="analyse files and directories")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    check.add_argument("--format", "--output-format", default="text",
                       choices=("text", "full", "json", "sarif", "github", "gitlab", "junit"),
                       help="report format: text, full (text with the source line of each "
                            "finding), json, sarif (code scanning), github (annotations), "
                            "gitlab (Code Quality), junit (JUnit XML)")
    check.add_argument("--output", "-o", type=Path, help="write the report here (atomically)")
    # Comma lists, and repeats add up (`--ignore LL301 --ignore LL402`), as in ruff.
    check.add_argument("--select", type=_prefixes, action="extend",
                       help="rule ids or prefixes to run, ALL for every rule "
                            "(comma-separated; repeats add up)")
    check.add_argument("--ignore", type=_prefixes, action="extend",
                       help="rule ids or prefixes to skip (comma-separated; repeats add up)")
    check.add_argument("--extend-select", type=_prefixes, action="extend",
                       help="add to the selection (comma-separated; repeats add up)")
    check.add_argument("--exclude", type=lambda v: [p for p in v.split(",") if p],
                       action="extend",
                       help="glob patterns of paths not to analyse "
                            "(comma-separated; repeats add up)")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply exclude patterns to files and directories named on "
                            "the command line too (for pre-commit)")
    check.add_argument("--config", type=Path, help="configuration file to use")
    check.add_argument("--jobs", "-j", type=int, default=0, help="worker processes (0: all cores)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    check.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                       help="time budget of a file or Go package per 100 KB of its source, "
                            "twice that at least (default 5; 0: none)")
    check.add_argument("--shard", type=_shard, metavar="I/N",
                       help="analyse only the I-th of N shares of the files (CI runners)")
    fixes = check.add_mutually_exclusive_group()
    fixes.add_argument("--fix", action="store_true",
                       help="apply the safe fixes; report what is left")
    fixes.add_argument("--diff", action="store_true",
                       help="print the safe fixes as a diff; change nothing")
    check.add_argument("--progress", action="store_true",
                       help="show a progress count on stderr even in a pipe or CI log "
                            "(shown on a terminal by default when a run takes over 2 s)")
    check.add_argument("--show-settings", action="store_true",
                       help="print the configuration file in use and the settings in "
                            "force, then exit")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also the fixes that may change behaviour: applied (as with "
                            "--fix), or shown with --diff")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument("--quiet", "-q", action="store_true", help="findings only, no summary")
    check.add_argument("--no-respect-gitignore", action="store_true",
                       help="analyse files that .gitignore lists")
    check.add_argument("--path-base", type=Path,
                       help="SARIF URIs relative to this directory (default: git top level)")
    check.add_argument("--sarif-category", help="SARIF runAutomationDetails category")
    check.add_argument("--diff-base", metavar="REF",
                       help="only findings in functions changed since the merge base with REF")
    check.add_argument("--baseline", type=Path, metavar="FILE",
                       help="do not report findings recorded in this baseline file")
    check.add_argument("--write-baseline", type=Path, metavar="FILE",
                       help="record every current finding in FILE (the run then passes)")
    check.add_argument("--show-source", action="store_true",
                       help="text: show each finding's source line, a caret under the column")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: on a terminal; NO_COLOR and "
                            "FORCE_COLOR are honoured)")

    rules = sub.add_parser("rules", help="list the rule catalogue or explain one rule")
    rules.add_argument("rule", nargs="?", help="a rule id such as LL101")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    return parser


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so that cleanup (temp files) runs."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated


def _reopen_closed_streams() -> None:
    """Started with stdout or stderr closed (`>&-`, `2>&-`), Python has None for the
    stream and the descriptor is free: the next file opened would take it, and a write
    to the stream fail. Both go to the null device instead, so the run, its --output
    file and its exit status are what they would have been."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:  # the process's own stream: never closed
            stream = open(fd, "w", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                          closefd=False)
            setattr(sys, name, stream)


def main(argv: list[str] | None = None) -> int:
    _reopen_closed_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    # Only the main thread may install handlers (main() may be called from a library);
    # the previous handler comes back afterwards.
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if on_main else None
    try:
        return _dispatch(parser, args)
    finally:
        if on_main and previous is not None:
            signal.signal(signal.SIGTERM, previous)


def console() -> None:
    """The `leaklint` command. After a signal, the process ends without the interpreter's
    shutdown: a native parser's thread state torn down mid-file can abort it there
    (SIGABRT instead of the conventional 130/143); the same after a file that ran out
    of time in process, whose parse may still be running."""
    code = main()
    from leaklint.commands.check import analyses_left_running

    if code in (EXIT_SIGINT, EXIT_SIGTERM) or analyses_left_running():
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    sys.exit(code)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if args.command == "check":
            from leaklint.commands.check import run_check

            return run_check(args)
        if args.command == "rules":
            from leaklint.commands.rules import run_rules

            return run_rules(args)
        parser.print_help()
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("leaklint: interrupted\n")
        return EXIT_SIGINT
    except Terminated:
        sys.stderr.write("leaklint: terminated\n")
        return EXIT_SIGTERM
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:  # a bug of ours: one line, not a traceback, in a CI log
        sys.stderr.write(f"leaklint: internal error: {type(exc).__name__}: {exc}\n")
        return EXIT_ERROR
