"""Files built only for WebAssembly hosts (js/wasm, wasip1): their net/http has no sockets.
Files built only by Go releases no toolchain in use still is (`//go:build !go1.7`).
Magefiles (`//go:build mage`): build targets the mage tool runs once per invocation.

Under GOOS=js the Transport sends through the browser's Fetch API, and a listener of
js or wasip1 lives on the runtime's fake in-process network, so no idle connection or
stalled peer holds a socket: LL401 and LL402 say nothing there. A file is such when
its name ends in a GOOS/GOARCH suffix of those hosts (`_js.go`, `_wasm.go`,
`_wasip1.go`, maybe before `_test`) or its `//go:build` line requires one of their tags
in every case (`wasm`, `js && wasm`, `(js || wasip1) && !tinygo`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_WASM_TAGS = frozenset({"js", "wasm", "wasip1"})
_SUFFIX = re.compile(r"_(js|wasip1|wasm)(_wasm)?(_test)?\.go$")
_BUILD_LINE = re.compile(rb"^//go:build\s+(.+)$", re.MULTILINE)
_PLUS_BUILD_LINE = re.compile(rb"^// \+build\s+(.+)$", re.MULTILINE)
# Every toolchain still in use satisfies go1.1 ... go1.21 (each release's tag holds for
# all later ones): a file that needs one of them false never builds.
_OLD_RELEASE = re.compile(r"!go1\.(\d+)")
_NEWEST_ASSUMED = 21


def wasm_only(name: str, data: bytes) -> bool:
    """The file builds only for js/wasm or wasip1 (by its name or its build line)."""
    if _SUFFIX.search(name):
        return True
    expr = _build_expression(data)
    return expr is not None and _requires(expr, _WASM_TAGS.__contains__)


def _build_expression(data: bytes) -> str | None:
    """The expression of the file's `//go:build` line, if it has one."""
    header = data.split(b"\npackage ", 1)[0]
    match = _BUILD_LINE.search(header)
    return match.group(1).decode("utf-8", "replace") if match is not None else None


def _requires(expr: str, holds: Callable[[str], bool]) -> bool:
    """Every way to satisfy the constraint makes some term hold: each `||` alternative
    does, or some `&&` term does (`&&` binds tighter, as in Go); a term the predicate
    does not accept (a negation, anything unread) makes the answer no."""
    alternatives = _top_level(expr, "||")
    if len(alternatives) > 1:
        return all(_requires(a, holds) for a in alternatives)
    terms = _top_level(expr, "&&")
    if len(terms) > 1:
        return any(_requires(t, holds) for t in terms)
    term = expr.strip()
    if term.startswith("(") and term.endswith(")") and _balanced(term[1:-1]):
        return _requires(term[1:-1], holds)
    return holds(term)


def _top_level(expr: str, operator: str) -> list[str]:
    """expr split at operator outside parentheses."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(expr):
        ch = expr[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and expr.startswith(operator, i):
            parts.append(expr[start:i])
            start = i + len(operator)
            i = start
            continue
        i += 1
    parts.append(expr[start:])
    return parts


def _balanced(expr: str) -> bool:
    depth = 0
    for ch in expr:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def obsolete_release_only(data: bytes) -> bool:
    """The file's build constraint holds only under a Go release older than any in use
    (`//go:build !go1.7`, `// +build !go1.7`, a fallback for toolchains before a
    feature): the file is never compiled today, so its code says nothing about leaks."""
    expr = _build_expression(data)
    if expr is not None:
        return _requires(expr, _old_release_term)
    lines = _PLUS_BUILD_LINE.findall(data.split(b"\npackage ", 1)[0])
    # `// +build`: lines AND together, spaces OR, commas AND.
    return any(all(any(_old_release_term(term) for term in option.split(","))
                   for option in line.decode("utf-8", "replace").split())
               for line in lines)


def _old_release_term(term: str) -> bool:
    match = _OLD_RELEASE.fullmatch(term.strip())
    return match is not None and int(match.group(1)) <= _NEWEST_ASSUMED


def mage_only(data: bytes) -> bool:
    """The file builds only with the `mage` tag: a magefile, whose targets (and what
    they call) the mage tool runs once per invocation, like a command's main."""
    expr = _build_expression(data)
    return expr is not None and _requires(expr, "mage".__eq__)
