"""Keeps one bad file from taking the run down (SPEC §7).

Two dangers: native parsers (libcst) overflow the C stack on deeply nested brackets and
kill the process outright, and analysis code that walks trees recursively raises
RecursionError. The first is prevented by measuring nesting before any parse; the second
by running each analysis on a thread with a large stack and a raised recursion limit, so
that a RecursionError stays a Python exception for that file only.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# CPython refuses more than 200 nested brackets, so no valid Python file is lost here;
# libcst crashes the process somewhere above 1,000. Go allows far more, but no written
# Go program comes near this, and the analysis cost grows with depth.
MAX_NESTING = {"python": 200, "go": 1000}
_STACK_BYTES = 256 * 1024 * 1024
_RECURSION_LIMIT = 50_000
_OPEN, _CLOSE = frozenset(b"([{"), frozenset(b")]}")


@dataclass(frozen=True)
class Nesting:
    depth: int  # deepest bracket nesting seen (stops counting just past the limit)
    line: int  # 1-based line where the limit was first exceeded (0: not exceeded)
    column: int  # 1-based byte column there


# Brackets, and the strings and comments whose brackets do not count. One regex pass:
# the scan costs C time per byte and Python time per bracket, not per byte.
# (Unrolled loops, `[^'\\]*(?:\\.[^'\\]*)*`: linear and fast on megabyte literals.)
_STRINGS = rb"""'[^'\\\n]*(?:\\.[^'\\\n]*)*'?|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?"""
# Strings and comments per language: their brackets do not count.
_NOISE_PATTERNS = {
    "python": (rb"#[^\n]*"
               rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
               rb'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)|' + _STRINGS),
    "go": rb"//[^\n]*|/\*.*?(?:\*/|\Z)|`[^`]*`?|" + _STRINGS,
}
_TOKENS = {language: re.compile(rb"[()\[\]{}]|" + pattern, re.DOTALL)
           for language, pattern in _NOISE_PATTERNS.items()}
# Removing the noise, then runs of anything but brackets, leaves the bracket skeleton.
_NOISE = {language: re.compile(pattern, re.DOTALL)
          for language, pattern in _NOISE_PATTERNS.items()}
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"()[]{}")  # deleted by translate
_INNERMOST = re.compile(rb"\(\)|\[\]|\{\}")


def _skeleton_depth(source: bytes, language: str, limit: int) -> int | None:
    """The bracket depth, by removing innermost pairs one level per pass (each pass is
    one regex substitution in C); None when the brackets do not pair up or the depth
    passes the limit, where the exact scan must say where."""
    skeleton = _NOISE[language].sub(b"", source).translate(None, _NOT_BRACKETS)
    depth = 0
    while skeleton:
        reduced = _INNERMOST.sub(b"", skeleton)
        if len(reduced) == len(skeleton):
            return None  # unpaired brackets: the exact scan clamps and counts them
        skeleton = reduced
        depth += 1
        if depth > limit:
            return None
    return depth


def nesting(source: bytes, language: str) -> Nesting:
    """Bracket depth outside strings and comments, without a parse."""
    limit = MAX_NESTING[language]
    fast = _skeleton_depth(source, language, limit)
    if fast is not None:
        return Nesting(fast, 0, 0)
    return _exact_nesting(source, language, limit)


def _exact_nesting(source: bytes, language: str, limit: int) -> Nesting:
    """A linear scan that also says where the limit is first passed."""
    depth = deepest = 0
    for match in _TOKENS[language].finditer(source):
        at = match.start()
        first = source[at]
        if first in _OPEN and match.end() == at + 1:
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > limit:
                    line_start = source.rfind(b"\n", 0, at) + 1
                    return Nesting(depth, source.count(b"\n", 0, at) + 1, at - line_start + 1)
        elif first in _CLOSE:
            depth = max(0, depth - 1)
    return Nesting(deepest, 0, 0)


class AnalysisCrashed(Exception):
    """The analysis raised; the original exception is the cause."""


class OutOfTime(Exception):
    """The analysis in flight ran past the time budget of its unit (see time_budget)."""


# When the unit analysed in this process must end (time.monotonic()); None: no budget.
# Worker processes have none: the parent that supervises them kills one that overruns.
_deadline: float | None = None
# Analysis threads left running (out of time, or the run was interrupted): a native
# parser cannot be stopped from outside. Their process ends without the interpreter's
# shutdown (see leaklint.cli.console), which could abort with them still inside one.
_abandoned: list[threading.Thread] = []


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Deep guarded calls inside the block raise OutOfTime once `seconds` have passed."""
    global _deadline
    previous = _deadline
    _deadline = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline = previous


def abandoned_threads() -> int:
    """How many analysis threads are still running that nothing waits for."""
    return sum(1 for thread in _abandoned if thread.is_alive())


def call_guarded(fn: Callable[..., T], *args: object, deep: bool = True) -> T:
    """Run fn(*args); any exception it raises comes back as AnalysisCrashed (RecursionError
    included), KeyboardInterrupt and the like pass. With deep (for calls that parse and walk
    trees) it runs on a large-stack thread; a thread costs a few hundred microseconds, too
    much for the many files a prefilter turns away, so those run inline."""
    if not deep:
        try:
            return fn(*args)
        except Exception as exc:
            raise AnalysisCrashed(describe(exc)) from exc
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = fn(*args)
        except Exception as exc:  # every analysis bug is contained to its file
            outcome["error"] = exc

    old_limit = sys.getrecursionlimit()
    old_stack = threading.stack_size()
    try:
        with contextlib.suppress(ValueError, RuntimeError):  # platform without the knob
            threading.stack_size(_STACK_BYTES)
        sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
        worker = threading.Thread(target=target, name="leaklint-analysis", daemon=True)
        worker.start()
    finally:
        threading.stack_size(old_stack)
    try:
        _join(worker)
    except BaseException:
        # Out of time or interrupted: the file in progress is not waited for (a native
        # parse can run for minutes); the thread is left to run out on its own.
        if worker.is_alive():
            _abandoned.append(worker)
        raise
    finally:
        sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        raise AnalysisCrashed(describe(outcome["error"])) from outcome["error"]  # type: ignore[arg-type]
    return outcome["value"]  # type: ignore[return-value]


def _join(worker: threading.Thread) -> None:
    """Wait for the analysis thread, up to the deadline of the unit in flight."""
    deadline = _deadline
    while worker.is_alive():
        if deadline is None:
            worker.join()
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            raise OutOfTime
        worker.join(left)


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""  # not positions
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
