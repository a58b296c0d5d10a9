"""Keeps one bad file from taking the run down (SPEC §7).

Two dangers: native parsers (libcst) overflow the C stack on deeply nested brackets and
kill the process outright, and analysis code that walks trees recursively raises
RecursionError. The first is prevented by measuring nesting before any parse; the second
by running each analysis on a thread with a large stack and a raised recursion limit, so
that a RecursionError stays a Python exception for that file only.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
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


def nesting(source: bytes, language: str) -> Nesting:
    """Bracket depth outside strings and comments: a linear scan, no parse."""
    limit = MAX_NESTING[language]
    depth = deepest = 0
    line, line_start = 1, 0
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == 0x0A:
            line, line_start = line + 1, i + 1
        elif c in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > limit:
                    return Nesting(depth, line, i - line_start + 1)
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif c == 0x23 and language == "python":  # '#': comment to end of line
            i = _line_end(source, i)
            continue
        elif c == 0x2F and language == "go" and source[i + 1:i + 2] in (b"/", b"*"):
            if source[i + 1] == 0x2F:
                i = _line_end(source, i)
                continue
            end = source.find(b"*/", i + 2)
            end = n if end < 0 else end + 2
            line += source.count(b"\n", i, end)
            last = source.rfind(b"\n", i, end)
            line_start = last + 1 if last >= 0 else line_start
            i = end
            continue
        elif c in (0x22, 0x27, 0x60):  # quotes: skip the literal
            end = _string_end(source, i, language)
            line += source.count(b"\n", i, end)
            last = source.rfind(b"\n", i, end)
            line_start = last + 1 if last >= 0 else line_start
            i = end
            continue
        i += 1
    return Nesting(deepest, 0, 0)


def _line_end(source: bytes, i: int) -> int:
    end = source.find(b"\n", i)
    return len(source) if end < 0 else end


def _string_end(source: bytes, i: int, language: str) -> int:
    quote = source[i:i + 1]
    if language == "python" and source[i:i + 3] == quote * 3:
        end = source.find(quote * 3, i + 3)
        while end > 0 and _escaped(source, end):
            end = source.find(quote * 3, end + 1)
        return len(source) if end < 0 else end + 3
    if quote == b"`":  # Go raw string: no escapes, may span lines
        end = source.find(b"`", i + 1)
        return len(source) if end < 0 else end + 1
    j = i + 1
    while j < len(source):
        c = source[j]
        if c == 0x5C:  # backslash
            j += 2
            continue
        if c == source[i] or c == 0x0A:  # an unterminated literal ends at the line end
            return j + 1 if c == source[i] else j
        j += 1
    return len(source)


def _escaped(source: bytes, at: int) -> bool:
    backslashes = 0
    while at - backslashes - 1 >= 0 and source[at - backslashes - 1] == 0x5C:
        backslashes += 1
    return backslashes % 2 == 1


class AnalysisCrashed(Exception):
    """The analysis raised; the original exception is the cause."""


def call_guarded(fn: Callable[..., T], *args: object) -> T:
    """Run fn(*args) on a large-stack thread; any exception it raises comes back as
    AnalysisCrashed (RecursionError included), KeyboardInterrupt and the like pass."""
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
        worker.join()
    finally:
        sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        raise AnalysisCrashed(describe(outcome["error"])) from outcome["error"]  # type: ignore[arg-type]
    return outcome["value"]  # type: ignore[return-value]


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
